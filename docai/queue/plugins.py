"""Plugin jobs on the queue: submit a capability call over stored inputs, run it on a gpu worker.

One generic task (``docai.plugin`` on the gpu queue) runs every plugin family, so a third-party plugin needs
no worker code. The inputs are stored once (content-addressed) and travel by reference; the message carries
only the job id. The request is checked at submit time as the worker will use it — family and capability,
the typed request, the family's options, every input opened within its limits — so a bad one never reaches
a worker. A checkpoint named like a hub id is loaded from ``<storage>/models/<name>`` when the storage holds it
(:func:`docai.queue.policy.worker_plugin_model`). Progress is counted in input items (images and PDF pages);
the result is a :class:`schemas.plugins.PluginResult` stored like a conversion's Document, in the job storage
(generated images as base64 PNG inside it; ``GET /v1/jobs/{id}/images/{n}`` serves each as ``image/png``).
"""

from __future__ import annotations

from typing import Any

from docai.errors import ConfigError, InputError
from docai.ingest.source import sniff_mime_type
from docai.options import Limits
from docai.plugins.base import build_request
from docai.plugins.models import family_options, resolve
from docai.queue.policy import check_model_name
from docai.queue.uploads import Upload, staged_upload
from docai.settings import Settings
from schemas.jobs import JobKind, JobRequest, JobStatus
from schemas.plugins import Capability, PluginJobRequest

#: most inputs one plugin job may carry
MAX_INPUTS = 256


def submit_plugin(inputs: list[tuple[Upload, str]], model: str, capability: Capability | str,
                  request: dict[str, Any] | None = None, options: dict[str, Any] | None = None, *,
                  pages: str | None = None, settings: Settings | None = None) -> JobStatus:
    """Queue ``capability`` of plugin model ``model`` over ``inputs`` (bytes, file name); its ``queued`` status.

    Raises a :class:`DocaiError` for an unknown family, a model without the capability, a checkpoint that is
    a path rather than a model name (:func:`docai.queue.policy.check_model_name`), a bad request or option,
    or an input that cannot be opened, and :class:`JobError` when the queue cannot be reached.
    """
    from docai.queue.jobs import clean_filename, queue_job

    settings = settings or Settings.from_env()
    cap = Capability(capability)
    _, checkpoint = resolve(model, cap)
    check_model_name(checkpoint)  # workers load model names, never paths (as over HTTP)
    req = build_request(cap, request)
    opts = family_options(model, options)
    if len(inputs) > MAX_INPUTS:
        raise InputError(f"{len(inputs)} inputs is over the limit of {MAX_INPUTS} per plugin job")
    if not inputs and cap not in (Capability.generate_image, Capability.embed):
        raise InputError(f"{cap.value} needs at least one image or PDF page")
    refs, total = [], 0
    for data, filename in inputs:
        ref, count = store_input(data, clean_filename(filename), pages, settings)
        refs.append(ref)
        total += count
    job = PluginJobRequest(model=model, capability=cap, request=req.model_dump(mode="json"),
                           options=opts.model_dump(mode="json", exclude_unset=True), inputs=refs,
                           filenames=[clean_filename(name) for _, name in inputs], pages=pages)
    request_record = JobRequest(kind=JobKind.plugin, document_ref=refs[0] if refs else "",
                                filename=job.filenames[0] if job.filenames else "", plugin=job)
    return queue_job(settings, request_record, max(total, 1), "docai.plugin", settings.gpu_queue)


def store_input(data: Upload, filename: str, pages: str | None, settings: Settings) -> tuple[str, int]:
    """Stage one input, open it exactly as the worker will (an image: 1 item; a PDF: its selected pages)
    and store it content-addressed: its storage key and its number of items."""
    from docai.ingest.source import load_source
    from docai.queue.jobs import services

    with staged_upload(data, settings.storage_dir / "incoming", settings.max_upload_bytes, filename) as staged:
        with staged.path.open("rb") as fh:
            is_pdf = sniff_mime_type(fh.read(2048)) == "application/pdf"
        stream = staged.open(filename)
        try:
            src = load_source(stream, pages=pages if is_pdf else None, limits=Limits())
        finally:
            stream.close()
        try:
            count = 1 if src.is_image else len(src.selected)
        finally:
            src.close()
        return services(settings).storage.put_document_file(staged.path, staged.sha256), count


def run_plugin_job(svc: Any, job_id: str) -> bool:
    """Run a queued plugin job (the ``docai.plugin`` task's body) and store its result; False if nothing to do.

    Idempotent: a job whose result is stored is only marked succeeded again.
    """
    from docai.plugins.inputs import load_input
    from docai.plugins.models import get_model
    from docai.plugins.run import run_capability
    from docai.queue.jobs import result_key
    from docai.queue.policy import worker_plugin_model
    from docai.queue.steps import active_request

    request = active_request(svc, job_id, JobKind.plugin)
    if request is None:
        return False
    if request.plugin is None:
        raise ConfigError(f"job {job_id} is a plugin job without its plugin request")
    if not svc.storage.exists(result_key(job_id)):
        svc.store.mark_running(job_id)
        job = request.plugin
        items = []
        for ref, name in zip(job.inputs, job.filenames, strict=True):
            items.extend(load_input(svc.storage.get(ref), name=name, pages=job.pages))
        model = get_model(worker_plugin_model(job.model, svc.settings), job.options, capability=job.capability)

        def progress(done: int, total: int) -> None:
            svc.store.record_pages(job_id, list(range(done)))

        result = run_capability(model, job.capability, items, job.request, progress=progress)
        result = result.model_copy(update={"model": job.model})  # as submitted: no worker path in it
        svc.storage.put(result_key(job_id), result.model_dump_json().encode())
        svc.store.record_pages(job_id, list(range(max(1, len(items)))))
    return svc.store.mark_succeeded(job_id)

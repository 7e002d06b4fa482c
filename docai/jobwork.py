"""The steps of a queued job as plain functions (the Celery tasks in ``workers.tasks`` only call these).

A conversion runs as: :func:`plan_job` (open, route every page, split the pages into batches) →
:func:`run_batch` per batch (the pipeline's :func:`~docai.pipeline.run_pages` through the shared page
cache; results stored, page positions recorded) → :func:`assemble_job` once every page is done
(:func:`~docai.pipeline.finish_document`, the same as in-process). Every step is idempotent: a step
delivered twice finds its work done and does nothing new, so re-delivery after a lost worker is harmless.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from docai.cache import PageCache
from docai.errors import ModelError
from docai.ingest.source import PageContext, SourceDocument
from docai.jobs import JobServices, open_document, result_key
from docai.jobstore import now
from docai.options import ConvertOptions
from docai.pipeline import finish_document, route_pages, run_pages
from docai.settings import Settings
from schemas.document import Page, Route
from schemas.jobs import JobKind, JobRequest, JobState

_PAGES = TypeAdapter(list[Page])
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?$")

#: routes whose pages run on the gpu queue (neural engines); the rest stay on the cpu queue
GPU_ROUTES = frozenset({Route.ocr, Route.nougat, Route.donut})

#: called with a batch's pages before they are processed (test fault injection; None in production)
BeforePages = Callable[[list[PageContext]], None]


class PageItem(BaseModel):
    """One page of a batch: its position in the selection, its 0-based index and why it took its route."""

    position: int
    index: int
    reason: str = ""


class PageBatch(BaseModel):
    """Pages of one route processed by one task; travels in the task message as JSON."""

    number: int
    route: Route
    items: list[PageItem]

    @property
    def positions(self) -> list[int]:
        return [item.position for item in self.items]

    def describe(self) -> str:
        numbers = [item.index + 1 for item in self.items]
        span = f"page {numbers[0]}" if len(numbers) == 1 else f"pages {numbers[0]}-{numbers[-1]}"
        return f"batch {self.number} ({span}, {self.route.value})"


class JobPlan(BaseModel):
    """Every batch of a job, stored so the assembler can find their results."""

    batches: list[PageBatch]


def plan_key(job_id: str) -> str:
    return f"jobs/{job_id}/plan.json"


def batch_key(job_id: str, number: int) -> str:
    return f"jobs/{job_id}/batch-{number}.json"


def queue_for(route: Route, settings: Settings) -> str:
    """The queue a page batch of ``route`` goes to."""
    return settings.gpu_queue if route in GPU_ROUTES else settings.cpu_queue


def active_request(svc: JobServices, job_id: str, kind: JobKind | None = None) -> JobRequest | None:
    """The job's request while it is queued or running; ``None`` once it finished, failed or expired."""
    status = svc.store.status(job_id)
    if status is None or status.state in (JobState.succeeded, JobState.failed):
        return None
    request = svc.store.request(job_id)
    if request is None or (kind is not None and request.kind is not kind):
        return None
    return request


def open_job_document(svc: JobServices, request: JobRequest, options: ConvertOptions) -> SourceDocument:
    """Open the job's stored document the way it was validated at submit time."""
    return open_document(svc.storage.get(request.document_ref), request.filename, options)


def make_batches(routed: list[tuple[PageContext, Route, str]], pages_per_task: int) -> list[PageBatch]:
    """Group pages by route (keeping selection order within a route) into batches of ``pages_per_task``."""
    by_route: dict[Route, list[PageItem]] = {}
    for position, (ctx, route, reason) in enumerate(routed):
        by_route.setdefault(route, []).append(PageItem(position=position, index=ctx.index, reason=reason))
    batches: list[PageBatch] = []
    for route, items in by_route.items():
        for start in range(0, len(items), pages_per_task):
            batches.append(PageBatch(number=len(batches), route=route, items=items[start:start + pages_per_task]))
    return batches


def plan_job(svc: JobServices, job_id: str) -> list[PageBatch]:
    """Route the job's pages and return the batches still to run (all of them on a first delivery)."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return []
    svc.store.mark_running(job_id)
    options = ConvertOptions.model_validate(request.options)
    src = open_job_document(svc, request, options)
    try:
        batches = make_batches(route_pages(src.pages(), options), svc.settings.pages_per_task)
    finally:
        src.close()
    svc.storage.put(plan_key(job_id), JobPlan(batches=batches).model_dump_json().encode())
    return [batch for batch in batches if not svc.store.pages_done(job_id, batch.positions)]


def run_batch(svc: JobServices, job_id: str, batch: PageBatch, *, before: BeforePages | None = None) -> bool:
    """Process one batch (unless its pages are already done) and return whether the whole job is done."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return False
    if not svc.store.pages_done(job_id, batch.positions):
        options = ConvertOptions.model_validate(request.options)
        src = open_job_document(svc, request, options)
        try:
            contexts = [PageContext(src, item.index) for item in batch.items]
            if before is not None:
                before(contexts)
            routed = [(ctx, batch.route, item.reason) for ctx, item in zip(contexts, batch.items, strict=True)]
            cache = PageCache(svc.settings.cache_dir) if options.use_cache else None
            pages = run_pages(routed, options, cache=cache)
        finally:
            src.close()
        svc.storage.put(batch_key(job_id, batch.number), _PAGES.dump_json(pages))
    done = svc.store.record_pages(job_id, batch.positions)
    status = svc.store.status(job_id)
    return status is not None and done >= status.pages_total


def assemble_job(svc: JobServices, job_id: str) -> bool:
    """Join the batches into the Document, store it and mark the job succeeded; False if nothing to do."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return False
    if not svc.storage.exists(result_key(job_id)):
        options = ConvertOptions.model_validate(request.options)
        plan = JobPlan.model_validate_json(svc.storage.get(plan_key(job_id)))
        by_position: dict[int, Page] = {}
        for batch in plan.batches:
            pages = _PAGES.validate_json(svc.storage.get(batch_key(job_id, batch.number)))
            for item, page in zip(batch.items, pages, strict=True):
                by_position[item.position] = page
        src = open_job_document(svc, request, options)
        try:
            pages = [by_position[i] for i in range(len(by_position))]
            document = finish_document(src, pages, options, total_s=_elapsed(svc, job_id))
        finally:
            src.close()
        svc.storage.put(result_key(job_id), document.model_dump_json().encode())
    return svc.store.mark_succeeded(job_id)


def _elapsed(svc: JobServices, job_id: str) -> float | None:
    status = svc.store.status(job_id)
    submitted: datetime | None = status.submitted_at if status else None
    return (now() - submitted).total_seconds() if submitted else None


def resolve_model(model: str, settings: Settings) -> Path:
    """The local directory of model ``model``: ``<storage>/models/<name>``, else the Hugging Face cache.

    Names are hub ids (``owner/name``), never paths from a client. Raises :class:`ModelError` when the
    model is not available on this machine (workers never download).
    """
    if not isinstance(model, str) or not _MODEL_NAME.match(model) or ".." in model:
        raise ModelError(f"{model!r} is not a model name: use a hub id like 'owner/donut-docvqa'")
    local = settings.storage_dir / "models" / model
    if (local / "config.json").is_file():
        return local
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - transformers depends on it
        try_to_load_from_cache = None
    if try_to_load_from_cache is not None:
        found = try_to_load_from_cache(model, "config.json")
        if isinstance(found, str):
            return Path(found).parent
    raise ModelError(f"model {model!r} is not available to the workers: put it in {settings.storage_dir / 'models'}"
                     " or the Hugging Face cache (workers never download)")


def answer_job(svc: JobServices, job_id: str) -> bool:
    """Answer an ask job's question with its Donut model and store the answer; False if nothing to do."""
    request = svc.store.request(job_id)
    if request is None or active_request(svc, job_id, JobKind.ask) is None:
        return False
    if not svc.storage.exists(result_key(job_id)):
        svc.store.mark_running(job_id)
        options = ConvertOptions.model_validate(request.options)
        model_dir = resolve_model(request.model or "", svc.settings)
        try:
            from docai.engines.donut import ask_document
        except ImportError:
            raise ModelError("document questions need the Donut engine, which is not installed here") from None
        src = open_job_document(svc, request, options)
        try:
            answer = ask_document(src, request.question or "", str(model_dir))
        finally:
            src.close()
        data = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer
        data["model"] = request.model
        svc.storage.put(result_key(job_id), json.dumps(data).encode())
    return svc.store.mark_succeeded(job_id)

"""The steps of a queued job as plain functions (the Celery tasks in ``workers.tasks`` only call these).

A conversion runs as: :func:`plan_job` (cut the selection into slices) → :func:`run_batch` per slice on
the cpu queue (route its pages, run the text-layer ones with the pipeline's
:func:`~docai.pipeline.run_pages` through the shared page cache, forward the others per route to the gpu
queue, where :func:`run_batch` runs them too) → :func:`assemble_job` once every page is recorded done
(:func:`~docai.pipeline.finish_document`, the same as in-process). A job that captions its figures
(``describe_figures``) runs :func:`describe_job` on the gpu queue between the last page and the assembly
(:func:`finishing_step` picks which). Every step is idempotent: a step
delivered twice finds its work done and does nothing new, so re-delivery after a lost worker is harmless.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from docai.cache import PageCache
from docai.engines import engine_queue
from docai.engines.options import AskOptions
from docai.errors import ModelError
from docai.ingest.source import PageContext, SourceDocument
from docai.options import ConvertOptions
from docai.pipeline import describe_pages, finish_document, route_pages, run_pages
from docai.queue.jobs import JobServices, open_document, result_key
from docai.queue.policy import resolve_model, worker_model_id
from docai.queue.store import now
from docai.settings import Settings
from schemas.document import Page, Route
from schemas.jobs import JobKind, JobRequest, JobState


def runs_on_gpu(route: str | None) -> bool:
    """Whether a route's pages run on the gpu queue: its engine registered ``queue="gpu"`` (neural engines,
    plugin models); unrouted slices, text pages and failed pages stay on the cpu queue."""
    return route is not None and route != Route.failed and engine_queue(str(route)) == "gpu"


#: called with a batch's pages before they are processed (test fault injection; None in production)
BeforePages = Callable[[list[PageContext]], None]


class PageItem(BaseModel):
    """One page of a batch: its position in the selection, its 0-based index and why it took its route."""

    position: int
    index: int
    reason: str = ""


class PageBatch(BaseModel):
    """Pages processed by one task; travels in the task message as JSON.

    A batch without a route is a slice of the selection still to be routed (on the cpu queue): it runs
    its cpu-route pages itself and forwards the others, per route, as routed batches (``3-ocr``).
    """

    name: str
    route: str | None = None
    items: list[PageItem]

    @property
    def positions(self) -> list[int]:
        return [item.position for item in self.items]

    def describe(self) -> str:
        numbers = [item.index + 1 for item in self.items]
        span = f"page {numbers[0]}" if len(numbers) == 1 else f"pages {numbers[0]}-{numbers[-1]}"
        return f"page batch {self.name} ({span})"


class BatchResult(BaseModel):
    """What one batch stored: its pages in item order, and the routed batches it forwarded."""

    items: list[PageItem]
    pages: list[Page]
    forwarded: list[PageBatch] = Field(default_factory=list)


class JobPlan(BaseModel):
    """The job's slices of pages, stored so the assembler can find every batch's results."""

    batches: list[PageBatch]


def plan_key(job_id: str) -> str:
    return f"jobs/{job_id}/plan.json"


def batch_key(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/batch-{name}.json"


def queue_for(route: str | None, settings: Settings) -> str:
    """The queue a page batch goes to: unrouted slices and text pages to cpu, neural engines to gpu."""
    return settings.gpu_queue if runs_on_gpu(route) else settings.cpu_queue


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


def slice_pages(selected: list[int], pages_per_task: int) -> list[PageBatch]:
    """The selection cut into unrouted batches of ``pages_per_task`` consecutive positions."""
    items = [PageItem(position=pos, index=index) for pos, index in enumerate(selected)]
    return [PageBatch(name=str(n), items=items[start:start + pages_per_task])
            for n, start in enumerate(range(0, len(items), pages_per_task))]


def route_batches(name: str, routed: list[tuple[PageContext, Route, str]],
                  items: list[PageItem]) -> list[PageBatch]:
    """Split routed pages into one batch per route (selection order kept); named ``<name>-<route>``."""
    by_route: dict[Route, list[PageItem]] = {}
    for (_ctx, route, reason), item in zip(routed, items, strict=True):
        by_route.setdefault(route, []).append(item.model_copy(update={"reason": reason}))
    return [PageBatch(name=f"{name}-{batch_label(route)}", route=route, items=group) for route, group in by_route.items()]


def batch_label(route: str) -> str:
    """A route as it may appear in a storage key: an engine name as is, a ``FAMILY:CHECKPOINT`` model (which
    may hold ``/`` and ``..``) as its family and a hash."""
    if re.fullmatch(r"[a-z][a-z0-9_-]*", route):
        return route
    return f"{route.split(':', 1)[0]}-{hashlib.sha256(route.encode()).hexdigest()[:12]}"


def plan_job(svc: JobServices, job_id: str) -> list[PageBatch]:
    """Cut the job's selection into slices and return them all (a slice that already ran only re-records)."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return []
    svc.store.mark_running(job_id)
    options = ConvertOptions.model_validate(request.options)
    src = open_job_document(svc, request, options)
    try:
        batches = slice_pages(src.selected, svc.settings.pages_per_task)
    finally:
        src.close()
    svc.storage.put(plan_key(job_id), JobPlan(batches=batches).model_dump_json().encode())
    return batches


def run_batch(svc: JobServices, job_id: str, batch: PageBatch, *,
              before: BeforePages | None = None) -> tuple[bool, list[PageBatch]]:
    """Run one batch (unless it already ran) and record its pages.

    Returns whether the whole job is now done, and the routed batches to send to other queues (an
    unrouted slice keeps its cpu-route pages and forwards the rest).
    """
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return False, []
    key = batch_key(job_id, batch.name)
    if svc.storage.exists(key):
        result = BatchResult.model_validate_json(svc.storage.get(key))
    else:
        result = _process(svc, request, batch, before)
        svc.storage.put(key, result.model_dump_json().encode())
    done = svc.store.record_pages(job_id, [item.position for item in result.items])
    status = svc.store.status(job_id)
    forwards = [b for b in result.forwarded if not svc.store.pages_done(job_id, b.positions)]
    return status is not None and done >= status.pages_total, forwards


def _process(svc: JobServices, request: JobRequest, batch: PageBatch, before: BeforePages | None) -> BatchResult:
    options = ConvertOptions.model_validate(request.options)
    src = open_job_document(svc, request, options)
    try:
        contexts = [PageContext(src, item.index) for item in batch.items]
        if before is not None:
            before(contexts)
        if batch.route is None:  # a slice: route it, keep the cpu routes, forward the gpu ones
            routed_batches = route_batches(batch.name, route_pages(contexts, options), batch.items)
            here = [b for b in routed_batches if not runs_on_gpu(b.route)]
            forwarded = [b for b in routed_batches if runs_on_gpu(b.route)]
        else:
            here, forwarded = [batch], []
        by_index = {item.position: ctx for item, ctx in zip(batch.items, contexts, strict=True)}
        items = [item for b in here for item in b.items]
        routed = [(by_index[item.position], b.route, item.reason) for b in here for item in b.items]
        cache = PageCache(svc.settings.cache_dir) if options.use_cache else None
        pages = run_pages(routed, options, cache=cache) if routed else []
    finally:
        src.close()
    return BatchResult(items=items, pages=pages, forwarded=forwarded)


def finishing_step(svc: JobServices, job_id: str) -> tuple[str, str]:
    """The task (and its queue) that follows a job's last page: ``docai.describe`` on the gpu queue when its
    figures are to be captioned (the captioning model loads where the page models do), else
    ``docai.assemble`` on the cpu queue."""
    request = svc.store.request(job_id)
    if request is not None and (request.options or {}).get("describe_figures"):
        return "docai.describe", svc.settings.gpu_queue
    return "docai.assemble", svc.settings.cpu_queue


def figures_key(job_id: str) -> str:
    return f"jobs/{job_id}/figures.json"


class DescribedPages(BaseModel):
    """A job's pages, in selection order, after their figures were captioned."""

    pages: list[Page]


def describe_job(svc: JobServices, job_id: str) -> bool:
    """Caption the figures of a finished job's pages with its ``describe_figures`` model and store the pages
    (unless already stored); False if the job is not running any more. Runs on the gpu queue."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return False
    if not svc.storage.exists(figures_key(job_id)):
        options = ConvertOptions.model_validate(request.options)
        by_position = _job_pages(svc, job_id)
        src = open_job_document(svc, request, options)
        try:
            pages = [by_position[i] for i in range(len(src.selected))]
            if options.describe_figures:
                model_id = worker_model_id(options.describe_figures, svc.settings, "describe_figures")
                describe_pages(src, pages, options, model_id=model_id, cache_dir=str(svc.settings.cache_dir))
        finally:
            src.close()
        svc.storage.put(figures_key(job_id), DescribedPages(pages=pages).model_dump_json().encode())
    return True


def assemble_job(svc: JobServices, job_id: str) -> bool:
    """Join the batches (or the pages :func:`describe_job` captioned) into the Document, store it and mark the
    job succeeded; False if nothing to do. Never loads a model: figures are captioned on the gpu queue."""
    request = active_request(svc, job_id, JobKind.convert)
    if request is None:
        return False
    if not svc.storage.exists(result_key(job_id)):
        options = ConvertOptions.model_validate(request.options)
        described = figures_key(job_id)
        if svc.storage.exists(described):
            by_position = dict(enumerate(DescribedPages.model_validate_json(svc.storage.get(described)).pages))
        else:
            by_position = _job_pages(svc, job_id)
        src = open_job_document(svc, request, options)
        try:
            pages = [by_position[i] for i in range(len(src.selected))]
            document = finish_document(src, pages, options, total_s=_elapsed(svc, job_id), describe=False)
        finally:
            src.close()
        svc.storage.put(result_key(job_id), document.model_dump_json().encode())
    return svc.store.mark_succeeded(job_id)


def _job_pages(svc: JobServices, job_id: str) -> dict[int, Page]:
    """Every page the job's batches stored, by position in the selection."""
    plan = JobPlan.model_validate_json(svc.storage.get(plan_key(job_id)))
    by_position: dict[int, Page] = {}
    pending = list(plan.batches)
    while pending:
        batch = pending.pop()
        result = BatchResult.model_validate_json(svc.storage.get(batch_key(job_id, batch.name)))
        by_position.update({item.position: page for item, page in zip(result.items, result.pages, strict=True)})
        pending.extend(result.forwarded)
    return by_position


def _elapsed(svc: JobServices, job_id: str) -> float | None:
    status = svc.store.status(job_id)
    submitted: datetime | None = status.submitted_at if status else None
    return (now() - submitted).total_seconds() if submitted else None


def answer_job(svc: JobServices, job_id: str) -> bool:
    """Answer an ask job's question with its Donut model and store the answer; False if nothing to do."""
    request = svc.store.request(job_id)
    if request is None or active_request(svc, job_id, JobKind.ask) is None:
        return False
    if not svc.storage.exists(result_key(job_id)):
        svc.store.mark_running(job_id)
        options = AskOptions.model_validate(request.options)
        model_dir = resolve_model(options.model, svc.settings)
        try:
            from docai.engines.donut import ask
        except ImportError:
            raise ModelError("document questions need the Donut engine, which is not installed here") from None
        stream = io.BytesIO(svc.storage.get(request.document_ref))
        stream.name = request.filename
        answer = ask(stream, request.question or "", **{**dict(options), "model": str(model_dir)})
        data = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer
        data["model"] = request.model
        svc.storage.put(result_key(job_id), json.dumps(data).encode())
    return svc.store.mark_succeeded(job_id)

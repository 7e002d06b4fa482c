"""Queued jobs as plain functions: submit a conversion or a question, read its status, fetch its result.

Used by ``docai submit``/``status``/``result``, the HTTP API and tests. Every request is validated here
(the document opens within its limits, the page range parses, the model exists) so a bad request raises
a :class:`docai.errors.DocaiError` at submit time and never reaches a worker. The document is stored once,
content-addressed, and the queue messages carry only the job id.
"""

from __future__ import annotations

import io
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from docai.engines.options import AskOptions
from docai.errors import ConfigError, JobError, StorageError
from docai.fields import validate_options
from docai.ingest.source import SourceDocument, load_source
from docai.options import ConvertOptions
from docai.queue.policy import check_convert_options, check_question, queued_fields, resolve_model
from docai.queue.storage import Storage, storage_for
from docai.queue.store import JobStore, check_job_id, redis_client, safe_url
from docai.queue.uploads import Upload, staged_upload
from docai.sealing import Sealer
from docai.settings import Settings
from schemas.document import Document
from schemas.jobs import JobKind, JobRequest, JobState, JobStatus

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: called with a job's status each time its progress changes while waiting
StatusCallback = Callable[[JobStatus], None]


@dataclass(frozen=True)
class JobServices:
    """What job functions and tasks share for one :class:`Settings`: storage, job state, the Celery app."""

    settings: Settings
    storage: Storage
    store: JobStore

    def send(self, task: str, args: list, queue: str) -> None:
        """Enqueue a task by name on ``queue`` (messages are JSON and carry ids, never documents)."""
        import kombu.exceptions

        from docai.queue.broker import sender_for

        try:
            sender_for(self.settings).send_task(task, args=args, queue=queue, retry=True, retry_policy=SEND_RETRY)
        except (AttributeError, OSError) as exc:
            # kombu's producer can lose its channel object while Redis restarts mid-publish; report it as
            # the connection trouble it is, so the task re-queues instead of failing the job
            raise kombu.exceptions.OperationalError(f"could not enqueue {task}: {exc}") from exc


#: publishing retries while the broker comes back (a Redis restart takes a second or two)
SEND_RETRY = {"max_retries": 20, "interval_start": 0.1, "interval_step": 0.25, "interval_max": 1.0}


@lru_cache(maxsize=8)
def services(settings: Settings) -> JobServices:
    """The (per-process) services for ``settings``."""
    return JobServices(settings=settings, storage=storage_for(settings.storage_dir),
                       store=JobStore(redis_client(settings.state_url), ttl_s=settings.result_expires_s,
                                      sealer=Sealer(settings.secret_key, settings.storage_dir)))


class QueueUnavailableError(JobError):
    """Redis (the broker or the job state) cannot be reached."""

    code = "queue_unavailable"


@contextmanager
def queue_errors(settings: Settings):
    """Turn an unreachable Redis into one :class:`QueueUnavailableError` line."""
    import kombu.exceptions
    import redis

    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
            kombu.exceptions.OperationalError) as exc:
        log.warning("cannot reach the job queue at %s: %s", safe_url(settings.state_url), exc)
        raise QueueUnavailableError("cannot reach the job queue (Redis); the server log has the details") from None


def clean_filename(filename: str | None) -> str:
    """The name a document is shown under (never used as a path): no control characters, 255 chars at most."""
    name = _CONTROL.sub("", filename or "").strip()
    return name[-255:] if name else "<bytes>"


def open_document(data: bytes, filename: str, options: ConvertOptions) -> SourceDocument:
    """Open a submitted document exactly as the in-process pipeline would, named ``filename``."""
    stream = io.BytesIO(data)
    stream.name = clean_filename(filename)
    return load_source(stream, password=options.password, pages=options.pages, limits=options.limits)


def convert_options(options: ConvertOptions | dict[str, Any] | None) -> ConvertOptions:
    """Validated options for a queued conversion. A client never chooses a path: ``cache_dir`` is refused."""
    options = validate_options(ConvertOptions, options)
    if options.cache_dir:
        raise ConfigError("cache_dir cannot be set for a queued job: workers use the page cache in their storage")
    return options


def submit_convert(data: Upload, filename: str, options: ConvertOptions | dict[str, Any] | None = None, *,
                   settings: Settings | None = None) -> JobStatus:
    """Queue a PDF/image → Document conversion and return its ``queued`` status (with ``pages_total``).
    The options must be ones a queued job may ask for (:func:`docai.queue.policy.check_convert_options`).

    ``data`` is the document's bytes or a binary stream; it is staged to disk chunk by chunk, so a large
    upload is never held in memory more than once. Raises a :class:`DocaiError` for a document or
    options that cannot be converted, and :class:`JobError` when the queue cannot be reached.
    """
    settings = settings or Settings.from_env()
    opts = convert_options(options)
    check_convert_options(opts, settings)
    ref, total = _store_checked(data, filename, opts, settings)
    request_options = opts.model_dump(mode="json", exclude={"cache_dir"})
    return _enqueue(settings, JobKind.convert, ref, filename, total, options=request_options)


def submit_ask(data: Upload, filename: str, question: str, options: AskOptions | dict[str, Any], *,
               settings: Settings | None = None) -> JobStatus:
    """Queue a question about a document (Donut DocVQA with ``options.model``) and return its ``queued`` status.

    ``options`` are the :class:`AskOptions` a queued question may set (``AskOptions.REMOTE``). The answer
    (a dict) is the job's result. Raises a :class:`DocaiError` for a bad document, page range, option, a
    question the model cannot take, or a model that is not available (see :mod:`docai.queue.policy`).
    """
    settings = settings or Settings.from_env()
    opts = queued_fields(validate_options(AskOptions, options))
    check_question(question)  # the cheap checks before the model is looked up
    question = check_question(question, resolve_model(opts.model, settings))
    ref, total = _store_checked(data, filename, opts, settings)
    return _enqueue(settings, JobKind.ask, ref, filename, total, options=opts.model_dump(mode="json"),
                    question=question, model=opts.model)


def _store_checked(data: Upload, filename: str, opts: ConvertOptions | AskOptions, settings: Settings) -> tuple[str, int]:
    """Stage the upload, open it as a worker would (type, limits, password, page range) and store it
    content-addressed: its storage key and the number of selected pages, or the DocaiError that
    rejects the request at submit time (then nothing is stored)."""
    label = clean_filename(filename)
    with staged_upload(data, settings.storage_dir / "incoming", settings.max_upload_bytes, label) as staged:
        stream = staged.open(label)
        try:
            src = load_source(stream, password=opts.password, pages=opts.pages, limits=opts.limits)
        finally:
            stream.close()
        try:
            src.check_cost()  # what the pages cost to interpret, not only how many there are
            total = len(src.selected)
        finally:
            src.close()
        return services(settings).storage.put_document_file(staged.path, staged.sha256), total


def _enqueue(settings: Settings, kind: JobKind, ref: str, filename: str, pages_total: int, *,
             options: dict[str, Any], question: str | None = None, model: str | None = None) -> JobStatus:
    request = JobRequest(kind=kind, document_ref=ref, filename=clean_filename(filename), options=options,
                         question=question, model=model)
    if kind is JobKind.ask:
        return queue_job(settings, request, pages_total, "docai.ask", settings.gpu_queue)
    return queue_job(settings, request, pages_total, "docai.plan", settings.cpu_queue)


def queue_job(settings: Settings, request: JobRequest, pages_total: int, task: str, queue: str) -> JobStatus:
    """Create the job's record and send its first step ``task`` to ``queue``; a job whose message could
    not be sent is marked failed (and the error raised), never left waiting."""
    svc = services(settings)
    job_id = uuid.uuid4().hex
    with queue_errors(settings):
        status = svc.store.create(job_id, request, pages_total)
        try:
            svc.send(task, [job_id], queue)
        except Exception as exc:
            svc.store.mark_failed(job_id, "job_error", f"the job could not be queued: {exc}")
            raise
    return status


def get_status(job_id: str, *, settings: Settings | None = None) -> JobStatus:
    """Where job ``job_id`` stands (``pages_done``/``pages_total`` at any time); :class:`JobError` if unknown."""
    settings = settings or Settings.from_env()
    check_job_id(job_id)
    with queue_errors(settings):
        status = services(settings).store.status(job_id)
    if status is None:
        raise JobError(f"no job {job_id} (unknown, or its results expired)")
    return status


def result_key(job_id: str) -> str:
    """The storage key of a finished job's result."""
    return f"results/{check_job_id(job_id)}.json"


def get_result(job_id: str, *, settings: Settings | None = None) -> Document | dict[str, Any]:
    """The finished job's result: a :class:`Document` (convert) or the answer dict (ask).

    Raises :class:`JobError` when the job is unknown, not finished yet, or failed (with its reason).
    """
    import json

    settings = settings or Settings.from_env()
    status = get_status(job_id, settings=settings)
    if status.state is JobState.failed:
        raise JobError(f"job {job_id} failed: {status.error}")
    if status.state is not JobState.succeeded:
        raise JobError(f"job {job_id} is not finished: {status.state.value}, "
                       f"{status.pages_done}/{status.pages_total} pages done")
    try:
        raw = services(settings).storage.get(result_key(job_id))
    except KeyError:
        raise JobError(f"job {job_id} succeeded but its result is gone from storage") from None
    try:
        if status.kind is not JobKind.convert:  # ask and plugin jobs: their answers' JSON
            answer = json.loads(raw)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
            return answer
        return Document.model_validate_json(raw)
    except ValueError as exc:  # JSON and pydantic validation errors alike: the stored bytes are damaged
        log.error("job %s: its stored result cannot be read: %s", job_id, str(exc).splitlines()[0])
        raise StorageError(f"the stored result of job {job_id} is damaged (the server log has the details)") from None


def wait(job_id: str, *, settings: Settings | None = None, timeout: float | None = None,
         on_status: StatusCallback | None = None) -> JobStatus:
    """Block until the job succeeds or fails (or ``timeout`` seconds pass: :class:`JobError`).

    ``on_status`` sees the status each time progress changes. Notices arrive by Redis pub/sub, with a
    poll every second as a fallback, so a Redis restart while waiting is survived.
    """
    settings = settings or Settings.from_env()
    store = services(settings).store
    deadline = None if timeout is None else time.monotonic() + timeout
    last: tuple | None = None
    pubsub = None
    try:
        while True:
            try:
                with queue_errors(settings):
                    if pubsub is None:
                        pubsub = store.client.pubsub(ignore_subscribe_messages=True)
                        pubsub.subscribe(store.events_channel(job_id))
                    status = get_status(job_id, settings=settings)
                    if on_status and (status.state, status.pages_done) != last:
                        last = (status.state, status.pages_done)
                        on_status(status)
                    if status.state in (JobState.succeeded, JobState.failed):
                        return status
                    if deadline is not None and time.monotonic() >= deadline:
                        raise JobError(f"job {job_id} did not finish within {timeout:g} s "
                                       f"({status.pages_done}/{status.pages_total} pages done)")
                    left = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
                    pubsub.get_message(timeout=max(0.0, left))
            except QueueUnavailableError as exc:
                pubsub = _close(pubsub)  # Redis restarting: resubscribe when it is back
                if deadline is not None and time.monotonic() >= deadline:
                    raise exc from None
                time.sleep(0.5)
    finally:
        _close(pubsub)


def _close(pubsub) -> None:
    if pubsub is not None:
        with suppress(Exception):  # closing a broken connection
            pubsub.close()




def submit_plugin(inputs: list[tuple[Upload, str]], model: str, capability: Any, request: dict | None = None,
                  options: dict | None = None, *, pages: str | None = None,
                  settings: Settings | None = None) -> JobStatus:
    """Queue a plugin model call (see :func:`docai.queue.plugins.submit_plugin`), like the other submits."""
    from docai.queue.plugins import submit_plugin as submit

    return submit(inputs, model, capability, request, options, pages=pages, settings=settings)

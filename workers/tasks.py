"""Celery tasks: each parses its JSON message, calls a :mod:`docai.queue.steps` step and enqueues the next.

Failure policy, the same for every task:

- each delivery is counted in Redis first; past ``max_deliveries`` (a message that kills its worker
  every time) the job is marked failed with the reason and the message is acknowledged;
- a :class:`DocaiError` or any other exception fails the job with a one-line reason (no retry loops);
- the soft time limit fails the pages in progress with ``task_timeout`` (see :mod:`workers.limits`);
  outside page work it fails the job naming the step; the hard time limit fails the job at once,
  naming the step it killed (:meth:`JobTask.on_failure`, in the worker's main process);
- a lost Redis connection re-queues the message (``Reject(requeue=True)``): the work is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import kombu.exceptions
import redis
from billiard.exceptions import TimeLimitExceeded
from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from celery.signals import worker_process_init

from docai import budget
from docai.errors import DocaiError, JobError
from docai.models.checkpoint import models_from
from docai.queue.jobs import JobServices, services
from docai.queue.steps import (
    PageBatch,
    answer_job,
    assemble_job,
    describe_job,
    finishing_step,
    plan_job,
    queue_for,
    run_batch,
)
from docai.queue.store import check_job_id
from workers.app import app
from workers.faults import fault_hook
from workers.limits import limit_memory, watch_soft_time_limit

log = logging.getLogger(__name__)

#: connection trouble with Redis: the message goes back to the queue
TRANSIENT = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, kombu.exceptions.OperationalError)


@worker_process_init.connect
def preload_engines(**_kwargs) -> None:
    """Limit each pool process's memory and load ``DOCAI_PRELOAD_ENGINES`` in it as it starts (never in
    the prefork parent)."""
    from docai.engines import get_engine
    from docai.options import ConvertOptions

    limit_memory(app.docai_settings.worker_memory_limit)
    for name in app.docai_settings.preload_engines:
        try:
            get_engine(name, ConvertOptions())
        except Exception:  # noqa: BLE001 - a page that needs it reports the problem on that page
            log.exception("could not preload engine %r", name)
    if fault_hook() is not None:
        log.warning("DOCAI_TEST_FAULTS is set: this worker injects test faults; never use it in production")


def _services() -> JobServices:
    return services(app.docai_settings)


class JobTask(Task):
    """A job step: a hard time-limit kill fails its job at once, naming the step (not a redelivery loop)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # noqa: ARG002 - Celery's signature
        if not isinstance(exc, TimeLimitExceeded) or not args:
            return
        try:
            check_job_id(args[0])
        except JobError:
            return
        svc = _services()
        label = getattr(self.run, "describe", lambda *a: self.name)(*args)
        log.error("job %s: %s was killed at the hard time limit", args[0], label)
        try:
            svc.store.mark_failed(args[0], "task_timeout", (
                f"{label} was killed after {svc.settings.time_limit_s:g} s (DOCAI_TASK_TIME_LIMIT)"))
        except TRANSIENT as exc_redis:  # Redis away: the sweeper re-drives the job later
            log.warning("job %s: could not record the time-limit kill: %s", args[0], exc_redis)


def job_step(name: Callable[..., str]):
    """Wrap a task body with delivery counting and the failure policy; ``name(*args)`` names the work."""

    def decorate(body):
        def run(job_id: str, *args):
            try:
                check_job_id(job_id)  # a message is data: an id that is not one never reaches Redis or storage
            except JobError:
                log.error("dropped a %s message whose job id is not one: %r", body.__name__, str(job_id)[:80])
                return
            svc = _services()
            label = name(job_id, *args)
            budget.start_run()
            watch_soft_time_limit(f"the task reached its soft time limit of {svc.settings.soft_time_limit_s:g} s "
                                  "(DOCAI_TASK_SOFT_TIME_LIMIT)")
            try:
                deliveries = svc.store.count_delivery(job_id, label)
                if deliveries > svc.settings.max_deliveries:
                    svc.store.mark_failed(job_id, "poison_message", (
                        f"{label} was delivered {deliveries - 1} times and never finished "
                        "(its worker died or lost Redis each time); giving up"))
                    log.error("job %s: giving up on %s after %d deliveries", job_id, label, deliveries - 1)
                    return
                with models_from(svc.settings.models_dir):  # hub ids resolve as submit checked them
                    body(svc, job_id, *args)
            except TRANSIENT as exc:
                log.warning("job %s: %s lost Redis (%s); re-queued", job_id, label, exc)
                raise Reject(exc, requeue=True) from None
            except SoftTimeLimitExceeded:
                _fail(svc, job_id, "task_timeout",
                      f"{label} took longer than {svc.settings.soft_time_limit_s:g} s (DOCAI_TASK_SOFT_TIME_LIMIT)")
            except DocaiError as exc:
                _fail(svc, job_id, exc.code, str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug fails this job, never the worker
                log.exception("job %s: %s failed", job_id, label)
                # the job's status is what clients read: the exception's text (paths, addresses) stays in the log
                _fail(svc, job_id, "internal_error",
                      f"{label} failed: internal error ({type(exc).__name__}; the worker log has the details)")

        run.__name__, run.__qualname__, run.__doc__ = body.__name__, body.__qualname__, body.__doc__
        run.describe = name
        return run

    return decorate


def _fail(svc: JobServices, job_id: str, code: str, message: str) -> None:
    try:
        svc.store.mark_failed(job_id, code, message)
    except TRANSIENT as exc:
        raise Reject(exc, requeue=True) from None


@app.task(name="docai.plan", base=JobTask)
@job_step(lambda job_id: "plan")
def plan(svc: JobServices, job_id: str) -> None:
    """Fan the job's page slices out on the cpu queue, where each is routed and run."""
    for batch in plan_job(svc, job_id):
        svc.send("docai.pages", [job_id, batch.model_dump(mode="json")], queue_for(batch.route, svc.settings))


def _describe_batch(job_id: str, batch: dict) -> str:  # noqa: ARG001 - job_step passes every argument
    try:
        return PageBatch.model_validate(batch).describe()
    except ValueError:
        return f"page batch {batch.get('name') if isinstance(batch, dict) else '?'}"


@app.task(name="docai.pages", base=JobTask)
@job_step(_describe_batch)
def pages(svc: JobServices, job_id: str, batch: dict) -> None:
    """Process one batch of pages and forward its gpu pages; whoever records the last page assembles."""
    complete, forwards = run_batch(svc, job_id, PageBatch.model_validate(batch), before=fault_hook())
    for routed in forwards:
        svc.send("docai.pages", [job_id, routed.model_dump(mode="json")], queue_for(routed.route, svc.settings))
    if complete:
        task, queue = finishing_step(svc, job_id)
        svc.send(task, [job_id], queue)


@app.task(name="docai.describe", base=JobTask)
@job_step(lambda job_id: "figure descriptions")
def describe(svc: JobServices, job_id: str) -> None:
    """Caption the job's figures with its captioning model (gpu queue), then hand it to the assembly."""
    if describe_job(svc, job_id):
        svc.send("docai.assemble", [job_id], svc.settings.cpu_queue)


@app.task(name="docai.assemble", base=JobTask)
@job_step(lambda job_id: "assembly")
def assemble(svc: JobServices, job_id: str) -> None:
    """Join the page results into the Document and finish the job (idempotent)."""
    assemble_job(svc, job_id)


@app.task(name="docai.ask", base=JobTask)
@job_step(lambda job_id: "question")
def ask(svc: JobServices, job_id: str) -> None:
    """Answer a document question with Donut."""
    answer_job(svc, job_id)


@app.task(name="docai.plugin", base=JobTask)
@job_step(lambda job_id: "plugin call")
def plugin(svc: JobServices, job_id: str) -> None:
    """Run a plugin model's capability over the job's inputs (any installed family: no per-plugin code)."""
    from docai.queue.plugins import run_plugin_job

    run_plugin_job(svc, job_id)

"""Queue commands: ``docai worker``, ``submit``, ``status``, ``result``."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from docai.batch import expand_inputs, output_path, render
from docai.cli.options import conversion_options, conversion_options_from
from docai.cli.output import emit
from docai.cli.progress import page_progress
from docai.errors import ConfigError, InputError, JobError, dependency_error
from docai.settings import Settings
from schemas.jobs import JobState, JobStatus

if TYPE_CHECKING:
    from docai.engines.options import AskOptions

#: options passed to every worker: no gossip, mingle or heartbeat events (we use none of them)
QUIET_WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def worker_argv(settings: Settings, queues: str, concurrency: int | None, loglevel: str, pool: str,
                extra: tuple[str, ...] = ()) -> list[str]:
    """The ``celery worker`` command line for our app; ``cpu``/``gpu`` name the configured queues."""
    names = {"cpu": settings.cpu_queue, "gpu": settings.gpu_queue}
    chosen = [names.get(q.strip(), q.strip()) for q in queues.split(",") if q.strip()]
    if not chosen:
        raise ConfigError("--queues needs at least one queue: cpu, gpu or cpu,gpu")
    if importlib.util.find_spec("celery") is None:
        raise dependency_error(ModuleNotFoundError(name="celery"))
    argv = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", ",".join(chosen),
            "-l", loglevel, "-P", pool, *QUIET_WORKER_FLAGS]
    if concurrency:
        argv += ["-c", str(concurrency)]
    return argv + list(extra)


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("-Q", "--queues", default="cpu,gpu", show_default=True,
              help="Queues to consume: cpu (ingest, text, assembly), gpu (OCR, Nougat, Donut), or both.")
@click.option("-c", "--concurrency", type=click.IntRange(min=1),
              help="Worker processes (default: one per CPU). Use 1 per GPU for a gpu worker.")
@click.option("-l", "--loglevel", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("-P", "--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo", "threads"]),
              help="Celery pool; prefork keeps one model copy per process.")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_cmd(queues, concurrency, loglevel, pool, celery_args):
    """Run a Celery worker for docai jobs (settings from DOCAI_* variables).

    Extra arguments after -- go to celery worker unchanged, e.g. ``docai worker -- -n gpu0@%h``.
    """
    argv = worker_argv(Settings.from_env(), queues, concurrency, loglevel, pool, celery_args)
    os.execv(argv[0], argv)


@click.command("submit")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-w", "--wait", is_flag=True, help="Wait for the job(s), showing progress, then print the result.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="With --wait: output file (one input) or directory (several). Default: stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--timeout", type=float, help="With --wait: give up after this many seconds.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@conversion_options
def submit_cmd(inputs, wait, output, fmt, timeout, quiet, **params):
    """Queue PDFs or images for conversion; prints one job id per input.

    Each input is checked before it is queued (type, size, pages, password). With --wait, shows a
    progress bar per job and prints (or writes with -o) the result, like docai convert. --recompute and
    --no-cache apply to the workers' page cache.
    """
    from docai.queue import jobs

    settings = Settings.from_env()
    options = conversion_options_from(params)
    paths = expand_inputs(inputs)
    if wait and len(paths) > 1 and output is None:
        raise ConfigError("several inputs with --wait need -o DIR for their results")
    submitted = []
    for path in paths:
        data, name = read_upload(path)
        status = jobs.submit_convert(data, name, options, settings=settings)
        submitted.append((path, status))
        if not wait:
            click.echo(status.job_id)
    if not wait:
        return
    taken: set[Path] = set()
    for path, status in submitted:
        if len(paths) > 1:
            click.echo(status.job_id, err=True)
        final = _wait_with_progress(jobs, status, path, settings, timeout, show=not quiet)
        if final.state is JobState.failed:
            raise JobError(f"job {final.job_id} failed: {final.error}")
        document = jobs.get_result(final.job_id, settings=settings)
        target = output if len(paths) == 1 else output_path(path, output, fmt, taken)
        emit(render(document, fmt), target)


def read_upload(path: str) -> tuple[bytes, str]:
    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    file = Path(path)
    if not file.exists():
        raise InputError(f"{path}: no such file")
    if file.is_dir():
        raise InputError(f"{path}: is a directory, not a document")
    return file.read_bytes(), path


def submit_question(path: str, question: str, options: AskOptions) -> str:
    """Queue a document question (``docai ask --queue``) and return its job id."""
    from docai.queue import jobs

    data, name = read_upload(path)
    return jobs.submit_ask(data, name, question, options).job_id


def _wait_with_progress(jobs, status: JobStatus, label: str, settings: Settings, timeout: float | None, *,
                        show: bool) -> JobStatus:
    with page_progress(label, enabled=show) as progress:
        def on_status(current: JobStatus) -> None:
            if progress and current.pages_total:
                progress(current.pages_done, current.pages_total)

        return jobs.wait(status.job_id, settings=settings, timeout=timeout, on_status=on_status)


@click.command("status")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="The full status as JSON.")
def status_cmd(job_id, as_json):
    """Show a job's state and progress (pages done/total)."""
    from docai.queue import jobs

    status = jobs.get_status(job_id)
    if as_json:
        click.echo(status.model_dump_json(indent=2))
        return
    line = f"{status.job_id} {status.state.value} {status.pages_done}/{status.pages_total} pages"
    if status.error:
        line += f": {status.error}"
    click.echo(line)


@click.command("result")
@click.argument("job_id")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file. Default: stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True,
              help="Conversion results only; question answers are always JSON.")
def result_cmd(job_id, output, fmt):
    """Print (or write) a finished job's result; a failed job exits with its reason."""
    from docai.queue import jobs

    result = jobs.get_result(job_id)
    text = json.dumps(result, indent=2) + "\n" if isinstance(result, dict) else render(result, fmt)
    emit(text, output)

"""Replayed attacks on the workers' limits (issue 8 §2) against real redis-server and celery worker
processes: a page that runs into the soft time limit, a task killed at the hard time limit, a page that
needs more memory than a worker process may have; and the defaults that bound a lost worker's stall."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from docai.queue import jobs
from docai.queue.broker import celery_config
from docai.settings import Settings
from schemas.jobs import JobState
from tests.security.hostile import text_operator_pdf
from tests.support.cluster import Cluster
from workers.faults import SLOW_MARKER, STALL_MARKER


@pytest.fixture
def limited_cluster(tmp_path_factory) -> Iterator:
    """Build clusters with DOCAI_* settings; everything is killed after the test."""
    made: list[Cluster] = []

    def make(**settings: str) -> Cluster:
        made.append(Cluster(tmp_path_factory.mktemp("limits"), **settings))
        return made[-1]

    try:
        yield make
    finally:
        for c in made:
            c.close()


def pages_pdf(make_pdf, n: int, marked: dict[int, str] | None = None) -> bytes:
    marked = marked or {}
    return make_pdf([[((72, 300), f"Page {i} of the limits test reads normally.", 11),
                      ((72, 340), marked.get(i, "Nothing special here."), 11)] for i in range(1, n + 1)])


def hostile_first(make_pdf, operators: int, normal_pages: int) -> bytes:
    """A hostile page (``operators`` tiny text operators) followed by ``normal_pages`` ordinary ones."""
    doc = pymupdf.open(stream=text_operator_pdf(operators))
    doc.insert_pdf(pymupdf.open(stream=pages_pdf(make_pdf, normal_pages)))
    return doc.tobytes(deflate=True)


def test_defaults_recover_a_lost_worker_in_minutes():
    settings = Settings()
    assert settings.soft_time_limit_s < settings.time_limit_s < settings.visibility_timeout_s <= 15 * 60
    assert settings.sweep_grace_s <= 5 * 60 and settings.worker_memory_limit > 0
    config = celery_config(settings)
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["broker_transport_options"]["visibility_timeout"] == settings.visibility_timeout_s


@pytest.mark.slow
def test_a_task_killed_at_the_hard_time_limit_fails_its_job_naming_the_page_batch(limited_cluster, make_pdf):
    """Before: the kill was acked, the sweeper re-drove ``plan`` until the poison counter failed the job
    an hour later with a reason naming ``plan``."""
    cluster = limited_cluster(DOCAI_TASK_SOFT_TIME_LIMIT="1", DOCAI_TASK_TIME_LIMIT="2")
    cluster.worker(concurrency=1, env={"DOCAI_TEST_FAULTS": "stall=30"})  # a call inside C ignoring signals
    status = jobs.submit_convert(pages_pdf(make_pdf, 3, {3: STALL_MARKER}), "stall.pdf", {},
                                 settings=cluster.settings)
    start = time.monotonic()
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=30)
    assert time.monotonic() - start < 20
    assert final.state is JobState.failed and final.error_code == "task_timeout"
    assert "page batch 1 (page 3) was killed after 2 s" in final.error
    assert "plan" not in final.error


@pytest.mark.slow
def test_the_soft_time_limit_outside_page_work_fails_the_job_naming_the_batch(limited_cluster, make_pdf):
    cluster = limited_cluster(DOCAI_TASK_SOFT_TIME_LIMIT="1", DOCAI_TASK_TIME_LIMIT="4")
    cluster.worker(concurrency=1, env={"DOCAI_TEST_FAULTS": "slow=3"})
    status = jobs.submit_convert(pages_pdf(make_pdf, 2, {1: SLOW_MARKER}), "slow.pdf", {}, settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=30)
    assert final.state is JobState.failed and final.error_code == "task_timeout"
    assert final.error.startswith("page batch 0 (pages 1-2) took longer than 1 s")


@pytest.mark.slow
def test_a_page_running_into_the_soft_time_limit_fails_cleanly_and_the_job_goes_on(limited_cluster, make_pdf):
    """A hostile page the client let through its own limits runs into the task's soft limit: that page and
    its batch-mate fail with task_timeout, the other batch is untouched and the job finishes."""
    cluster = limited_cluster(DOCAI_TASK_SOFT_TIME_LIMIT="2", DOCAI_TASK_TIME_LIMIT="20",
                              DOCAI_VISIBILITY_TIMEOUT="30")
    cluster.worker(concurrency=1)
    data = hostile_first(make_pdf, 300_000, 3)
    options = {"engine": "text", "use_cache": False, "limits": {"max_page_operators": 0, "page_timeout_s": 0}}
    status = jobs.submit_convert(data, "hostile.pdf", options, settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=40)
    assert final.state is JobState.succeeded, final.error
    document = jobs.get_result(status.job_id, settings=cluster.settings)
    codes = [[e.code for e in page.errors] for page in document.pages]
    assert codes == [["task_timeout"], ["task_timeout"], [], []]
    assert "soft time limit of 2 s" in document.pages[0].errors[0].message
    assert "Page 2 of the limits test" in document.markdown  # pages 3-4 of the file


def pool_processes(worker) -> list[int]:
    path = Path(f"/proc/{worker.proc.pid}/task/{worker.proc.pid}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def data_limit(pid: int) -> int | None:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max data size"):
            value = line.split()[3]
            return None if value == "unlimited" else int(value)
    return None


def pool_data_limit(worker, timeout: float = 15) -> int | None:
    """The pool process's data limit once its init has run: the worker logs "ready" from the parent,
    possibly before the child's ``worker_process_init`` has set the limit."""
    deadline = time.monotonic() + timeout
    limit = None
    while time.monotonic() < deadline:
        children = pool_processes(worker)
        if len(children) == 1 and (limit := data_limit(children[0])) is not None:
            return limit
        time.sleep(0.1)
    return limit


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="reads the pool's limits from /proc")
def test_a_page_over_the_worker_memory_limit_is_stopped_and_the_worker_lives_on(limited_cluster, make_pdf):
    """The 2.8 GB page of the issue, with the client's content limits switched off: the pool process cannot
    grow past its memory limit, the job ends with a reason, and the worker takes the next job."""
    cluster = limited_cluster(DOCAI_WORKER_MEMORY_LIMIT="700M", DOCAI_TASK_SOFT_TIME_LIMIT="6",
                              DOCAI_TASK_TIME_LIMIT="8", DOCAI_VISIBILITY_TIMEOUT="20")
    worker = cluster.worker(concurrency=1)
    assert pool_data_limit(worker) == 700 * 1024 * 1024
    data = hostile_first(make_pdf, 1_000_000, 1)
    options = {"engine": "text", "use_cache": False, "limits": {"max_page_operators": 0, "page_timeout_s": 0}}
    status = jobs.submit_convert(data, "hungry.pdf", options, settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=60)
    if final.state is JobState.succeeded:  # stopped inside the page: the page says why
        assert jobs.get_result(status.job_id, settings=cluster.settings).pages[0].errors
    else:  # stopped by the hard limit, or a MemoryError outside page work: the job says where
        assert final.error.startswith("page batch 0 (pages 1-2)")
    assert worker.proc.poll() is None
    after = jobs.submit_convert(pages_pdf(make_pdf, 1), "after.pdf", {}, settings=cluster.settings)
    assert jobs.wait(after.job_id, settings=cluster.settings, timeout=30).state is JobState.succeeded

"""The job system against real redis-server and celery worker processes: equality, worker loss,
poison messages, Redis restarts, and jobs flowing past a failing one."""

from __future__ import annotations

import time

import pytest

import docai
from docai.queue import jobs
from schemas.jobs import JobState
from tests.workers.conftest import strip_run_details
from workers.faults import CRASH_MARKER, SLOW_MARKER

pytestmark = pytest.mark.slow


def text_pdf(make_pdf, n: int, marked: dict[int, str] | None = None, *, tag: str = "") -> bytes:
    """``n`` born-digital pages; ``marked`` adds a fault marker to some (1-based) pages."""
    marked = marked or {}
    return make_pdf([
        [((72, 300), f"Page {i} of the queue test {tag} says hello to the workers.", 11),
         ((72, 340), marked.get(i, "A second line of ordinary text."), 11)]
        for i in range(1, n + 1)
    ])


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_queue_result_equals_in_process(shared_cluster, make_pdf):
    data = text_pdf(make_pdf, 5)
    status = jobs.submit_convert(data, "five.pdf", {"pages": "2-5"}, settings=shared_cluster.settings)
    assert status.state is JobState.queued and status.pages_total == 4
    final = jobs.wait(status.job_id, settings=shared_cluster.settings, timeout=30)
    assert final.state is JobState.succeeded, final.error
    assert (final.pages_done, final.pages_total) == (4, 4)
    queued = jobs.get_result(status.job_id, settings=shared_cluster.settings)
    local = docai.convert(data, pages="2-5")
    local.source = "five.pdf"  # the queue names the document by its submitted filename
    assert strip_run_details(queued) == strip_run_details(local)
    assert queued.markdown == local.markdown and "Page 2 of the queue test" in queued.markdown


def test_sample_pdf_through_the_queue_equals_convert(shared_cluster, sample_pdf):
    status = jobs.submit_convert(sample_pdf.read_bytes(), str(sample_pdf), {}, settings=shared_cluster.settings)
    jobs.wait(status.job_id, settings=shared_cluster.settings, timeout=30)
    assert strip_run_details(jobs.get_result(status.job_id, settings=shared_cluster.settings)) == \
        strip_run_details(docai.convert(str(sample_pdf)))


def test_duplicate_job_does_no_page_work_twice(shared_cluster, make_pdf):
    data = text_pdf(make_pdf, 3, tag="duplicate")
    first = jobs.submit_convert(data, "a.pdf", {}, settings=shared_cluster.settings)
    jobs.wait(first.job_id, settings=shared_cluster.settings, timeout=30)
    second = jobs.submit_convert(data, "a.pdf", {}, settings=shared_cluster.settings)
    jobs.wait(second.job_id, settings=shared_cluster.settings, timeout=30)
    one = jobs.get_result(first.job_id, settings=shared_cluster.settings)
    two = jobs.get_result(second.job_id, settings=shared_cluster.settings)
    assert not any(p.cached for p in one.pages)
    assert all(p.cached for p in two.pages)
    assert strip_run_details(one) == strip_run_details(two)


def test_worker_killed_mid_job_still_completes(make_cluster, make_pdf):
    cluster = make_cluster(DOCAI_MAX_DELIVERIES="4")
    fault_env = {"DOCAI_TEST_FAULTS": "slow=1.5"}
    first = cluster.worker(concurrency=1, env=fault_env, name="doomed")
    data = text_pdf(make_pdf, 4, {3: SLOW_MARKER})
    status = jobs.submit_convert(data, "slow.pdf", {}, settings=cluster.settings)
    deliveries = cluster.redis.client()
    key = f"docai:job:{status.job_id}:deliveries"
    wait_for(lambda: deliveries.hget(key, "page batch 1 (pages 3-4)") is not None, 20, "the slow batch to start")
    first.kill()  # SIGKILL parent and pool child while the batch holding page 3 runs
    assert jobs.get_status(status.job_id, settings=cluster.settings).state is JobState.running
    cluster.worker(concurrency=1, env=fault_env, name="rescuer")
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=40)
    assert final.state is JobState.succeeded, final.error
    assert int(deliveries.hget(key, "page batch 1 (pages 3-4)")) >= 2  # it really was delivered again
    local = docai.convert(data)
    local.source = "slow.pdf"
    assert strip_run_details(jobs.get_result(status.job_id, settings=cluster.settings)) == strip_run_details(local)


def test_poison_page_fails_its_job_after_n_deliveries_and_others_flow(make_cluster, make_pdf):
    cluster = make_cluster(DOCAI_MAX_DELIVERIES="2")
    cluster.worker(concurrency=2, env={"DOCAI_TEST_FAULTS": "crash"})
    poison = jobs.submit_convert(text_pdf(make_pdf, 3, {2: CRASH_MARKER}), "poison.pdf", {},
                                 settings=cluster.settings)
    good = [jobs.submit_convert(text_pdf(make_pdf, 2 + i), f"good{i}.pdf", {}, settings=cluster.settings)
            for i in range(3)]
    failed = jobs.wait(poison.job_id, settings=cluster.settings, timeout=40)
    assert failed.state is JobState.failed
    assert failed.error_code == "poison_message"
    assert "page batch 0" in failed.error and "delivered 2 times" in failed.error
    with pytest.raises(docai.DocaiError, match="failed: page batch 0"):
        jobs.get_result(poison.job_id, settings=cluster.settings)
    for status in good:
        assert jobs.wait(status.job_id, settings=cluster.settings, timeout=30).state is JobState.succeeded
    # the poison message is gone: nothing waits in the queues, nothing is held unacknowledged
    client = cluster.redis.client()
    time.sleep(0.5)
    assert client.llen("cpu") == 0 and client.hlen("unacked") == 0


def test_redis_restart_mid_run_loses_no_accepted_job(make_cluster, make_pdf):
    cluster = make_cluster(aof=True)
    cluster.worker(concurrency=1, env={"DOCAI_TEST_FAULTS": "slow=1"})
    statuses = [jobs.submit_convert(text_pdf(make_pdf, 2 + i, {1: SLOW_MARKER}), f"r{i}.pdf", {},
                                    settings=cluster.settings) for i in range(3)]
    client = cluster.redis.client()
    wait_for(lambda: client.hget(f"docai:job:{statuses[0].job_id}", "state") == b"running", 20, "a running job")
    cluster.redis.restart()  # SIGKILL, then start again on the same port and AOF file
    for status in statuses:
        final = jobs.wait(status.job_id, settings=cluster.settings, timeout=60)
        assert final.state is JobState.succeeded, final.error
        assert jobs.get_result(status.job_id, settings=cluster.settings).pages


def test_a_job_whose_message_the_broker_lost_still_completes(make_cluster, make_pdf):
    """kombu can lose a message when Redis dies between BRPOP and its unacked write; the sweeper re-drives."""
    cluster = make_cluster()
    status = jobs.submit_convert(text_pdf(make_pdf, 3), "lost.pdf", {}, settings=cluster.settings)
    cluster.redis.client().delete("cpu")  # the plan message is gone, the job is still recorded
    cluster.worker(concurrency=1)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=30)
    assert final.state is JobState.succeeded, final.error
    assert "Page 2 of the queue test" in jobs.get_result(status.job_id, settings=cluster.settings).markdown

"""Job state in Redis: compare-and-set transitions, idempotent page records, delivery counts."""

from __future__ import annotations

import pytest

from docai.errors import JobError
from docai.queue.store import JobStore, check_job_id
from docai.sealing import Sealer
from schemas.jobs import JobKind, JobRequest, JobState

JOB = "0" * 31 + "1"


@pytest.fixture
def store(redis_only, tmp_path) -> JobStore:
    return JobStore(redis_only.redis.client(), ttl_s=60, sealer=Sealer(None, tmp_path))


def test_lifecycle_and_progress(store):
    store.create(JOB, JobRequest(document_ref="documents/x"), pages_total=3)
    assert store.status(JOB).state is JobState.queued
    assert store.mark_running(JOB) and not store.mark_running(JOB)
    assert store.record_pages(JOB, [0, 1]) == 2
    assert store.record_pages(JOB, [1]) == 2  # a re-delivered batch counts once
    assert store.pages_done(JOB, [0, 1]) and not store.pages_done(JOB, [1, 2])
    status = store.status(JOB)
    assert (status.state, status.pages_done, status.pages_total) == (JobState.running, 2, 3)
    assert store.mark_succeeded(JOB)
    assert not store.mark_failed(JOB, "late", "a late failure cannot undo success")
    status = store.status(JOB)
    assert status.state is JobState.succeeded and status.pages_done == 3 and status.error is None
    assert status.finished_at >= status.submitted_at
    assert store.client.ttl(store.key(JOB)) > 0


def test_failure_is_final(store):
    store.create(JOB, JobRequest(kind=JobKind.ask, document_ref="documents/x", question="q?"), pages_total=1)
    assert store.mark_failed(JOB, "poison_message", "gave up")
    assert not store.mark_succeeded(JOB) and not store.mark_running(JOB)
    status = store.status(JOB)
    assert (status.state, status.error_code, status.error, status.kind) == (
        JobState.failed, "poison_message", "gave up", JobKind.ask)
    assert store.request(JOB).question == "q?"


def test_unknown_jobs_and_deliveries(store):
    assert store.status(JOB) is None and store.request(JOB) is None
    assert not store.mark_running(JOB)  # never creates a job
    assert store.status(JOB) is None
    assert [store.count_delivery(JOB, "plan") for _ in range(3)] == [1, 2, 3]
    assert store.count_delivery(JOB, "page batch 0") == 1


@pytest.mark.parametrize("bad", ["", "x", "../" + "0" * 29, "0" * 31 + "G", "0" * 33, None])
def test_job_ids_are_checked(bad):
    with pytest.raises(JobError, match="not a job id"):
        check_job_id(bad)


@pytest.mark.parametrize("finish", ["succeeded", "failed"])
def test_password_is_forgotten_when_the_job_finishes(store, finish):
    store.create(JOB, JobRequest(document_ref="documents/x", options={"password": "s3cret", "pages": "1"}),
                 pages_total=1)
    assert store.request(JOB).options["password"] == "s3cret"  # the workers need it while the job runs
    assert b"s3cret" not in b"".join(store.client.hgetall(store.key(JOB)).values())  # sealed in Redis
    if finish == "succeeded":
        store.mark_succeeded(JOB)
    else:
        store.mark_failed(JOB, "x", "failed")
    assert store.request(JOB).options == {"pages": "1"}
    assert b"s3cret" not in b"".join(v for v in store.client.hgetall(store.key(JOB)).values())


def test_a_store_without_a_key_refuses_to_write_a_password(redis_only):
    keyless = JobStore(redis_only.redis.client(), ttl_s=60)
    with pytest.raises(Exception, match="no server key"):
        keyless.create(JOB, JobRequest(document_ref="documents/x", options={"password": "s3cret"}), pages_total=1)
    assert not keyless.client.exists(keyless.key(JOB))

"""The lost-job sweeper: jobs no broker message names are re-driven, others are left alone."""

from __future__ import annotations

import json

from docai.queue.jobs import services
from docai.queue.sweep import broker_messages, lost_jobs, redrive_lost_jobs
from schemas.jobs import JobKind, JobRequest

JOB, OTHER, ASK = "a" * 32, "b" * 32, "c" * 32


def test_only_jobs_without_messages_are_re_driven(redis_only):
    svc = services(redis_only.settings)
    client = svc.store.client
    for job_id in (JOB, OTHER):
        svc.store.create(job_id, JobRequest(document_ref="documents/x"), pages_total=1)
    svc.store.create(ASK, JobRequest(kind=JobKind.ask, document_ref="documents/x", question="q?"), pages_total=1)
    svc.send("docai.plan", [OTHER], svc.settings.cpu_queue)  # OTHER's message waits in the queue
    assert OTHER.encode() in broker_messages(client, ["cpu", "gpu"])
    assert sorted(lost_jobs(svc, grace_s=0)) == [JOB, ASK]
    assert lost_jobs(svc, grace_s=3600) == []  # not idle long enough yet

    assert sorted(redrive_lost_jobs(svc, grace_s=0)) == [JOB, ASK]
    queued = [json.loads(m)["headers"] for m in client.lrange("cpu", 0, -1)]
    assert sorted(h["argsrepr"] for h in queued if h["task"] == "docai.plan") == sorted([repr([JOB]), repr([OTHER])])
    assert [json.loads(m)["headers"]["task"] for m in client.lrange("gpu", 0, -1)] == ["docai.ask"]
    assert lost_jobs(svc, grace_s=0) == []  # now every job has its message


def test_a_running_tasks_unacked_message_counts_and_finished_jobs_leave(redis_only):
    svc = services(redis_only.settings)
    client = svc.store.client
    svc.store.create(JOB, JobRequest(document_ref="documents/x"), pages_total=1)
    client.hset("unacked", "tag-1", json.dumps([{"headers": {"argsrepr": repr([JOB])}}, "", "cpu"]))
    assert lost_jobs(svc, grace_s=0) == []
    client.delete("unacked")
    svc.store.mark_succeeded(JOB)
    assert svc.store.active_jobs() == [] and lost_jobs(svc, grace_s=0) == []


def test_sweep_lock_lets_one_sweeper_run_per_interval(redis_only):
    svc = services(redis_only.settings)
    svc.store.create(JOB, JobRequest(document_ref="documents/x"), pages_total=1)
    assert redrive_lost_jobs(svc, grace_s=0, lock_s=60, holder="w1") == [JOB]
    svc.store.client.delete("cpu")  # the message is lost again
    assert redrive_lost_jobs(svc, grace_s=0, lock_s=60, holder="w2") == []  # w1 holds the lock

"""Re-driving jobs whose messages the broker lost.

kombu's Redis transport moves a message from its queue list to the ``unacked`` hash in two steps
(``BRPOP``, then a write from the worker). If Redis dies between the two, the message is gone: the job
is still recorded as unfinished, but nothing will ever run it. The sweeper finds such jobs — unfinished,
idle for a grace period, and with no message naming them in any queue or in ``unacked`` (with late
acks a running task's message stays there until it finishes) — and sends their first step again.
Every step is idempotent, so a job re-driven by mistake only repeats checks, never output.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis

from docai.queue.store import redis_client
from schemas.jobs import JobKind, JobState

if TYPE_CHECKING:
    from docai.queue.jobs import JobServices

log = logging.getLogger(__name__)

#: kombu's Redis transport keeps delivered, unacknowledged messages in this hash
UNACKED_KEY = "unacked"
LOCK_KEY = "docai:sweep-lock"


def broker_messages(client: redis.Redis, queues: list[str]) -> bytes:
    """Every message waiting in ``queues`` (priority variants included) or delivered and not acked."""
    blobs: list[bytes] = []
    for queue in queues:
        for name in client.scan_iter(match=f"{queue}*", count=500):
            if client.type(name) == b"list":
                blobs.extend(client.lrange(name, 0, -1))
    blobs.extend(client.hvals(UNACKED_KEY))
    return b"\n".join(blobs)


def lost_jobs(svc: JobServices, grace_s: float) -> list[str]:
    """Unfinished jobs, idle for ``grace_s``, that no message in the broker names."""
    candidates = svc.store.active_jobs(idle_for_s=grace_s)
    if not candidates:
        return []
    seen = broker_messages(redis_client(svc.settings.broker_url),
                           [svc.settings.cpu_queue, svc.settings.gpu_queue])
    lost = []
    for job_id in candidates:
        if job_id.encode() in seen:
            continue
        status = svc.store.status(job_id)
        if status is None or status.state in (JobState.succeeded, JobState.failed):
            svc.store.forget(job_id)  # expired or finished: nothing to re-drive
            continue
        lost.append(job_id)
    return lost


def redrive_lost_jobs(svc: JobServices, grace_s: float, *, lock_s: float = 0.0, holder: str = "") -> list[str]:
    """Send the first step of every lost job again; returns their ids. With ``lock_s``, at most one
    sweeper (of all workers) runs per ``lock_s`` seconds."""
    if lock_s and not svc.store.client.set(LOCK_KEY, holder or "sweeper", nx=True, px=int(lock_s * 1000)):
        return []
    lost = lost_jobs(svc, grace_s)
    for job_id in lost:
        request = svc.store.request(job_id)
        if request is None:
            continue
        if request.kind is JobKind.ask:
            svc.send("docai.ask", [job_id], svc.settings.gpu_queue)
        else:
            svc.send("docai.plan", [job_id], svc.settings.cpu_queue)
        svc.store.touch(job_id)
        log.warning("job %s had no message left in the broker (lost in a broker restart?); re-driven", job_id)
    return lost

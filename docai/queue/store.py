"""Job state in Redis: one hash per job, plus the set of finished page positions and delivery counters.

Keys (all expire ``ttl_s`` after the last change of state):

- ``docai:job:<id>``             hash: kind, state, pages_total, request (JSON), times, error
- ``docai:job:<id>:done``        set of page positions (0-based, in selection order) whose results are stored
- ``docai:job:<id>:deliveries``  hash: task name → times it was delivered (poison-message guard)
- ``docai:job:<id>:events``      pub/sub channel: ``progress`` and ``finished`` notices for waiters
- ``docai:jobs:active``          sorted set: unfinished job ids scored by their last activity (epoch s)

Changes of state are compare-and-set (Lua), so a late or duplicated task can never move a finished job.
A PDF password in the request is sealed with the server key (:mod:`docai.sealing`) before it is written,
so Redis — and its append-only file — never holds it in clear.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import redis

from docai.errors import ConfigError, JobError
from docai.sealing import Sealer, is_sealed
from schemas.jobs import JobKind, JobRequest, JobState, JobStatus

PREFIX = "docai:job:"
ACTIVE = "docai:jobs:active"
_JOB_ID = re.compile(r"[0-9a-f]{32}")

# KEYS[1] job hash; ARGV: allowed current states (comma list), then field/value pairs to set.
_TRANSITION = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == state then allowed = true end
end
if not allowed then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    """One client (with its connection pool) per Redis URL per process."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30,
                                                 health_check_interval=15)
        return _clients[url]


def safe_url(url: str) -> str:
    """A Redis URL without its password (for logs; clients never see a Redis address)."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def check_job_id(job_id: str) -> str:
    """``job_id`` if it is a well-formed job id, else :class:`JobError`."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise JobError(f"{str(job_id)[:40]!r} is not a job id (32 hex digits, as printed by docai submit)")
    return job_id


def now() -> datetime:
    return datetime.now(UTC)


class JobStore:
    """Reads and changes job state in one Redis."""

    def __init__(self, client: redis.Redis, ttl_s: int = 7 * 24 * 3600, sealer: Sealer | None = None) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.sealer = sealer
        self._transition = client.register_script(_TRANSITION)

    @staticmethod
    def key(job_id: str, part: str = "") -> str:
        return f"{PREFIX}{job_id}{':' + part if part else ''}"

    def _keys(self, job_id: str) -> list[str]:
        return [self.key(job_id), self.key(job_id, "done"), self.key(job_id, "deliveries")]

    def create(self, job_id: str, request: JobRequest, pages_total: int) -> JobStatus:
        """Record a new queued job."""
        status = JobStatus(job_id=job_id, kind=request.kind, state=JobState.queued, pages_total=pages_total,
                           submitted_at=now())
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(job_id), mapping={
                "kind": request.kind.value, "state": JobState.queued.value, "pages_total": pages_total,
                "submitted_at": status.submitted_at.isoformat(), "request": self._sealed(request).model_dump_json(),
            })
            pipe.expire(self.key(job_id), self.ttl_s)
            pipe.zadd(ACTIVE, {job_id: time.time()})
            pipe.execute()
        return status

    def _sealed(self, request: JobRequest) -> JobRequest:
        """``request`` with its password sealed (a store without a sealer refuses to write one)."""
        password = request.options.get("password")
        if not password:
            return request
        if self.sealer is None:
            raise ConfigError("this job store has no server key to seal the PDF password with")
        options = {**request.options, "password": self.sealer.seal(password)}
        return request.model_copy(update={"options": options})

    def active_jobs(self, idle_for_s: float = 0.0) -> list[str]:
        """Unfinished jobs with no activity (creation, start, pages recorded) for ``idle_for_s`` seconds."""
        return [j.decode() for j in self.client.zrangebyscore(ACTIVE, "-inf", time.time() - idle_for_s)]

    def forget(self, job_id: str) -> None:
        """Drop a job from the active set (it finished or its state expired)."""
        self.client.zrem(ACTIVE, job_id)

    def touch(self, job_id: str) -> None:
        """Record activity now (a job re-driven by the sweeper is not re-driven again at once)."""
        self.client.zadd(ACTIVE, {job_id: time.time()}, xx=True)

    def request(self, job_id: str) -> JobRequest | None:
        """The request a job was submitted with, or ``None`` for an unknown (or expired) job."""
        raw = self.client.hget(self.key(job_id), "request")
        if not raw:
            return None
        request = JobRequest.model_validate_json(raw)
        password = request.options.get("password")
        if password:
            if self.sealer is None or not is_sealed(password):
                raise JobError(f"job {job_id}: its PDF password cannot be opened here (no server key)")
            request = request.model_copy(update={"options": {**request.options,
                                                             "password": self.sealer.open(password)}})
        return request

    def status(self, job_id: str) -> JobStatus | None:
        """Where the job stands, or ``None`` for an unknown (or expired) job."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hmget(self.key(job_id), ["kind", "state", "pages_total", "submitted_at", "finished_at",
                                          "error", "error_code"])
            pipe.scard(self.key(job_id, "done"))
            fields, done = pipe.execute()
        kind, state, total, submitted, finished, error, code = (v.decode() if v else None for v in fields)
        if state is None:
            return None
        total_n = int(total or 0)
        return JobStatus(
            job_id=job_id, kind=JobKind(kind or "convert"), state=JobState(state),
            pages_done=total_n if state == JobState.succeeded else min(done, total_n), pages_total=total_n,
            error=error, error_code=code,
            submitted_at=datetime.fromisoformat(submitted) if submitted else None,
            finished_at=datetime.fromisoformat(finished) if finished else None,
        )

    def mark_running(self, job_id: str) -> bool:
        """queued → running; False if the job is not queued (already running, finished or unknown)."""
        self.touch(job_id)
        return self._set(job_id, [JobState.queued], state=JobState.running.value)

    def mark_succeeded(self, job_id: str) -> bool:
        """queued/running → succeeded, then tell waiters."""
        done = self._set(job_id, [JobState.queued, JobState.running], state=JobState.succeeded.value,
                         finished_at=now().isoformat())
        self._finished(job_id)
        return done

    def mark_failed(self, job_id: str, code: str, message: str) -> bool:
        """queued/running → failed with a one-line reason; False if the job had already finished."""
        done = self._set(job_id, [JobState.queued, JobState.running], state=JobState.failed.value,
                         error=message, error_code=code, finished_at=now().isoformat())
        self._finished(job_id)
        return done

    def _set(self, job_id: str, allowed: list[JobState], **fields: str) -> bool:
        args = [",".join(s.value for s in allowed)]
        for name, value in fields.items():
            args += [name, value]
        return bool(self._transition(keys=[self.key(job_id)], args=args))

    def _finished(self, job_id: str) -> None:
        self._forget_password(job_id)
        with self.client.pipeline(transaction=False) as pipe:
            for key in self._keys(job_id):
                pipe.expire(key, self.ttl_s)
            pipe.publish(self.key(job_id, "events"), "finished")
            pipe.zrem(ACTIVE, job_id)
            pipe.execute()

    def _forget_password(self, job_id: str) -> None:
        """A finished job needs its PDF password no more: drop it from the stored request."""
        raw = self.client.hget(self.key(job_id), "request")
        request = JobRequest.model_validate_json(raw) if raw else None  # still sealed: no need to open it
        if request is not None and request.options.get("password"):
            options = {k: v for k, v in request.options.items() if k != "password"}
            self.client.hset(self.key(job_id), "request", request.model_copy(update={"options": options})
                             .model_dump_json())

    def pages_done(self, job_id: str, positions: list[int]) -> bool:
        """Whether every one of ``positions`` is already recorded as done."""
        if not positions:
            return True
        flags = self.client.smismember(self.key(job_id, "done"), positions)
        return all(flags)

    def record_pages(self, job_id: str, positions: list[int]) -> int:
        """Record pages as done (idempotent) and return how many of the job's pages are done now."""
        with self.client.pipeline(transaction=True) as pipe:
            if positions:
                pipe.sadd(self.key(job_id, "done"), *positions)
            pipe.expire(self.key(job_id, "done"), self.ttl_s)
            pipe.scard(self.key(job_id, "done"))
            pipe.publish(self.key(job_id, "events"), "progress")
            pipe.zadd(ACTIVE, {job_id: time.time()}, xx=True)
            *_, done, _receivers, _touched = pipe.execute()
        return int(done)

    def count_delivery(self, job_id: str, task: str) -> int:
        """Count one more delivery of ``task`` for this job and return the count (1 on the first)."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(self.key(job_id, "deliveries"), task, 1)
            pipe.expire(self.key(job_id, "deliveries"), self.ttl_s)
            count, _ = pipe.execute()
        return int(count)

    def events_channel(self, job_id: str) -> str:
        return self.key(job_id, "events")

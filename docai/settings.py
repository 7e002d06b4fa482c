"""Service settings for the queue, the workers and the HTTP API, read from ``DOCAI_*`` environment variables.

Every setting has a default that works on one machine with a local Redis; a value that does not parse or
makes no sense raises :class:`docai.errors.ConfigError` naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from docai.errors import ConfigError

MiB = 1024 * 1024
#: the URL schemes the Redis client accepts (broker and job state)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def default_storage_dir() -> Path:
    """``$XDG_DATA_HOME/docai``, else ``~/.local/share/docai``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "docai"


#: field name → environment variable
ENV_VARS: dict[str, str] = {
    "broker_url": "DOCAI_BROKER_URL",
    "result_backend": "DOCAI_RESULT_BACKEND",
    "storage_dir": "DOCAI_STORAGE_DIR",
    "api_key": "DOCAI_API_KEY",
    "secret_key": "DOCAI_SECRET_KEY",
    "max_upload_bytes": "DOCAI_MAX_UPLOAD_BYTES",
    "body_timeout_s": "DOCAI_BODY_TIMEOUT",
    "body_idle_timeout_s": "DOCAI_BODY_IDLE_TIMEOUT",
    "cpu_queue": "DOCAI_CPU_QUEUE",
    "gpu_queue": "DOCAI_GPU_QUEUE",
    "pages_per_task": "DOCAI_PAGES_PER_TASK",
    "max_deliveries": "DOCAI_MAX_DELIVERIES",
    "soft_time_limit_s": "DOCAI_TASK_SOFT_TIME_LIMIT",
    "time_limit_s": "DOCAI_TASK_TIME_LIMIT",
    "visibility_timeout_s": "DOCAI_VISIBILITY_TIMEOUT",
    "restore_interval_s": "DOCAI_RESTORE_INTERVAL",
    "result_expires_s": "DOCAI_RESULT_EXPIRES",
    "preload_engines": "DOCAI_PRELOAD_ENGINES",
    "sweep_interval_s": "DOCAI_SWEEP_INTERVAL",
    "sweep_grace_s": "DOCAI_SWEEP_GRACE",
    "worker_memory_limit": "DOCAI_WORKER_MEMORY_LIMIT",
    "max_memory_per_child": "DOCAI_WORKER_MAX_MEMORY_PER_CHILD",
}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value: object) -> object:
    """``"8G"``, ``"512MiB"``, ``"4096"`` → bytes (binary units); anything else is left for validation."""
    if isinstance(value, str) and (m := _SIZE.match(value)):
        return int(float(m.group(1)) * 1024 ** "_kmgt".index(m.group(2).lower() or "_"))
    return value


class Settings(BaseModel):
    """Where the queue, the job state and the stored documents live, and how workers behave."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    broker_url: str = Field(default="redis://127.0.0.1:6379/0", description="Celery broker (Redis)")
    result_backend: str | None = Field(
        default=None, description="Redis for job state and Celery results; None = the broker's Redis")
    storage_dir: Path = Field(default_factory=default_storage_dir,
                              description="documents, results and the page cache of queued jobs")
    api_key: str | None = Field(default=None, repr=False, description="HTTP API key; None = no auth")
    secret_key: str | None = Field(default=None, repr=False, description="seals job secrets (PDF passwords) in "
                                   "Redis; None = the key file secret.key in the storage directory")
    max_upload_bytes: int = Field(default=200 * MiB, ge=1, description="largest document a client may submit")
    body_timeout_s: float = Field(default=300, ge=0, description="longest time a request body may take to "
                                  "arrive (408 after it; 0 = no limit)")
    body_idle_timeout_s: float = Field(default=30, ge=0, description="longest pause in a request body "
                                       "(408 after it; 0 = no limit)")
    cpu_queue: str = Field(default="cpu", min_length=1, description="ingest, routing, text layer, assembly")
    gpu_queue: str = Field(default="gpu", min_length=1, description="neural engines: OCR, Nougat, Donut")
    pages_per_task: int = Field(default=4, ge=1, le=1000, description="pages in one page-batch task")
    max_deliveries: int = Field(default=5, ge=1, description="deliveries of one task before its job fails")
    soft_time_limit_s: float = Field(default=540, gt=0, description="a task is asked to stop after this "
                                     "(pages in progress fail with task_timeout)")
    time_limit_s: float = Field(default=600, gt=0, description="a task is killed after this (its job fails)")
    visibility_timeout_s: float = Field(default=660, gt=0, description="a task whose worker vanished is "
                                        "redelivered after this")
    restore_interval_s: float = Field(default=10, gt=0, description="how often workers look for such tasks")
    result_expires_s: int = Field(default=7 * 24 * 3600, ge=60, description="job state and Celery results expire")
    preload_engines: tuple[str, ...] = Field(default=(), description="engines each worker process loads at start")
    sweep_interval_s: float = Field(default=30, gt=0, description="how often a worker looks for jobs whose "
                                    "messages the broker lost (0 < s)")
    sweep_grace_s: float = Field(default=60, gt=0, description="a job idle this long with no message left is "
                                 "re-driven")
    worker_memory_limit: int = Field(default=8 * 1024 * MiB, ge=0, description="writable memory each worker "
                                     "process may map (RLIMIT_DATA; 0 = no limit)")
    max_memory_per_child: int = Field(default=0, ge=0, description="a worker process whose resident memory "
                                      "is over this after a task is replaced (0 = never)")

    @field_validator("broker_url", "result_backend")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(REDIS_SCHEMES):
            raise ValueError(f"{value[:100]!r} is not a Redis URL (redis://HOST:PORT/DB, rediss://… or unix://…)")
        return value

    @field_validator("worker_memory_limit", "max_memory_per_child", mode="before")
    @classmethod
    def _sizes(cls, value: object) -> object:
        return parse_size(value)

    @model_validator(mode="after")
    def _check_limits(self) -> Settings:
        if self.soft_time_limit_s > self.time_limit_s:
            raise ValueError(f"the soft time limit ({self.soft_time_limit_s:g} s) must not exceed the hard "
                             f"one ({self.time_limit_s:g} s)")
        if self.time_limit_s >= self.visibility_timeout_s:
            raise ValueError(f"the task time limit ({self.time_limit_s:g} s) must be below the visibility timeout "
                             f"({self.visibility_timeout_s:g} s), or a running task is delivered twice")
        if self.cpu_queue == self.gpu_queue:
            raise ValueError("the cpu and gpu queues need different names")
        return self

    @property
    def state_url(self) -> str:
        """The Redis holding job state (the result backend, else the broker)."""
        return self.result_backend or self.broker_url

    @property
    def models_dir(self) -> Path:
        """The models queued jobs may name (``<owner>/<name>`` under it), inside the storage location."""
        return self.storage_dir / "models"

    @property
    def cache_dir(self) -> Path:
        """The page cache shared by the workers, inside the storage location."""
        return self.storage_dir / "cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``DOCAI_*`` variables (``env`` defaults to ``os.environ``), then ``overrides``."""
        env = os.environ if env is None else env
        values: dict = {}
        for name, var in ENV_VARS.items():
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            values[name] = _split(raw) if name == "preload_engines" else raw.strip()
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _describe(exc: ValidationError) -> str:
    """One line naming the variable that is wrong."""
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err.get("loc") else ""
    where = ENV_VARS.get(field, field)
    message = err["msg"].removeprefix("Value error, ")
    return f"bad setting {where}: {message}" if where else f"bad settings: {message}"

"""The broker side of the library: the Celery configuration and the sender that publishes job messages.

:func:`celery_config` is the one configuration both sides use (the workers' app in ``workers.app`` and the
sender here). Reliability settings: JSON messages only, late acks with re-queue when a worker process dies,
one message prefetched per process, soft and hard time limits, and a Redis visibility timeout after which a
task whose worker vanished is delivered again. :func:`sender_for` is a Celery app that only publishes by
task name, so submitting a job imports nothing from ``workers/`` (the library never does).
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from docai.settings import Settings

#: task name → queue kind; page batches pick ``cpu`` or ``gpu`` per route when they are sent
TASK_QUEUES = {
    "docai.plan": "cpu",
    "docai.pages": "cpu",
    "docai.assemble": "cpu",
    "docai.describe": "gpu",
    "docai.ask": "gpu",
    "docai.plugin": "gpu",
}


def celery_config(settings: Settings) -> dict:
    """The Celery configuration for ``settings``."""
    transport = {
        "visibility_timeout": settings.visibility_timeout_s,
        "unacked_restore_interval": settings.restore_interval_s,
        "unacked_restore_throttle": 1,
    }
    queue_of = {"cpu": settings.cpu_queue, "gpu": settings.gpu_queue}
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.state_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.soft_time_limit_s,
        "task_time_limit": settings.time_limit_s,
        "task_ignore_result": True,  # results live in docai storage, state in the job hash
        "result_expires": settings.result_expires_s,
        "broker_transport_options": transport,
        "result_backend_transport_options": {"visibility_timeout": settings.visibility_timeout_s},
        "broker_connection_retry_on_startup": True,
        # False on purpose: with True, Celery terminates a running late-ack task when Redis drops and then
        # acknowledges it on the new connection, so the message is lost (seen in the Redis-restart test).
        # Left running, its ack fails on the dead channel and the message is redelivered (idempotent work).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_default_queue": settings.cpu_queue,
        "task_routes": {name: {"queue": queue_of[kind]} for name, kind in TASK_QUEUES.items()},
        "task_create_missing_queues": True,
        "worker_hijack_root_logger": False,
        "enable_utc": True,
        **({"worker_max_memory_per_child": max(1, settings.max_memory_per_child // 1024)}
           if settings.max_memory_per_child else {}),
    }


@lru_cache(maxsize=8)
def sender_for(settings: Settings) -> Celery:
    """A Celery app configured for ``settings`` that publishes tasks by name (no task code imported)."""
    app = Celery("docai")
    app.conf.update(celery_config(settings))
    return app

"""A worker bootstep that re-drives jobs whose messages the broker lost (see :mod:`docai.queue.sweep`).

It runs in the worker's main process on Celery's timer, every ``DOCAI_SWEEP_INTERVAL`` seconds; a
Redis lock lets one worker of the cluster sweep per interval. It touches only Redis, never torch.
"""

from __future__ import annotations

import logging
import socket

from celery import bootsteps

log = logging.getLogger(__name__)


class LostJobSweeper(bootsteps.StartStopStep):
    """Periodically send the first step of jobs that no broker message names any more."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker) -> None:
        settings = worker.app.docai_settings
        self.tref = worker.timer.call_repeatedly(settings.sweep_interval_s, self.sweep, (worker,), priority=10)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def sweep(self, worker) -> None:
        from docai.queue.jobs import services
        from docai.queue.sweep import redrive_lost_jobs

        settings = worker.app.docai_settings
        try:
            redrive_lost_jobs(services(settings), settings.sweep_grace_s, lock_s=settings.sweep_interval_s,
                              holder=getattr(worker, "hostname", None) or socket.gethostname())
        except Exception as exc:  # noqa: BLE001 - Redis down or restarting: try again next interval
            log.warning("lost-job sweep skipped: %s", exc)

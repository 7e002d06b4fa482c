"""The Celery app of the workers (``celery -A workers.app worker``): the library's configuration
(:func:`docai.queue.broker.celery_config`: JSON only, late acks, time and memory limits, visibility
timeout), the tasks and the lost-job sweeper.

Nothing heavy (torch, models) is imported here: the prefork parent must stay light, and engines load in
each child on first use (or at child start, see ``DOCAI_PRELOAD_ENGINES``).
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from docai.queue.broker import celery_config
from docai.settings import Settings


@lru_cache(maxsize=8)
def app_for(settings: Settings) -> Celery:
    """A Celery app for ``settings`` (one per process per settings); workers import the tasks."""
    app = Celery("docai", include=["workers.tasks"])
    app.conf.update(celery_config(settings))
    app.docai_settings = settings
    from workers.sweeper import LostJobSweeper

    app.steps["worker"].add(LostJobSweeper)
    return app


#: the app ``celery -A workers.app`` finds, configured from the environment
app = app_for(Settings.from_env())

"""Celery wiring over docai's job functions: the app (``workers.app``) and thin tasks (``workers.tasks``).

Start a worker with ``docai worker --queues cpu,gpu`` (or ``celery -A workers.app worker``).
"""

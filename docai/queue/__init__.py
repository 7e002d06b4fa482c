"""The library side of the job queue: submit jobs, keep their state, run their steps, sweep lost ones.

- :mod:`docai.queue.jobs` — submit a conversion, a question or a plugin call; status, result, wait
- :mod:`docai.queue.plugins` — plugin jobs (one generic task for every plugin family)
- :mod:`docai.queue.policy` — what a queued job may ask for (model names, no pickle, questions)
- :mod:`docai.queue.uploads` — uploads staged to storage in chunks, checked before they are kept
- :mod:`docai.queue.store` — job state in Redis; :mod:`docai.queue.storage` — documents and results
- :mod:`docai.queue.steps` — the steps of a conversion job as plain functions
- :mod:`docai.queue.sweep` — finding jobs whose messages were lost
- :mod:`docai.queue.broker` — the Celery configuration and the sender that publishes job messages

The Celery wiring (the workers' app, the tasks that call these steps) lives in the top-level ``workers/``
package, which imports this one; nothing here imports ``workers``.
"""

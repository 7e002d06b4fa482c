"""Limits of one worker pool process: its memory, and what its soft time limit does to the page in progress.

- Memory: each pool process gets ``RLIMIT_DATA`` (``DOCAI_WORKER_MEMORY_LIMIT``): an allocation past it
  fails (mupdf and torch raise, the page fails) instead of the kernel's OOM killer taking the machine's
  other work with it. The data limit counts writable memory actually mapped, not address space, so the
  large reservations of thread arenas and GPU runtimes are left alone.
- Soft time limit: billiard raises ``SoftTimeLimitExceeded`` from its ``SIGUSR1`` handler. An engine
  that catches every exception would swallow it and carry on until the hard kill; so the handler is
  wrapped to tell :mod:`docai.budget` first that the run is over, which fails the page in progress and
  those after it with ``task_timeout`` whatever the engine does with the exception.
"""

from __future__ import annotations

import logging
import resource
import signal

from docai import budget

log = logging.getLogger(__name__)


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's writable memory at ``limit_bytes`` (0: leave it), never above the hard limit."""
    if not limit_bytes:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    value = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (value, hard))
    except (ValueError, OSError) as exc:  # a platform without it: say so once, run without
        log.warning("could not limit worker memory to %d bytes: %s", limit_bytes, exc)


def watch_soft_time_limit(reason: str) -> None:
    """Make the soft time limit end the docai run (with ``reason``) before its exception is raised."""
    sig = getattr(signal, "SIGUSR1", None)
    if sig is None:
        return
    current = signal.getsignal(sig)
    if getattr(current, "docai_watch", False):
        current.docai_reason = reason
        return

    def on_soft_limit(signum, frame):
        budget.end_run(on_soft_limit.docai_reason)
        if callable(current):
            current(signum, frame)

    on_soft_limit.docai_watch = True
    on_soft_limit.docai_reason = reason
    signal.signal(sig, on_soft_limit)

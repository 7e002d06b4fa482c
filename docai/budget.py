"""Time budgets for page work.

In the main thread of a Unix process a budget is enforced with ``SIGALRM``: Python code running over
budget is interrupted with :class:`PageTimeoutError` (a long call inside C returns first). Elsewhere
(threads, Windows) the budget is checked after the work and the page is marked as over budget.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from docai.errors import PageTimeoutError


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`PageTimeoutError` if the body runs longer than ``seconds`` (0 = no budget)."""
    if not seconds or seconds <= 0:
        yield
        return
    start = time.monotonic()
    if not _can_alarm():
        yield
        if time.monotonic() - start > seconds:
            raise PageTimeoutError(f"{what} took over its time budget of {seconds:g} s")
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise PageTimeoutError(f"{what} took over its time budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

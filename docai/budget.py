"""Time budgets for page work.

In the main thread of a Unix process a budget is enforced with ``SIGALRM``: Python code running over
budget is interrupted with :class:`PageTimeoutError` (a long call inside C returns first). Elsewhere
(threads, Windows) the budget is checked after the work and the page is marked as over budget.

A page's budget covers all of its work — the content check, routing, hashing for the cache and its
engine — through :func:`page_budget` (:func:`checked_page` for the first work on a page, with its content
check), which charges each part to the page (``PageContext.spent_s``).
A run as a whole can also end early (a queued task reaching its soft time limit calls :func:`end_run`
from a signal handler): the page in progress and every page after it then fail with
:class:`TaskTimeoutError`, whatever the engine did with the exception it got.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from docai.errors import PageTimeoutError, TaskTimeoutError
from docai.ingest.messages import collect_problems

if TYPE_CHECKING:
    from docai.ingest.source import PageContext

#: why the current run must stop ("" while it may go on); set by :func:`end_run`
_run_ended = ""


def end_run(reason: str) -> None:
    """Stop the current run: pages not finished yet fail with ``reason`` (safe in a signal handler)."""
    global _run_ended
    _run_ended = reason


def start_run() -> None:
    """Begin a new run (a queued task): forget why the previous one ended."""
    global _run_ended
    _run_ended = ""


def run_ended() -> str:
    """Why the current run was stopped, or ``""``."""
    return _run_ended


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float, what: str, *, budget_s: float | None = None) -> Iterator[None]:
    """Raise :class:`PageTimeoutError` if the body runs longer than ``seconds`` (0 = no budget).

    ``budget_s`` is the whole budget named in the message when ``seconds`` is only what is left of it.
    """
    if not seconds or seconds <= 0:
        yield
        return
    message = f"{what} took over its time budget of {budget_s or seconds:g} s"
    start = time.monotonic()
    if not _can_alarm():
        yield
        if time.monotonic() - start > seconds:
            raise PageTimeoutError(message)
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise PageTimeoutError(message)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def page_budget(pages: Sequence[PageContext], limit_s: float, what: str, *, charge: bool = True) -> Iterator[None]:
    """Run part of the work on ``pages`` within what is left of their budgets of ``limit_s`` each.

    The time taken is charged to the pages, shared equally (``charge=False`` for a batch attempt that
    is retried page by page when it fails: the retry then has the budgets the batch started with). mupdf
    warnings raised meanwhile are recorded on the pages. Raises :class:`PageTimeoutError` over budget
    and :class:`TaskTimeoutError` when the run ended before or during the body.
    """
    if _run_ended:
        raise TaskTimeoutError(f"{what} was not run: {_run_ended}")
    left = sum(max(0.0, limit_s - ctx.spent_s) for ctx in pages) if limit_s else 0.0
    if limit_s and left <= 0:
        raise PageTimeoutError(f"{what} took over its time budget of {limit_s * len(pages):g} s")
    start = time.monotonic()
    try:
        with collect_problems(pages), time_budget(left, what, budget_s=limit_s * len(pages)):
            yield
    except Exception as exc:
        if _run_ended:
            raise TaskTimeoutError(f"{what} was stopped: {_run_ended}") from exc
        raise
    finally:
        if charge:
            for ctx in pages:
                ctx.spent_s += (time.monotonic() - start) / len(pages)
    if _run_ended:  # the engine caught the exception and carried on: its output may be partial
        raise TaskTimeoutError(f"{what} was stopped: {_run_ended}")


@contextmanager
def checked_page(ctx: PageContext, limit_s: float) -> Iterator[None]:
    """The first work on a page, whoever runs it (conversion's routing, Donut's rendering for ``ask``,
    ``extract`` and ``classify``): within the page's budget, its content check, then the body.

    Raises :class:`LimitExceededError` when the page's content is over the per-page limits (before the
    body reads it), and what :func:`page_budget` raises.
    """
    with page_budget([ctx], limit_s, f"page {ctx.number}"):
        ctx.content_cost()
        yield

"""Test-only fault injection for worker reliability tests. Inert unless ``DOCAI_TEST_FAULTS`` is set.

``DOCAI_TEST_FAULTS="crash,slow=3,stall=10"`` makes a page-batch task, before processing, kill its own
worker process (``os._exit``) when a page's text contains :data:`CRASH_MARKER`, sleep 3 s when it
contains :data:`SLOW_MARKER`, and sleep 10 s with the soft-time-limit signal blocked (as a long call
inside C code would) when it contains :data:`STALL_MARKER`. Production workers never set the variable;
a worker that has it logs a warning.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Mapping

from docai.ingest.source import PageContext
from docai.queue.steps import BeforePages

ENV = "DOCAI_TEST_FAULTS"
CRASH_MARKER = "DOCAI-TEST-FAULT-CRASH"
SLOW_MARKER = "DOCAI-TEST-FAULT-SLOW"
STALL_MARKER = "DOCAI-TEST-FAULT-STALL"
CRASH_EXIT_CODE = 70

log = logging.getLogger(__name__)


def parse_faults(spec: str) -> dict[str, float]:
    """``"crash,slow=3"`` → ``{"crash": 1.0, "slow": 3.0}`` (also ``stall``); unknown names are ignored."""
    faults: dict[str, float] = {}
    for part in spec.split(","):
        name, _, value = part.strip().partition("=")
        if name in ("crash", "slow", "stall"):
            faults[name] = float(value) if value else 1.0
    return faults


def fault_hook(env: Mapping[str, str] | None = None) -> BeforePages | None:
    """The hook a page-batch task runs before its pages, or ``None`` (always, in production)."""
    spec = (os.environ if env is None else env).get(ENV, "")
    faults = parse_faults(spec) if spec else {}
    if not faults:
        return None

    def inject(contexts: list[PageContext]) -> None:
        for ctx in contexts:
            text = ctx.page.get_text("text")
            if "crash" in faults and CRASH_MARKER in text:
                log.warning("test fault: page %d has the crash marker, killing this worker process", ctx.number)
                os._exit(CRASH_EXIT_CODE)
            if "slow" in faults and SLOW_MARKER in text:
                time.sleep(faults["slow"])
            if "stall" in faults and STALL_MARKER in text:
                blocked = {signal.SIGUSR1, signal.SIGALRM}
                signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
                try:
                    time.sleep(faults["stall"])
                finally:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)

    return inject

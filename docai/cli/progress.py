"""A page progress bar on a terminal (pages done/total and rate); silent when not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docai.pipeline import ProgressCallback


@contextmanager
def page_progress(label: str, *, enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback drawing a bar on stderr, or ``None`` when stderr is not a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=Path(label).name[-40:] or label, unit="page", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()

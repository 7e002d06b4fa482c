"""Removing old files from the page cache and the job storage, so neither grows without bound."""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from docai.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """``"7d"``, ``"12h"``, ``"30m"``, ``"90"`` (seconds) → seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ConfigError(f"{text!r} is not a duration like 7d, 12h, 30m or 3600")
    return float(m.group(1)) * _UNIT_S[m.group(2).lower()]


@dataclass
class PruneReport:
    """What a prune removed (or, in a dry run, would remove)."""

    files: int = 0
    bytes: int = 0

    def add(self, other: PruneReport) -> PruneReport:
        return PruneReport(self.files + other.files, self.bytes + other.bytes)


def prune_tree(root: Path, older_than_s: float, *, dry_run: bool = False, now: float | None = None) -> PruneReport:
    """Delete the regular files under ``root`` last modified more than ``older_than_s`` ago, then the
    directories left empty. Files that vanish meanwhile (another process) are skipped."""
    report = PruneReport()
    if not root.is_dir():
        return report
    cutoff = (now if now is not None else time.time()) - older_than_s
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                stat = path.lstat()
                if stat.st_mtime >= cutoff or not path.is_file() or path.is_symlink():
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue
            report.files += 1
            report.bytes += stat.st_size
        if not dry_run and Path(dirpath) != root:
            with contextlib.suppress(OSError):
                Path(dirpath).rmdir()  # only succeeds when empty
    return report

"""Install :mod:`tests.support.fake_plugin` as a distribution for other processes (workers, API servers).

Writes a ``docai_fake-1.2.3.dist-info`` with the ``docai.plugins`` entry point into a directory; put that
directory on ``PYTHONPATH`` and the process discovers the plugin as it would a pip-installed one.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.cluster import REPO


def fake_plugin_path(directory: Path, version: str = "1.2.3") -> str:
    """A ``PYTHONPATH`` value on which the fake plugin is an installed distribution (and the repo importable)."""
    info = directory / f"docai_fake-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: docai-fake\nVersion: {version}\n")
    (info / "entry_points.txt").write_text("[docai.plugins]\nfake = tests.support.fake_plugin\n")
    return f"{directory}:{REPO}"

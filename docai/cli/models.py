"""Model commands: ``docai extract`` and ``docai ask`` (Donut)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the model commands to ``main``."""

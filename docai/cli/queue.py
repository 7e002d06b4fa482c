"""Queue commands: ``docai worker``, ``submit``, ``status``, ``result``, ``serve``."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the queue commands to ``main``."""

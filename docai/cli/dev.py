"""``docai dev``: developer tools (tiny random models for tests and demos)."""

from __future__ import annotations

import click


@click.group()
def dev() -> None:
    """Developer tools."""


def register(main: click.Group) -> None:
    main.add_command(dev)

"""Where a command's text goes: stdout, or a file written atomically."""

from __future__ import annotations

from pathlib import Path

import click


def emit(text: str, target: Path | None) -> None:
    """Print ``text`` to stdout, or write it to ``target`` (``.part`` then rename, so an interrupted
    run never leaves a half-written file that looks finished)."""
    if target is None:
        click.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.write_text(text)
    part.replace(target)

"""``docai dev``: developer tools (tiny random models for tests and demos)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def dev() -> None:
    """Developer tools."""


def _kinds() -> list[str]:
    from docai.models.tiny import TINY_KINDS

    return sorted(TINY_KINDS)


@dev.command("tiny-model")
@click.argument("kind", type=click.Choice(_kinds()))
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="random seed of the weights")
@click.option("--image-size", nargs=2, type=int, metavar="H W", default=None,
              help="input image height and width in pixels, multiples of 32 "
                   "(default: nougat 896 672 as the real model, donut 640 480)")
@click.option("--max-length", type=click.IntRange(min=2), default=None,
              help="generation max_length (default 64)")
@click.option("--force", is_flag=True, help="write into a directory that already holds files")
def tiny_model(kind: str, directory: Path, seed: int, image_size: tuple[int, int] | None,
               max_length: int | None, force: bool) -> None:
    """Write a tiny random KIND checkpoint (a few MB) into DIRECTORY.

    It has every file a real checkpoint has (config, safetensors weights, tokenizer with the real special
    tokens, preprocessor config), so `--nougat-model DIRECTORY` or `load_model(DIRECTORY)` exercises
    the real loading path offline. Its output is random text.
    """
    from docai.errors import InputError
    from docai.models.tiny import write_tiny_model

    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError(f"{directory} is not empty: choose another directory or pass --force")
    overrides = {} if max_length is None else {"max_length": max_length}
    out = write_tiny_model(kind, directory, seed=seed, image_size=image_size, **overrides)
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    click.echo(f"wrote tiny {kind} checkpoint to {out} ({size / 1e6:.1f} MB)")


@dev.command("to-safetensors")
@click.argument("source")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def to_safetensors(source: str, directory: Path) -> None:
    """Convert the pickle checkpoint SOURCE (hub id or directory) into a safetensors copy in DIRECTORY.

    The pickle is read with torch's safe unpickler (tensors only, no code), once; afterwards DIRECTORY
    loads without --allow-pickle.
    """
    from docai.models.convert import convert_to_safetensors

    out = convert_to_safetensors(source, directory)
    click.echo(f"wrote safetensors checkpoint to {out}")


def register(main: click.Group) -> None:
    main.add_command(dev)

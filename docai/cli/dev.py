"""``docai dev``: developer tools (tiny random models for tests and demos)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def dev() -> None:
    """Developer tools."""


@dev.command("tiny-model")
@click.argument("kind", metavar="KIND")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="random seed of the weights")
@click.option("--image-size", nargs=2, type=int, metavar="H W", default=None,
              help="input image height and width in pixels, for kinds that take it "
                   "(nougat and donut: multiples of 32; default nougat 896 672 as the real model, donut 640 480)")
@click.option("--max-length", type=click.IntRange(min=2), default=None,
              help="generation max_length, for kinds that take it (nougat and donut: default 64)")
@click.option("--force", is_flag=True, help="write into a directory that already holds files")
def tiny_model(kind: str, directory: Path, seed: int, image_size: tuple[int, int] | None,
               max_length: int | None, force: bool) -> None:
    """Write a tiny random KIND checkpoint (a few MB) into DIRECTORY.

    KIND is any loader kind an installed plugin registers with a tiny writer (built in: nougat, donut;
    `docai plugins list` shows the others). The checkpoint has every file a real one has (config,
    safetensors weights, tokenizer with the real special tokens, processor config), so `load_model(DIRECTORY)`
    exercises the real loading path offline. Its output is random.
    """
    from docai.errors import InputError
    from docai.models.tiny import write_tiny

    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError(f"{directory} is not empty: choose another directory or pass --force")
    overrides = {key: value for key, value in (("image_size", image_size), ("max_length", max_length))
                 if value is not None}
    out = write_tiny(kind, directory, seed=seed, **overrides)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    click.echo(f"wrote tiny {kind} checkpoint to {out} ({size / 1e6:.1f} MB)")


@dev.command("convert-checkpoint")
@click.argument("kind", metavar="KIND")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="a converter setting (repeatable), e.g. --set vision_heads=16 for minigpt4")
def convert_checkpoint(kind: str, source: Path, directory: Path, settings: tuple[str, ...]) -> None:
    """Convert a released KIND checkpoint in SOURCE (its own layout, pickles) into DIRECTORY (safetensors).

    KIND is a loader kind whose plugin registers a converter (e.g. lavit: the released LaVIT layout with
    language_model/, visual_tokenizer/*.bin and the pixel decoders; minigpt4: its own file, the LAVIS BLIP-2
    file and the language model). Pickles are read with torch's safe unpickler (tensors only, no code).
    """
    from docai.errors import ConfigError
    from docai.models.kinds import known_kinds
    from docai.plugins.specs import import_ref

    kinds = {name: k for name, k in known_kinds().items() if k.convert}
    if kind not in kinds:
        raise ConfigError(f"no checkpoint converter for kind {kind!r}: choose one of "
                          f"{', '.join(sorted(kinds)) or 'none installed'}")
    options: dict[str, object] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: write KEY=VALUE")
        options[key.strip().replace("-", "_")] = int(value) if value.strip().lstrip("-").isdigit() else value
    try:
        report = import_ref(kinds[kind].convert)(source, directory, **options)
    except TypeError as exc:
        if not options:
            raise
        raise ConfigError(f"bad converter setting for {kind}: {exc}") from None
    unexpected = getattr(report, "unexpected", None)
    if unexpected:
        click.echo(f"note: {len(unexpected)} weight(s) of the source are not used, e.g. {unexpected[0]}", err=True)
    click.echo(f"wrote {kind} checkpoint to {directory}")


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

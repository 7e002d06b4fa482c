"""``docai convert``: PDFs and images to markdown or JSON, in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docai.batch import convert_many, expand_inputs, render
from docai.cli.options import conversion_options, conversion_options_from
from docai.cli.output import emit
from docai.cli.progress import page_progress
from docai.errors import ConfigError
from docai.pipeline import convert


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Output file (one input) or directory (one file per input). Default: stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Page cache location (default ~/.cache/docai).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@conversion_options
def convert_cmd(inputs, output, fmt, cache_dir, quiet, **params):
    """Convert PDFs or images (paths, directories, or - for stdin) to markdown or JSON.

    One input without -o prints to stdout. Several inputs, or a directory, write one file per input
    into the -o directory and skip inputs already converted unless --recompute.
    """
    options = conversion_options_from(params, cache_dir=str(cache_dir) if cache_dir else None)
    show = not quiet
    paths = expand_inputs(inputs)
    single_file = len(paths) == 1 and (output is None or output.suffix.lower() in (".md", ".json", ".txt"))
    if single_file:
        source = sys.stdin.buffer.read() if paths[0] == "-" else paths[0]
        with page_progress(paths[0], enabled=show) as progress:
            document = convert(source, options, progress=progress)
        emit(render(document, fmt), output)
        _warn_failed_pages(document)
        return
    if output is None:
        raise ConfigError("several inputs need -o DIR for their outputs")
    failures = []
    for item in _run_batch(paths, output, options, fmt, show):
        if item.status == "failed":
            failures.append(item)
            click.echo(f"docai: error: {item.error}", err=True)
        elif not quiet:
            click.echo(f"{item.status}: {item.input} -> {item.output}", err=True)
    if failures:
        click.echo(f"docai: {len(failures)} of {len(paths)} inputs failed", err=True)
        sys.exit(failures[0].error.exit_code)


def _run_batch(paths, output, options, fmt, show):
    stack = {}

    def progress_for(name):
        ctx = page_progress(name, enabled=show)
        stack[name] = ctx
        return ctx.__enter__()

    try:
        for item in convert_many(paths, output, options, fmt, progress_for=progress_for):
            if item.input in stack:
                stack.pop(item.input).__exit__(None, None, None)
            yield item
    finally:
        for ctx in stack.values():
            ctx.__exit__(None, None, None)


def _warn_failed_pages(document) -> None:
    for page in document.pages:
        for error in page.errors:
            click.echo(f"docai: warning: page {page.number}: {error.message}", err=True)

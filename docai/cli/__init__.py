"""The ``docai`` command line. Commands are thin: they parse flags and call library functions."""

from __future__ import annotations

import sys

import click

from docai import __version__
from docai.errors import DocaiError, dependency_error


class DocaiGroup(click.Group):
    """Turns every :class:`DocaiError` into one ``docai: error: ...`` line and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DocaiError as exc:
            click.echo(f"docai: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except ModuleNotFoundError as exc:
            missing = dependency_error(exc)
            if missing is None:
                raise
            click.echo(f"docai: error: {missing}", err=True)
            sys.exit(missing.exit_code)
        except KeyboardInterrupt:
            click.echo("docai: interrupted", err=True)
            sys.exit(130)


@click.group(cls=DocaiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docai")
def main() -> None:
    """docai: PDFs and images to markdown and JSON, in-process or on a Celery queue."""


def _register() -> None:
    from docai.cli import convert, dev, models, plugins, prune, queue, serve

    for module in (convert, dev, models, plugins, prune, queue, serve):
        module.register(main)


_register()

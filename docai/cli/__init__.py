"""The ``docai`` command line. Commands are thin: they parse flags and call library functions."""

from __future__ import annotations

import importlib
import sys

import click

from docai import __version__
from docai.errors import DocaiError, dependency_error

#: core command name → "module:attr"; a command's module is imported only when that command runs (or for
#: --help), so ``docai plugins list`` does not pay for the conversion pipeline's imports
CORE_COMMANDS: dict[str, str] = {
    "convert": "docai.cli.convert:convert_cmd",
    "dev": "docai.cli.dev:dev",
    "extract": "docai.cli.models:extract_cmd",
    "generate": "docai.cli.generate:generate_cmd",
    "ask": "docai.cli.models:ask_cmd",
    "classify": "docai.cli.models:classify_cmd",
    "plugins": "docai.cli.plugins:plugins",
    "prune": "docai.cli.prune:prune_cmd",
    "worker": "docai.cli.queue:worker_cmd",
    "submit": "docai.cli.queue:submit_cmd",
    "status": "docai.cli.queue:status_cmd",
    "result": "docai.cli.queue:result_cmd",
    "serve": "docai.cli.serve:serve_cmd",
    "caption": "docai.cli.capabilities:caption_cmd",
    "vqa": "docai.cli.capabilities:vqa_cmd",
    "match": "docai.cli.capabilities:match_cmd",
    "embed": "docai.cli.capabilities:embed_cmd",
    "zero-shot": "docai.cli.capabilities:zero_shot_cmd",
    "chat": "docai.cli.chat:chat_cmd",
}


class DocaiGroup(click.Group):
    """Turns every :class:`DocaiError` into one ``docai: error: ...`` line and its exit code; loads core
    commands lazily and adds the commands plugins register (``register_commands``) — a plugin command never
    replaces a core one."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *CORE_COMMANDS, *_plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in CORE_COMMANDS:
            module_name, attr = CORE_COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
        if command is None:
            command = _plugin_commands().get(cmd_name)
        return command

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


def _plugin_commands() -> dict[str, click.Command]:
    """Commands from plugins, except any that would shadow a core command (core wins)."""
    from docai.plugins.registry import get_registry

    return {name: entry.item for name, entry in get_registry().commands.items()
            if name not in CORE_COMMANDS and name not in main.commands}

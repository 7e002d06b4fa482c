"""``docai plugins``: what the installed plugins provide."""

from __future__ import annotations

import json

import click

from docai.plugins import get_registry
from schemas.plugins import Capability


@click.group("plugins")
def plugins() -> None:
    """Installed model plugins (entry-point group ``docai.plugins``)."""


@plugins.command("list")
@click.option("--capability", type=click.Choice([c.value for c in Capability]), help="Only models that can do this.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(capability: str | None, as_json: bool) -> None:
    """List plugin models and their capabilities, and plugins that failed to load."""
    registry = get_registry()
    infos = registry.infos(capability)
    if as_json:
        click.echo(json.dumps({"models": [i.model_dump(mode="json") for i in infos],
                               "errors": [e.model_dump() for e in registry.errors]}, indent=2))
        return
    if not infos:
        click.echo("no plugin models installed" + (f" that can {capability}" if capability else ""))
    for info in infos:
        caps = ", ".join(c.value for c in info.capabilities)
        click.echo(f"{info.name}  [{caps}]  ({info.plugin})" + (f"  {info.description}" if info.description else ""))
    for error in registry.errors:
        click.echo(f"docai: warning: plugin {error.plugin} failed to load: {error.message}", err=True)


def register(main: click.Group) -> None:
    main.add_command(plugins)

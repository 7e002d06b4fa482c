"""``docai plugins list``: the installed plugins, what each registered, and why a broken one is broken.

Imports no torch and no model code: it reads what the plugins' hooks declared.
"""

from __future__ import annotations

import click


@click.group("plugins")
def plugins() -> None:
    """Installed plugins (entry-point group ``docai.plugins``; DOCAI_PLUGINS allow-lists them)."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the listing as JSON (schemas.plugins.PluginListing).")
def list_cmd(as_json: bool) -> None:
    """List plugins with their model families, engines, kinds and commands; broken ones with the reason."""
    from docai.plugins.models import model_records
    from docai.plugins.registry import get_registry
    from schemas.plugins import PluginListing

    registry = get_registry()
    listing = PluginListing(plugins=sorted(registry.plugins.values(), key=lambda p: (p.name != "docai", p.name)),
                            models=model_records(registry))
    if as_json:
        click.echo(listing.model_dump_json(indent=2))
        return
    for plugin in listing.plugins:
        if plugin.status == "broken":
            click.echo(f"{plugin.name} {plugin.version}  BROKEN: {plugin.error}")
            continue
        parts = [f"{what}: {', '.join(names)}" for what, names in
                 (("models", plugin.models), ("engines", plugin.engines), ("kinds", plugin.kinds),
                  ("commands", plugin.commands)) if names]
        click.echo(f"{plugin.name} {plugin.version}  " + ("; ".join(parts) or "(registers nothing)"))
    for model in listing.models:
        caps = ", ".join(c.value for c in model.capabilities)
        click.echo(f"  {model.family}: {caps}  ({model.plugin})" + (f"  {model.description}" if model.description else ""))

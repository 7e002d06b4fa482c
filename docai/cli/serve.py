"""``docai serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import click

from docai.settings import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 for all, e.g. in a container).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="API worker processes (the conversions themselves run on the queue workers).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True)
@click.option("--insecure-no-auth", is_flag=True,
              help="Serve beyond loopback without DOCAI_API_KEY (only behind something that authenticates).")
def serve_cmd(host: str, port: int, workers: int, log_level: str, insecure_no_auth: bool) -> None:
    """Serve the HTTP API (jobs, results, questions; OpenAPI docs at /docs).

    Settings come from the DOCAI_* environment (broker, storage, API key, upload limit) and are
    checked before the server starts. Beyond loopback it refuses to start without an API key
    unless --insecure-no-auth (or DOCAI_ALLOW_NO_AUTH=1) is given.
    """
    settings = Settings.from_env()  # a bad DOCAI_* value stops here with one line, not in every worker
    import uvicorn  # missing: main's one-line 'pip install docai[service]' error, exit 13

    from docai.api.auth import check_exposure
    check_exposure(host, settings.api_key, insecure_no_auth=insecure_no_auth)
    uvicorn.run("docai.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, server_header=False)

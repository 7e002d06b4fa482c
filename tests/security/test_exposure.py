"""``docai serve`` refuses to publish the API beyond loopback without a key unless told to (issue 8 §6)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docai.cli import main


@pytest.mark.parametrize(("host", "env", "flags", "refused"), [
    ("0.0.0.0", {}, [], True),
    ("192.0.2.10", {}, [], True),
    ("::", {}, [], True),
    ("0.0.0.0", {"DOCAI_ALLOW_NO_AUTH": "1"}, [], False),
    ("0.0.0.0", {}, ["--insecure-no-auth"], False),
    ("0.0.0.0", {"DOCAI_API_KEY": "k"}, [], False),
    ("127.0.0.1", {}, [], False),
    ("127.0.0.2", {}, [], False),
    ("::1", {}, [], False),
    ("localhost", {}, [], False),
])
def test_serve_refuses_to_listen_beyond_loopback_without_a_key(monkeypatch, host, env, flags, refused):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k["host"]))
    for name in ("DOCAI_API_KEY", "DOCAI_ALLOW_NO_AUTH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["serve", "--host", host, *flags])
    if refused:
        assert result.exit_code == 12 and "without an API key" in result.output and not started
    else:
        assert result.exit_code == 0, result.output
        assert started == [host]

"""A third party's plugin, built from the template in docs/plugins.md as its own distribution, pip-installed
into this environment, used from fresh processes exactly as a user would — Python, the CLI verbs, a queued
job run by a real worker, the HTTP API — then uninstalled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.plugins.test_template import template_files

BIN = Path(sys.executable).parent


def pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True, timeout=300)


def docai(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "docai"), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def listing() -> dict:
    result = docai("plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def through_the_queue(tmp_path: Path, image: Path) -> tuple[dict, dict, list[str]]:
    """``docai caption --queue`` and the HTTP API against a real Redis, gpu worker and API server (fresh
    processes that find the plugin by its entry point, with no code for it): the CLI job's stored result,
    the HTTP job's result and the families ``GET /v1/models`` lists."""
    from docai.client import DocaiClient
    from docai.queue import jobs
    from tests.support.cluster import Cluster

    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster")
    try:
        cluster.worker(queues="gpu")
        env = {k: v for k, v in cluster.env.items() if k.startswith("DOCAI_")}
        submitted = docai("caption", str(image), "-m", "colors:builtin", "--queue", env=env)
        assert submitted.returncode == 0, submitted.stderr
        job_id = submitted.stdout.split()[0]
        final = jobs.wait(job_id, settings=cluster.settings, timeout=60)
        assert final.state == "succeeded", final.error
        client = DocaiClient(cluster.api().url)
        families = [m.family for m in client.models().models]
        over_http = client.run_plugin([image], "colors:builtin", "caption", {"prompt": "http:"}, timeout=60)
        return jobs.get_result(job_id, settings=cluster.settings), over_http.model_dump(mode="json"), families
    finally:
        cluster.close()


@pytest.fixture
def colors_source(tmp_path) -> Path:
    """The template's three files (plus an empty package ``__init__``) in a source tree of their own."""
    root = tmp_path / "docai-colors"
    for name, text in template_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "docai_colors" / "__init__.py").write_text("")
    return root


@pytest.mark.slow
def test_a_pip_installed_third_party_plugin_works_and_uninstalls_cleanly(colors_source, tmp_path):
    assert "docai-colors" not in {p["name"] for p in listing()["plugins"]}, "left over from an earlier run"
    installed = pip("install", "--no-deps", "--no-build-isolation", str(colors_source))
    assert installed.returncode == 0, installed.stderr
    try:
        found = listing()
        plugin = next(p for p in found["plugins"] if p["name"] == "docai-colors")
        assert plugin["status"] == "ok" and plugin["version"] == "0.1.0" and plugin["models"] == ["colors"]
        model = next(m for m in found["models"] if m["family"] == "colors")
        assert model["capabilities"] == ["caption", "embed"] and model["plugin"] == "docai-colors"
        assert "palette" in model["options"]["properties"]

        blue = tmp_path / "blue.png"
        Image.new("RGB", (24, 16), (10, 20, 240)).save(blue)
        script = ("import sys; from docai.plugins import get_model; m = get_model('colors:builtin'); "
                  "print(m.caption([sys.argv[1]], {'prompt': 'look:'})[0].text); print(m.record.plugin_version)")
        used = subprocess.run([sys.executable, "-c", script, str(blue)], capture_output=True, text=True, timeout=300)
        assert used.returncode == 0, used.stderr
        assert used.stdout.splitlines() == ["look: a mostly blue image", "0.1.0"]

        verb = docai("caption", str(blue), "-m", "colors:builtin", "--prompt", "look:", "-q", "--format", "json")
        assert verb.returncode == 0, verb.stderr
        answers = json.loads(verb.stdout)
        assert answers["plugin"] == "docai-colors" and answers["plugin_version"] == "0.1.0"
        assert answers["answers"][0]["output"]["text"] == "look: a mostly blue image"
        unknown = docai("caption", str(blue), "-m", "colours:builtin")
        assert unknown.returncode == 9 and "unknown model family 'colours'" in unknown.stderr

        queued, over_http, families = through_the_queue(tmp_path, blue)
        assert queued["plugin"] == "docai-colors" and queued["answers"][0]["output"]["text"] == "a mostly blue image"
        assert "colors" in families
        assert over_http["answers"][0]["output"]["text"] == "http: a mostly blue image"

        hidden = docai("plugins", "list", "--json", env={"DOCAI_PLUGINS": ""})
        assert "docai-colors" not in hidden.stdout, "DOCAI_PLUGINS= must leave only the built-ins"
    finally:
        removed = pip("uninstall", "-y", "docai-colors")
    assert removed.returncode == 0, removed.stderr
    assert "docai-colors" not in {p["name"] for p in listing()["plugins"]}

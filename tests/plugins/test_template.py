"""The plugin template in docs/plugins.md works as written: its files, found as an installed distribution."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PIL import Image

from docai.plugins import discover
from docai.plugins.models import create_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def template_files() -> dict[str, str]:
    """``path → text`` for each code block of the template section that follows a `` `path` `` line."""
    section = DOC.read_text().split("## A complete third-party plugin", 1)[1]
    blocks = re.findall(r"^`([\w./]+)`[^\n]*\n\n```\w+\n(.*?)```", section, flags=re.M | re.S)
    return dict(blocks)


def test_the_documented_template_registers_and_answers(tmp_path, monkeypatch):
    files = template_files()
    assert set(files) == {"pyproject.toml", "docai_colors/plugin.py", "docai_colors/model.py"}
    package = tmp_path / "docai_colors"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    version = re.search(r'^version = "(.+)"', files["pyproject.toml"], re.M).group(1)
    entry = re.search(r'^colors = "(.+)"', files["pyproject.toml"], re.M).group(1)
    info = tmp_path / f"docai_colors-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: docai-colors\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[docai.plugins]\ncolors = {entry}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for mod in [m for m in sys.modules if m.startswith("docai_colors")]:
        monkeypatch.delitem(sys.modules, mod)

    registry = discover(allow="docai-colors")
    assert registry.plugins["docai-colors"].status == "ok", registry.plugins["docai-colors"].error
    model = create_model("colors", registry=registry)
    blue = Image.new("RGB", (20, 10), (10, 20, 240))
    assert model.caption([blue])[0].text == "a mostly blue image"
    assert model.caption([blue], {"prompt": "look:"})[0].text == "look: a mostly blue image"
    vectors = model.embed([blue], {"texts": ["blue"], "normalize": False})
    assert vectors[0].vector == [10.0, 20.0, 240.0] and vectors[1].vector == [0.0, 0.0, 255.0]
    assert model.record.plugin == "docai-colors" and model.record.plugin_version == version

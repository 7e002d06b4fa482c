"""``docai convert --engine donut``: Donut behind the pipeline, JSON per page, cached like any engine."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import docai
from docai.cli import main
from docai.errors import ConfigError, ModelError
from schemas.document import Route


def test_convert_routes_pages_to_donut(taught_donut_dir, simple_pdf):
    doc = docai.convert(simple_pdf, engine="donut", donut_model=str(taught_donut_dir), pages="1-2")
    assert [p.route for p in doc.pages] == [Route.donut, Route.donut]
    assert doc.pages[0].data["fields"]["total"] == {"total_price": "4.50"}
    assert doc.pages[0].engine == "donut"
    assert "```json" in doc.markdown and '"Coffee"' in doc.markdown
    again = docai.convert(simple_pdf, engine="donut", donut_model=str(taught_donut_dir), pages="1-2")
    assert all(p.cached for p in again.pages) and again.pages[0].data == doc.pages[0].data


def test_convert_cli_engine_donut_json(taught_donut_dir, tmp_path, simple_pdf):
    path = tmp_path / "r.pdf"
    path.write_bytes(simple_pdf)
    result = CliRunner().invoke(main, ["convert", str(path), "--engine", "donut", "--donut-model",
                                       str(taught_donut_dir), "-p", "1", "-f", "json", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pages"][0]["data"]["task"] == "cord-v2"


def test_convert_engine_donut_without_model_is_a_config_error(simple_pdf, tmp_path):
    with pytest.raises(ConfigError, match="donut_model"):
        docai.convert(simple_pdf, engine="donut", pages="1")
    path = tmp_path / "s.pdf"
    path.write_bytes(simple_pdf)
    result = CliRunner().invoke(main, ["convert", str(path), "--engine", "donut", "-q"])
    assert result.exit_code == ConfigError.exit_code and "donut_model" in result.output


def test_missing_nougat_model_is_a_model_error(simple_pdf, tmp_path):
    with pytest.raises(ModelError):
        docai.convert(simple_pdf, engine="nougat", nougat_model=str(tmp_path / "nope"))


def test_checkpoint_replaced_in_place_is_not_served_from_cache(taught_donut_dir, tmp_path, simple_pdf):
    import os
    import shutil

    from docai.engines import clear_engines
    from docai.models import clear_model_cache

    model = tmp_path / "donut"
    shutil.copytree(taught_donut_dir, model)
    first = docai.convert(simple_pdf, engine="donut", donut_model=str(model), pages="1")
    assert not first.pages[0].cached
    weights = model / "model.safetensors"
    os.utime(weights, (weights.stat().st_atime, weights.stat().st_mtime + 10))  # a new checkpoint, same path
    clear_engines()
    clear_model_cache()
    again = docai.convert(simple_pdf, engine="donut", donut_model=str(model), pages="1")
    assert not again.pages[0].cached

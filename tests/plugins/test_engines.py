"""Engines through the hooks: typed options declared once, forced engines checked, plugin models as engines."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import docai
from docai.engines import engine_fields, engine_queue, engine_spec
from docai.errors import ConfigError, ModelError
from docai.options import ConvertOptions
from docai.plugins import discover, set_registry
from tests.support import fake_plugin


def test_engine_options_are_flat_keywords_and_dump_flat():
    options = ConvertOptions(ocr_dpi=200, donut_task="rvlcdip")
    assert options.engine_config("ocr").dpi == 200 and options.engine_config("donut").task == "rvlcdip"
    dumped = options.model_dump(mode="json")
    assert (dumped["ocr_dpi"], dumped["nougat_model"], dumped["donut_task"]) == (200, None, "rvlcdip")
    assert ConvertOptions.model_validate(dumped) == options
    assert set(engine_fields()) >= {"ocr_dpi", "nougat_model", "donut_model", "donut_task"}


def test_bad_engine_options_and_engines_are_one_line():
    with pytest.raises(ConfigError, match="ocr_dpi: Input should be less than or equal to 600"):
        ConvertOptions(ocr_dpi=9000)
    with pytest.raises(ConfigError, match="unknown engine 'magic'"):
        ConvertOptions(engine="magic")
    with pytest.raises(ConfigError, match="--engine nougat needs nougat_model"):
        ConvertOptions(engine="nougat")
    with pytest.raises(ModelError, match="unknown model family 'nosuchfamily'"):
        ConvertOptions(engine="nosuchfamily:./tiny")


def test_queues_come_from_the_engine_specs():
    assert engine_queue("text") == "cpu" and engine_queue("ocr") == "gpu" and engine_queue("blip:x") == "gpu"
    assert engine_spec("nougat").requires == "model"


def test_cli_flags_are_derived_from_the_engine_options():
    from docai.cli import main

    out = CliRunner().invoke(main, ["convert", "--help"]).output
    for flag in ("--ocr-dpi", "--nougat-model", "--donut-model", "--donut-task"):
        assert flag in out
    result = CliRunner().invoke(main, ["convert", "x.pdf", "--engine", "donut"])
    assert result.exit_code == ConfigError.exit_code and "--engine donut needs donut_model" in result.output


def test_client_arguments_are_derived_from_the_engine_options():
    from docai.client import convert_fields

    assert set(convert_fields()) >= {"pages", "engine", "ocr_dpi", "nougat_model", "donut_model", "donut_task"}


def test_a_read_page_model_is_a_page_engine(fake_registry, simple_pdf):
    fake_plugin.CALLS.clear()
    doc = docai.convert(simple_pdf, engine="fake:ckpt", pages="1-2", batch_size=2)
    assert [p.route for p in doc.pages] == ["fake:ckpt", "fake:ckpt"]
    assert doc.pages[0].engine == "fake:ckpt" and doc.pages[0].engine_version == "docai-fake-1.2.3"
    assert doc.pages[0].blocks[0].kind.value == "heading" and "# Page" in doc.markdown
    assert fake_plugin.CALLS == [("read_page", 2)]
    again = docai.convert(simple_pdf, engine="fake:ckpt", pages="1-2", batch_size=2)
    assert all(p.cached for p in again.pages) and fake_plugin.CALLS == [("read_page", 2)]


def test_a_model_without_read_page_is_refused_as_engine():
    from docai.plugins import ModelSpec, hookimpl

    class Plugin:
        @hookimpl
        def register_models(self, register):
            register(ModelSpec(family="captions", capabilities=["caption"], factory="tests.support.fake_plugin:FakeModel"))

    set_registry(discover(allow="", extra=[("docai-captions", "1", Plugin())]))
    try:
        with pytest.raises(ModelError, match="model family 'captions' cannot read_page"):
            ConvertOptions(engine="captions:x")
    finally:
        set_registry(None)

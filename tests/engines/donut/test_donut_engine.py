"""Donut behind the Engine interface: created by name from options, one EngineOutput per page."""

from __future__ import annotations

import pytest

from docai.engines import engine_spec, get_engine
from docai.engines.base import Engine
from docai.engines.donut import DonutEngine, create
from docai.errors import ConfigError, ModelError
from docai.ingest import open_source
from docai.options import ConvertOptions


def test_registered_by_name():
    spec = engine_spec("donut")
    assert (spec.factory, spec.queue, spec.requires) == ("docai.engines.donut:create", "gpu", "model")


def test_needs_a_model():
    with pytest.raises(ConfigError, match="donut_model"):
        get_engine("donut", ConvertOptions())
    with pytest.raises(ConfigError, match="--engine donut needs donut_model"):
        ConvertOptions(engine="donut")  # refused when the options are built, so also at submit time


def test_create_from_options(taught_donut_dir):
    engine = create(ConvertOptions(donut_model=str(taught_donut_dir), donut_task="rvlcdip", batch_size=2))
    assert isinstance(engine, Engine) and engine.batch_size == 2
    assert engine.cache_options()["task"] == "rvlcdip"
    with pytest.raises(ModelError, match="its task tokens are"):
        create(ConvertOptions(donut_model=str(taught_donut_dir), donut_task="nope"))


def test_process_gives_data_per_page(make_pdf, taught_donut_dir):
    pdf = make_pdf([[((72, 100), f"page {n}", 11)] for n in (1, 2, 3)])
    engine = DonutEngine(taught_donut_dir, "cord-v2")
    with open_source(pdf, pages="1,3") as src:
        outputs = engine.process(src.pages())
    assert len(outputs) == 2
    for out in outputs:
        assert out.data["task"] == "cord-v2" and out.data["confidence"] > 0.9
        assert out.data["fields"]["total"] == {"total_price": "4.50"}
        assert not out.errors and not out.blocks


def test_process_marks_a_page_that_cannot_render(make_pdf, taught_donut_dir):
    pdf = make_pdf([[((72, 100), "tiny", 11)]])
    engine = DonutEngine(taught_donut_dir, "cord-v2", dpi=600)
    with open_source(pdf) as src:
        src.limits = src.limits.model_copy(update={"max_image_pixels": 1000})
        (out,) = engine.process(src.pages())
    assert out.data is None and out.errors[0].code == "limit_exceeded"

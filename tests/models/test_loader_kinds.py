"""The one loader for every family: kinds from plugins, detection by model_type + architectures, model code
shipped in a plugin, processors through AutoProcessor — still safetensors only."""

from __future__ import annotations

import pytest

from docai.errors import ModelError
from docai.models import load_model
from docai.models.kinds import ModelKind
from docai.models.loader import cached_models, clear_model_cache
from docai.plugins import discover, hookimpl, set_registry

TOY_A = ModelKind(name="toy-a", model_type="docai-toy", architectures=("ToyForA",),
                  model_class="tests.support.toy_model:ToyForA", tiny="tests.support.toy_model:write_toy")
TOY_B = ModelKind(name="toy-b", model_type="docai-toy", architectures=("ToyForB",),
                  model_class="tests.support.toy_model:ToyForB")


class ToyPlugin:
    @hookimpl
    def register_model_kinds(self, register):
        register(TOY_A)
        register(TOY_B)


@pytest.fixture(autouse=True)
def toy_registry():
    set_registry(discover(allow="", extra=[("docai-toy", "0.1", ToyPlugin())]))
    clear_model_cache()
    yield
    clear_model_cache()
    set_registry(None)


def test_kind_detected_by_architectures_with_plugin_model_code(tmp_path):
    from tests.support.toy_model import ToyForA, ToyForB, write_toy

    write_toy(tmp_path / "a", head="a")
    write_toy(tmp_path / "b", head="b", width=6)
    a = load_model(tmp_path / "a", device="cpu")
    b = load_model(tmp_path / "b", device="cpu")
    assert (a.kind, type(a.model)) == ("toy-a", ToyForA)
    assert (b.kind, type(b.model), b.config.width) == ("toy-b", ToyForB, 6)
    assert type(a.image_processor).__name__.startswith("BlipImageProcessor") and a.tokenizer is None
    assert not a.model.training


def test_asking_for_the_wrong_kind_names_the_architecture(tmp_path):
    from tests.support.toy_model import write_toy

    write_toy(tmp_path / "a", head="a")
    with pytest.raises(ModelError, match="is a ToyForA, not a toy-b model"):
        load_model(tmp_path / "a", kind="toy-b", device="cpu")
    with pytest.raises(ModelError, match="unknown model kind 'no-such-kind'"):
        load_model(tmp_path / "a", kind="no-such-kind", device="cpu")


def test_tiny_writer_of_a_plugin_kind_and_still_safetensors_only(tmp_path):
    from docai.models.tiny import write_tiny

    out = write_tiny("toy-a", tmp_path / "t", seed=1)
    (out / "model.safetensors").rename(out / "pytorch_model.bin")
    with pytest.raises(ModelError, match="only pickle weights"):
        load_model(out, device="cpu")


def test_released_models_leave_the_cache(tmp_path):
    from docai.models.loader import release_model
    from tests.support.toy_model import write_toy

    write_toy(tmp_path / "a")
    loaded = load_model(tmp_path / "a", device="cpu")
    assert loaded in cached_models()
    release_model(loaded)
    assert loaded not in cached_models()

"""Plugin discovery through entry points: registration, isolation of broken plugins, capability checks."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner
from PIL import Image

from docai.errors import ConfigError, ModelError
from docai.plugins.registry import PluginRegistry
from schemas.plugins import Capability, Caption


class EchoCaptioner:
    def __init__(self, prefix: str = "an image of") -> None:
        self.prefix = prefix

    def caption(self, images, prompt=None):
        return [Caption(text=f"{self.prefix} {img.width}x{img.height}") for img in images]


@pytest.fixture
def plugin_modules(monkeypatch):
    good = types.ModuleType("docai_test_good_plugin")

    def register(registry):
        registry.add_model("echo", EchoCaptioner, ["caption"], description="test captioner")

    good.register = register
    broken = types.ModuleType("docai_test_broken_plugin")

    def bad_register(registry):
        registry.add_model("half", EchoCaptioner, ["caption"])
        raise RuntimeError("missing weights")

    broken.register = bad_register
    monkeypatch.setitem(sys.modules, good.__name__, good)
    monkeypatch.setitem(sys.modules, broken.__name__, broken)
    return [EntryPoint("good", good.__name__, "docai.plugins"), EntryPoint("broken", broken.__name__, "docai.plugins")]


def test_entry_points_register_models_and_broken_ones_are_isolated(plugin_modules):
    registry = PluginRegistry()
    for ep in plugin_modules:
        registry.load_entry_point(ep)
    assert [i.name for i in registry.infos()] == ["echo"]  # "half" rolled back with its broken plugin
    assert registry.infos()[0].plugin == "good"
    assert registry.errors[0].plugin == "broken" and "missing weights" in registry.errors[0].message
    model = registry.create("echo", Capability.caption, prefix="a page of")
    assert model.caption([Image.new("RGB", (4, 3))])[0].text == "a page of 4x3"


def test_capability_and_name_errors(plugin_modules):
    registry = PluginRegistry()
    registry.load_entry_point(plugin_modules[0])
    with pytest.raises(ModelError, match="cannot vqa"):
        registry.create("echo", "vqa")
    with pytest.raises(ModelError, match="no plugin model named 'nope'"):
        registry.create("nope", "caption")
    with pytest.raises(ConfigError, match="twice"):
        registry.add_model("echo", EchoCaptioner, ["caption"])
    registry.add_model("liar", object, ["embed"])
    with pytest.raises(ModelError, match="does not implement the embed protocol"):
        registry.create("liar", "embed")


def test_cli_lists_plugins(monkeypatch, plugin_modules):
    from docai.cli import main
    from docai.plugins import registry as reg

    registry = PluginRegistry()
    for ep in plugin_modules:
        registry.load_entry_point(ep)
    monkeypatch.setattr(reg, "_registry", registry)
    result = CliRunner().invoke(main, ["plugins", "list"])
    assert result.exit_code == 0
    assert "echo  [caption]  (good)" in result.output
    assert "plugin broken failed to load" in result.output

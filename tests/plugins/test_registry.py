"""Plugin discovery: hooks, entry points of installed distributions, the allow-list, broken plugins isolated."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from docai.plugins import EngineSpec, ModelSpec, discover, hookimpl, set_registry
from docai.plugins.models import find_family, model_records
from tests.support import fake_plugin

REPO = Path(__file__).resolve().parents[2]


def module(name: str, **functions) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, value in functions.items():
        setattr(mod, key, value)
    return mod


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Install plugin distributions for this test: ``installed(dist, version, module_source)``.

    Each gets a real ``.dist-info`` with an entry point of the ``docai.plugins`` group on ``sys.path``, so
    discovery goes through ``importlib.metadata`` exactly as for a pip-installed plugin.
    """
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(dist: str, version: str, source: str, *, module_name: str | None = None) -> None:
        mod = module_name or dist.replace("-", "_") + "_plugin"
        (tmp_path / f"{mod}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[docai.plugins]\n{dist} = {mod}\n")
        sys.modules.pop(mod, None)

    yield install
    set_registry(None)


GOOD = """
from docai.plugins import ModelSpec, hookimpl

@hookimpl
def register_models(register):
    register(ModelSpec(family="good", capabilities=["caption"], factory="tests.support.fake_plugin:FakeModel"))
"""


def test_builtins_register_engines_and_kinds_through_the_hooks():
    registry = discover(allow="")
    assert set(registry.engines) == {"text", "ocr", "nougat", "donut"}
    assert set(registry.kinds) >= {"nougat", "donut"}
    assert registry.engines["nougat"].plugin == "docai" and registry.engines["nougat"].item.requires == "model"
    assert registry.plugins["docai"].status == "ok"


def test_installed_distributions_are_found_with_name_and_version(installed):
    installed("docai-good", "2.0.1", GOOD)
    registry = discover(allow=None)
    assert registry.models["good"].plugin == "docai-good"
    record = find_family("good", registry)
    assert (record.plugin, record.version) == ("docai-good", "2.0.1")
    (listed,) = [r for r in model_records(registry) if r.family == "good"]
    assert listed.plugin_version == "2.0.1" and listed.capabilities == ["caption"]


def test_a_plugin_that_fails_to_import_is_broken_and_the_others_work(installed):
    installed("docai-good", "1.0", GOOD)
    installed("docai-bad", "0.3", "import no_such_module_here\n")
    registry = discover(allow=None)
    assert "good" in registry.models
    bad = registry.plugins["docai-bad"]
    assert bad.status == "broken" and "No module named 'no_such_module_here'" in bad.error
    assert bad.version == "0.3"


def test_allow_list_by_distribution_name(installed):
    installed("docai-good", "1.0", GOOD)
    installed("docai-other", "1.0", GOOD.replace('"good"', '"other"'))
    only = discover(allow="docai_Good")  # names compare as packaging normalises them
    assert set(only.models) == {"good"}
    assert set(discover(allow="").models) == set()  # empty: built-ins only
    assert set(discover(allow="").engines) == {"text", "ocr", "nougat", "donut"}
    missing = discover(allow="docai-good,docai-nowhere")
    assert missing.plugins["docai-nowhere"].status == "broken"
    assert "not installed" in missing.plugins["docai-nowhere"].error


def test_allow_list_from_the_environment(installed, monkeypatch):
    installed("docai-good", "1.0", GOOD)
    monkeypatch.setenv("DOCAI_PLUGINS", "")
    assert "good" not in discover().models
    monkeypatch.delenv("DOCAI_PLUGINS")
    assert "good" in discover().models


def test_duplicate_names_are_an_error_naming_both(installed):
    installed("docai-alpha", "1.0", GOOD)
    installed("docai-beta", "1.0", GOOD)
    registry = discover(allow=None)
    assert registry.models["good"].plugin == "docai-alpha"
    beta = registry.plugins["docai-beta"]
    assert beta.status == "broken"
    assert beta.error == "model family 'good' is registered by both docai-alpha and docai-beta"


def test_a_plugin_raising_while_registering_keeps_nothing():
    @hookimpl
    def register_models(register):
        register(ModelSpec(family="half", capabilities=["caption"], factory="x:y"))

    @hookimpl
    def register_engines(register):
        raise RuntimeError("weights missing\nmore detail")

    registry = discover(allow="", extra=[("docai-half", "1", module("half", register_models=register_models,
                                                                      register_engines=register_engines))])
    assert "half" not in registry.models
    assert registry.plugins["docai-half"].error == "RuntimeError: weights missing"


def test_unknown_hooks_bad_arguments_and_bad_specs_are_broken():
    @hookimpl
    def register_modles(register):  # a typo must not pass silently
        pass

    @hookimpl
    def register_models(registry):  # not an argument of the hook
        pass

    @hookimpl
    def register_engines(register):
        register(ModelSpec(family="x", capabilities=["caption"], factory="a:b"))

    @hookimpl
    def register_model_kinds(register):
        register(ModelSpec(family="Bad Name", capabilities=["caption"], factory="a:b"))

    extra = [("typo", "1", module("typo", register_modles=register_modles)),
             ("badarg", "1", module("badarg", register_models=register_models)),
             ("wrongtype", "1", module("wrongtype", register_engines=register_engines)),
             ("badname", "1", module("badname", register_model_kinds=register_model_kinds))]
    registry = discover(allow="", extra=extra)
    errors = {name: registry.plugins[name].error for name, _, _ in extra}
    assert "unknown hook(s) register_modles" in errors["typo"]
    assert "registry" in errors["badarg"]
    assert "register_engines() takes a EngineSpec, not ModelSpec" in errors["wrongtype"]
    assert "'Bad Name'" in errors["badname"]
    assert all(registry.plugins[name].status == "broken" for name in errors)


def test_specs_check_their_fields():
    from docai.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown capability 'classify'"):
        ModelSpec(family="x", capabilities=["classify"], factory="a:b")
    with pytest.raises(ConfigError, match="declares no capabilities"):
        ModelSpec(family="x", capabilities=[], factory="a:b")
    with pytest.raises(ConfigError, match="'module:attr'"):
        EngineSpec(name="x", factory="no_colon")


def test_plugin_commands_join_the_cli_and_core_commands_win():
    from docai.cli import main

    @hookimpl
    def register_commands(cli):
        @cli.command("convert")
        def shadow():
            """Must not replace docai convert."""

    extra = [("docai-fake", "1.2.3", fake_plugin), ("docai-shadow", "1", module("shadow", register_commands=register_commands))]
    set_registry(discover(allow="", extra=extra))
    try:
        runner = CliRunner()
        assert runner.invoke(main, ["fake-hello"]).output == "hello from fake\n"
        assert "fake-hello" in runner.invoke(main, ["--help"]).output
        assert "Convert PDFs" in runner.invoke(main, ["convert", "--help"]).output
    finally:
        set_registry(None)


def test_tiny_model_command_is_served_by_the_kinds_hook(tmp_path):
    from docai.cli import main

    set_registry(discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin)]))
    try:
        result = CliRunner().invoke(main, ["dev", "tiny-model", "fake", str(tmp_path / "t"), "--seed", "5",
                                           "--max-length", "9"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "t" / "config.json").read_text() == '{"model_type": "fake", "seed": 5, "max_length": 9}'
    finally:
        set_registry(None)


def test_plugins_list_shows_models_and_broken_plugins():
    from docai.cli import main

    broken = module("broken", register_models=hookimpl(lambda register: 1 / 0))
    broken.register_models.__name__ = "register_models"
    set_registry(discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin), ("docai-broken", "0.1", broken)]))
    try:
        result = CliRunner().invoke(main, ["plugins", "list"])
        assert result.exit_code == 0, result.output
        assert "docai-fake 1.2.3  models: fake; kinds: fake; commands: fake-hello" in result.output
        assert "docai-broken 0.1  BROKEN: ZeroDivisionError: division by zero" in result.output
        assert "fake: caption, vqa, itm, itc, embed, zero_shot, read_page  (docai-fake)" in result.output
        listing = CliRunner().invoke(main, ["plugins", "list", "--json"])
        from schemas.plugins import PluginListing

        parsed = PluginListing.model_validate_json(listing.output)
        (fake,) = [m for m in parsed.models if m.family == "fake"]
        assert fake.plugin_version == "1.2.3" and "prefix" in fake.options["properties"]
    finally:
        set_registry(None)


def test_listing_plugins_imports_no_torch_and_no_pipeline():
    code = ("import sys; from docai.cli import main; from click.testing import CliRunner; "
            "r = CliRunner().invoke(main, ['plugins', 'list', '--json']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('torch', 'transformers', 'pymupdf', 'docai.pipeline') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stderr

"""Checkpoint resolution: hub ids offline, the local HF cache, download patterns, path heuristics."""

from __future__ import annotations

import shutil

import pytest

from docai.errors import ModelError
from docai.models import checkpoint as checkpoint_module
from docai.models import load_model, resolve_checkpoint
from docai.models.checkpoint import HUB_ALLOW_PATTERNS, hub_cache_dir, is_offline, looks_like_path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def empty_hf_home(tmp_path, monkeypatch):
    """An empty Hugging Face home in tmp, offline."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "hf"


def _put_in_hub_cache(hf_home, repo_id, source):
    """Lay ``source`` out as the HF cache does after a download of ``repo_id``."""
    repo_dir = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    shutil.copytree(source, repo_dir / "snapshots" / COMMIT)
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(COMMIT)


def test_offline_hub_id_not_in_cache_is_one_clear_error(empty_hf_home, no_network):
    with pytest.raises(ModelError) as info:
        load_model("facebook/nougat-base", kind="nougat", device="cpu")
    message = str(info.value)
    assert message.startswith("model 'facebook/nougat-base' not found locally and offline (HF_HUB_OFFLINE=1)")
    assert "\n" not in message
    assert no_network == []


def test_offline_hub_id_resolves_from_the_local_cache(empty_hf_home, tiny_nougat, no_network):
    _put_in_hub_cache(empty_hf_home, "facebook/nougat-base", tiny_nougat)
    loaded = load_model("facebook/nougat-base", kind="nougat", device="cpu")
    assert loaded.name == "facebook/nougat-base"
    assert loaded.source == empty_hf_home / "hub" / "models--facebook--nougat-base" / "snapshots" / COMMIT
    assert no_network == []


def test_offline_cached_pickle_only_hub_checkpoint_is_refused(empty_hf_home, tiny_donut, tmp_path):
    source = shutil.copytree(tiny_donut, tmp_path / "src")
    (source / "model.safetensors").rename(source / "pytorch_model.bin")
    _put_in_hub_cache(empty_hf_home, "naver-clova-ix/donut-base", source)
    with pytest.raises(ModelError, match="only pickle weights.*--allow-pickle"):
        resolve_checkpoint("naver-clova-ix/donut-base")


def test_download_asks_only_for_safe_files(monkeypatch, tmp_path):
    """Online, the hub is asked for configs, safetensors and tokenizer files only — pickles only when allowed."""
    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append(kwargs)
        raise OSError("no route to host")

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(ModelError, match="could not be fetched from the hub: OSError: no route to host"):
        resolve_checkpoint("facebook/nougat-small")
    with pytest.raises(ModelError):
        resolve_checkpoint("facebook/nougat-small", allow_pickle=True)
    safe, with_pickle = calls
    assert safe["local_files_only"] is False
    assert safe["cache_dir"] == tmp_path / "hub"
    assert set(safe["allow_patterns"]) == set(HUB_ALLOW_PATTERNS)
    assert not any(".bin" in p or ".pt" in p or ".ckpt" in p for p in safe["allow_patterns"])
    assert "pytorch_model*.bin" in with_pickle["allow_patterns"]


@pytest.mark.parametrize(("value", "offline"), [("1", True), ("true", True), ("ON", True), ("0", False), ("", False)])
def test_offline_flag_is_read_at_call_time(monkeypatch, value, offline):
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert is_offline() is offline


def test_hub_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hub_cache_dir() == tmp_path / "home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    assert hub_cache_dir() == tmp_path / "cache"


@pytest.mark.parametrize(("name", "is_path"), [
    ("facebook/nougat-base", False), ("nougat", False), ("/models/nougat", True), ("./nougat", True),
    ("../x", True), ("~/models/n", True), ("a/b/c", True), (".", True),
])
def test_path_or_hub_id(name, is_path):
    assert looks_like_path(name) is is_path


def test_empty_name_is_refused():
    with pytest.raises(ModelError, match="no model given"):
        resolve_checkpoint("  ")


def test_local_directory_resolution_never_touches_the_hub(tiny_donut, monkeypatch, no_network):
    monkeypatch.setattr(checkpoint_module, "_hub_snapshot", lambda *a, **k: pytest.fail("hub consulted"))
    checkpoint = resolve_checkpoint(tiny_donut)
    assert checkpoint.path == tiny_donut.resolve() and not checkpoint.from_hub
    assert checkpoint.uses_safetensors

"""Storage keys never escape the store; LocalStorage writes atomically; documents are stored once."""

from __future__ import annotations

import pytest

from docai.errors import ConfigError
from docai.storage import LocalStorage, check_key, document_key, storage_for


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", ".hidden", "a/.git",
                                 "", "a\\b", "a b", "x" * 200, "a/" * 9 + "b", "é"])
def test_bad_keys_are_refused(tmp_path, key):
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError, match="invalid storage key"):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)
    assert not any(tmp_path.iterdir())


def test_put_get_exists_delete(tmp_path):
    store = LocalStorage(tmp_path)
    assert not store.exists("results/a.json")
    with pytest.raises(KeyError):
        store.get("results/a.json")
    store.put("results/a.json", b"one")
    store.put("results/a.json", b"two")
    assert store.exists("results/a.json") and store.get("results/a.json") == b"two"
    assert [p.name for p in (tmp_path / "blobs" / "results").iterdir()] == ["a.json"]  # no temp files left
    store.delete("results/a.json")
    store.delete("results/a.json")
    assert not store.exists("results/a.json")


def test_documents_are_content_addressed(tmp_path):
    store = LocalStorage(tmp_path)
    key = store.put_document(b"%PDF-1.7 same")
    assert key == store.put_document(b"%PDF-1.7 same") == document_key(b"%PDF-1.7 same")
    assert key != store.put_document(b"%PDF-1.7 other")
    assert check_key(key) == key


def test_storage_for_takes_directories_only(tmp_path):
    assert isinstance(storage_for(tmp_path), LocalStorage)
    assert storage_for(f"file://{tmp_path}").root == tmp_path
    with pytest.raises(ConfigError, match="unsupported storage"):
        storage_for("s3://bucket/x")

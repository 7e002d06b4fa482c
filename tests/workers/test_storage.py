"""Storage keys never escape the store; LocalStorage writes atomically; documents are stored once."""

from __future__ import annotations

import pytest

from docai.errors import ConfigError
from docai.queue.storage import LocalStorage, check_key, document_key, storage_for


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


def test_prune_removes_uploads_a_killed_process_left_in_incoming(tmp_path):
    import os
    import time

    store = LocalStorage(tmp_path)
    store.put("results/a.json", b"{}")
    stale, fresh = tmp_path / "incoming" / "upload-stale", tmp_path / "incoming" / "upload-fresh"
    stale.parent.mkdir()
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(tmp_path / "blobs" / "results" / "a.json", (old, old))
    report = store.prune(60)
    assert (report.files, report.bytes) == (2, 12)
    assert not stale.exists() and fresh.exists()


def test_staged_uploads_are_streamed_hashed_and_cleaned(tmp_path):
    import hashlib
    import io

    from docai.errors import LimitExceededError
    from docai.queue.uploads import CHUNK, staged_upload

    data = b"%PDF-" + b"z" * (3 * CHUNK)

    class Stream(io.BytesIO):
        biggest = 0

        def read(self, size=-1):
            assert size != -1, "an upload is read in chunks, never whole"
            chunk = super().read(size)
            Stream.biggest = max(Stream.biggest, len(chunk))
            return chunk

    with staged_upload(Stream(data), tmp_path / "incoming", len(data), "a.pdf") as staged:
        assert staged.sha256 == hashlib.sha256(data).hexdigest() and staged.size == len(data)
        assert staged.path.read_bytes() == data
        assert staged.open("a.pdf").name == "a.pdf"
    assert Stream.biggest <= CHUNK
    assert not any((tmp_path / "incoming").iterdir())
    with pytest.raises(LimitExceededError, match="over the limit"), \
            staged_upload(data, tmp_path / "incoming", len(data) - 1, "a.pdf"):
        pass
    assert not any((tmp_path / "incoming").iterdir())

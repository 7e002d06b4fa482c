"""Pruning the page cache and job storage: old files go, used ones stay, dry runs remove nothing."""

from __future__ import annotations

import os
import time

import pytest
from click.testing import CliRunner

import docai
from docai.cache import PageCache
from docai.cli import main
from docai.errors import ConfigError
from docai.prune import parse_duration, prune_tree
from docai.queue.storage import LocalStorage


def _age(path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_parse_duration():
    assert parse_duration("7d") == 7 * 86400 and parse_duration("90m") == 5400 and parse_duration("30") == 30
    with pytest.raises(ConfigError):
        parse_duration("soon")


def test_prune_tree_removes_only_old_files_and_empty_dirs(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    old, new = tmp_path / "a" / "b" / "old.json", tmp_path / "a" / "new.json"
    old.write_text("x" * 10)
    new.write_text("y")
    _age(old, 40)
    dry = prune_tree(tmp_path, 30 * 86400, dry_run=True)
    assert (dry.files, dry.bytes) == (1, 10) and old.exists()
    assert prune_tree(tmp_path, 30 * 86400).files == 1
    assert not old.exists() and not (tmp_path / "a" / "b").exists() and new.exists()


def test_cache_hit_keeps_an_entry_young(tmp_path, simple_pdf):
    cache_dir = tmp_path / "cache"
    docai.convert(simple_pdf, cache_dir=str(cache_dir))
    entries = list((cache_dir / "pages").rglob("*.json"))
    assert len(entries) == 3
    for entry in entries:
        _age(entry, 40)
    docai.convert(simple_pdf, cache_dir=str(cache_dir), pages="1")  # a hit on page 1
    report = PageCache(cache_dir).prune(30 * 86400)
    assert report.files == 2
    assert docai.convert(simple_pdf, cache_dir=str(cache_dir), pages="1").pages[0].cached


def test_resubmitted_document_is_kept_young(tmp_path):
    store = LocalStorage(tmp_path)
    key = store.put_document(b"%PDF-1.7 doc")
    _age(store._path(key), 40)
    assert store.put_document(b"%PDF-1.7 doc") == key  # submitted again
    assert store.prune(30 * 86400).files == 0 and store.exists(key)


def test_cli_prunes_cache_and_storage(tmp_path, monkeypatch, simple_pdf):
    cache_dir, storage_dir = tmp_path / "cache", tmp_path / "storage"
    monkeypatch.setenv("DOCAI_STORAGE_DIR", str(storage_dir))
    docai.convert(simple_pdf, cache_dir=str(cache_dir))
    store = LocalStorage(storage_dir)
    key = store.put_document(b"%PDF-1.7 doc")
    for path in [*(cache_dir / "pages").rglob("*.json"), store._path(key)]:
        _age(path, 40)
    runner = CliRunner()
    dry = runner.invoke(main, ["prune", "--cache-dir", str(cache_dir), "--dry-run"])
    assert dry.exit_code == 0 and "page cache: would remove 3 files" in dry.output
    assert "job storage: would remove 1 files" in dry.output and store.exists(key)
    done = runner.invoke(main, ["prune", "--cache-dir", str(cache_dir), "--older-than", "30d"])
    assert done.exit_code == 0 and "page cache: removed 3 files" in done.output and not store.exists(key)
    bad = runner.invoke(main, ["prune", "--older-than", "soon"])
    assert bad.exit_code == ConfigError.exit_code

"""Swapping a registered engine's factory in a test (e.g. a fast fake OCR), through the registry."""

from __future__ import annotations

import dataclasses

from docai.engines import clear_engines
from docai.plugins.registry import Entry, get_registry


def replace_engine_factory(monkeypatch, name: str, factory: str) -> None:
    """Make engine ``name`` come from ``factory`` ("module:attr") for the rest of the test."""
    registry = get_registry()
    entry = registry.engines[name]
    monkeypatch.setitem(registry.engines, name, Entry(dataclasses.replace(entry.item, factory=factory), "tests", "0"))
    clear_engines()

"""The published JSON Schema files match the pydantic models they are generated from."""

from __future__ import annotations

from schemas.export import SCHEMA_DIR, schema_texts


def test_json_schemas_in_sync():
    for name, text in schema_texts().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{path} missing: run python -m schemas.export"
        assert path.read_text() == text, f"{path} is stale: run python -m schemas.export"

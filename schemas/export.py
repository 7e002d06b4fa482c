"""Write the JSON Schema files for the pydantic contracts: ``python -m schemas.export [DIR]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas.document import Document
from schemas.donut import Answer, ClassifyResult, ExtractResult
from schemas.jobs import JobRequest, JobStatus
from schemas.plugins import CAPABILITY_TYPES, ModelRecord, PluginJobRequest, PluginListing, PluginResult

#: Every model whose JSON Schema is published, by file stem. Later contracts add themselves here.
EXPORTED: dict[str, type[BaseModel]] = {
    "document": Document,
    "job_request": JobRequest,
    "job_status": JobStatus,
    "donut_extract": ExtractResult,
    "donut_answer": Answer,
    "donut_classify": ClassifyResult,
    "plugin_model": ModelRecord,
    "plugin_listing": PluginListing,
    "plugin_result": PluginResult,
    "plugin_job_request": PluginJobRequest,
    # one request and one response schema per capability: plugin_caption_request, plugin_caption_response, …
    **{f"plugin_{cap.value}_{side}": model for cap, pair in CAPABILITY_TYPES.items()
       for side, model in zip(("request", "response"), pair, strict=True)},
}

SCHEMA_DIR = Path(__file__).parent / "json"


def schema_texts() -> dict[str, str]:
    """The JSON Schema text of every exported model, keyed by file name."""
    return {
        f"{stem}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
        for stem, model in EXPORTED.items()
    }


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write the schema files into ``directory`` and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        print(path)

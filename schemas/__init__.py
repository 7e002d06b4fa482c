"""Pydantic contracts shared by the docai library, its workers, the HTTP API and clients.

The JSON Schema files in ``schemas/json/`` are generated from these models
(``python -m schemas.export``) and are what non-Python clients read.
"""

from schemas.document import (
    SCHEMA_VERSION,
    Block,
    BlockKind,
    Document,
    Page,
    PageError,
    RegionRoute,
    Route,
    SetAside,
    SetAsideReason,
)
from schemas.donut import Answer, AnswerCandidate, ClassifyResult, ExtractedPage, ExtractResult, PageClass

__all__ = [
    "SCHEMA_VERSION",
    "Answer",
    "AnswerCandidate",
    "Block",
    "BlockKind",
    "ClassifyResult",
    "Document",
    "ExtractResult",
    "ExtractedPage",
    "Page",
    "PageClass",
    "PageError",
    "RegionRoute",
    "Route",
    "SetAside",
    "SetAsideReason",
]

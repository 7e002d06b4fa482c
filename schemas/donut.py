"""Donut results: fields extracted per page, an answer to a question, a document class."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.document import PageError

_CONFIDENCE = "geometric mean of the probabilities of the generated tokens (0-1)"


class ExtractedPage(BaseModel):
    """What one page gave for the task; a page that failed has ``errors`` and empty ``data``."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="1-based page number in the input")
    data: dict[str, Any] = Field(default_factory=dict, description="the parsed JSON of the generated sequence")
    confidence: float | None = Field(default=None, ge=0, le=1, description=_CONFIDENCE)
    errors: list[PageError] = Field(default_factory=list)


class ExtractResult(BaseModel):
    """``docai extract``: the task's JSON for every selected page."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(default="", description="input file name")
    model: str = Field(default="", description="checkpoint the result came from")
    task: str = Field(description="task name, e.g. cord-v2")
    pages: list[ExtractedPage]


class AnswerCandidate(BaseModel):
    """The answer one page gave."""

    model_config = ConfigDict(extra="forbid")

    page: int
    answer: str
    confidence: float = Field(ge=0, le=1, description=_CONFIDENCE)


class Answer(BaseModel):
    """``docai ask``: the most confident page's answer, and every page's answer beside it."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str
    page: int = Field(description="1-based page the answer was read from")
    confidence: float = Field(ge=0, le=1, description=_CONFIDENCE)
    source: str = ""
    model: str = ""
    candidates: list[AnswerCandidate] = Field(default_factory=list, description="per page, best first")


class PageClass(BaseModel):
    """The class one page was given."""

    model_config = ConfigDict(extra="forbid")

    number: int
    label: str
    confidence: float = Field(ge=0, le=1, description=_CONFIDENCE)


class ClassifyResult(BaseModel):
    """Document classification: a label per page and, for the document, the label with the most
    confidence summed over its pages."""

    model_config = ConfigDict(extra="forbid")

    label: str
    confidence: float = Field(ge=0, le=1, description="mean page confidence of the winning label")
    source: str = ""
    model: str = ""
    pages: list[PageClass]

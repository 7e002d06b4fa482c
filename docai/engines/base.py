"""The one Engine interface: a batch of pages in, a batch of outputs out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from schemas.document import Block, PageError, RegionRoute, SetAside

if TYPE_CHECKING:
    from docai.ingest.source import PageContext


class EngineOutput(BaseModel):
    """What an engine made of one page, before document-level assembly. This is what the cache stores."""

    blocks: list[Block] = Field(default_factory=list)
    set_aside: list[SetAside] = Field(default_factory=list, description="text left out of the blocks, and why")
    regions: list[RegionRoute] = Field(default_factory=list, description="how each region was read, and why")
    data: dict[str, Any] | None = None
    errors: list[PageError] = Field(default_factory=list)
    note: str = Field(default="", description="engine remark kept in the page's route_reason, e.g. a retry")
    timings: dict[str, float] = Field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    """A page engine. ``process`` may raise: the pipeline then retries the pages one by one and marks
    the page that still fails, so one bad page never loses the others."""

    name: str
    version: str

    def cache_options(self) -> dict[str, Any]:
        """Settings that change this engine's output (part of the cache key)."""
        ...

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per input page, in order."""
        ...

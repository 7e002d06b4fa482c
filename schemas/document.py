"""Document → Page → Block: the result of a conversion, whichever engine or runner produced it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1.0"

BBox = tuple[float, float, float, float]


class BlockKind(StrEnum):
    """What a block is; the markdown renderer has one rule per kind."""

    heading = "heading"
    paragraph = "paragraph"
    list = "list"  # one list item; consecutive list blocks form one list
    table = "table"
    figure = "figure"
    caption = "caption"
    formula = "formula"
    code = "code"
    header = "header"  # running page header (kept in JSON, left out of markdown)
    footer = "footer"  # running page footer or page number (likewise)


class Block(BaseModel):
    """One unit of page content in reading order.

    ``text`` holds inline markdown (``**bold**``, ``*italic*``, ``[text](url)``) for prose kinds,
    LaTeX for formulas and the raw text for code. Tables carry their cells in ``rows`` (the first row
    is the header) and may carry ``text`` as an already-rendered markdown or LaTeX table instead.
    """

    model_config = ConfigDict(extra="forbid")

    kind: BlockKind
    text: str = ""
    bbox: BBox | None = Field(default=None, description="x0, y0, x1, y1 in PDF points, origin top-left")
    level: int | None = Field(default=None, description="heading level 1-6, or list nesting depth from 0")
    ordered: bool | None = Field(default=None, description="list items: numbered (True) or bulleted")
    marker: str | None = Field(default=None, description="list items: the label as printed, e.g. '3.', '(a)', 'iv)'")
    rows: list[list[str]] | None = Field(default=None, description="table cells, first row is the header")
    font_size: float | None = Field(default=None, description="dominant font size, for document-level passes")
    bold: bool | None = None
    confidence: float | None = Field(default=None, description="engine confidence 0-1 where it has one")


class Route(StrEnum):
    """The built-in routes a page can take. A route is an engine name, so plugin engines add their own
    (and ``FAMILY:CHECKPOINT`` for a plugin model that reads pages): ``Page.route`` is a string."""

    text = "text"
    ocr = "ocr"
    nougat = "nougat"
    donut = "donut"
    failed = "failed"


class SetAsideReason(StrEnum):
    """Why a piece of the page's text layer is not in the markdown (it is listed in ``Page.set_aside``)."""

    running_header = "running_header"  # repeats at the top of pages (block kind header)
    running_footer = "running_footer"  # repeats at the bottom of pages (block kind footer)
    page_number = "page_number"  # a folio: "12", "Page 3 of 10", "xii"
    margin_stamp = "margin_stamp"  # a sideways stamp in the margin: arXiv id, watermark, DOI stamp
    overprinted_duplicate = "overprinted_duplicate"  # text drawn twice at one place (fake bold, shadow)
    outside_page_box = "outside_page_box"  # drawn outside the visible page (crop box)
    garbage_layer = "garbage_layer"  # unreadable glyphs; the region was read by OCR instead


class SetAside(BaseModel):
    """Text of the page's text layer that was deliberately left out of the markdown, and why.

    Together with the markdown's blocks this accounts for every word of the text layer: nothing is
    dropped without a record here."""

    model_config = ConfigDict(extra="forbid")

    text: str
    reason: SetAsideReason
    bbox: BBox | None = Field(default=None, description="x0, y0, x1, y1 in PDF points, origin top-left")

#: what a route string holds
ROUTE_DESCRIPTION = ("the engine that read it: text, ocr, nougat, donut, a plugin engine's name or a "
                     "FAMILY:CHECKPOINT model; 'failed' when nothing could read it")


def as_route(value: Any) -> Route | str:
    """A built-in route as its :class:`Route` member (so ``route is Route.text`` holds after a JSON round
    trip), any other engine's route as a plain string."""
    return Route(value) if isinstance(value, str) and value in Route._value2member_map_ else value


class RegionRoute(BaseModel):
    """How one region of a page was read and why: a text page's layer, a garbage region sent to OCR,
    a scanned picture read through its invisible OCR layer. A page read whole has one region."""

    model_config = ConfigDict(extra="forbid")

    bbox: BBox = Field(description="x0, y0, x1, y1 in PDF points, origin top-left")
    route: Route | str = Field(description=ROUTE_DESCRIPTION)
    reason: str = ""

    _route = field_validator("route", mode="before")(as_route)


class PageError(BaseModel):
    """Something that went wrong on one page; the other pages are unaffected."""

    code: str
    message: str


class Page(BaseModel):
    """One page of the input: where it went, what came out, how long it took."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="1-based page number in the input")
    width: float = Field(description="points")
    height: float = Field(description="points")
    route: Route | str = Field(description=ROUTE_DESCRIPTION)
    route_reason: str = ""
    engine: str = ""
    engine_version: str = ""
    blocks: list[Block] = Field(default_factory=list)
    set_aside: list[SetAside] = Field(
        default_factory=list, description="text-layer text left out of the markdown on purpose, with the reason")
    regions: list[RegionRoute] = Field(
        default_factory=list,
        description="which route each region took, and why: the whole page first, then the parts read another way")
    markdown: str = ""
    data: dict[str, Any] | None = Field(default=None, description="structured output (Donut JSON)")
    errors: list[PageError] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage")
    cached: bool = False

    _route = field_validator("route", mode="before")(as_route)

    @property
    def ok(self) -> bool:
        return not self.errors


class Document(BaseModel):
    """The whole conversion result; ``markdown`` is the pages' markdown joined."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    docai_version: str = ""
    source: str = Field(default="", description="file name, or '<bytes>'")
    sha256: str = ""
    mime_type: str = ""
    page_count: int = Field(default=0, description="pages in the input, selected or not")
    metadata: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    pages: list[Page] = Field(default_factory=list)
    markdown: str = ""
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def failed_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.errors]

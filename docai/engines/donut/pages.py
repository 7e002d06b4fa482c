"""Pages → images for Donut, rendered at the resolution the encoder reads and run in batches.

Each page is rendered so that it just fits the checkpoint's canvas, so the image processor only has
to make small adjustments instead of shrinking a large raster. A batch that fails is retried page by
page, so one bad page is reported on its own and the others still run. Page work has the limits of a
conversion's, through the same code: each page's content check before it is rendered
(:func:`docai.budget.checked_page`) and one time budget per page for rendering and the model
(:func:`docai.budget.page_budget`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from docai.budget import checked_page, page_budget
from docai.engines.donut.generate import Generation, generate
from docai.engines.donut.model import DonutModel
from docai.engines.donut.prompts import Prompt
from docai.errors import DocaiError
from docai.ingest.source import PageContext
from schemas.document import PageError

MIN_DPI = 1
MAX_DPI = 600


def fitting_dpi(width_pt: float, height_pt: float, canvas: tuple[int, int]) -> int:
    """The DPI at which a ``width_pt`` × ``height_pt`` page just covers the (height, width) canvas."""
    height, width = canvas
    if width_pt <= 0 or height_pt <= 0:
        return 72
    scale = min(height / height_pt, width / width_pt)
    return max(MIN_DPI, min(MAX_DPI, math.ceil(72 * scale)))


def render_for(donut: DonutModel, ctx: PageContext, dpi: int | None = None) -> Image.Image:
    """The page as an RGB image at ``dpi``, or at the DPI that fits the checkpoint's canvas."""
    return ctx.render(dpi or fitting_dpi(ctx.width, ctx.height, donut.image_size))


@dataclass
class PageRun:
    """What running one page gave: its generation, or the error that stopped it."""

    number: int
    generation: Generation | None = None
    error: PageError | None = None


def run_pages(donut: DonutModel, contexts: Sequence[PageContext], prompt: Prompt, *, batch_size: int = 4,
              dpi: int | None = None, max_length: int | None = None, timeout_s: float = 0) -> list[PageRun]:
    """Run ``prompt`` over every page, ``batch_size`` pages per batch, in page order.

    ``timeout_s`` is the time budget per page (0: none, as inside a conversion, whose pipeline keeps the
    budget); a page over budget is marked ``page_timeout``, a page over a content limit ``limit_exceeded``
    (it is never rendered).
    """
    runs: list[PageRun] = []
    size = max(1, batch_size)
    for start in range(0, len(contexts), size):
        runs += _run_batch(donut, list(contexts[start:start + size]), prompt, dpi, max_length, timeout_s)
    return runs


def _run_batch(donut: DonutModel, batch: list[PageContext], prompt: Prompt, dpi: int | None,
               max_length: int | None, timeout_s: float) -> list[PageRun]:
    images: list[Image.Image] = []
    runs = [PageRun(number=ctx.number) for ctx in batch]
    for ctx, run in zip(batch, runs, strict=True):
        try:
            with checked_page(ctx, timeout_s):
                images.append(render_for(donut, ctx, dpi))
        except Exception as exc:  # noqa: BLE001 - a page that cannot render is marked, the others go on
            run.error = _page_error(exc, "render_error", f"page {ctx.number} could not be rendered")
    ready = [(ctx, run) for ctx, run in zip(batch, runs, strict=True) if run.error is None]
    if len(ready) > 1:
        try:
            with page_budget([ctx for ctx, _ in ready], timeout_s, f"a batch of {len(ready)} pages", charge=False):
                generations = generate(donut, images, prompt, max_length=max_length)
            for (_ctx, run), gen in zip(ready, generations, strict=True):
                run.generation = gen
            return runs
        except Exception:  # noqa: BLE001 - retried page by page below, so only a bad page is lost
            pass
    for (ctx, run), image in zip(ready, images, strict=True):
        try:
            with page_budget([ctx], timeout_s, f"page {run.number}"):
                (run.generation,) = generate(donut, [image], prompt, max_length=max_length)
        except Exception as exc:  # noqa: BLE001
            run.error = _page_error(exc, "engine_error", f"donut failed on page {run.number}")
    return runs


def _page_error(exc: Exception, code: str, context: str) -> PageError:
    if isinstance(exc, DocaiError):
        return PageError(code=exc.code, message=str(exc))
    return PageError(code=code, message=f"{context}: {exc}")

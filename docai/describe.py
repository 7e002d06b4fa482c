"""Figure descriptions: ``docai convert --describe-figures M`` captions every figure block with a plugin model.

Each figure block with a box is cut out of its page (rendered at :data:`FIGURE_DPI`, within the pixel limit)
and the PNG of the cut-out hashed. Captions are cached under the cache directory by the model's cache key
for that hash (plugin and version, family, checkpoint, answer-changing options, the request), so a figure
seen before — in this document or any other — is not captioned again. The caption becomes the block's
``text``: the JSON carries it and the markdown shows ``<!-- image: a bar chart of ... -->``. A model that
fails on a page's figures marks that page's ``errors`` and leaves the rest of the document as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from docai.errors import DocaiError
from schemas.document import BlockKind, Page, PageError
from schemas.plugins import CaptionRequest, GenerationOptions

#: resolution of the figure cut-outs given to the captioning model
FIGURE_DPI = 150
#: figures smaller than this (points, either side) are rules and bullets, not pictures
MIN_SIDE_PT = 12.0
#: what the model is asked for: a short greedy caption
REQUEST = CaptionRequest(generation=GenerationOptions(max_new_tokens=30))


@dataclass
class _Figure:
    page: Page
    index: int  # position of the block in page.blocks
    png: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


def describe_figures(contexts, pages: list[Page], model_id: str, *, cache_dir: str | os.PathLike | None = None,
                     read_cache: bool = True, write_cache: bool = True) -> int:
    """Caption the figure blocks of ``pages`` (their ``PageContext`` in ``contexts``) with ``model_id``.

    Returns how many figures got a caption (from the cache or the model).
    """
    by_number = {ctx.number: ctx for ctx in contexts}
    figures = [f for page in pages if page.number in by_number for f in _cut_out(by_number[page.number], page)]
    if not figures:
        return 0
    from docai.plugins import get_model

    model = get_model(model_id, capability="caption")
    store = _CaptionStore(cache_dir)
    keys = {id(f): model.cache_key("caption", REQUEST, f.digest) for f in figures}
    todo = []
    for figure in figures:
        cached = store.get(keys[id(figure)]) if read_cache else None
        if cached is None:
            todo.append(figure)
        else:
            figure.page.blocks[figure.index].text = cached
    for page in dict.fromkeys(f.page.number for f in todo):  # page by page: a failure stays on its page
        mine = [f for f in todo if f.page.number == page]
        try:
            captions = model.caption([f.png for f in mine], REQUEST)
        except DocaiError as exc:
            mine[0].page.errors.append(PageError(code=exc.code, message=f"describing figures: {exc}"))
            continue
        for figure, caption in zip(mine, captions, strict=True):
            figure.page.blocks[figure.index].text = caption.text
            if write_cache:
                store.put(keys[id(figure)], caption.text)
    return sum(1 for f in figures if f.page.blocks[f.index].text)


def _cut_out(ctx, page: Page) -> list[_Figure]:
    """PNG cut-outs of the page's undescribed figure blocks (a figure that cannot be rendered is skipped)."""
    import pymupdf

    out = []
    for index, block in enumerate(page.blocks):
        if block.kind is not BlockKind.figure or block.bbox is None or block.text.strip():
            continue
        x0, y0, x1, y1 = block.bbox
        if min(x1 - x0, y1 - y0) < MIN_SIDE_PT:
            continue
        zoom = FIGURE_DPI / 72.0
        limit = ctx.source.limits.max_image_pixels
        if limit and (x1 - x0) * (y1 - y0) * zoom * zoom > limit:
            zoom = (limit / ((x1 - x0) * (y1 - y0))) ** 0.5
        try:
            pix = ctx.page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(x0, y0, x1, y1),
                                      colorspace=pymupdf.csRGB, alpha=False)
            out.append(_Figure(page=page, index=index, png=pix.tobytes("png")))
        except (RuntimeError, ValueError):
            continue
    return out


class _CaptionStore:
    """Figure captions on disk (``<cache dir>/figures``), one small JSON file per cache key."""

    def __init__(self, directory: str | os.PathLike | None) -> None:
        from docai.cache import default_cache_dir

        self.directory = Path(directory) if directory else default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / "figures" / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            return str(json.loads(self._path(key).read_text(encoding="utf-8"))["caption"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, torn or stale: a miss, never an error

    def put(self, key: str, caption: str) -> None:
        path = self._path(key)
        with contextlib.suppress(OSError):  # a full or read-only cache costs a recomputation, nothing else
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump({"caption": caption}, fh)
            os.replace(tmp, path)

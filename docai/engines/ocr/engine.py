"""The embedded OCR engine: render → detect lines → turn upright → recognise → lines in reading order → blocks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from docai.engines.base import EngineOutput
from docai.engines.ocr.models import DET_MAX_SIDE, OcrModels, load_models
from docai.engines.ocr.orientation import quarter_turn, rotate_points, unrotate_bbox, upside_down
from docai.ingest.source import PageContext
from docai.layout import TextLine, lines_to_blocks
from docai.layout.order import reading_order
from docai.options import ConvertOptions

#: bump when the engine's output for the same page and models changes (part of the cache key)
ENGINE_REVISION = "2"  # 2: OCR lines of uneven height stay in one paragraph
#: lines recognised with less confidence than this are dropped as noise
MIN_LINE_CONFIDENCE = 0.5


@dataclass
class _PageWork:
    """One page between detection and recognition."""

    ctx: PageContext
    width_pt: float
    height_pt: float
    image_size: tuple[int, int]  # upright frame, pixels (w, h)
    turns: int = 0
    boxes: list[np.ndarray] = field(default_factory=list)  # upright frame, pixels
    crops: list[np.ndarray] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class OcrEngine:
    """OCR with the PP-OCRv6 detection and recognition models bundled in the rapidocr wheel."""

    name = "ocr"

    def __init__(self, dpi: int, models: OcrModels | None = None) -> None:
        self.dpi = dpi
        self.models = models or load_models()
        self.version = f"{ENGINE_REVISION}+rapidocr{self.models.version}"

    def cache_options(self) -> dict[str, Any]:
        return {"dpi": self.dpi, "det_max_side": DET_MAX_SIDE, "min_confidence": MIN_LINE_CONFIDENCE}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """OCR a batch of pages; line recognition runs over the lines of all pages at once."""
        work = [self._detect(ctx) for ctx in pages]
        start = time.perf_counter()
        crops = [crop for w in work for crop in w.crops]
        results = self.models.recognize(crops)
        share = (time.perf_counter() - start) / max(len(work), 1)
        outputs, offset = [], 0
        for w in work:
            page_results = results[offset:offset + len(w.crops)]
            offset += len(w.crops)
            w.timings["recognize_s"] = round(share, 4)
            outputs.append(self._assemble(w, page_results))
        return outputs

    def _detect(self, ctx: PageContext) -> _PageWork:
        """Render, detect line boxes, find the orientation and cut the lines out upright."""
        t0 = time.perf_counter()
        image = np.asarray(ctx.render(self.dpi))
        t1 = time.perf_counter()
        boxes, _scores = self.models.detect(image)
        t2 = time.perf_counter()
        turns = quarter_turn(boxes)
        upright, boxes = _turn(image, boxes, turns)
        crops = [crop_line(upright, box) for box in boxes]
        if upside_down(crops, self.models.classify, self.models.recognize):
            turns += 2
            upright, boxes = _turn(upright, boxes, 2)
            crops = [np.ascontiguousarray(np.rot90(crop, 2)) for crop in crops]
        t3 = time.perf_counter()
        return _PageWork(
            ctx=ctx, width_pt=ctx.width, height_pt=ctx.height,
            image_size=(upright.shape[1], upright.shape[0]), turns=turns % 4, boxes=boxes, crops=crops,
            timings={"render_s": round(t1 - t0, 4), "detect_s": round(t2 - t1, 4), "orient_s": round(t3 - t2, 4)},
        )

    def _assemble(self, work: _PageWork, results: list[tuple[str, float]]) -> EngineOutput:
        """Recognised lines → TextLines in PDF points (upright frame) → blocks mapped back to the page."""
        upright_w_pt, upright_h_pt = ((work.height_pt, work.width_pt) if work.turns % 2
                                      else (work.width_pt, work.height_pt))
        sx = upright_w_pt / max(work.image_size[0], 1)
        sy = upright_h_pt / max(work.image_size[1], 1)
        lines = []
        for box, (text, conf) in zip(work.boxes, results, strict=True):
            if conf < MIN_LINE_CONFIDENCE or not text.strip():
                continue
            xs, ys = box[:, 0], box[:, 1]
            bbox = (float(xs.min()) * sx, float(ys.min()) * sy, float(xs.max()) * sx, float(ys.max()) * sy)
            lines.append(TextLine(text=text.strip(), bbox=bbox, confidence=round(conf, 4)))
        order = reading_order([line.bbox for line in lines])
        blocks = lines_to_blocks([lines[i] for i in order], upright_w_pt, upright_h_pt)
        if work.turns:
            blocks = [b.model_copy(update={"bbox": unrotate_bbox(b.bbox, work.turns, work.width_pt, work.height_pt)})
                      if b.bbox else b for b in blocks]
        note = f"page rotated {90 * work.turns} degrees, OCR turned it upright" if work.turns else ""
        return EngineOutput(blocks=blocks, note=note, timings=work.timings)


def _turn(image: np.ndarray, boxes: list[np.ndarray], turns: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The image and its boxes after ``turns`` counter-clockwise quarter turns."""
    if turns % 4 == 0:
        return image, boxes
    height, width = image.shape[:2]
    turned = np.ascontiguousarray(np.rot90(image, turns))
    return turned, [_canonical(rotate_points(b, turns, width, height)) for b in boxes]


def _canonical(box: np.ndarray) -> np.ndarray:
    """Reorder a quadrilateral's corners to top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(box, dtype=np.float32)
    s, d = pts.sum(axis=1), pts[:, 0] - pts[:, 1]
    return np.array([pts[s.argmin()], pts[d.argmax()], pts[s.argmax()], pts[d.argmin()]], dtype=np.float32)


def crop_line(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The line under ``box``, straightened (perspective warp of the quadrilateral)."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    return get_rotate_crop_image(image, np.asarray(box, dtype=np.float32).copy())


def create(options: ConvertOptions) -> OcrEngine:
    """The OCR engine for ``options`` (models load here, once per engine)."""
    return OcrEngine(dpi=options.engine_config("ocr").dpi)

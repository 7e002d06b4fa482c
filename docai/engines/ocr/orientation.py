"""Page orientation for OCR: which quarter turn makes a page's text upright, and the geometry to undo it.

A rotation ``k`` (0-3) means the page content is turned ``90·k`` degrees clockwise as rendered, so
``np.rot90(image, k)`` (counter-clockwise quarter turns) makes it upright. Detected line boxes tell
horizontal (0/180) from vertical (90/270) text; the line angle classifier then votes 0 against 180,
and where its vote is unsure a sample of lines is recognised both ways up and the reading with more
confidence × characters wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: a line box counts as vertical text when it is this much taller than wide
VERTICAL_ASPECT = 1.5
#: widest lines the angle classifier votes on
VOTE_LINES = 32
#: the classifier's width- and score-weighted vote must lead by this share, else recognition decides
VOTE_MARGIN = 0.5
#: lines recognised both ways up when the vote is unsure
SAMPLE_LINES = 8

#: crops → (text or label, score) per crop
ReadLines = Callable[[list[np.ndarray]], list[tuple[str, float]]]


def rotate_points(points: np.ndarray, k: int, width: float, height: float) -> np.ndarray:
    """Map points of a ``width``×``height`` frame to the frame of ``np.rot90(image, k)``."""
    pts = np.asarray(points, dtype=np.float64).copy()
    w, h = float(width), float(height)
    for _ in range(k % 4):
        x, y = pts[..., 0].copy(), pts[..., 1].copy()
        pts[..., 0], pts[..., 1] = y, w - x
        w, h = h, w
    return pts


def unrotate_bbox(bbox: Sequence[float], k: int, width: float, height: float) -> tuple[float, float, float, float]:
    """An axis-aligned box in the upright frame (after ``k`` turns of a ``width``×``height`` page),
    mapped back to the page's own frame."""
    if k % 4 == 0:
        return tuple(float(v) for v in bbox)  # type: ignore[return-value]
    upright_w, upright_h = (height, width) if k % 2 else (width, height)
    x0, y0, x1, y1 = bbox
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    back = rotate_points(corners, (4 - k) % 4, upright_w, upright_h)
    return (float(back[:, 0].min()), float(back[:, 1].min()), float(back[:, 0].max()), float(back[:, 1].max()))


def is_vertical(box: np.ndarray) -> bool:
    """Whether a detected quadrilateral is taller than wide (a line of text turned by 90 degrees)."""
    box = np.asarray(box, dtype=np.float32)
    width = max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3]))
    height = max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2]))
    return height >= VERTICAL_ASPECT * max(width, 1.0)


def box_area(box: np.ndarray) -> float:
    """Area of the box's axis-aligned bounds, in pixels."""
    box = np.asarray(box, dtype=np.float32)
    return float(np.ptp(box[:, 0]) * np.ptp(box[:, 1]))


def quarter_turn(boxes: Sequence[np.ndarray]) -> int:
    """1 when most text (by area) runs vertically, so one quarter turn is needed; else 0."""
    vertical = sum(box_area(b) for b in boxes if is_vertical(b))
    total = sum(box_area(b) for b in boxes)
    return 1 if total and vertical > total / 2 else 0


def text_score(results: Sequence[tuple[str, float]]) -> float:
    """How readable a set of recognised lines is: confidence × non-space characters, summed."""
    return sum(conf * sum(1 for c in text if not c.isspace()) for text, conf in results)


def upside_down(crops: Sequence[np.ndarray], classify: ReadLines, recognize: ReadLines) -> bool:
    """Whether upright-framed line crops read better turned by 180 degrees."""
    widest = sorted(crops, key=lambda c: c.shape[1], reverse=True)
    votes = widest[:VOTE_LINES]
    if not votes:
        return False
    weights = [float(c.shape[1]) for c in votes]
    vote = sum(w * score * (1 if "180" in label else -1)
               for w, (label, score) in zip(weights, classify(list(votes)), strict=True))
    if abs(vote) >= VOTE_MARGIN * sum(weights):
        return vote > 0
    sample = widest[:SAMPLE_LINES]
    flipped = [np.ascontiguousarray(np.rot90(c, 2)) for c in sample]
    results = recognize(list(sample) + flipped)
    return text_score(results[len(sample):]) > text_score(results[:len(sample)])

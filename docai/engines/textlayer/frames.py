"""Reading directions: coordinates in which a line of any direction reads left to right.

pymupdf reports text in the page's unrotated coordinates with each line's direction. A page with
``/Rotate 90`` whose text reads upright on screen has every line running up the stored page; a
sideways table or a vertical caption runs at 90° among horizontal text. Each direction gets a
:class:`Frame`: the page turned so that text of that direction runs left to right and its lines
follow each other top to bottom. Line layout then works in the frame, unchanged, and boxes are
mapped back to the page afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pymupdf

BBox = tuple[float, float, float, float]

def union_box(boxes) -> BBox:
    """The smallest box holding every box of ``boxes`` (a non-empty iterable of ``(x0, y0, x1, y1)``)."""
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


#: a line within this many degrees of a multiple of 90° runs in that direction exactly
SNAP_DEGREES = 3.0
#: other directions are grouped to this many degrees
STEP_DEGREES = 2


def line_angle(direction: tuple[float, float]) -> float:
    """The angle (degrees, counter-clockwise as seen on the unrotated page, 0 = left to right) of a
    pymupdf line ``dir``, whose y axis points down."""
    dx, dy = direction
    return math.degrees(math.atan2(-dy, dx)) % 360.0


def direction_of(angle: float) -> int:
    """The direction group of an angle: the nearest multiple of 90 within :data:`SNAP_DEGREES`,
    else the angle rounded to :data:`STEP_DEGREES` (0 <= result < 360)."""
    right = round(angle / 90.0) * 90
    if abs(angle - right) <= SNAP_DEGREES:
        return int(right) % 360
    return int(round(angle / STEP_DEGREES) * STEP_DEGREES) % 360


@dataclass(frozen=True)
class Frame:
    """Page coordinates turned so that text at ``angle`` reads left to right, origin top-left.

    The page's main frame is the one its blocks' boxes are given in. Where ``/Rotate`` turns the
    stored text upright on screen (the usual case), that is the page as displayed."""

    angle: int
    matrix: pymupdf.Matrix  # unrotated page → frame
    width: float
    height: float

    @classmethod
    def make(cls, page: pymupdf.Page, angle: int) -> Frame:
        """The frame of ``page`` for text running at ``angle`` degrees."""
        rad = math.radians(angle)
        dx, dy = math.cos(rad), -math.sin(rad)  # the direction in y-down coordinates
        turn = pymupdf.Matrix(dx, -dy, dy, dx, 0, 0)  # u = x·dx + y·dy, v = −x·dy + y·dx
        unrotated = page.rect * page.derotation_matrix
        turned = unrotated * turn
        matrix = turn * pymupdf.Matrix(1, 0, 0, 1, -turned.x0, -turned.y0)
        return cls(angle, matrix, turned.width, turned.height)

    @property
    def identity(self) -> bool:
        """Frame and unrotated page coincide."""
        return self.angle == 0 and tuple(self.matrix) == (1, 0, 0, 1, 0, 0)

    def to_frame(self, bbox: BBox) -> BBox:
        """A box of the unrotated page in frame coordinates (the box around its turned corners)."""
        return bbox if self.identity else tuple(pymupdf.Rect(bbox) * self.matrix)

    def to_page(self, bbox: BBox) -> BBox:
        """A box of the frame in unrotated page coordinates."""
        return bbox if self.identity else tuple(pymupdf.Rect(bbox) * ~self.matrix)

    def from_frame(self, other: Frame, bbox: BBox) -> BBox:
        """A box of ``other`` frame in this frame's coordinates."""
        return self.to_frame(other.to_page(bbox))

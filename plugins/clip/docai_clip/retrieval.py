"""Text-to-image retrieval: which of many images best match a text, by any model with the ``itc`` capability.

The images go through the model's ``itc`` in its batches, so thousands of images cost one pass each; the
ranking is by cosine similarity, best first (ties keep input order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docai.errors import InputError
from schemas.plugins import MatchRequest


@dataclass(frozen=True)
class Hit:
    """One retrieved image: its position among the inputs and its similarity to the text."""

    index: int
    score: float


def best_matches(model, text: str, images: Sequence, *, top_k: int | None = None) -> list[Hit]:
    """The ``top_k`` images (all when None) that best match ``text``, best first."""
    if not text.strip():
        raise InputError("retrieval needs a text to match")
    if top_k is not None and top_k < 1:
        raise InputError(f"top_k must be at least 1 (got {top_k})")
    results = model.itc(list(images), MatchRequest(texts=[text]))
    ranked = sorted(range(len(results)), key=lambda i: (-results[i].scores[0].score, i))
    return [Hit(index=i, score=results[i].scores[0].score) for i in ranked[:top_k]]

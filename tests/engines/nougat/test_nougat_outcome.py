"""Judging one page's generation: ok, collapsed (FAIL / EMPTY) or blank."""

from __future__ import annotations

import numpy as np

from docai.engines.nougat.outcome import judge
from docai.models.decode import DecodeSettings, Generation
from docai.models.guard import GuardSettings


class _Tokenizer:
    """Token i decodes to the i-th entry of ``pieces``."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces

    def decode(self, tokens, skip_special_tokens=True):
        return "".join(self.pieces[t] for t in tokens)


def _generation(values: np.ndarray, finish="length", token=0) -> Generation:
    return Generation(tokens=[token] * len(values), max_logits=[float(v) for v in values], finish=finish)


SETTINGS = DecodeSettings(max_length=4096, guard=GuardSettings())


def test_varied_page_is_ok_and_postprocessed():
    values = np.random.default_rng(0).normal(20, 3, 50)
    out = judge(_generation(values, finish="eos"), _Tokenizer(["## 1\nText. "]), SETTINGS)
    assert out.status == "ok" and out.markdown.startswith("Text.")


def test_loop_after_content_is_a_fail():
    values = np.random.default_rng(1).normal(20, 3, 900)
    values[300:] = 30.0
    out = judge(_generation(values), _Tokenizer(["x "]), SETTINGS)
    assert (out.status, out.marker) == ("collapsed", "FAIL")
    assert out.placeholder(4) == "[MISSING_PAGE_FAIL:4]" and "hit the length limit" in out.reason


def test_loop_from_the_start_is_empty():
    out = judge(_generation(np.full(600, 9.0), finish="guard"), _Tokenizer(["x "]), SETTINGS)
    assert (out.status, out.marker) == ("collapsed", "EMPTY")


def test_guard_off_keeps_the_loop():
    values = np.full(600, 9.0)
    out = judge(_generation(values), _Tokenizer(["word "]), DecodeSettings(max_length=4096))
    assert out.status == "ok"


def test_nothing_generated_is_blank():
    out = judge(Generation(finish="eos", max_logits=[3.0]), _Tokenizer([]), SETTINGS)
    assert (out.status, out.marker) == ("blank", "EMPTY")

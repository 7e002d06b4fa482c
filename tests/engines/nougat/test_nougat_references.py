"""Hallucinated reference lists, checked against transformers' port of the original."""

from __future__ import annotations

import random

import pytest

from docai.engines.nougat.references import MISSING_POST, remove_hallucinated_references, similarity


def _invented_references(n: int) -> list[str]:
    return [f"* [{i}] A. Author and B. Other. A title of a paper. Journal {i % 7}, 2020." for i in range(1, n + 1)]


def test_long_run_of_invented_references_replaced():
    text = "\n".join(["## References", "* [1] Real, R. A real paper. 1999.", *_invented_references(30)])
    out = remove_hallucinated_references(text)
    assert "A title of a paper" not in out
    assert MISSING_POST in out


def test_short_reference_list_kept():
    text = "\n".join(_invented_references(10))
    assert remove_hallucinated_references(text) == text


def test_similarity_is_normalised_indel():
    assert similarity("abc", "abc") == 1.0
    assert similarity("abc", "abd") == pytest.approx(2 / 3)


def test_matches_transformers_port_on_random_pages(monkeypatch):
    from transformers.models.nougat import tokenization_nougat as reference

    monkeypatch.setattr(reference, "ratio", similarity, raising=False)
    port = reference.NougatTokenizer.__new__(reference.NougatTokenizer)
    rng = random.Random(1)
    words = ["the", "of", "model", "page", "we", "table", "figure", "x", "y", "alpha"]
    for _ in range(150):
        lines = []
        for _ in range(rng.randint(1, 60)):
            kind = rng.random()
            if kind < 0.4:
                lines.append(f"* [{rng.randint(1, 99)}] A. Author and B. Other. Some title. J. {rng.randint(1, 9)}, 2020.")
            elif kind < 0.5:
                lines.append("")
            else:
                lines.append(" ".join(rng.choices(words, k=rng.randint(3, 30))) + ".")
        text = "\n".join(lines)
        assert remove_hallucinated_references(text) == reference.NougatTokenizer.remove_hallucinated_references(port, text)

"""extract / ask / classify end to end on generated PDFs with the tiny and the taught checkpoints."""

from __future__ import annotations

import pymupdf
import pytest

from docai.engines.donut import ask, classify, extract, load_donut
from docai.engines.donut import pages as donut_pages
from docai.errors import ConfigError, CorruptDocumentError, EncryptedDocumentError, ModelError, PageRangeError
from schemas.donut import Answer, ClassifyResult, ExtractResult

RECEIPT = {"menu": [{"nm": "Coffee", "cnt": "2", "price": "3.00"}, {"nm": "Tea", "price": "1.50"}],
           "total": {"total_price": "4.50"}}


@pytest.fixture
def receipts(make_pdf) -> bytes:
    """Three pages that look like short receipts."""
    return make_pdf([[((72, 100), f"Receipt {n}", 14), ((72, 130), "Coffee 2 3.00", 11),
                      ((72, 150), "Tea 1.50", 11), ((72, 180), "Total 4.50", 11)] for n in (1, 2, 3)])


def test_extract_reads_the_receipt_of_every_page(receipts, taught_donut_dir):
    result = extract(receipts, taught_donut_dir)
    assert isinstance(result, ExtractResult)
    assert result.task == "cord-v2" and result.model == str(taught_donut_dir)
    assert [p.number for p in result.pages] == [1, 2, 3]
    for page in result.pages:
        assert page.data == RECEIPT
        assert page.confidence > 0.9 and not page.errors
    assert ExtractResult.model_validate_json(result.model_dump_json()) == result


def test_extract_selected_pages(receipts, taught_donut_dir):
    result = extract(receipts, taught_donut_dir, pages="3,1", batch_size=1)
    assert [p.number for p in result.pages] == [3, 1]


def test_extract_other_tasks_by_name(receipts, taught_donut_dir):
    result = extract(receipts, taught_donut_dir, task="<s_rvlcdip>", pages="1")
    assert result.task == "rvlcdip" and result.pages[0].data == {"class": "invoice"}


def test_random_model_gives_text_and_low_confidence(receipts, tiny_donut_dir):
    page = extract(receipts, tiny_donut_dir, pages="1").pages[0]
    assert page.confidence < 0.2
    assert page.data  # random text, still valid JSON (text_sequence or fields)


def test_ask_picks_the_most_confident_page(receipts, taught_donut_dir):
    answer = ask(receipts, "  What is the   total? ", taught_donut_dir)
    assert isinstance(answer, Answer)
    assert answer.question == "What is the total?"
    assert answer.answer == "4.50" and answer.confidence > 0.9
    assert sorted(c.page for c in answer.candidates) == [1, 2, 3]
    best = max(answer.candidates, key=lambda c: c.confidence)
    assert (answer.page, answer.confidence) == (best.page, best.confidence)
    assert [c.confidence for c in answer.candidates] == sorted((c.confidence for c in answer.candidates), reverse=True)


def test_ask_with_a_random_model_still_answers(receipts, tiny_donut_dir):
    answer = ask(receipts, "What is the total?", tiny_donut_dir, pages="2")
    assert answer.page == 2 and 0 <= answer.confidence < 0.2


def test_classify(receipts, taught_donut_dir):
    result = classify(receipts, taught_donut_dir, pages="1-2")
    assert isinstance(result, ClassifyResult)
    assert result.label == "invoice" and [p.label for p in result.pages] == ["invoice", "invoice"]
    assert result.confidence > 0.9


def test_unknown_task_lists_the_model_tasks(receipts, tiny_donut_dir):
    with pytest.raises(ModelError, match=r"no task token <s_zhtrainticket>; its task tokens are: cord-v2, docvqa"):
        extract(receipts, tiny_donut_dir, task="zhtrainticket")


def test_docvqa_in_extract_points_to_ask(receipts, tiny_donut_dir):
    with pytest.raises(ConfigError, match="question"):
        extract(receipts, tiny_donut_dir, task="docvqa")


def test_missing_model_dir(receipts, tmp_path):
    with pytest.raises(ModelError):
        extract(receipts, tmp_path / "no-such-model")
    with pytest.raises(ModelError):
        ask(receipts, "why?", str(tmp_path))  # a directory, but no checkpoint in it


def test_bad_input_fails_before_the_model_loads(receipts, tmp_path):
    with pytest.raises(PageRangeError):
        extract(receipts, tmp_path / "never-loaded", pages="7")
    with pytest.raises(CorruptDocumentError):
        ask(b"%PDF-1.4 not really", "why?", tmp_path / "never-loaded")


def test_encrypted_pdf(receipts, taught_donut_dir):
    doc = pymupdf.open(stream=receipts, filetype="pdf")
    locked = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="secret")
    with pytest.raises(EncryptedDocumentError):
        extract(locked, taught_donut_dir)
    assert extract(locked, taught_donut_dir, password="secret", pages="1").pages[0].data == RECEIPT


def test_a_failing_page_does_not_lose_the_others(receipts, taught_donut_dir, monkeypatch):
    render = donut_pages.render_for

    def broken_page_two(donut, ctx, dpi=None):
        if ctx.number == 2:
            raise RuntimeError("ink spill")
        return render(donut, ctx, dpi)

    monkeypatch.setattr(donut_pages, "render_for", broken_page_two)
    result = extract(receipts, taught_donut_dir)
    assert [bool(p.errors) for p in result.pages] == [False, True, False]
    assert "ink spill" in result.pages[1].errors[0].message and result.pages[1].data == {}
    assert result.pages[0].data == result.pages[2].data == RECEIPT
    answer = ask(receipts, "What is the total?", taught_donut_dir)
    assert answer.page != 2 and len(answer.candidates) == 2


def test_a_failing_batch_is_retried_page_by_page(receipts, taught_donut_dir, monkeypatch):
    generate = donut_pages.generate

    def no_batches(donut, images, prompt, **kw):
        if len(images) > 1:
            raise RuntimeError("out of memory")
        return generate(donut, images, prompt, **kw)

    monkeypatch.setattr(donut_pages, "generate", no_batches)
    result = extract(receipts, taught_donut_dir)
    assert all(p.data == RECEIPT and not p.errors for p in result.pages)


def test_ask_fails_clearly_when_no_page_runs(receipts, taught_donut_dir, monkeypatch):
    def nothing_renders(donut, ctx, dpi=None):
        raise RuntimeError("no ink")

    monkeypatch.setattr(donut_pages, "render_for", nothing_renders)
    with pytest.raises(ModelError, match="no page could be read"):
        ask(receipts, "What is the total?", taught_donut_dir)


def test_a_loaded_model_is_reused(taught_donut_dir):
    first, second = load_donut(taught_donut_dir), load_donut(taught_donut_dir)
    assert first.model is second.model and first.vocabulary is second.vocabulary
    assert "invoice" in first.categories and "cord-v2" not in first.categories
    donut = load_donut(taught_donut_dir)
    assert load_donut(donut) is donut

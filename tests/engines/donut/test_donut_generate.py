"""Batched greedy generation: batch == page by page, the confidence, length limits, rendering sizes."""

from __future__ import annotations

import math

import pytest
from PIL import Image, ImageDraw

from docai.engines.donut import load_donut
from docai.engines.donut.generate import generate, pixel_values, prompt_ids
from docai.engines.donut.pages import fitting_dpi
from docai.engines.donut.prompts import question_prompt, task_prompt
from docai.errors import ModelError


def _pages() -> list[Image.Image]:
    """Three clearly different page images (different sizes, inks and shapes)."""
    images = []
    for i, (size, ink) in enumerate((((300, 400), "black"), ((420, 300), "red"), ((200, 260), "blue"))):
        img = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(img)
        for k in range(3 + 4 * i):
            draw.rectangle((10 + 13 * k, 20 + 17 * k, 60 + 20 * k, 40 + 25 * k), fill=ink)
        images.append(img)
    return images


@pytest.mark.parametrize("which", ["tiny_donut_dir", "taught_donut_dir"])
def test_batch_equals_page_by_page(which, request):
    donut = load_donut(request.getfixturevalue(which))
    prompt = task_prompt("cord-v2", donut.vocabulary)
    images = _pages()
    batched = generate(donut, images, prompt)
    single = [generate(donut, [img], prompt)[0] for img in images]
    assert [g.token_ids for g in batched] == [g.token_ids for g in single]
    assert [g.sequence for g in batched] == [g.sequence for g in single]
    for b, s in zip(batched, single, strict=True):
        assert b.confidence == pytest.approx(s.confidence, rel=1e-4)
    # the pages really differ for the random model: its confidences are not all the same
    if which == "tiny_donut_dir":
        assert len({round(g.confidence, 9) for g in batched}) > 1


def test_confidence_is_the_geometric_mean_of_token_probabilities(tiny_donut_dir):
    import torch

    donut = load_donut(tiny_donut_dir)
    prompt = task_prompt("cord-v2", donut.vocabulary)
    images = _pages()
    ours = generate(donut, images, prompt)
    ids = prompt_ids(donut, prompt)
    tok = donut.tokenizer
    with torch.inference_mode():
        out = donut.model.generate(
            pixel_values=pixel_values(donut, images), decoder_input_ids=torch.tensor([ids] * len(images)),
            max_length=donut.max_length, output_scores=True, return_dict_in_generate=True,
            eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bad_words_ids=[[tok.unk_token_id]])
        reference = donut.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    for i, gen in enumerate(ours):
        n = len(gen.token_ids)
        assert out.sequences[i, len(ids):len(ids) + n].tolist() == gen.token_ids
        assert gen.confidence == pytest.approx(math.exp(reference[i, :n].mean().item()), rel=1e-5)


def test_taught_model_is_confident_and_random_one_is_not(tiny_donut_dir, taught_donut_dir):
    images = _pages()[:1]
    random_model, taught = load_donut(tiny_donut_dir), load_donut(taught_donut_dir)
    (low,) = generate(random_model, images, task_prompt("cord-v2", random_model.vocabulary))
    (high,) = generate(taught, images, task_prompt("cord-v2", taught.vocabulary))
    assert low.confidence < 0.2 < 0.9 < high.confidence
    assert high.token_ids[-1] == taught.tokenizer.eos_token_id
    assert high.data["total"] == {"total_price": "4.50"}


def test_question_prompt_is_kept_out_of_the_answer(taught_donut_dir):
    donut = load_donut(taught_donut_dir)
    (gen,) = generate(donut, _pages()[:1], question_prompt("What is the total?", donut.vocabulary))
    assert gen.data == {"question": "What is the total?", "answer": "4.50"}
    assert not gen.sequence.startswith("<s_docvqa>")


def test_max_length_cuts_and_the_parser_keeps_the_start(taught_donut_dir):
    donut = load_donut(taught_donut_dir)
    prompt = task_prompt("cord-v2", donut.vocabulary)
    (gen,) = generate(donut, _pages()[:1], prompt, max_length=9)
    assert len(gen.token_ids) == 8  # <s_menu> <s_nm> ▁C o f f e e
    assert gen.data["menu"]["nm"] == "Coffee"  # end tags never came; what was read is kept
    with pytest.raises(ModelError, match="no room"):
        generate(donut, _pages()[:1], prompt, max_length=1)


def test_empty_batch(tiny_donut_dir):
    donut = load_donut(tiny_donut_dir)
    assert generate(donut, [], task_prompt("cord-v2", donut.vocabulary)) == []


def test_pixel_values_fill_the_checkpoint_canvas(tiny_donut_dir):
    donut = load_donut(tiny_donut_dir)
    assert tuple(pixel_values(donut, _pages()).shape) == (3, 3, *donut.image_size)


@pytest.mark.parametrize(("page", "canvas"), [((595, 842), (2560, 1920)), ((842, 595), (128, 96)),
                                              ((100, 100), (64, 64)), ((20000, 30), (2560, 1920))])
def test_fitting_dpi_covers_the_canvas_without_overshooting(page, canvas):
    dpi = fitting_dpi(*page, canvas)
    width, height = (side * dpi / 72 for side in page)
    assert width >= canvas[1] - 1e-6 or height >= canvas[0] - 1e-6 or dpi == 600
    smaller = dpi - 1
    if smaller >= 1:
        assert page[0] * smaller / 72 < canvas[1] + 1e-6 and page[1] * smaller / 72 < canvas[0] + 1e-6 or dpi == 1

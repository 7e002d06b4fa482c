"""BLIP-2 / InstructBLIP: batched == ``generate`` one by one; missing image tokens refused; ITM and ITC."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from docai.errors import ModelError
from docai.models.decode import DecodeSettings
from docai_qformer.generate import generate, prepare
from docai_qformer.retrieval import itc, itm

IMAGES = [Image.new("RGB", (30 + 11 * i, 40), c) for i, c in enumerate(["red", "blue", "green", "white"])]
PROMPTS = ["Question: what is it? Answer:", "", "Question: which colour is the big square on the left? Answer:", "a"]


@pytest.mark.parametrize("variant", ["blip2-opt", "blip2-t5", "instructblip"])
def test_batched_equals_generate_one_by_one(variant, load_qformer):
    model, processor = load_qformer(variant)
    settings = DecodeSettings(max_new_tokens=8, eos_token_ids=(2,))
    batched = generate(model, processor, IMAGES, PROMPTS, settings)
    for i, (image, prompt) in enumerate(zip(IMAGES, PROMPTS, strict=True)):
        inputs = prepare(processor, [image], [prompt])
        with torch.inference_mode():
            out = model.generate(**inputs, max_new_tokens=8, do_sample=False, num_beams=1, eos_token_id=2)[0].tolist()
        if not model.config.text_config.is_encoder_decoder:
            out = out[inputs["input_ids"].shape[1]:]
        else:
            out = out[1:]
        expected = out[:out.index(2)] if 2 in out else out
        assert batched[i].tokens == expected, (variant, i)
    assert len({tuple(g.tokens) for g in batched}) > 1


def test_a_prompt_without_image_tokens_is_refused(load_qformer):
    model, processor = load_qformer("blip2-opt")
    processor.num_query_tokens = None  # as an old processor config: no image tokens in the text
    try:
        with pytest.raises(ModelError, match="holds 0 image tokens where the checkpoint needs 4"):
            generate(model, processor, IMAGES[:1], ["Question: what? Answer:"], DecodeSettings(max_new_tokens=2))
    finally:
        processor.num_query_tokens = model.config.num_query_tokens


def test_itm_and_itc_match_the_retrieval_model(load_qformer):
    model, processor = load_qformer("blip2-itm")
    texts = ["a red square", "a photo of a dog on a long sandy beach", "x"]
    pixels = processor.image_processor(IMAGES[:2], return_tensors="pt")["pixel_values"]
    matches = itm(model, processor.tokenizer, pixels, texts)
    sims = itc(model, processor.tokenizer, pixels, texts)
    assert len(matches) == 2 and all(len(r) == 3 and all(0 <= p <= 1 for p in r) for r in matches)
    for i in range(2):
        for j, text in enumerate(texts):
            # the reference: the processor puts the image tokens in front itself; one pair at a time
            enc = processor(images=IMAGES[i], text=text, return_tensors="pt")
            with torch.inference_mode():
                head = model(**enc, use_image_text_matching_head=True).logits_per_image
                sim = model(**enc, use_image_text_matching_head=False).logits_per_image
            assert matches[i][j] == pytest.approx(torch.softmax(head, -1)[0, 1].item(), abs=1e-5)
            assert sims[i][j] == pytest.approx(sim.item(), abs=1e-5)

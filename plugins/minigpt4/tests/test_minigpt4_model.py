"""The composed MiniGPT-4: prompts as the original, image splicing, batched answers == generate one by one."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from docai.errors import InputError
from docai.models.decode import DecodeSettings
from docai_minigpt4.generate import generate, prompt_embeddings
from docai_minigpt4.prompts import VICUNA_SYSTEM, build_prompt, clean_answer, split_prompt

QUESTIONS = ["What is in the picture?", "Colour?", "Describe the scene in a few words, please.", "Why?"]


def _images(n: int) -> list[Image.Image]:
    colours = ["red", "green", "blue", "white", "black"]
    return [Image.new("RGB", (40 + 7 * i, 30 + 5 * i), colours[i % len(colours)]) for i in range(n)]


def test_prompts_are_the_originals():
    assert build_prompt("vicuna", [("What is this?", None)]) == (
        VICUNA_SYSTEM + "###Human: <Img><ImageHere></Img> What is this?###Assistant: ")
    assert build_prompt("llama2", [("What is this?", None)]) == "[INST] <Img><ImageHere></Img> What is this? [/INST] "
    two = build_prompt("vicuna", [("Hi?", "A cat."), ("Colour?", None)], system="")
    assert two == "###Human: <Img><ImageHere></Img> Hi?###Assistant: A cat.###Human: Colour?###Assistant: "
    assert clean_answer("It is a cat.###Human: more", "vicuna") == "It is a cat."
    with pytest.raises(InputError):
        build_prompt("vicuna", [("Hi <ImageHere>", None)])
    with pytest.raises(InputError):
        split_prompt("no slot here")


@pytest.mark.parametrize("variant", ["vicuna", "llama2"])
def test_image_embeddings_stand_where_the_slot_was(variant, request, load):
    model, tokenizer, processor = load(request.getfixturevalue(f"tiny_{variant}"))
    pixels = processor(_images(1), return_tensors="pt")["pixel_values"]
    with torch.inference_mode():
        image = model.image_embeddings(pixels)[0]
        assert image.shape == (model.image_tokens(), model.config.text_config.hidden_size)
        prompt = build_prompt(variant, [("Hi?", None)])
        row = prompt_embeddings(model, tokenizer, prompt, image)
        before, after = split_prompt(prompt)
        n_before = len(tokenizer(before)["input_ids"])  # with <s>
        n_after = len(tokenizer(after, add_special_tokens=False)["input_ids"])
        assert row.shape[0] == n_before + model.image_tokens() + n_after
        assert torch.equal(row[n_before:n_before + model.image_tokens()], image)
        assert torch.equal(row[0], model.get_input_embeddings().weight[tokenizer.bos_token_id])


@pytest.mark.parametrize("variant", ["vicuna", "llama2"])
def test_batched_answers_equal_generate_one_by_one(variant, request, load):
    model, tokenizer, processor = load(request.getfixturevalue(f"tiny_{variant}"))
    images = _images(len(QUESTIONS))
    pixels = processor(images, return_tensors="pt")["pixel_values"]
    prompts = [build_prompt(variant, [(q, None)]) for q in QUESTIONS]
    settings = DecodeSettings(max_new_tokens=12, eos_token_ids=(tokenizer.eos_token_id,))
    batched = generate(model, tokenizer, pixels, prompts, settings)
    with torch.inference_mode():
        for i, prompt in enumerate(prompts):
            row = prompt_embeddings(model, tokenizer, prompt, model.image_embeddings(pixels[i:i + 1])[0])
            out = model.language_model.generate(inputs_embeds=row[None], attention_mask=torch.ones(1, row.shape[0], dtype=torch.long),
                                                max_new_tokens=12, do_sample=False, num_beams=1,
                                                eos_token_id=tokenizer.eos_token_id, pad_token_id=0)[0].tolist()
            expected = out[:out.index(tokenizer.eos_token_id)] if tokenizer.eos_token_id in out else out
            assert batched[i].tokens == expected
    assert len({tuple(g.tokens) for g in batched}) > 1, "different images and questions should give different answers"


def test_vicuna_answers_stop_at_the_separator(tiny_vicuna, load):
    model, tokenizer, processor = load(tiny_vicuna)
    pixels = processor(_images(3), return_tensors="pt")["pixel_values"]
    prompts = [build_prompt("vicuna", [(q, None)]) for q in QUESTIONS[:3]]
    plain = generate(model, tokenizer, pixels, prompts, DecodeSettings(max_new_tokens=16, eos_token_ids=(2,)))
    texts = [tokenizer.decode(g.tokens, skip_special_tokens=True) for g in plain]
    # stop at a string the random model does write: its own third character onwards
    stop = next(t[2:4] for t in texts if len(t) >= 4)
    stopped = generate(model, tokenizer, pixels, prompts,
                       DecodeSettings(max_new_tokens=16, eos_token_ids=(2,), stop_strings=(stop,)))
    for before, after in zip(plain, stopped, strict=True):
        text = tokenizer.decode(after.tokens, skip_special_tokens=True)
        if after.finish == "stop":
            assert stop in text and len(after.tokens) <= len(before.tokens)
        assert before.tokens[:len(after.tokens)] == after.tokens
    assert any(g.finish == "stop" for g in stopped)

"""LLaVA chat: batched, left-padded replies == ``generate`` one by one; image tokens checked before generating."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from docai.errors import InputError, ModelError
from docai.models.decode import DecodeSettings
from docai_llava.chat import Turn, generate, prepare

IMAGES = [Image.new("RGB", (40, 30), "red"), Image.new("RGB", (20, 70), "blue"), Image.new("RGB", (64, 64), "green")]
CONVERSATIONS = [
    ([IMAGES[0]], [Turn("user", "What is it?", [0])]),
    ([IMAGES[1]], [Turn("user", "Describe the picture in detail, please.", [0])]),
    ([IMAGES[2], IMAGES[0]], [Turn("system", "Be brief."), Turn("user", "Compare", [0, 1])]),
    ([IMAGES[1]], [Turn("user", "Colour?", [0]), Turn("assistant", "Blue."), Turn("user", "Sure?")]),
    ([], [Turn("user", "Hello there")]),
]


def _settings() -> DecodeSettings:
    return DecodeSettings(max_new_tokens=10, eos_token_ids=(2,))


@pytest.mark.parametrize("which", ["tiny_llava", "tiny_llava_next", "tiny_llava_onevision"])
def test_batched_replies_equal_generate_one_by_one(which, request, load_llava):
    model, processor = load_llava(request.getfixturevalue(which))
    prepared = prepare(processor, CONVERSATIONS)
    assert prepared.inputs["attention_mask"][:, 0].min() == 0, "rows should differ in length (left padding)"
    batched = generate(model, processor, prepared, _settings())
    for i, conversation in enumerate(CONVERSATIONS):
        single = prepare(processor, [conversation])
        with torch.inference_mode():
            out = model.generate(**single.inputs, max_new_tokens=10, do_sample=False, num_beams=1, eos_token_id=2,
                                 pad_token_id=processor.tokenizer.pad_token_id)
        expected = out[0, single.inputs["input_ids"].shape[1]:].tolist()
        expected = expected[:expected.index(2)] if 2 in expected else expected
        assert batched[i].tokens == expected
    assert len({tuple(g.tokens) for g in batched}) > 2


def test_prompts_follow_the_checkpoint_template_with_images_in_place(tiny_llava, load_llava):
    _, processor = load_llava(tiny_llava)
    prepared = prepare(processor, [CONVERSATIONS[3]])
    assert prepared.prompts == ["USER: <image>\nColour? ASSISTANT: Blue.</s> USER: Sure? ASSISTANT:"]


def test_next_image_token_counts_depend_on_image_sizes(tiny_llava_next, load_llava):
    _, processor = load_llava(tiny_llava_next)
    image_id = processor.tokenizer.convert_tokens_to_ids("<image>")
    wide = prepare(processor, [([IMAGES[0]], [Turn("user", "x", [0])])]).inputs["input_ids"]
    tall = prepare(processor, [([IMAGES[1]], [Turn("user", "x", [0])])]).inputs["input_ids"]
    assert (wide == image_id).sum() != (tall == image_id).sum()


def test_a_template_that_drops_the_image_is_refused_before_generating(tiny_llava, load_llava):
    _, processor = load_llava(tiny_llava)
    text_only = "{% for m in messages %}{{ m['role'] }}: {% for c in m['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %} {% endfor %}ASSISTANT:"
    with pytest.raises((ModelError, ValueError), match="image"):
        prepare(processor, [CONVERSATIONS[0]], chat_template=text_only)


def test_bad_conversations_are_input_errors(tiny_llava, load_llava):
    _, processor = load_llava(tiny_llava)
    with pytest.raises(InputError, match="refers to image 3"):
        prepare(processor, [([IMAGES[0]], [Turn("user", "x", [3])])])
    with pytest.raises(InputError, match="end with a user message"):
        prepare(processor, [([IMAGES[0]], [Turn("user", "x", [0]), Turn("assistant", "y")])])

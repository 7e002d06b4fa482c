"""The unified LaVIT model on a tiny converted checkpoint: caption, VQA, text(+image) → image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from docai.errors import InputError
from docai_lavit.tiny import TINY_IMAGE_SIZE


def _image(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8))


def test_caption_and_vqa_return_text_per_image(lavit_model):
    captions = lavit_model.caption([_image(0), _image(1)], max_new_tokens=6)
    answers = lavit_model.answer([_image(0)], "what is it?", max_new_tokens=4)
    assert len(captions) == 2 and all(isinstance(c, str) for c in captions)
    assert len(answers) == 1 and isinstance(answers[0], str)


def test_image_generation_samples_only_visual_tokens_and_draws_a_png_sized_image(lavit_model):
    codes = lavit_model.image_codes(["a red boat", "x"], 3)
    assert all(len(c) >= 1 and int(c.min()) >= 0 and int(c.max()) < lavit_model.config.n_code for c in codes)
    images = lavit_model.draw(codes, 3, steps=2)
    assert [im.size for im in images] == [(TINY_IMAGE_SIZE, TINY_IMAGE_SIZE)] * 2
    wide = lavit_model.generate_images(["a red boat"], 3, steps=2, width=48, height=32, negative_prompt="blur")
    assert wide[0].size == (48, 32)


def test_the_same_seed_gives_the_same_image_alone_or_batched(lavit_model):
    batch = lavit_model.generate_images(["a green field", "a red boat"], 7, steps=2)  # the boat uses seed 8
    alone = lavit_model.generate_images(["a red boat"], 8, steps=2)
    again = lavit_model.generate_images(["a red boat"], 8, steps=2)
    other = lavit_model.generate_images(["a red boat"], 9, steps=2)
    assert np.array_equal(np.asarray(alone[0]), np.asarray(again[0]))
    assert np.array_equal(np.asarray(alone[0]), np.asarray(batch[1]))
    assert not np.array_equal(np.asarray(alone[0]), np.asarray(other[0]))


def test_an_input_image_conditions_generation(lavit_model):
    out = lavit_model.generate_images(["make it blue"], 1, images=[_image(2)], steps=2)
    assert out[0].size == (TINY_IMAGE_SIZE, TINY_IMAGE_SIZE)


def test_a_size_the_unet_cannot_take_is_refused(lavit_model):
    with pytest.raises(InputError, match="multiples of 4"):
        lavit_model.generate_images(["x"], 0, width=30, height=32, steps=1)

"""Emu3 on a tiny checkpoint: understanding through the chat template, generation on the token grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from docai.errors import InputError
from docai_emu.grid import GridStepper, GridTokens, segment_length


def _image(seed: int, size=(50, 40)) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def test_the_chat_template_places_one_image_mark_per_image(emu_model):
    prompt = emu_model.conversation_text([{"role": "system", "content": "Be brief.", "images": 0},
                                          {"role": "user", "content": "Compare them.", "images": 2}])
    assert prompt.count("<image>") == 2 and prompt.endswith("ASSISTANT:")
    reply = emu_model.respond([[_image(0), _image(1, (30, 60))]], [prompt], max_new_tokens=4)
    assert len(reply) == 1 and isinstance(reply[0], str)


def test_generation_draws_the_requested_size_and_the_segment_has_the_grid_length(emu_model):
    seen = []
    decode = emu_model.model.decode_image_tokens

    def spy(**kwargs):
        seen.append(kwargs["image_tokens"].clone())
        return decode(**kwargs)

    emu_model.model.decode_image_tokens = spy
    try:
        images = emu_model.generate_images(["a red boat"], 3, width=48, height=24, negative_prompt="blurry")
    finally:
        emu_model.model.decode_image_tokens = decode
    assert images[0].size == (48, 24)
    rows, columns = 3, 6
    segment = seen[0][0].tolist()
    assert len(segment) == segment_length(rows, columns)
    tokens = emu_model.grid_tokens()
    for r in range(rows):
        row = segment[r * (columns + 1):(r + 1) * (columns + 1)]
        assert all(t in tokens.visual for t in row[:-1]) and row[-1] == tokens.eol
    assert segment[-3:] == [tokens.eof, tokens.eoi, tokens.eos]


def test_sizes_that_do_not_fit_are_refused(emu_model):
    with pytest.raises(InputError, match="multiples of 8"):
        emu_model.generate_images(["x"], 0, width=30, height=32)
    with pytest.raises(InputError, match="reads at most"):
        emu_model.generate_images(["x"], 0, width=256, height=256)


def test_the_grid_constraint_allows_rows_then_the_closing_tokens():
    tokens = GridTokens(visual=(10, 11, 12), eol=5, eof=6, eoi=7, eos=2, pad=0)

    class Flat:
        device = torch.device("cpu")

        def start(self, **kwargs):
            return torch.zeros(1, 16)

        def step(self, tokens):
            return torch.zeros(1, 16)

    stepper = GridStepper(Flat(), height=2, width=2, tokens=tokens)
    allowed = [torch.isfinite(stepper.start()[0]).nonzero().flatten().tolist()]
    for _ in range(segment_length(2, 2)):
        allowed.append(torch.isfinite(stepper.step(torch.zeros(1))[0]).nonzero().flatten().tolist())
    visual = [10, 11, 12]
    assert allowed == [visual, visual, [5], visual, visual, [5], [6], [7], [2], [0]]


def test_the_default_size_follows_the_processor_area_and_ratio(emu_model):
    assert emu_model.token_grid() == (4, 4)  # the tiny processor reads at most 32 x 32 px: 4 x 4 tokens of 8 px
    rows, columns = emu_model.token_grid(ratio="2:1")
    assert columns > rows
    assert emu_model.token_grid(width=48) == (6, 6)
    with pytest.raises(InputError, match="aspect ratio"):
        emu_model.token_grid(ratio="wide")

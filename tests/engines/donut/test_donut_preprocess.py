"""Our batched preprocessing equals the checkpoint's DonutImageProcessor, setting by setting."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from docai.engines.donut.preprocess import DonutPreprocess


def _image(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    ImageDraw.Draw(img).rectangle((width // 4, height // 4, width // 2, height // 2), fill=(0, 0, 0))
    return img


SIZES = [(300, 400), (400, 300), (97, 251), (640, 480), (1000, 1414), (50, 50)]


@pytest.mark.parametrize("settings", [
    {},
    {"do_align_long_axis": True},
    {"size": {"height": 96, "width": 128}, "do_align_long_axis": True},
    {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 3},
    {"do_thumbnail": False, "size": {"height": 160, "width": 160}, "do_resize": False},
    {"do_normalize": False},
])
def test_equals_the_image_processor(settings):
    from transformers import DonutImageProcessorPil

    config = {"size": {"height": 160, "width": 120}, "image_mean": [0.5] * 3, "image_std": [0.5] * 3, **settings}
    processor = DonutImageProcessorPil(**config)
    ours = DonutPreprocess.from_processor(processor)
    assert ours is not None
    sizes = SIZES if config.get("do_resize", True) or config.get("do_thumbnail", True) else [(100, 90), (160, 160)]
    images = [_image(w, h, i) for i, (w, h) in enumerate(sizes)]
    expected = processor(images, return_tensors="np")["pixel_values"]
    got = ours(images).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)


def test_the_tiny_checkpoint_processor_is_reproduced(tiny_donut_dir):
    from docai.engines.donut import load_donut

    donut = load_donut(tiny_donut_dir)
    ours = DonutPreprocess.from_processor(donut.image_processor)
    images = [_image(w, h, i) for i, (w, h) in enumerate(SIZES)]
    expected = donut.image_processor(images, return_tensors="pt")["pixel_values"]
    assert (ours(images) - expected).abs().max().item() < 2e-6


def test_other_processors_are_left_to_themselves():
    class NougatImageProcessor:
        size = {"height": 10, "width": 10}

    assert DonutPreprocess.from_processor(NougatImageProcessor()) is None

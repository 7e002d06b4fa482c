"""Preprocessing: pixel-equal to transformers' Nougat image processor, margins found like the original."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from docai.engines.nougat.preprocess import PreprocessConfig, margin_box, prepare_batch


def _page(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = int(rng.integers(width // 8, width * 7 // 8)), int(rng.integers(height // 8, height * 7 // 8))
        draw.text((x, y), "x^2 + y", fill=tuple(int(v) for v in rng.integers(0, 160, 3)))
    return image


@pytest.fixture(scope="module")
def reference():
    from transformers import NougatImageProcessorPil

    return NougatImageProcessorPil()


@pytest.mark.parametrize("align", [False, True])
def test_batch_matches_transformers_processor(reference, align):
    pages = [_page(816, 1056, 0), _page(1056, 816, 1), _page(300, 200, 2), _page(700, 2000, 3),
             Image.new("RGB", (400, 500), "white")]
    expected = reference(pages, do_align_long_axis=align, return_tensors="np")["pixel_values"]
    config = PreprocessConfig.from_processor(reference)
    got = prepare_batch(pages, PreprocessConfig(**{**config.__dict__, "align_long_axis": align})).numpy()
    assert got.shape == expected.shape == (5, 3, 896, 672)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_config_read_from_processor(reference):
    config = PreprocessConfig.from_processor(reference)
    assert (config.height, config.width, config.resample, config.crop_margin) == (896, 672, 2, True)
    assert config.mean == pytest.approx((0.485, 0.456, 0.406))


def test_margin_box_finds_content_after_contrast_stretch():
    gray = np.full((50, 40), 230, dtype=np.uint8)
    gray[10:20, 5:8] = 100
    assert margin_box(gray) == (5, 10, 8, 20)
    # 215 on 230 is "white" in absolute terms but dark after stretching 215..230 to 0..255
    gray = np.full((50, 40), 230, dtype=np.uint8)
    gray[3, 4] = 215
    assert margin_box(gray) == (4, 3, 5, 4)


def test_flat_page_is_not_cropped():
    assert margin_box(np.full((10, 10), 255, dtype=np.uint8)) is None

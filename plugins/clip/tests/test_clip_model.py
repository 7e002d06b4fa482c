"""The clip family on a tiny random checkpoint: transformers' CLIP numbers, batched or not; retrieval."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from docai.cli import main
from docai.errors import ConfigError, InputError, ModelError
from docai.models import load_model
from docai.plugins.models import create_model
from docai.plugins.testing import check_conformance
from docai_clip.retrieval import best_matches
from schemas.plugins import EmbedRequest, MatchRequest, ZeroShotRequest


def pictures(count: int = 4) -> list[Image.Image]:
    rng = np.random.default_rng(11)
    return [Image.fromarray(rng.integers(0, 256, (30 + 9 * i, 44, 3), dtype=np.uint8)) for i in range(count)]


@pytest.fixture(scope="module")
def model(tiny_clip):
    return create_model(f"clip:{tiny_clip}")


def test_conformance(model):
    report = check_conformance(model)
    assert {"zero_shot: batch equals one by one", "embed: valid responses", "itc: bad input is a docai error"
            } <= set(report.passed)


def test_tiny_checkpoint_looks_like_openai_clip(tiny_clip, model):
    config = json.loads((tiny_clip / "config.json").read_text())
    assert config["model_type"] == "clip" and config["architectures"] == ["CLIPModel"]
    preprocessor = json.loads((tiny_clip / "preprocessor_config.json").read_text())
    assert preprocessor["image_processor_type"] == "CLIPImageProcessor" and preprocessor["do_center_crop"]
    tokenizer = model.loaded.processor.tokenizer
    assert type(tokenizer).__name__ == "CLIPTokenizer"
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("a photo of a cat.")["input_ids"])
    assert tokens == ["<|startoftext|>", "a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>", ".</w>", "<|endoftext|>"]
    assert tokenizer.eos_token_id == len(tokenizer) - 1 == model.loaded.config.text_config.eos_token_id


def test_zero_shot_is_clips_softmax_over_the_templated_labels(model):
    labels = ["cat", "dog", "diagram"]
    images = pictures(2)
    got = model.zero_shot(images, ZeroShotRequest(labels=labels, template="a picture of a {}"))
    loaded = model.loaded
    inputs = loaded.processor(text=[f"a picture of a {label}" for label in labels], images=images,
                              return_tensors="pt", padding=True)
    with torch.no_grad():
        expected = loaded.model(**inputs).logits_per_image.softmax(-1)
    for row, result in zip(expected.tolist(), got, strict=True):
        assert [result.probabilities[label] for label in labels] == pytest.approx(row, abs=1e-5)
        assert result.label == labels[int(np.argmax(row))]


def test_embeddings_are_clips_projections_normalised(model):
    images = pictures(2)
    out = model.embed(images, EmbedRequest(texts=["a red house", "a"]))
    loaded = model.loaded
    inputs = loaded.processor(text=["a red house", "a"], images=images, return_tensors="pt", padding=True)
    with torch.no_grad():
        reference = loaded.model(**inputs)
    image_vectors = torch.nn.functional.normalize(reference.image_embeds, dim=-1)
    text_vectors = torch.nn.functional.normalize(reference.text_embeds, dim=-1)
    assert [e.source for e in out] == ["image", "image", "text", "text"]
    for e, v in zip(out, image_vectors.tolist() + text_vectors.tolist(), strict=True):
        assert e.vector == pytest.approx(v, abs=1e-5)
        assert math.isclose(sum(x * x for x in e.vector), 1.0, abs_tol=1e-4)


def test_retrieval_ranks_images_by_similarity_to_the_text(model):
    images = pictures(6)
    scores = [r.scores[0].score for r in model.itc(images, MatchRequest(texts=["a red house"]))]
    hits = best_matches(model, "a red house", images)
    assert [h.index for h in hits] == sorted(range(6), key=lambda i: -scores[i])
    assert [h.score for h in hits] == pytest.approx(sorted(scores, reverse=True))
    assert [h.index for h in best_matches(model, "a red house", images, top_k=2)] == [h.index for h in hits[:2]]
    twins = best_matches(model, "a red house", [images[0], images[0].copy()])
    assert [h.index for h in twins] == [0, 1] and twins[0].score == pytest.approx(twins[1].score)
    with pytest.raises(InputError):
        best_matches(model, "  ", images)


def test_retrieve_command_prints_the_best_images_first(model, tiny_clip, tmp_path):
    paths = []
    for i, image in enumerate(pictures(5)):
        paths.append(tmp_path / f"image{i}.png")
        image.save(paths[-1])
    expected = best_matches(model, "a red house", pictures(5), top_k=3)
    result = CliRunner().invoke(main, ["retrieve", "a red house", *map(str, paths), "--model", f"clip:{tiny_clip}",
                                       "--top-k", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"] for r in rows] == [str(paths[h.index]) for h in expected]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    bad = CliRunner().invoke(main, ["retrieve", "a red house", str(tmp_path / "missing.png"),
                                    "--model", f"clip:{tiny_clip}"])
    assert bad.exit_code == InputError.exit_code and len(bad.output.strip().splitlines()) == 1


def test_dev_tiny_model_clip_and_bad_checkpoints(tmp_path, tiny_clip):
    result = CliRunner().invoke(main, ["dev", "tiny-model", "clip", str(tmp_path / "c"), "--image-size", "64", "64"])
    assert result.exit_code == 0, result.output
    assert load_model(tmp_path / "c", kind="clip").config.vision_config.image_size == 64
    with pytest.raises(ConfigError, match="square"):
        from docai_clip.tiny import write_tiny
        write_tiny(tmp_path / "d", image_size=(64, 32))
    with pytest.raises(ModelError, match="does not exist"):
        create_model(f"clip:{tmp_path / 'nowhere'}")

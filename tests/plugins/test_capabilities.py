"""Capability base classes and model lifecycle, on the fake plugin (no torch): batching, budgets, errors, LRU."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from docai.errors import ConfigError, LimitExceededError, ModelError, PageTimeoutError, UnsupportedInputError
from docai.plugins import discover, parse_model_id
from docai.plugins.models import ModelPool, create_model, pool_from_env
from schemas.plugins import CAPABILITY_TYPES, Capability, EmbedRequest, MatchRequest, VQARequest
from tests.support import fake_plugin


@pytest.fixture
def registry():
    fake_plugin.CALLS.clear()
    fake_plugin.CLOSED.clear()
    return discover(allow="", extra=[("docai-fake", "1.2.3", fake_plugin)])


def images(*sizes):
    return [Image.new("RGB", size, "white") for size in sizes]


def test_model_ids():
    assert parse_model_id("blip:./tiny-blip") == ("blip", "./tiny-blip")
    assert parse_model_id("blip:Salesforce/blip-image-captioning-base") == ("blip", "Salesforce/blip-image-captioning-base")
    assert parse_model_id("clip") == ("clip", None)
    for bad in ("", "Blip:x", "./tiny", "blip:"):
        with pytest.raises(ConfigError):
            parse_model_id(bad)


def test_batches_of_the_configured_size_and_one_answer_per_image(registry):
    model = create_model("fake:ckpt", {"batch_size": 2}, registry=registry)
    captions = model.caption(images((4, 3), (5, 3), (6, 3), (7, 3), (8, 3)))
    assert [c.text for c in captions] == [f"an image {w}x3" for w in range(4, 9)]
    assert fake_plugin.CALLS == [("caption", 2), ("caption", 2), ("caption", 1)]
    one_by_one = [create_model("fake:ckpt", {"batch_size": 1}, registry=registry).caption(images((w, 3)))[0]
                  for w in range(4, 9)]
    assert one_by_one == captions


def test_requests_from_dicts_and_family_options(registry):
    model = create_model("fake:ckpt", {"prefix": "a photo"}, registry=registry)
    (caption,) = model.run("caption", images((2, 2)), {"prompt": "look:"})
    assert caption.text == "look: a photo 2x2"
    (answer,) = model.run(Capability.vqa, images((3, 2)), VQARequest(question="how many pixels?"))
    assert answer.answer == "6"
    with pytest.raises(ConfigError, match="options.colour: Extra inputs are not permitted"):
        create_model("fake:ckpt", {"colour": "red"}, registry=registry)
    with pytest.raises(ConfigError, match="request.question: Field required"):
        model.run("vqa", images((2, 2)), {})
    with pytest.raises(ModelError, match="cannot chat"):
        model.run("chat", images((2, 2)), {"messages": [{"role": "user", "content": "hi"}]})


def test_family_lookup_errors(registry):
    with pytest.raises(ModelError, match=r"unknown model family 'blip' \(installed: fake\)"):
        create_model("blip:x", registry=registry)
    with pytest.raises(ModelError, match="cannot generate_image"):
        create_model("fake:x", capability="generate_image", registry=registry)
    model = create_model("fake", registry=registry)  # the family's default checkpoint
    assert model.checkpoint == "default" and model.name == "fake:default"


def test_match_embed_zero_shot_and_read_page(registry):
    model = create_model("fake:ckpt", registry=registry)
    (itm,) = model.itm(images((7, 2)), MatchRequest(texts=["7 wide", "narrow"]))
    assert itm.mode == "itm" and [s.score for s in itm.scores] == [1.0, 0.0]
    (itc,) = model.itc(images((7, 2)), MatchRequest(texts=["abc"]))
    assert itc.mode == "itc" and itc.scores[0].score == pytest.approx(0.3)
    vectors = model.embed(images((3, 4)), EmbedRequest(texts=["abcd"]))
    assert [(v.source, v.index) for v in vectors] == [("image", 0), ("text", 0)]
    assert vectors[0].vector == pytest.approx([0.6, 0.8])
    (probs,) = model.zero_shot(images((5, 5)), {"labels": ["cat", "dog", "car"]})
    assert sum(probs.probabilities.values()) == pytest.approx(1.0)
    assert probs.label == max(probs.probabilities, key=probs.probabilities.get)
    with pytest.raises(Exception, match="no \\{\\}"):
        model.zero_shot(images((5, 5)), {"labels": ["cat"], "template": "a photo"})
    (page,) = model.read_page(images((9, 9)))
    assert page.markdown.startswith("# Page 9x9")
    assert [b.kind.value for b in page.blocks] == ["heading", "paragraph"]


def test_every_response_validates_against_its_schema(registry):
    model = create_model("fake:ckpt", registry=registry)
    requests = {Capability.caption: {}, Capability.vqa: {"question": "q"}, Capability.itm: {"texts": ["a"]},
                Capability.itc: {"texts": ["a"]}, Capability.embed: {"texts": ["a"]},
                Capability.zero_shot: {"labels": ["a", "b"]}, Capability.read_page: {}}
    for cap, request in requests.items():
        response_type = CAPABILITY_TYPES[cap][1]
        for item in model.run(cap, images((4, 4)), request):
            assert isinstance(item, response_type)
            response_type.model_validate_json(item.model_dump_json())


def test_image_preparation_limits_and_bad_inputs(registry, tmp_path):
    model = create_model("fake:ckpt", {"max_image_pixels": 100}, registry=registry)
    with pytest.raises(LimitExceededError, match="11x10 = 110 pixels is over the limit of 100"):
        model.caption(images((11, 10)))
    png = io.BytesIO()
    Image.new("RGBA", (5, 5), (0, 0, 0, 0)).save(png, format="PNG")
    path = tmp_path / "clear.png"
    path.write_bytes(png.getvalue())
    assert model.caption([path, png.getvalue()])[0].text == "an image 5x5"
    prepared = model.prepare([str(path)])[0]
    assert prepared.mode == "RGB" and prepared.getpixel((0, 0)) == (255, 255, 255)
    with pytest.raises(UnsupportedInputError, match="not an image"):
        model.caption([b"%PDF-1.7 not an image"])
    with pytest.raises(UnsupportedInputError, match="int is not an image"):
        model.caption([42])


def test_model_failures_become_one_model_error_line(registry):
    model = create_model("fake:boom", registry=registry)
    with pytest.raises(ModelError) as err:
        model.caption(images((2, 2)))
    assert str(err.value) == "fake:boom: caption failed: RuntimeError: tensor shapes do not match"

    class Short(fake_plugin.FakeModel):
        def caption_batch(self, images, request):
            return []

    with pytest.raises(ModelError, match="returned 0 results for 1 items"):
        Short("x").caption(images((2, 2)))


def test_time_budget_stops_between_batches(registry):
    model = create_model("fake:slow", {"timeout_s": 0.01, "batch_size": 1}, registry=registry)
    with pytest.raises(PageTimeoutError, match=r"time budget of 0.01 s \(1 of 3 items done\)"):
        model.caption(images((2, 2), (2, 2), (2, 2)))


def test_cache_keys_include_plugin_version_options_and_request(registry):
    model = create_model("fake:ckpt", registry=registry)
    request = VQARequest(question="q")
    key = model.cache_key("vqa", request, "sha-of-image")
    assert model.record.plugin == "docai-fake" and model.record.plugin_version == "1.2.3"
    newer = create_model("fake:ckpt", registry=discover(allow="", extra=[("docai-fake", "1.2.4", fake_plugin)]))
    assert newer.cache_key("vqa", request, "sha-of-image") != key
    other_prefix = create_model("fake:ckpt", {"prefix": "x"}, registry=registry)
    assert other_prefix.cache_key("vqa", request, "sha-of-image") != key
    on_other_device = create_model("fake:ckpt", {"batch_size": 7, "device": "cpu"}, registry=registry)
    assert on_other_device.cache_key("vqa", request, "sha-of-image") == key
    assert model.cache_key("vqa", VQARequest(question="r"), "sha-of-image") != key


def test_pool_creates_lazily_caches_and_unloads_least_recently_used(registry):
    pool = ModelPool(max_models=2)
    a = pool.get("fake:a", registry=registry)
    assert pool.get("fake:a", registry=registry) is a
    b = pool.get("fake:b", registry=registry)
    pool.get("fake:a", registry=registry)  # a is now the most recently used
    pool.get("fake:c", registry=registry)
    assert fake_plugin.CLOSED == ["b"]
    assert [m.checkpoint for m in pool.loaded()] == ["a", "c"]
    assert pool.get("fake:a", {"prefix": "other"}, registry=registry) is not a  # other options, other model
    assert b not in pool.loaded()
    pool.clear()
    assert pool.loaded() == []


def test_pool_memory_budget(registry, monkeypatch):
    monkeypatch.setattr(fake_plugin.FakeModel, "memory_bytes", lambda self: 600)
    pool = ModelPool(max_models=10, max_bytes=1000)
    pool.get("fake:a", registry=registry)
    pool.get("fake:b", registry=registry)
    assert [m.checkpoint for m in pool.loaded()] == ["b"] and fake_plugin.CLOSED == ["a"]


def test_cache_keys_change_when_a_local_checkpoint_is_replaced_in_place(registry, tmp_path):
    import os

    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"old weights")
    request = VQARequest(question="q")
    key = create_model(f"fake:{tmp_path}", registry=registry).cache_key("vqa", request, "sha-of-image")
    weights.write_bytes(b"new weights, longer")
    os.utime(weights, (1_000_000_000, 1_000_000_000))
    assert create_model(f"fake:{tmp_path}", registry=registry).cache_key("vqa", request, "sha-of-image") != key


@pytest.mark.parametrize(("env", "message"), [
    ({"DOCAI_MODEL_MEMORY": "lots"}, r"^DOCAI_MODEL_MEMORY: 'lots' is not a size"),
    ({"DOCAI_MAX_MODELS": "many"}, r"^DOCAI_MAX_MODELS must be a whole number"),
])
def test_a_bad_model_pool_setting_names_its_variable(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        pool_from_env()

"""The blip family on tiny random checkpoints: same answers as transformers' BLIP, batched or not."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from docai.errors import ConfigError, ModelError
from docai.models import cached_models
from docai.plugins.models import create_model
from docai.plugins.testing import check_conformance
from schemas.plugins import CaptionRequest, GenerationOptions, MatchRequest, VQARequest

CAPABILITIES = {"blip": ["caption"], "blip-vqa": ["vqa"], "blip-itm": ["itm", "itc", "embed"]}


def pictures(count: int = 3) -> list[Image.Image]:
    rng = np.random.default_rng(7)
    return [Image.fromarray(rng.integers(0, 256, (30 + 11 * i, 50, 3), dtype=np.uint8)) for i in range(count)]


@pytest.fixture(scope="module")
def models(tiny_blip):
    return {kind: create_model(f"blip:{path}") for kind, path in tiny_blip.items()}


@pytest.mark.parametrize("kind", sorted(CAPABILITIES))
def test_conformance_of_each_kind(models, kind):
    report = check_conformance(models[kind], capabilities=CAPABILITIES[kind])
    assert len(report.passed) == 3 * len(CAPABILITIES[kind]) + 1


def test_tiny_checkpoints_look_like_salesforce_ones(tiny_blip, models):
    for kind, architecture in (("blip", "BlipForConditionalGeneration"), ("blip-vqa", "BlipForQuestionAnswering"),
                               ("blip-itm", "BlipForImageTextRetrieval")):
        files = {p.name for p in tiny_blip[kind].iterdir()}
        assert {"config.json", "model.safetensors", "preprocessor_config.json", "tokenizer.json",
                "tokenizer_config.json"} <= files and "pytorch_model.bin" not in files
        config = json.loads((tiny_blip[kind] / "config.json").read_text())
        assert config["model_type"] == "blip" and config["architectures"] == [architecture]
        preprocessor = json.loads((tiny_blip[kind] / "preprocessor_config.json").read_text())
        assert preprocessor["image_processor_type"] == "BlipImageProcessor"
        loaded = models[kind].loaded
        assert loaded.kind == kind and type(loaded.model).__name__ == architecture
        assert type(loaded.processor).__name__ == "BlipProcessor"
        tokenizer = loaded.processor.tokenizer
        assert type(tokenizer).__name__ == "BertTokenizer" and tokenizer.bos_token == "[DEC]"
        assert tokenizer.bos_token_id == loaded.config.text_config.bos_token_id
        assert tokenizer.sep_token_id == loaded.config.text_config.sep_token_id


@pytest.mark.parametrize("prompt", [None, "a picture of"])
def test_captions_are_transformers_greedy_captions(models, prompt):
    model = models["blip"]
    images = pictures()
    got = model.caption(images, CaptionRequest(prompt=prompt, generation=GenerationOptions(max_new_tokens=6)))
    loaded = model.loaded
    inputs = loaded.processor(images=images, text=[prompt] * len(images) if prompt else None, return_tensors="pt")
    expected = loaded.processor.batch_decode(loaded.model.generate(**inputs, max_new_tokens=6),
                                             skip_special_tokens=True)
    assert [c.text for c in got] == [e.strip() for e in expected]
    assert len(set(expected)) > 1, "a random model's captions should still depend on the image"
    if prompt:
        assert all(c.text.startswith(prompt) for c in got)
    assert all(c.score is not None and c.score <= 0 for c in got)


def test_answers_are_transformers_greedy_answers(models):
    model = models["blip-vqa"]
    images = pictures(2)
    got = model.vqa(images, VQARequest(question="how many cats are there?", generation=GenerationOptions(max_new_tokens=5)))
    loaded = model.loaded
    inputs = loaded.processor(images=images, text=["how many cats are there?"] * 2, return_tensors="pt")
    expected = loaded.processor.batch_decode(loaded.model.generate(**inputs, max_new_tokens=5),
                                             skip_special_tokens=True)
    assert [a.answer for a in got] == [e.strip() for e in expected]
    assert all(a.question == "how many cats are there?" and 0 < a.confidence <= 1 for a in got)


def test_itm_and_itc_are_the_heads_of_transformers_retrieval_model(models):
    model = models["blip-itm"]
    image = pictures(1)
    texts = ["a cat", "two red houses by a tree and a long road"]
    itm = model.itm(image, MatchRequest(texts=texts))[0]
    itc = model.itc(image, MatchRequest(texts=texts))[0]
    loaded = model.loaded
    for position, text in enumerate(texts):
        inputs = loaded.processor(images=image, text=text, return_tensors="pt")
        with torch.no_grad():
            head = loaded.model(**inputs).itm_score
            cosine = loaded.model(**inputs, use_itm_head=False).itm_score
        assert itm.scores[position].score == pytest.approx(torch.softmax(head, -1)[0, 1].item(), abs=1e-5)
        assert itc.scores[position].score == pytest.approx(cosine.item(), abs=1e-5)
    assert itm.mode == "itm" and itc.mode == "itc"


def test_sampling_is_repeatable_with_a_seed_and_stop_strings_cut(models):
    model = models["blip"]
    image = pictures(1)

    def sample(seed):
        generation = GenerationOptions(max_new_tokens=8, temperature=1.5, seed=seed)
        return model.caption(image, CaptionRequest(generation=generation))[0].text

    assert sample(3) == sample(3)
    assert len({sample(seed) for seed in range(4)}) > 1
    full = model.caption(image, CaptionRequest(generation=GenerationOptions(max_new_tokens=8)))[0].text
    stop = full.split()[1] if len(full.split()) > 1 else full[-1]
    cut = model.caption(image, CaptionRequest(generation=GenerationOptions(max_new_tokens=8, stop=[stop])))[0].text
    assert stop not in cut and full.startswith(cut)


def test_a_sampled_caption_is_the_same_alone_or_batched_with_other_images(models):
    model = models["blip"]
    images = pictures(4)
    request = CaptionRequest(generation=GenerationOptions(max_new_tokens=8, temperature=1.5, seed=11))
    together = [c.text for c in model.caption(images, request)]  # one batch of four rows
    alone = [model.caption([image], request)[0].text for image in images]
    assert together == alone  # a row's seed is the request's, not the request's plus its row
    assert model.caption(images[::-1], request)[0].text == alone[-1]


def test_a_checkpoint_lacking_a_capability_names_the_kind_that_has_it(models):
    with pytest.raises(ModelError, match="BlipForConditionalGeneration checkpoint: it cannot do vqa.*blip-vqa-base"):
        models["blip"].vqa(pictures(1), VQARequest(question="what?"))
    with pytest.raises(ModelError, match="cannot do caption.*blip-image-captioning-base"):
        models["blip-itm"].run("caption", pictures(1), {})
    with pytest.raises(ModelError, match="cannot zero_shot"):
        models["blip"].run("zero_shot", pictures(1), {"labels": ["a"]})


def test_bad_checkpoints_are_one_model_error_line(tmp_path, tiny_blip):
    with pytest.raises(ModelError, match="does not exist") as missing:
        create_model(f"blip:{tmp_path / 'nowhere'}")
    assert missing.value.exit_code == 9 and "\n" not in str(missing.value)
    foreign = shutil.copytree(tiny_blip["blip"], tmp_path / "not-blip")
    config = json.loads((tiny_blip["blip"] / "config.json").read_text())
    (foreign / "config.json").write_text(json.dumps({**config, "architectures": ["BlipModel"]}))
    with pytest.raises(ModelError, match="not a BLIP checkpoint docai can load"):
        create_model(f"blip:{foreign}")
    with pytest.raises(ConfigError, match="batch_size"):
        create_model(f"blip:{tiny_blip['blip']}", {"batch_size": 0})


def test_close_drops_the_weights(tiny_blip):
    model = create_model(f"blip:{tiny_blip['blip']}")
    assert model.memory_bytes() > 0
    loaded = model.loaded
    assert any(m is loaded for m in cached_models())
    model.close()
    assert model.memory_bytes() == 0
    assert not any(m is loaded for m in cached_models()), "the loader still holds the weights"
    with pytest.raises(ModelError, match="unloaded"):
        model.caption(pictures(1))


def test_fused_attention_gives_eager_outputs(tiny_blip):
    """The vision encoder's and the text decoder's fused attention (docai_blip.sdpa) against transformers'
    eager modules, in fp32: the same image states, the same decoder logits, the same captions."""
    from docai_blip.inputs import image_states
    from docai_blip.sdpa import SdpaBlipAttention, SdpaBlipTextSelfAttention, disable_sdpa, enable_sdpa

    model = create_model(f"blip:{tiny_blip['blip']}", {"dtype": "fp32"})
    loaded = model.loaded
    config = loaded.model.config
    vision = [m for m in loaded.model.modules() if isinstance(m, SdpaBlipAttention)]
    text = [m for m in loaded.model.modules() if isinstance(m, SdpaBlipTextSelfAttention)]
    assert len(vision) == config.vision_config.num_hidden_layers
    assert len(text) == 2 * config.text_config.num_hidden_layers  # self- and cross-attention per layer
    images = pictures(3)
    request = CaptionRequest(prompt="a picture of", generation=GenerationOptions(max_new_tokens=6))

    def run():
        states = image_states(loaded, images)
        prompt = loaded.processor.tokenizer("a picture of")["input_ids"][1:-1]
        ids = torch.tensor([[config.text_config.bos_token_id, *prompt]] * len(images))
        with torch.inference_mode():
            logits = loaded.model.text_decoder(input_ids=ids, encoder_hidden_states=states).logits
        return states, logits, [c.text for c in model.caption(images, request)]

    fused = run()
    try:
        assert disable_sdpa(loaded.model) == len(vision) + len(text)
        eager = run()
    finally:
        enable_sdpa(loaded.model)
    assert torch.allclose(fused[0], eager[0], atol=1e-5) and not torch.equal(fused[0][0], fused[0][1])
    assert torch.allclose(fused[1], eager[1], atol=1e-4)
    assert fused[2] == eager[2]

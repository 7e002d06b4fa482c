"""Tiny checkpoints: the files, the config invariants, the tokenizers, determinism and the reuse helper."""

from __future__ import annotations

import json

import pytest
from transformers import AutoConfig, AutoImageProcessor, AutoTokenizer, GenerationConfig

from docai.errors import ConfigError
from docai.models.tiny import TINY_KINDS, tiny_model_dir, write_tiny_model
from docai.models.tiny_tokenizers import DONUT_TASK_TOKENS, NOUGAT_SPECIAL_TOKENS

FILES = {"config.json", "generation_config.json", "model.safetensors", "preprocessor_config.json",
         "tokenizer.json", "tokenizer_config.json"}


@pytest.mark.parametrize("kind", ["nougat", "donut"])
def test_writes_every_file_a_real_checkpoint_has(kind, tiny_root):
    directory = tiny_model_dir(kind, tiny_root)
    assert {p.name for p in directory.iterdir()} >= FILES
    total = sum(p.stat().st_size for p in directory.iterdir())
    assert total < 5_000_000, f"tiny {kind} checkpoint is {total} bytes"
    assert not list(directory.glob("*.bin")), "tiny checkpoints are safetensors only"


@pytest.mark.parametrize("kind", ["nougat", "donut"])
def test_config_is_a_donut_swin_mbart_encoder_decoder(kind, tiny_root):
    directory = tiny_model_dir(kind, tiny_root)
    config = AutoConfig.from_pretrained(directory)
    assert config.model_type == "vision-encoder-decoder"
    assert config.encoder.model_type == "donut-swin"
    assert config.decoder.model_type == "mbart"
    assert config.decoder.encoder_layers == config.decoder.decoder_layers  # the KV cache depends on it
    assert config.decoder.is_decoder and config.decoder.add_cross_attention
    assert (config.decoder_start_token_id, config.pad_token_id, config.eos_token_id) == (0, 1, 2)
    generation = GenerationConfig.from_pretrained(directory)
    assert generation.max_length == 64
    assert generation.decoder_start_token_id == 0 and generation.eos_token_id == 2
    assert list(config.encoder.image_size) == list(TINY_KINDS[kind].image_size)


def test_nougat_tokenizer_has_the_real_special_tokens_at_the_real_ids(tiny_nougat):
    tok = AutoTokenizer.from_pretrained(tiny_nougat)
    assert type(tok).__name__ == "NougatTokenizer"
    for token_id, token in enumerate(NOUGAT_SPECIAL_TOKENS):
        assert tok.convert_tokens_to_ids(token) == token_id
    text = "The result [START_REF] Vaswani 2017 [END_REF] is $x^2 = 4$."
    ids = tok(text).input_ids
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=False) == f"<s>{text}</s>"


def test_donut_tokenizer_has_the_task_and_field_tokens(tiny_donut):
    tok = AutoTokenizer.from_pretrained(tiny_donut)
    assert type(tok).__name__ == "XLMRobertaTokenizer"
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    for token in ("<s_cord-v2>", "<s_docvqa>", "<s_question>", "</s_answer>", "<s_rvlcdip>", "<sep/>",
                  "<s_menu>", "<s_nm>", "<s_price>", "<s_total>"):
        assert token in DONUT_TASK_TOKENS
        assert tok.convert_tokens_to_ids(token) != tok.unk_token_id, token
    ids = tok("<s_docvqa><s_question>What is the total?</s_question><s_answer>", add_special_tokens=False).input_ids
    assert tok.unk_token_id not in ids
    assert tok.decode(ids).replace(" ", "") == "<s_docvqa><s_question>Whatisthetotal?</s_question><s_answer>"


@pytest.mark.parametrize(("kind", "processor", "size"), [
    ("nougat", "NougatImageProcessor", {"height": 896, "width": 672}),
    ("donut", "DonutImageProcessor", {"height": 640, "width": 480}),
])
def test_preprocessor_config_names_the_real_image_processor(kind, processor, size, tiny_root):
    directory = tiny_model_dir(kind, tiny_root)
    config = json.loads((directory / "preprocessor_config.json").read_text())
    assert config["image_processor_type"] == processor
    assert config["size"] == size
    image_processor = AutoImageProcessor.from_pretrained(directory, backend="pil")
    assert type(image_processor).__name__.startswith(processor)


def test_same_seed_same_weights_other_seed_other_weights(tmp_path):
    from safetensors.torch import load_file

    write_tiny_model("donut", tmp_path / "a", seed=7, image_size=(320, 320))
    write_tiny_model("donut", tmp_path / "b", seed=7, image_size=(320, 320))
    write_tiny_model("donut", tmp_path / "c", seed=8, image_size=(320, 320))
    a, b, c = (load_file(tmp_path / d / "model.safetensors") for d in "abc")
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a)
    assert any(not (a[k] == c[k]).all() for k in a)


def test_image_size_override_reaches_config_and_processor(tmp_path):
    write_tiny_model("donut", tmp_path, image_size=(320, 352), max_length=20)
    assert json.loads((tmp_path / "preprocessor_config.json").read_text())["size"] == {"height": 320, "width": 352}
    assert AutoConfig.from_pretrained(tmp_path).encoder.image_size == [320, 352]
    assert GenerationConfig.from_pretrained(tmp_path).max_length == 20


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"image_size": (100, 96)}, "multiples of 32"),
    ({"image_size": (64, 64)}, "too small for window"),
    ({"image_size": ("a", 3)}, "two integers"),
    ({"hidden_size": 3}, "unknown tiny-model setting"),
])
def test_bad_settings_are_one_config_error(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        write_tiny_model("donut", tmp_path, **kwargs)
    assert not (tmp_path / "model.safetensors").exists()


def test_unknown_kind_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown tiny model kind 'blip'"):
        write_tiny_model("blip", tmp_path)


def test_tiny_model_dir_builds_once_and_reuses(tmp_path):
    first = tiny_model_dir("donut", tmp_path, image_size=(320, 320))
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    again = tiny_model_dir("donut", tmp_path, image_size=(320, 320))
    other = tiny_model_dir("donut", tmp_path, image_size=(320, 320), seed=1)
    assert again == first and (again / "model.safetensors").stat().st_mtime_ns == stamp
    assert other != first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging dirs left behind"


def test_same_seed_writes_identical_weights(tmp_path):
    import torch
    from safetensors.torch import load_file

    from docai.models.tiny import write_tiny_model

    a, b = tmp_path / "a", tmp_path / "b"
    write_tiny_model("nougat", a, seed=3)
    write_tiny_model("nougat", b, seed=3)
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    assert [k for k in wa if not torch.equal(wa[k], wb[k])] == []

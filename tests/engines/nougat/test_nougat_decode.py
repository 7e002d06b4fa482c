"""Batched greedy decoding == per-page ``model.generate`` on the same tiny model."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers.modeling_outputs import BaseModelOutput

from docai.engines.nougat.decode import decode_pages, encode, nougat_settings
from docai.models.guard import GuardSettings
from docai.models.stepper_mbart import MBartStepper


def greedy_decode(stepper, memory, settings):
    return decode_pages(stepper, memory, settings, start=0)


@pytest.fixture(scope="module")
def varied(tiny_nougat_dir):
    """A private copy of the tiny model, nudged until its pages take different paths (some end with the
    end token before 48 tokens, some run to the limit), and page memories that differ per page."""
    from docai.models import load_model

    model = copy.deepcopy(load_model(tiny_nougat_dir, kind="nougat", dtype="fp32", device="cpu").model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():  # our own seeded weights: the same model in every run
        for name, param in sorted(model.named_parameters()):
            if param.dim() >= 2:
                param.copy_(0.2 * torch.randn(param.shape, generator=generator))
            else:
                param.fill_(1.0 if "norm" in name and name.endswith("weight") else 0.0)
    head = model.decoder.get_output_embeddings().weight
    width = model.config.encoder.hidden_size
    memory = (10 * torch.randn(8, 1, width, generator=generator)).expand(8, 12, width).contiguous()
    direction = torch.randn(head.shape[1], generator=generator)
    settings = nougat_settings(model, guard=None, max_length=48)
    # from "the end token never wins" to "it wins at once": somewhere between, pages part ways
    for scale in torch.logspace(-3, 1, 41).tolist():
        with torch.no_grad():
            head[2] = scale * direction
        generations = greedy_decode(MBartStepper(model), memory, settings)
        if {g.finish for g in generations} == {"eos", "length"} and len({len(g.tokens) for g in generations}) > 2:
            break
    return model, memory


def _reference(model, memory, **kwargs) -> list[int]:
    """Per-page ``generate``: greedy, the unknown token banned as the original does."""
    out = model.generate(encoder_outputs=BaseModelOutput(last_hidden_state=memory), do_sample=False, num_beams=1,
                         bad_words_ids=[[3]], **kwargs)[0].tolist()[1:]
    out = [t for t in out if t != model.generation_config.pad_token_id]
    return out[:-1] if out and out[-1] == model.generation_config.eos_token_id else out


def test_batched_equals_per_page_generate(varied):
    model, memory = varied
    settings = nougat_settings(model, guard=None, max_length=48)
    batched = greedy_decode(MBartStepper(model), memory, settings)
    lengths = {len(g.tokens) for g in batched}
    assert len(lengths) > 1, "pages should finish at different steps for this test to mean something"
    assert {g.finish for g in batched} == {"eos", "length"}
    for i, generation in enumerate(batched):
        assert generation.tokens == _reference(model, memory[i:i + 1], max_length=48)
        assert len(generation.max_logits) == len(generation.tokens) + (generation.finish == "eos")


def test_repetition_penalty_and_min_tokens_match_generate(varied):
    model, memory = varied
    settings = nougat_settings(model, guard=None, repetition_penalty=1.3, min_new_tokens=20)
    batched = greedy_decode(MBartStepper(model), memory[:4], settings)
    for i, generation in enumerate(batched):
        assert len(generation.tokens) >= 20
        assert generation.tokens == _reference(model, memory[i:i + 1], repetition_penalty=1.3, min_new_tokens=20)


def test_forced_end_token_at_the_length_limit(varied):
    model, memory = varied
    settings = nougat_settings(model, guard=None, max_length=10, forced_eos_token_id=2)
    (generation,) = greedy_decode(MBartStepper(model), memory[:1], settings)
    assert len(generation.tokens) <= 8
    if len(generation.tokens) == 8:  # ran to the limit: the forced end token does not count as ending
        assert generation.finish == "length"
    assert generation.tokens == _reference(model, memory[:1], max_length=10, forced_eos_token_id=2)


def test_pixels_through_encoder_match_generate(tiny_nougat_dir):
    from docai.models import load_model

    loaded = load_model(tiny_nougat_dir, kind="nougat", dtype="fp32", device="cpu")
    pixels = torch.randn(3, 3, 128, 96, generator=torch.Generator().manual_seed(3))
    settings = nougat_settings(loaded.model, loaded.tokenizer, guard=None)
    batched = greedy_decode(MBartStepper(loaded.model), encode(loaded.model, pixels), settings)
    for i, generation in enumerate(batched):
        expected = loaded.model.generate(pixel_values=pixels[i:i + 1], do_sample=False, num_beams=1,
                                         bad_words_ids=[[loaded.tokenizer.unk_token_id]])[0].tolist()[1:]
        expected = [t for t in expected if t not in (1, 2)]
        assert generation.tokens == expected


def test_guard_stops_a_page_and_drops_it_from_the_batch(varied):
    model, memory = varied
    # a guard so eager that every page stops at its 7th token (variance of anything < 1e9)
    eager = GuardSettings(threshold=1e9, window=5, short_window=3)
    settings = nougat_settings(model, guard=eager)
    plain = greedy_decode(MBartStepper(model), memory, nougat_settings(model, guard=None))
    guarded = greedy_decode(MBartStepper(model), memory, settings)
    for before, after in zip(plain, guarded, strict=True):
        if len(before.tokens) >= 7 and not (before.finish == "eos" and len(before.tokens) == 7):
            assert after.finish == "guard" and after.tokens == before.tokens[:7]
        else:
            assert after.tokens == before.tokens

"""The one decode loop on transformers models: batched (left-padded) == ``generate`` one by one, sampling."""

from __future__ import annotations

import pytest
import torch

from docai.errors import ConfigError
from docai.models.decode import DecodeSettings, Sampling, cut_at_stop, decode
from docai.models.stepper_hf import CausalStepper, Seq2SeqStepper, left_pad

PROMPTS = [[5, 9, 11], [7], [3, 4, 5, 6, 7, 8], [12, 13], [20, 21, 22, 23]]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():  # make the end token win now and then, so rows finish at different steps
        model.lm_head.weight[2] += 0.1 * model.lm_head.weight[2].norm()
    return model


@pytest.fixture(scope="module")
def t5():
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                      decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    torch.manual_seed(1)
    return T5ForConditionalGeneration(config).eval()


def _reference(model, prompt: list[int], **kwargs) -> list[int]:
    with torch.inference_mode():
        out = model.generate(input_ids=torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                             do_sample=False, num_beams=1, pad_token_id=0, **kwargs)[0].tolist()
    out = out[len(prompt):] if not model.config.is_encoder_decoder else out[1:]
    eos = model.config.eos_token_id
    return out[:out.index(eos)] if eos in out else out


def _causal(model, prompts, settings, **kwargs):
    ids, mask = left_pad(prompts, 0)
    stepper = CausalStepper(model)
    logits = stepper.start(input_ids=ids, attention_mask=mask)
    return decode(stepper, logits, settings, prompt_length=ids.shape[1], prompt_ids=prompts, **kwargs)


def test_decoder_only_batched_left_padded_equals_generate(llama):
    settings = DecodeSettings(max_new_tokens=12, eos_token_ids=(2,))
    batched = _causal(llama, PROMPTS, settings)
    assert {g.finish for g in batched} == {"eos", "length"}, "rows should end differently for the test to mean something"
    for prompt, generation in zip(PROMPTS, batched, strict=True):
        assert generation.tokens == _reference(llama, prompt, max_new_tokens=12)


def test_repetition_penalty_counts_the_prompt_as_generate(llama):
    settings = DecodeSettings(max_new_tokens=10, eos_token_ids=(2,), repetition_penalty=1.5, min_new_tokens=4)
    batched = _causal(llama, PROMPTS, settings)
    for prompt, generation in zip(PROMPTS, batched, strict=True):
        assert len(generation.tokens) >= 4
        assert generation.tokens == _reference(llama, prompt, max_new_tokens=10, repetition_penalty=1.5, min_new_tokens=4)


def test_inputs_embeds_equal_input_ids(llama):
    settings = DecodeSettings(max_new_tokens=8, eos_token_ids=(2,))
    ids, mask = left_pad(PROMPTS, 0)
    stepper = CausalStepper(llama)
    embeds = llama.get_input_embeddings()(ids)
    from_embeds = decode(stepper, stepper.start(inputs_embeds=embeds, attention_mask=mask), settings)
    assert [g.tokens for g in from_embeds] == [g.tokens for g in _causal(llama, PROMPTS, settings)]


def test_encoder_decoder_batched_equals_generate(t5):
    settings = DecodeSettings(max_new_tokens=10, eos_token_ids=(1,))
    ids, mask = left_pad(PROMPTS, 0)
    stepper = Seq2SeqStepper(t5)
    start = torch.zeros(len(PROMPTS), 1, dtype=torch.long)
    batched = decode(stepper, stepper.start(input_ids=ids, attention_mask=mask, decoder_input_ids=start), settings)
    for prompt, generation in zip(PROMPTS, batched, strict=True):
        assert generation.tokens == _reference(t5, prompt, max_new_tokens=10)


def test_seeded_sampling_is_reproducible_and_follows_the_seed(llama):
    def run(seed, prompts=PROMPTS):
        settings = DecodeSettings(max_new_tokens=12, eos_token_ids=(2,),
                                  sampling=Sampling(temperature=1.5, top_k=20, top_p=0.9, seed=seed))
        return [g.tokens for g in _causal(llama, prompts, settings)]

    first = run(7)
    assert run(7) == first
    assert run(8) != first
    greedy = [g.tokens for g in _causal(llama, PROMPTS, DecodeSettings(max_new_tokens=12, eos_token_ids=(2,)))]
    assert first != greedy


def test_top_k_one_is_greedy(llama):
    sampled = _causal(llama, PROMPTS, DecodeSettings(max_new_tokens=8, eos_token_ids=(2,), sampling=Sampling(top_k=1)))
    greedy = _causal(llama, PROMPTS, DecodeSettings(max_new_tokens=8, eos_token_ids=(2,)))
    assert [g.tokens for g in sampled] == [g.tokens for g in greedy]


def test_stop_strings_end_a_row_where_its_text_holds_one(llama):
    greedy = _causal(llama, PROMPTS, DecodeSettings(max_new_tokens=12, eos_token_ids=(2,)))
    row = max(greedy, key=lambda g: len(g.tokens))
    assert len(row.tokens) >= 4

    def text(tokens):
        return " ".join(f"t{t}" for t in tokens)

    stop = f"t{row.tokens[2]} t{row.tokens[3]}"
    stopped = _causal(llama, PROMPTS, DecodeSettings(max_new_tokens=12, eos_token_ids=(2,), stop_strings=(stop,)),
                      text=text)
    index = greedy.index(row)
    assert stopped[index].finish == "stop"
    assert text(stopped[index].tokens).endswith(stop)
    assert cut_at_stop(text(stopped[index].tokens) + " more", [stop]) == text(row.tokens[:2]) + " "
    for before, after in zip(greedy, stopped, strict=True):  # other rows only ever get shorter, same prefix
        assert before.tokens[:len(after.tokens)] == after.tokens


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError):
        DecodeSettings()
    with pytest.raises(ConfigError):
        Sampling(temperature=0)
    with pytest.raises(ConfigError):
        Sampling(top_p=0)


def test_a_row_sampled_with_the_request_seed_is_the_same_wherever_it_sits_in_the_batch(llama):
    settings = DecodeSettings(max_new_tokens=10, eos_token_ids=(2,), sampling=Sampling(temperature=1.3, seed=5))
    batched = _causal(llama, PROMPTS, settings)  # no per-row seeds: every row draws with the request's
    alone = [_causal(llama, [prompt], settings)[0].tokens for prompt in PROMPTS]
    assert [g.tokens for g in batched] == alone
    shuffled = _causal(llama, PROMPTS[::-1], settings)
    assert [g.tokens for g in shuffled] == alone[::-1]


def test_a_row_sampled_with_its_own_seed_is_the_same_alone_or_batched(llama):
    settings = DecodeSettings(max_new_tokens=10, eos_token_ids=(2,), sampling=Sampling(temperature=1.3, seed=0))
    batched = _causal(llama, PROMPTS, settings, seeds=[100 + i for i in range(len(PROMPTS))])
    for i, prompt in enumerate(PROMPTS):
        (alone,) = _causal(llama, [prompt], settings, seeds=[100 + i])
        assert alone.tokens == batched[i].tokens
    with pytest.raises(ConfigError, match="2 seeds for 5 rows"):
        _causal(llama, PROMPTS, settings, seeds=[1, 2])

"""Benchmark: docai's batched VLM decoding against ``model.generate`` one prompt at a time, same run, same model.

The model is a LLaVA (``LlavaForConditionalGeneration``) whose language model has Qwen2-0.5B's shape
(24 layers, hidden 896, 14 heads / 2 KV heads, FFN 4864, vocabulary 151,936: ~0.5B parameters) and a
small CLIP vision tower (112 px, patch 14: 64 image tokens), random weights built from the config: no
download. Each of ``--prompts`` prompts holds the 64 image tokens and 8–40 text tokens (so the batch is
left-padded) and generates exactly ``--tokens`` tokens (end token banned until then) on both sides.
docai runs all prompts as one batch through :func:`docai.models.decode.decode` (prompt included);
``generate`` runs them one by one. Rounds alternate which side goes first, so load from other processes
falls on both alike; the baseline decodes one prompt per round, in turn. The headline is the median
round's ratio of generated tokens per second, prompt processing included on both sides.

    python bench/vlm_decode.py                      # 16 prompts x 64 tokens, 3 rounds, 1 thread
    python bench/vlm_decode.py --dtype fp32 --threads 0
    python bench/vlm_decode.py --device cuda        # prompts/s on a GPU

The last line is the headline: ``vlm decode speedup vs generate: 5.1x``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

IMAGE_TOKEN = 151646
EOS = 151645
PAD = 151643


def build_model(dtype, device):
    """LLaVA with a Qwen2-0.5B-shaped language model and a small CLIP vision tower, random weights."""
    import torch
    from transformers import CLIPVisionConfig, LlavaConfig, LlavaForConditionalGeneration, Qwen2Config

    text = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
                       tie_word_embeddings=True, bos_token_id=151643, eos_token_id=EOS, pad_token_id=PAD)
    vision = CLIPVisionConfig(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, num_attention_heads=4,
                              image_size=112, patch_size=14, projection_dim=256)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_id=IMAGE_TOKEN,
                         vision_feature_layer=-1, vision_feature_select_strategy="default")
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration(config).eval().to(device=device, dtype=dtype)
    model.generation_config.pad_token_id = PAD
    model.generation_config.eos_token_id = EOS
    return model


def prompts(count: int, seed: int = 0) -> list[list[int]]:
    """Token rows: some text, the 64 image tokens, a question of varying length."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        before = [rng.randrange(1000, 150000) for _ in range(rng.randint(4, 12))]
        after = [rng.randrange(1000, 150000) for _ in range(rng.randint(4, 28))]
        rows.append(before + [IMAGE_TOKEN] * 64 + after)
    return rows


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def docai_side(model, rows, pixels, tokens: int, device) -> tuple[float, int]:
    """(seconds, generated tokens) for every prompt in one batch through docai's decode loop."""
    from docai.models.decode import DecodeSettings, decode
    from docai.models.stepper_hf import CausalStepper, left_pad

    settings = DecodeSettings(max_new_tokens=tokens, min_new_tokens=tokens, eos_token_ids=(EOS,))
    sync(device)
    start = time.perf_counter()
    ids, mask = left_pad(rows, PAD, device)
    stepper = CausalStepper(model)
    logits = stepper.start(input_ids=ids, attention_mask=mask, pixel_values=pixels)
    generations = decode(stepper, logits, settings, prompt_length=ids.shape[1])
    sync(device)
    return time.perf_counter() - start, sum(len(g.tokens) for g in generations)


def generate_side(model, rows, pixels, tokens: int, device) -> tuple[float, int]:
    """(seconds, generated tokens) for ``model.generate`` prompt by prompt, greedy."""
    import torch

    seconds, produced = 0.0, 0
    with torch.inference_mode():
        for i, row in enumerate(rows):
            ids = torch.tensor([row], device=device)
            sync(device)
            start = time.perf_counter()
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pixels[i:i + 1],
                                 do_sample=False, num_beams=1, max_new_tokens=tokens, min_new_tokens=tokens)
            sync(device)
            seconds += time.perf_counter() - start
            produced += out.shape[1] - ids.shape[1]
    return seconds, produced


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=64, help="tokens generated per prompt")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (the median ratio is reported)")
    parser.add_argument("--dtype", default="auto", help="fp32, bf16 or auto (what docai picks for batched decoding)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args(argv)

    import torch

    from docai.models.cpu_probe import cpu_description
    from docai.models.device import batched_decoding_dtype, choose_device, choose_dtype, dtype_name

    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    dtype = choose_dtype(device, args.dtype if args.dtype != "auto" else batched_decoding_dtype(args.device) or "auto")
    print(f"CPU: {cpu_description()}", flush=True)
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}", flush=True)
    start = time.perf_counter()
    model = build_model(dtype, device)
    params = sum(p.numel() for p in model.model.language_model.parameters()) / 1e9
    print(f"device {device}, dtype {dtype_name(dtype)}, threads {torch.get_num_threads()}, language model "
          f"{params:.2f}B parameters, built in {time.perf_counter() - start:.1f}s", flush=True)
    rows = prompts(args.prompts)
    size = model.config.vision_config.image_size
    pixels = torch.randn(len(rows), 3, size, size, generator=torch.Generator().manual_seed(0)).to(device, dtype)
    docai_side(model, rows[:2], pixels[:2], 2, device)  # warm-up both sides
    generate_side(model, rows[:1], pixels[:1], 2, device)

    rounds = []
    for rep in range(args.repeats):
        sides = {}
        for side in (("generate", "docai") if rep % 2 == 0 else ("docai", "generate")):
            if side == "generate":
                i = rep % len(rows)
                seconds, produced = generate_side(model, rows[i:i + 1], pixels[i:i + 1], args.tokens, device)
            else:
                seconds, produced = docai_side(model, rows, pixels, args.tokens, device)
            sides[side] = (produced / seconds, seconds)
        rounds.append(sides)
        ratio = sides["docai"][0] / sides["generate"][0]
        print(f"round {rep + 1}: generate {sides['generate'][0]:.1f} tokens/s (1 prompt, {sides['generate'][1]:.1f}s), "
              f"docai {sides['docai'][0]:.1f} tokens/s ({len(rows)} prompts batched, {sides['docai'][1]:.1f}s, "
              f"{len(rows) / sides['docai'][1]:.2f} prompts/s): {ratio:.2f}x", flush=True)
    median = sorted(rounds, key=lambda r: r["docai"][0] / r["generate"][0])[len(rounds) // 2]
    print(f"vlm decode speedup vs generate: {median['docai'][0] / median['generate'][0]:.1f}x")


if __name__ == "__main__":
    main()

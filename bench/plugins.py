"""Benchmark: BLIP captions per second, batched vs one image at a time, through the blip plugin's code.

The model has the shape of ``Salesforce/blip-image-captioning-base`` (ViT-B/16 at 384×384, a 12-layer
BERT-base text decoder with cross-attention, BERT's 30524-token vocabulary) with random weights built
from its config (no download). The same 32 images are captioned by ``docai_blip.generation.caption_batch``
once per image (the baseline: what calling the model image by image costs) and in batches of
``--batch-size`` (default: the plugin's own choice on this machine), interleaved chunk by chunk so outside load hits both alike; both generate greedily to
exactly ``--tokens`` new tokens (the end token is masked), so the work per caption is equal. Both use the
same weights, dtype and thread count. The dtype is by default the one the plugin picks on this CPU (bf16
where the CPU probe finds bf16 pays for batched decoding, else fp32); the image encoder runs one image per
forward on CPU on both sides (``docai.models.encoding``), with the plugin's fused attention
(``docai_blip.sdpa``).

    python bench/plugins.py                                  # 32 images, the plugin's batch size and dtype, 20 tokens
    python bench/plugins.py --batch-size 16 --dtype fp32     # an fp32 model (both sides)
    python bench/plugins.py --images 4 --layers 2 --tokens 4 # smoke run

The last line is the headline (the median of ``--rounds`` rounds), e.g.
``BLIP captions: batched 32 = 2.9 captions/s, one by one 1.01 captions/s: 2.86x (median of 3 rounds)``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "blip"))  # uninstalled checkout

from docai.models.cpu_probe import cpu_model
from docai_blip.generation import caption_batch  # noqa: E402
from docai_blip.sdpa import enable_sdpa  # noqa: E402
from docai_blip.tiny import BASE_SIZES, _config, _processor, build_bert_tokenizer  # noqa: E402


def build_model(layers: int, dtype: torch.dtype, tokens: int) -> SimpleNamespace:
    """A BLIP-captioning-base-shaped model with random weights, as the plugin's ``loaded`` object."""
    from transformers import BlipForConditionalGeneration

    tokenizer = build_bert_tokenizer(vocab_words=30524 - 2)
    sizes = {**BASE_SIZES, "num_hidden_layers": layers, "vision_layers": layers}
    config = _config(sizes, tokenizer, "BlipForConditionalGeneration")
    torch.manual_seed(0)
    model = BlipForConditionalGeneration(config).eval().to(dtype)
    enable_sdpa(model)  # as the plugin loads it
    with torch.no_grad():  # never emit the end token, so every caption is exactly `tokens` long
        model.text_decoder.cls.predictions.bias[config.text_config.sep_token_id] = -1e4
    return SimpleNamespace(model=model, processor=_processor(tokenizer, sizes["image_size"]),
                           device=torch.device("cpu"), dtype=dtype,
                           generation=SimpleNamespace(max_new_tokens=tokens, temperature=0.0, top_p=1.0, seed=None,
                                                      stop=[]))


def images(count: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (300 + 7 * i, 400, 3), dtype=np.uint8)) for i in range(count)]


def caption_all(loaded: SimpleNamespace, pictures: list[Image.Image], batch_size: int) -> tuple[float, list[str]]:
    """Seconds to caption ``pictures`` in batches of ``batch_size``, and the captions."""
    captions: list[str] = []
    start = time.perf_counter()
    for i in range(0, len(pictures), batch_size):
        captions += [c.text for c in caption_batch(loaded, pictures[i:i + batch_size], None, loaded.generation)]
    return time.perf_counter() - start, captions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: what the blip plugin picks here (the CPU probe's decoding batch size)")
    parser.add_argument("--tokens", type=int, default=20, help="new tokens per caption (BLIP's default length)")
    parser.add_argument("--layers", type=int, default=12, help="vision and text layers (base: 12)")
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16"],
                        help="auto: what the blip plugin loads a captioning model in on this machine")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all images; the median round is the headline")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.dtype == "auto":
        from docai.models.device import batched_decoding_dtype

        args.dtype = batched_decoding_dtype("cpu") or "fp32"
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    if args.batch_size is None:
        from docai.models.device import decode_batch_size

        args.batch_size = decode_batch_size(torch.device("cpu"), dtype)
    print(f"CPU: {cpu_model()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    loaded = build_model(args.layers, dtype, args.tokens)
    pictures = images(args.images)
    caption_all(loaded, pictures[:2], 2)  # warm-up: first-call allocations and kernel selection
    rounds: list[tuple[float, float]] = []
    for round_number in range(1, args.rounds + 1):
        batched_s = single_s = 0.0
        batched: list[str] = []
        single: list[str] = []
        for i in range(0, len(pictures), args.batch_size):  # interleaved, so outside load hits both alike
            chunk = pictures[i:i + args.batch_size]
            seconds, captions = caption_all(loaded, chunk, args.batch_size)
            batched_s, batched = batched_s + seconds, batched + captions
            seconds, captions = caption_all(loaded, chunk, 1)
            single_s, single = single_s + seconds, single + captions
        same = sum(a == b for a, b in zip(batched, single, strict=True))
        print(f"  round {round_number}: batched {batched_s:.1f} s, one by one {single_s:.1f} s "
              f"({single_s / batched_s:.2f}x); {same}/{args.images} captions identical", flush=True)
        rounds.append((batched_s, single_s))
    batched_s, single_s = sorted(rounds, key=lambda r: r[1] / r[0])[len(rounds) // 2]  # the median round
    print(f"{args.images} images, {args.tokens} tokens each, {args.dtype}, batch {args.batch_size}; rounds: "
          + ", ".join(f"{s / b:.2f}x" for b, s in rounds))
    print(f"BLIP captions: batched {args.batch_size} = {args.images / batched_s:.3g} captions/s, one by one "
          f"{args.images / single_s:.3g} captions/s: {single_s / batched_s:.2f}x (median of {len(rounds)} rounds)")

if __name__ == "__main__":
    main()

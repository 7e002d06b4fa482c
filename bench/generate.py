"""Benchmark: text-to-image with the generative plugins, 4 prompts in one batch against one by one.

Random checkpoints are written by the plugins' own tiny writers (no download) at two sizes — ``tiny``
(what the tests use) and ``mid`` (a wider, deeper language model and a larger image) — and loaded as a user's
would be. Each size draws the same ``--prompts`` images twice: as one batch (what ``docai generate`` does with
several prompts) and prompt by prompt (the baseline). Prompt ``i`` uses seed ``i`` both ways, and the images
are checked equal, so both runs do the same work. The two runs alternate repeat by repeat so outside load hits
both alike; medians are reported.

    python bench/generate.py                      # Emu3, tiny and mid, 4 prompts
    python bench/generate.py --family lavit       # LaVIT (LLaMA + tokenizer decoder + U-Net with DDIM)
    python bench/generate.py --device cuda --repeats 3

The last line is the headline: ``emu generate (mid): batched 4 prompts 2.1x the images/s of one by one``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from docai.models.cpu_probe import cpu_model

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins" / "emu"), str(ROOT / "plugins" / "lavit")]

PROMPTS = ["a red boat on a lake", "a green field under clouds", "a cat asleep on a sofa", "a city street at night",
           "a bowl of fruit", "a mountain at dawn", "a lighthouse in fog", "a bicycle by a wall"]

#: family → size → tiny-writer overrides
SIZES = {
    "emu": {"tiny": {}, "mid": {"hidden_size": 512, "intermediate_size": 1376, "num_hidden_layers": 8,
                                "num_attention_heads": 8, "num_key_value_heads": 8, "image_side": 64}},
    "lavit": {"tiny": {}, "mid": {"vit_width": 352, "llm_width": 512, "llm_layers": 8, "image_size": 112}},
}




def load(family: str, directory: str, overrides: dict, device, dtype, steps: int):
    """Write a random checkpoint of ``family`` with ``overrides`` and load it; returns a draw(prompts, seed)."""
    if family == "emu":
        from docai_emu.model import EmuModel
        from docai_emu.tiny import write_tiny_model

        write_tiny_model(directory, **overrides)
        model = EmuModel.load(directory, device=device, dtype=dtype)
        return lambda prompts, seed: model.generate_images(prompts, seed)
    from docai_lavit.model import LavitModel
    from docai_lavit.tiny import write_tiny_model

    write_tiny_model(directory, **overrides)
    model = LavitModel(directory, device=device, dtype=dtype)
    return lambda prompts, seed: model.generate_images(prompts, seed, steps=steps)


def measure(draw, prompts: list[str], repeats: int) -> tuple[float, float]:
    """(batched, one-by-one) median seconds for drawing ``prompts``; the images must be equal."""
    draw(prompts[:1], 0)  # warm up
    times: dict[str, list[float]] = {"batched": [], "single": []}
    for _ in range(repeats):
        start = time.perf_counter()
        batched = draw(prompts, 0)
        times["batched"].append(time.perf_counter() - start)
        start = time.perf_counter()
        single = [draw([p], i)[0] for i, p in enumerate(prompts)]
        times["single"].append(time.perf_counter() - start)
        for a, b in zip(batched, single, strict=True):
            if not np.array_equal(np.asarray(a), np.asarray(b)):
                raise SystemExit("batched and one-by-one images differ: the comparison would be unfair")
    return statistics.median(times["batched"]), statistics.median(times["single"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", choices=sorted(SIZES), default="emu")
    parser.add_argument("--sizes", default="tiny,mid", help="comma-separated: tiny, mid")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--steps", type=int, default=25, help="LaVIT: DDIM steps of the pixel decoder")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()

    import torch

    from docai.models.device import choose_device, choose_dtype

    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    dtype = choose_dtype(device, args.dtype)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model()
    print(f"device: {device} ({name}), dtype {args.dtype}, torch {torch.__version__}, threads "
          f"{torch.get_num_threads()}")
    prompts = PROMPTS[: args.prompts]
    headline = ""
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as directory:
            draw = load(args.family, directory, SIZES[args.family][size], device, dtype, args.steps)
            batched, single = measure(draw, prompts, args.repeats)
        ratio = single / batched
        print(f"{args.family} {size}: batched {len(prompts) / batched:.3f} images/s, one by one "
              f"{len(prompts) / single:.3f} images/s ({batched:.2f} s vs {single:.2f} s)")
        headline = (f"{args.family} generate ({size}): batched {len(prompts)} prompts {ratio:.2f}x the images/s "
                    f"of one by one")
    print(headline)


if __name__ == "__main__":
    main()

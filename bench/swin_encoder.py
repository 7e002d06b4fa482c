"""Benchmark: the nougat-base Swin encoder, eager attention vs docai's SDPA path, on CPU.

Random weights (no download) in the nougat-base encoder shape: DonutSwin, depths 2-2-14-2, embed dim 128,
heads 4-8-16-32, window 7, patch 4, page 896×672. Both paths run on the SAME model instance (switched with
``enable_sdpa`` / ``disable_sdpa``) and the same inputs, interleaved repeat by repeat so load from other
processes hits both alike; the median ms/page is reported. Outputs are checked to match before timing.

    python bench/swin_encoder.py                      # fp32 + bf16, batch 1 (~2-3 min on 2 cores)
    python bench/swin_encoder.py --batch 4 --dtypes fp32
    python bench/swin_encoder.py --depths 2,2,2,2 --repeats 1   # quick smoke run

The last line is the headline: ``swin encoder sdpa speedup (fp32, batch 1): 1.7x``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from transformers import DonutSwinConfig, DonutSwinModel

from docai.models.swin_sdpa import disable_sdpa, enable_sdpa

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
# Max |sdpa - eager| relative to max |eager| that still counts as a match.
TOLERANCE = {"fp32": 1e-5, "bf16": 5e-2}


def nougat_base_encoder(height: int, width: int, depths: list[int], seed: int = 0) -> DonutSwinModel:
    """The nougat-base encoder architecture with random weights, relative position biases included."""
    torch.manual_seed(seed)
    config = DonutSwinConfig(
        image_size=[height, width],
        patch_size=4,
        num_channels=3,
        embed_dim=128,
        depths=depths,
        num_heads=[4, 8, 16, 32][: len(depths)],
        window_size=7,
    )
    model = DonutSwinModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "relative_position_bias_table"):
                module.relative_position_bias_table.normal_(0.0, 1.0)  # init leaves them zero
    return model


def time_once(model: DonutSwinModel, pixels: torch.Tensor) -> tuple[float, float]:
    """Wall-clock and process-CPU seconds for one encoder forward."""
    wall, cpu = time.perf_counter(), time.process_time()
    model(pixels)
    return time.perf_counter() - wall, time.process_time() - cpu


def relative_difference(reference: torch.Tensor, other: torch.Tensor) -> float:
    """max |other - reference| / max |reference|, in fp32."""
    reference, other = reference.float(), other.float()
    return ((other - reference).abs().max() / reference.abs().max()).item()


def bench_dtype(
    model: DonutSwinModel,
    pixels: torch.Tensor,
    name: str,
    warmup: int,
    repeats: int,
    clock: str,
    log: Callable[[str], None],
) -> float:
    """Time eager vs SDPA for one dtype; return the eager/SDPA ratio of median ms/page on ``clock``."""
    batch = pixels.shape[0]
    timings: dict[str, list[tuple[float, float]]] = {"eager": [], "sdpa": []}
    switch = {"eager": disable_sdpa, "sdpa": enable_sdpa}
    outputs: dict[str, torch.Tensor] = {}
    for step in range(warmup + repeats):
        for path in ("eager", "sdpa"):
            switch[path](model)
            if step < warmup:
                outputs[path] = model(pixels).last_hidden_state
            else:
                timings[path].append(time_once(model, pixels))
    difference = relative_difference(outputs["eager"], outputs["sdpa"])
    verdict = "match" if difference <= TOLERANCE[name] else "MISMATCH"
    log(f"{name}: outputs {verdict} (max rel diff {difference:.1e}, tolerance {TOLERANCE[name]:.0e})")
    ratios = {}
    for index, kind in enumerate(("wall", "cpu")):
        ms = {
            path: 1000 * statistics.median(t[index] for t in values) / batch
            for path, values in timings.items()
        }
        ratios[kind] = ms["eager"] / ms["sdpa"]
        log(
            f"{name} batch {batch} ({kind} ms/page): eager {ms['eager']:.0f}, sdpa {ms['sdpa']:.0f}, "
            f"{ratios[kind]:.2f}x"
        )
    if verdict != "match":
        raise SystemExit(f"SDPA output does not match eager for {name}")
    return ratios[clock]


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=1, help="pages per forward (default 1)")
    parser.add_argument("--dtypes", default="fp32,bf16", help="comma list of fp32, bf16 (default both)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per path (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per path (default 3)")
    parser.add_argument("--height", type=int, default=896)
    parser.add_argument("--width", type=int, default=672)
    parser.add_argument(
        "--depths", default="2,2,14,2", help="blocks per stage (default nougat-base 2,2,14,2)"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="clock of the headline ratio: wall (default) or process CPU time, steadier on a loaded machine",
    )
    args = parser.parse_args()
    if args.warmup < 1 or args.repeats < 1:
        parser.error("--warmup and --repeats must be at least 1")
    names = [name.strip() for name in args.dtypes.split(",") if name.strip()]
    if not names or any(name not in DTYPES for name in names):
        parser.error(f"--dtypes takes a comma list of {', '.join(DTYPES)}")

    torch.set_num_threads(args.threads)
    depths = [int(depth) for depth in args.depths.split(",")]
    base = nougat_base_encoder(args.height, args.width, depths)
    pixels = torch.randn(args.batch, 3, args.height, args.width, generator=torch.Generator().manual_seed(1))
    print(
        f"DonutSwin encoder depths {depths}, {args.height}x{args.width}, batch {args.batch}, "
        f"{args.threads} threads, warmup {args.warmup}, repeats {args.repeats} (median)"
    )
    ratios = {}
    for name in names:
        model = base.to(DTYPES[name])  # outside inference mode, so the weights stay ordinary tensors
        with torch.inference_mode():
            ratios[name] = bench_dtype(
                model, pixels.to(DTYPES[name]), name, args.warmup, args.repeats, args.clock, print
            )
    clock = "" if args.clock == "wall" else ", cpu clock"
    for name in (
        names[1:] + names[:1]
    ):  # the first dtype named (fp32 by default) is the headline, printed last
        print(f"swin encoder sdpa speedup ({name}, batch {args.batch}{clock}): {ratios[name]:.2f}x")


if __name__ == "__main__":
    main()

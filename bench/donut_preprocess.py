"""Benchmark: Donut preprocessing of a batch of pages — docai's batched version against the checkpoint's
``DonutImageProcessor`` (transformers' PIL backend), on the Donut-base canvas (2560×1920).

Both take the same rendered page images (A4 at the DPI that fits the canvas, as ``docai extract`` renders
them) and give the same tensor (checked, max abs difference printed); the two alternate repeat by repeat so
outside load hits both alike, and medians are reported.

    python bench/donut_preprocess.py                  # 8 pages, 2560x1920, ~30 s on 2 cores
    python bench/donut_preprocess.py --pages 2 --repeats 1 --canvas 640,480   # smoke run

The last line is the headline: ``donut preprocessing: 3.0x the speed of DonutImageProcessor (...)``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image, ImageDraw


def page_images(count: int, canvas: tuple[int, int]) -> list[Image.Image]:
    """``count`` A4 page rasters that fit ``canvas`` (height, width), with some ink on them."""
    from docai.engines.donut.pages import fitting_dpi

    dpi = fitting_dpi(595, 842, canvas)
    width, height = round(595 * dpi / 72), round(842 * dpi / 72)
    images = []
    for i in range(count):
        img = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(img)
        for line in range(40):
            draw.rectangle((60, 80 + 50 * line, 300 + 23 * ((i + line) % 40), 100 + 50 * line), fill="black")
        images.append(img)
    return images


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--canvas", default="2560,1920", help="height,width of the encoder canvas")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()

    import torch
    from transformers import DonutImageProcessorPil

    from docai.engines.donut.preprocess import DonutPreprocess

    if args.threads:
        torch.set_num_threads(args.threads)
    height, width = (int(v) for v in args.canvas.split(","))
    processor = DonutImageProcessorPil(size={"height": height, "width": width}, image_mean=[0.5] * 3,
                                       image_std=[0.5] * 3)
    ours = DonutPreprocess.from_processor(processor)
    images = page_images(args.pages, (height, width))
    runs = {
        "docai": lambda: ours(images),
        "DonutImageProcessor": lambda: processor(images, return_tensors="pt")["pixel_values"],
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    results = {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - start)
    diff = (results["docai"] - results["DonutImageProcessor"]).abs().max().item()
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:20s} median {median:.3f} s  ({args.pages / median:.1f} pages/s)")
    print(f"max abs difference {diff:.2e}, shape {tuple(results['docai'].shape)}")
    print(f"donut preprocessing: {medians['DonutImageProcessor'] / medians['docai']:.2f}x the speed of "
          f"DonutImageProcessor ({args.pages} pages, canvas {height}x{width}, cpu, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()

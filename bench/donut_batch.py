"""Benchmark: Donut pages of a document decoded in one batch, against the same pages one by one.

A random Donut checkpoint is written with :func:`docai.models.write_tiny_model` at a chosen size (no
download), loaded through the one loader, and ``docai.engines.donut.generate`` decodes ``--pages`` page
images greedily with the cord-v2 prompt: once as one batch (what ``extract``/``ask`` do) and once page by
page (the baseline). Both produce the same tokens (checked); the two runs alternate repeat by repeat so
outside load hits both alike, and medians are reported. The decoder runs to ``--max-length`` unless the
random model ends a page earlier; a batch runs until its longest page ends.

    python bench/donut_batch.py                                 # 8 pages, small model, ~1 min on 2 cores
    python bench/donut_batch.py --pages 2 --repeats 1 --d-model 32 --max-length 16   # smoke run
    python bench/donut_batch.py --device cuda --pages 16 --d-model 1024 --decoder-layers 4

The last line is the headline: ``donut batched decode: 2.1x the speed of page by page (8 pages, ...)``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from PIL import Image, ImageDraw


def page_images(count: int) -> list[Image.Image]:
    """``count`` different receipt-like page images (A4 proportions)."""
    images = []
    for i in range(count):
        img = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(img)
        for line in range(5 + i % 7):
            draw.rectangle((40, 60 + 40 * line, 200 + 37 * ((i + line) % 9), 80 + 40 * line), fill="black")
        images.append(img)
    return images


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=48, help="sequence cap, prompt included")
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--decoder-layers", type=int, default=2)
    parser.add_argument("--image-size", default="320,256", help="encoder canvas height,width (multiples of 32)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()

    import torch

    from docai.engines.donut import load_donut
    from docai.engines.donut.generate import generate
    from docai.engines.donut.prompts import task_prompt
    from docai.models import write_tiny_model

    if args.threads:
        torch.set_num_threads(args.threads)
    height, width = (int(v) for v in args.image_size.split(","))
    with tempfile.TemporaryDirectory() as directory:
        write_tiny_model("donut", directory, image_size=(height, width), window_size=2, d_model=args.d_model,
                         decoder_layers=args.decoder_layers, decoder_attention_heads=max(1, args.d_model // 64),
                         decoder_ffn_dim=4 * args.d_model, max_position_embeddings=max(128, args.max_length),
                         max_length=args.max_length)
        donut = load_donut(directory, device=args.device, dtype=args.dtype)
        prompt = task_prompt("cord-v2", donut.vocabulary)
        images = page_images(args.pages)
        generate(donut, images[:2], prompt)  # warm up

        def batched():
            return generate(donut, images, prompt)

        def one_by_one():
            return [generate(donut, [img], prompt)[0] for img in images]

        times: dict[str, list[float]] = {"batched": [], "one_by_one": []}
        outputs = {}
        for _ in range(args.repeats):
            for name, run in (("batched", batched), ("one_by_one", one_by_one)):
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                start = time.perf_counter()
                outputs[name] = run()
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                times[name].append(time.perf_counter() - start)
    same = [a.token_ids for a in outputs["batched"]] == [b.token_ids for b in outputs["one_by_one"]]
    tokens = sum(len(g.token_ids) for g in outputs["batched"])
    fast, slow = statistics.median(times["batched"]), statistics.median(times["one_by_one"])
    print(f"pages {args.pages}, generated tokens {tokens}, identical outputs: {same}")
    print(f"batched     median {fast:.3f} s  ({args.pages / fast:.2f} pages/s)")
    print(f"one by one  median {slow:.3f} s  ({args.pages / slow:.2f} pages/s)")
    print(f"donut batched decode: {slow / fast:.2f}x the speed of page by page ({args.pages} pages, "
          f"d_model {args.d_model}, {args.decoder_layers} decoder layers, {args.device} {args.dtype}, "
          f"{torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()

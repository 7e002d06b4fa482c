"""Queue overhead: a born-digital PDF through Celery + Redis (2 worker processes) vs in-process convert.

Starts its own redis-server and one ``celery worker -c 2`` on a free port with fresh storage and page
caches (no cached pages either way), converts the same PDF both ways ``--repeat`` times (with a fresh
cache per run) and reports the median wall time of each, plus the added latency of a 1-page job.
The last line is the headline ratio::

    python bench/queue_overhead.py [--pages 20] [--repeat 5] [--workers 2] [--pages-per-task 5]

``--plugin`` measures a plugin job instead: ``--images`` PNGs captioned by a tiny BLIP (built with
``docai dev tiny-model blip``, placed in the service's models directory) through one ``gpu``-queue worker
(submit, wait, fetch the result) against the same call in-process (``run_capability`` on the same
model, loaded once before timing, as the warm worker has it)::

    python bench/queue_overhead.py --plugin [--images 16] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pymupdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docai import convert  # noqa: E402
from docai.queue import jobs  # noqa: E402
from tests.support.cluster import Cluster  # noqa: E402


def born_digital_pdf(pages: int, tag: str) -> bytes:
    """``pages`` pages of headed paragraphs; ``tag`` makes the content (and so the cache keys) unique."""
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page()
        page.insert_text((72, 72), f"Section {n}: results {tag}", fontsize=16, fontname="helv")
        y = 110
        for para in range(6):
            for line in range(5):
                page.insert_text((72, y), f"Paragraph {para} line {line} of page {n} ({tag}) discusses the "
                                 "measured values in some detail.", fontsize=10, fontname="helv")
                y += 13
            y += 10
    data = doc.tobytes()
    doc.close()
    return data


def time_in_process(data: bytes, cache_dir: Path) -> float:
    start = time.perf_counter()
    convert(data, cache_dir=str(cache_dir))
    return time.perf_counter() - start


def time_queued(data: bytes, cluster: Cluster) -> float:
    start = time.perf_counter()
    status = jobs.submit_convert(data, "bench.pdf", {}, settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=300)
    jobs.get_result(status.job_id, settings=cluster.settings)
    elapsed = time.perf_counter() - start
    if final.state.value != "succeeded":
        raise SystemExit(f"queued job failed: {final.error}")
    return elapsed


PLUGIN_MODEL = "local/tiny-blip"


def png_images(count: int, tag: int) -> list[tuple[bytes, str]]:
    """``count`` distinct PNGs (so no run reuses another's inputs)."""
    import io

    from PIL import Image

    out = []
    for i in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (64 + i, 48), (tag * 37 % 256, i * 13 % 256, 90)).save(buffer, format="PNG")
        out.append((buffer.getvalue(), f"image-{i}.png"))
    return out


def plugin_overhead(args: argparse.Namespace) -> None:
    """Queued vs in-process captions of a tiny BLIP (see the module doc)."""
    from click.testing import CliRunner

    from docai.cli import main as cli
    from docai.plugins.inputs import load_input
    from docai.plugins.models import get_model
    from docai.plugins.run import run_capability

    def in_process(images: list[tuple[bytes, str]], checkpoint: Path) -> float:
        start = time.perf_counter()
        model = get_model(f"blip:{checkpoint}", {"device": "cpu"}, capability="caption")
        items = [item for data, name in images for item in load_input(data, name=name)]
        run_capability(model, "caption", items, {"generation": {"max_new_tokens": 8}})
        return time.perf_counter() - start

    def queued(images: list[tuple[bytes, str]], cluster: Cluster) -> float:
        start = time.perf_counter()
        status = jobs.submit_plugin(images, f"blip:{PLUGIN_MODEL}", "caption", {"generation": {"max_new_tokens": 8}},
                                    {"device": "cpu"}, settings=cluster.settings)
        final = jobs.wait(status.job_id, settings=cluster.settings, timeout=300)
        if final.state.value != "succeeded":
            raise SystemExit(f"queued plugin job failed: {final.error}")
        jobs.get_result(status.job_id, settings=cluster.settings)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="docai-bench-") as tmp:
        cluster = Cluster(Path(tmp), DOCAI_VISIBILITY_TIMEOUT="3600", DOCAI_TASK_TIME_LIMIT="600",
                          DOCAI_TASK_SOFT_TIME_LIMIT="590", DOCAI_DEVICE="cpu", HF_HUB_OFFLINE="1")
        checkpoint = cluster.settings.models_dir / PLUGIN_MODEL
        made = CliRunner().invoke(cli, ["dev", "tiny-model", "blip", str(checkpoint)])
        if made.exit_code:
            raise SystemExit(made.output)
        try:
            cluster.worker(queues="gpu", concurrency=1)
            queued(png_images(2, 0), cluster)  # the worker imports torch and loads the model once
            in_process(png_images(2, 0), checkpoint)
            local = [in_process(png_images(args.images, run + 1), checkpoint) for run in range(args.repeat)]
            remote = [queued(png_images(args.images, run + 101), cluster) for run in range(args.repeat)]
        finally:
            cluster.close()
    med = statistics.median
    print(f"in-process {args.images} captions: {med(local) * 1000:.0f} ms (median of {args.repeat})")
    print(f"queued     {args.images} captions: {med(remote) * 1000:.0f} ms (1 gpu-queue worker process)")
    print(f"plugin job queue overhead vs in-process ({args.images} images, tiny BLIP): "
          f"+{(med(remote) - med(local)) * 1000:.0f} ms, {med(remote) / med(local):.2f}x")


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--pages-per-task", type=int, default=5, help="DOCAI_PAGES_PER_TASK for the workers")
    parser.add_argument("--plugin", action="store_true", help="a tiny-BLIP caption job instead of a conversion")
    parser.add_argument("--images", type=int, default=16, help="images per plugin job (with --plugin)")
    args = parser.parse_args()
    if args.plugin:
        plugin_overhead(args)
        return

    with tempfile.TemporaryDirectory(prefix="docai-bench-") as tmp:
        cluster = Cluster(Path(tmp), DOCAI_VISIBILITY_TIMEOUT="3600", DOCAI_TASK_TIME_LIMIT="600",
                          DOCAI_TASK_SOFT_TIME_LIMIT="590", DOCAI_PAGES_PER_TASK=str(args.pages_per_task))
        try:
            cluster.worker(concurrency=args.workers)
            time_queued(born_digital_pdf(2, "warm-up"), cluster)  # workers import their modules once
            time_in_process(born_digital_pdf(2, "warm-up"), Path(tmp) / "warm")
            local, queued, local_1, queued_1 = [], [], [], []
            for run in range(args.repeat):
                data = born_digital_pdf(args.pages, f"run {run}")
                local.append(time_in_process(data, Path(tmp) / f"cache-{run}"))
                queued.append(time_queued(born_digital_pdf(args.pages, f"queued run {run}"), cluster))
                local_1.append(time_in_process(born_digital_pdf(1, f"one {run}"), Path(tmp) / f"one-{run}"))
                queued_1.append(time_queued(born_digital_pdf(1, f"queued one {run}"), cluster))
        finally:
            cluster.close()

    med = statistics.median
    print(f"in-process {args.pages} pages: {med(local) * 1000:.0f} ms (median of {args.repeat})")
    print(f"queued     {args.pages} pages: {med(queued) * 1000:.0f} ms ({args.workers} worker processes)")
    print(f"1-page job: in-process {med(local_1) * 1000:.0f} ms, queued {med(queued_1) * 1000:.0f} ms, "
          f"added latency {(med(queued_1) - med(local_1)) * 1000:.0f} ms")
    print(f"queue overhead vs in-process ({args.pages} pages, {args.workers} workers): "
          f"{med(queued) / med(local):.2f}x")


if __name__ == "__main__":
    main()

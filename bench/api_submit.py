"""Benchmark: what the HTTP API adds to submitting a job, against calling ``docai.jobs.submit_convert``.

Both paths do the same work (open and check the document, store it, record the job in Redis, send the
plan task); the API adds the multipart upload, the streaming size limit, validation and the JSON
response over a real uvicorn on loopback, driven by :class:`docai.client.DocaiClient`. A throwaway
redis-server is started on a free port; no worker runs, so jobs stay queued. The two paths alternate
submission by submission so outside load hits both alike; medians are reported.

    python bench/api_submit.py                         # samples/sample.pdf, 30 submissions each
    python bench/api_submit.py --repeats 5             # smoke run
    python bench/api_submit.py --pdf paper.pdf

The last line is the headline: ``HTTP API submit: 1.3x the time of a direct submit_convert (...)``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.cluster import RedisServer, free_port  # noqa: E402


def start_api(settings):
    import uvicorn

    from docai.api import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=REPO / "samples" / "sample.pdf")
    parser.add_argument("--repeats", type=int, default=30, help="submissions per path")
    args = parser.parse_args()

    from docai import jobs
    from docai.client import DocaiClient
    from docai.settings import Settings

    data = args.pdf.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = RedisServer(Path(tmp))
        redis_server.start()
        try:
            settings = Settings(broker_url=redis_server.url, storage_dir=Path(tmp) / "storage")
            server, thread, base = start_api(settings)
            try:
                with DocaiClient(base) as client:
                    client.submit(data, filename=args.pdf.name)  # warm both paths once
                    jobs.submit_convert(data, args.pdf.name, {}, settings=settings)
                    direct, http = [], []
                    for _ in range(args.repeats):
                        start = time.perf_counter()
                        jobs.submit_convert(data, args.pdf.name, {}, settings=settings)
                        direct.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        client.submit(data, filename=args.pdf.name)
                        http.append(time.perf_counter() - start)
            finally:
                server.should_exit = True
                thread.join(10)
        finally:
            redis_server.kill()
    d, h = statistics.median(direct), statistics.median(http)
    print(f"document: {args.pdf.name}, {len(data):,} bytes; {args.repeats} submissions per path")
    print(f"direct submit_convert: median {d * 1000:.1f} ms")
    print(f"HTTP API (DocaiClient -> uvicorn): median {h * 1000:.1f} ms (+{(h - d) * 1000:.1f} ms)")
    print(f"HTTP API submit: {h / d:.2f}x the time of a direct submit_convert "
          f"({d * 1000:.1f} ms -> {h * 1000:.1f} ms median, n={args.repeats})")


if __name__ == "__main__":
    main()

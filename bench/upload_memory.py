"""Benchmark: peak memory of the API process for one large upload, against the upload's own size.

Starts a throwaway redis-server and ``uvicorn --factory docai.api.app:create_app`` as separate processes
(``tests/support/cluster.py``), submits a small PDF to warm the process up, reads the server's peak RSS
(VmHWM), uploads one valid PDF of ``--mb`` megabytes (a page plus an embedded file of random bytes)
with ``POST /v1/jobs``, and reads the peak again. No worker runs; the job stays queued.

    python bench/upload_memory.py              # 50 MB
    python bench/upload_memory.py --mb 20

The last line is the headline: ``peak API memory for a 50 MB upload: +N MB = R x the upload``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docai.models.cpu_probe import cpu_model  # noqa: E402
from tests.support.cluster import Cluster  # noqa: E402


def big_pdf(megabytes: int) -> bytes:
    """A valid one-page PDF carrying ``megabytes`` MB of incompressible embedded data."""
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A large document for the upload memory benchmark.")
    doc.embfile_add("payload.bin", os.urandom(megabytes * 1_000_000))
    data = doc.tobytes()
    doc.close()
    return data




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="upload size in MB")
    args = parser.parse_args()

    import httpx

    print(f"CPU: {cpu_model()}")
    data = big_pdf(args.mb)
    small = big_pdf(0)
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp), DOCAI_MAX_UPLOAD_BYTES=str(len(data) + 1), DOCAI_API_KEY="bench-key")
        try:
            api = cluster.api()
            headers = {"X-API-Key": "bench-key"}
            with httpx.Client(base_url=api.url, headers=headers, timeout=300) as http:
                warm = http.post("/v1/jobs", files={"file": ("small.pdf", small)})
                warm.raise_for_status()
                before = api.rss_peak_kib()
                response = http.post("/v1/jobs", files={"file": ("big.pdf", data)})
                response.raise_for_status()
                after = api.rss_peak_kib()
        finally:
            cluster.close()
    grown_mb = (after - before) * 1024 / 1e6
    size_mb = len(data) / 1e6
    print(f"upload {size_mb:.1f} MB; API peak RSS {before / 1024:.0f} MiB before, {after / 1024:.0f} MiB after")
    print(f"peak API memory for a {size_mb:.0f} MB upload: +{grown_mb:.0f} MB = {grown_mb / size_mb:.2f}x the upload")


if __name__ == "__main__":
    main()

"""Hostile page: what a ~100 KB PDF page of a million tiny text operators costs, with and without the limits.

Each measurement runs in a fresh Python process (so peak RSS is the page's own): ``docai.convert`` of the
page with the default limits (refused by ``max_page_operators`` before any extraction), then with the
content limits off and only a page budget (``--budget`` seconds) to stop it, as before issue 8. Prints the
CPU model, then each run's wall time and peak RSS; the last line is the headline ratio::

    python bench/hostile_page.py [--operators 1000000] [--budget 20]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from docai.models.cpu_probe import cpu_model

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from tests.security.hostile import text_operator_pdf
import docai
from docai.options import Limits
data = text_operator_pdf({operators})
limits = Limits(**{limits!r})
start = time.perf_counter()
page = docai.convert(data, engine="text", use_cache=False, limits=limits).pages[0]
print(json.dumps({{"seconds": time.perf_counter() - start, "pdf_bytes": len(data),
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "error": page.errors[0].code if page.errors else ""}}))
"""




def measure(operators: int, limits: dict) -> dict:
    code = CHILD.format(repo=str(REPO), operators=operators, limits=limits)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=1_000_000)
    parser.add_argument("--budget", type=float, default=20.0, help="page budget of the run without limits")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}")
    limited = measure(args.operators, {})
    unlimited = measure(args.operators, {"max_page_operators": 0, "max_page_content_bytes": 0,
                                         "page_timeout_s": args.budget})
    for name, run in (("default limits", limited), (f"limits off, {args.budget:g} s budget", unlimited)):
        print(f"{name}: {run['seconds']:.2f} s, peak RSS {run['peak_mb']:.0f} MB, page error "
              f"{run['error'] or 'none'} ({run['pdf_bytes']:,} byte PDF)")
    print(f"hostile page refused {unlimited['seconds'] / limited['seconds']:.1f}x faster with "
          f"{unlimited['peak_mb'] / limited['peak_mb']:.1f}x less peak memory than with the content limits off")


if __name__ == "__main__":
    main()

"""How long ``docai plugins list`` takes with every installed plugin, against ``docai --version``.

Both run as fresh processes ``--repeat`` times; the median wall time and the median CPU time (user + system
of the child) of each are printed, with how many plugins were listed and whether torch was imported. The
goal is under one second for the listing; CPU time is the figure to trust on a loaded machine. The last line
is the headline::

    python bench/plugins_list.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from docai.models.cpu_probe import cpu_model

REPO = Path(__file__).resolve().parents[1]




def timed(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and stdout of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    docai = [sys.executable, "-m", "docai"]
    listing = [timed([*docai, "plugins", "list", "--json"]) for _ in range(args.repeat)]
    baseline = [timed([*docai, "--version"]) for _ in range(args.repeat)]
    parsed = json.loads(listing[-1][2])
    probe = subprocess.run([sys.executable, "-c", (
        "import sys; from click.testing import CliRunner; from docai.cli import main; "
        "CliRunner().invoke(main, ['plugins', 'list']); print('torch' in sys.modules)")],
        capture_output=True, text=True, check=True, cwd=REPO).stdout.strip()
    wall, cpu = statistics.median(w for w, _, _ in listing), statistics.median(c for _, c, _ in listing)
    base_wall, base_cpu = statistics.median(w for w, _, _ in baseline), statistics.median(c for _, c, _ in baseline)
    print(f"CPU: {cpu_model()}; load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}")
    print(f"plugins: {len(parsed['plugins'])} ({sum(p['status'] == 'broken' for p in parsed['plugins'])} broken), "
          f"model families: {len(parsed['models'])}; torch imported by the listing: {probe}")
    print(f"docai --version:    wall {base_wall:.3f} s, CPU {base_cpu:.3f} s (median of {args.repeat})")
    print(f"docai plugins list: wall {wall:.3f} s, CPU {cpu:.3f} s (median of {args.repeat})")
    print(f"docai plugins list: {wall:.2f} s wall, {cpu:.2f} s CPU = {cpu / base_cpu:.2f}x the CPU of docai --version "
          f"(goal < 1 s)")


if __name__ == "__main__":
    main()

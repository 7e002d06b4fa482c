"""What the running CPU measurably does with bf16 and with batches: a short probe, cached per machine.

The project's machines differ (Intel with AMX, AMD EPYC with AVX512-BF16 and no AMX): a rule keyed on
CPU flags alone chose bf16 where it did not pay. :func:`cpu_probe` times one transformer-sized MLP
block (LayerNorm → 1024×4096 → GELU → 4096×1024, twice: weights larger than the L2 cache, as a real
decoder's) in fp32 and bf16 at decode-like row counts (1 … 32 rows: a batch of sequences, one token
each) and at an encoder-like one (128 rows), about a second in all. The result is cached in
``$XDG_CACHE_HOME/docai/cpu-probe.json`` (default ``~/.cache``) under the CPU model, its flags, the
torch version and the thread count, so each machine probes once. ``DOCAI_CPU_PROBE=off`` skips it (the
flag rule then decides: bf16 wherever the CPU has native bf16 units).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

PROBE_ENV = "DOCAI_CPU_PROBE"
#: rows (sequences decoded together) the probe times
DECODE_ROWS = (1, 8, 16, 32)
ENCODER_ROWS = 128
PROBE_VERSION = 1
#: a larger batch is worth it while it cuts the time per row by more than this fraction
BATCH_GAIN = 0.12
#: bf16 is chosen where it is at least this much faster than fp32
BF16_GAIN = 1.15


@dataclass(frozen=True)
class CpuProbe:
    """Milliseconds per row of the probe block, per dtype (``"fp32"``, ``"bf16"``) and row count."""

    cpu: str
    ms_per_row: dict[str, dict[int, float]]

    def bf16_speedup(self, rows: int) -> float:
        """fp32 time over bf16 time at ``rows`` (the nearest probed count); 0 when bf16 was not probed."""
        rows = _nearest(rows)
        bf16 = self.ms_per_row.get("bf16", {}).get(rows)
        return self.ms_per_row["fp32"][rows] / bf16 if bf16 else 0.0

    def batch_size(self, dtype: str) -> int:
        """The smallest probed batch past which doubling no longer cuts the time per row by ``BATCH_GAIN``."""
        times = self.ms_per_row.get(dtype) or self.ms_per_row["fp32"]
        rows = sorted(r for r in times if r in DECODE_ROWS)
        chosen = rows[0]
        for smaller, larger in zip(rows, rows[1:], strict=False):
            if times[larger] < (1 - BATCH_GAIN) * times[smaller]:
                chosen = larger
            else:
                break
        return chosen


def cpu_model() -> str:
    """The CPU's model name as ``/proc/cpuinfo`` (or the platform) gives it."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in {"model name", "Model", "cpu model"} and value.strip():
                    return value.strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_description() -> str:
    """One line for benches and logs: model, cores, and the matrix features that decide bf16."""
    from docai.models.device import _cpu_flags

    flags = _cpu_flags()
    features = [f for f in ("amx_bf16", "avx512_bf16", "avx512f", "avx2", "bf16") if f in flags] or ["none listed"]
    return f"{cpu_model()} ({os.cpu_count()} CPUs; {', '.join(features)})"


def probe_enabled() -> bool:
    return os.environ.get(PROBE_ENV, "").strip().lower() not in {"0", "off", "false", "no"}


@functools.cache
def cpu_probe() -> CpuProbe:
    """The probe for this machine: from the cache file, or measured now (about a second) and stored."""
    key = _machine_key()
    path = _cache_file()
    stored = _read(path)
    if key in stored:
        entry = stored[key]
        return CpuProbe(entry["cpu"], {d: {int(r): v for r, v in t.items()} for d, t in entry["ms_per_row"].items()})
    probe = measure()
    stored[key] = {"cpu": probe.cpu, "ms_per_row": probe.ms_per_row}
    _write(path, stored)
    return probe


def measure() -> CpuProbe:
    """Time the probe block in fp32 and (where the CPU has native bf16) bf16."""
    import torch

    from docai.models.device import cpu_has_native_bf16

    dtypes = [torch.float32] + ([torch.bfloat16] if cpu_has_native_bf16() else [])
    result: dict[str, dict[int, float]] = {}
    with torch.random.fork_rng(devices=[]), torch.inference_mode():
        torch.manual_seed(0)
        for dtype in dtypes:
            block = _block(dtype)
            result["bf16" if dtype == torch.bfloat16 else "fp32"] = {
                rows: _time_per_row(block, torch.randn(rows, 1024, dtype=dtype)) for rows in (*DECODE_ROWS, ENCODER_ROWS)}
    return CpuProbe(cpu_model(), result)


def _block(dtype):
    import torch

    def mlp():
        return [torch.nn.LayerNorm(1024), torch.nn.Linear(1024, 4096), torch.nn.GELU(), torch.nn.Linear(4096, 1024)]

    return torch.nn.Sequential(*mlp(), *mlp()).to(dtype).eval()


def _time_per_row(block, x) -> float:
    block(x)  # warm-up (oneDNN picks its kernels)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        block(x)
        best = min(best, time.perf_counter() - start)
    return round(best * 1000 / x.shape[0], 5)


def _nearest(rows: int) -> int:
    return min((*DECODE_ROWS, ENCODER_ROWS), key=lambda r: abs(r - rows))


def _machine_key() -> str:
    import torch

    from docai.models.device import _cpu_flags

    flags = hashlib.sha256(" ".join(sorted(_cpu_flags())).encode()).hexdigest()[:12]
    return f"v{PROBE_VERSION}|{cpu_model()}|{flags}|torch {torch.__version__}|threads {torch.get_num_threads()}"


def _cache_file() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "docai" / "cpu-probe.json"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs a probe per process

"""The CPU probe: its decisions (bf16 or not, batch size), its cache file, and the device rules built on it."""

from __future__ import annotations

import json

import pytest
import torch

from docai.models import cpu_probe as probe_module
from docai.models import device as device_module
from docai.models.cpu_probe import CpuProbe

CPU = torch.device("cpu")
#: an AMD EPYC-like CPU: bf16 loses at batch 1, wins batched; per-row time stops falling after 16 rows
EPYC = CpuProbe("AMD EPYC", {"fp32": {1: 5.5, 8: 1.25, 16: 0.99, 32: 0.95, 128: 0.54},
                             "bf16": {1: 6.0, 8: 0.50, 16: 0.30, 32: 0.29, 128: 0.52}})


@pytest.fixture
def probed(monkeypatch, tmp_path):
    """The probe on, its cache in a temporary directory, its measurement replaced by ``EPYC``."""
    calls = []
    monkeypatch.setenv("DOCAI_CPU_PROBE", "on")
    monkeypatch.delenv("DOCAI_DTYPE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(probe_module, "measure", lambda: calls.append(1) or EPYC)
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    cached = probe_module.cpu_probe
    cached.cache_clear()
    yield calls
    cached.cache_clear()


def test_decisions_follow_the_measurements():
    assert EPYC.bf16_speedup(1) < 1 < EPYC.bf16_speedup(16)
    assert EPYC.bf16_speedup(20) == EPYC.bf16_speedup(16)  # nearest probed count
    assert EPYC.batch_size("bf16") == 16
    assert EPYC.batch_size("fp32") == 16
    flat = CpuProbe("flat", {"fp32": {1: 1.0, 8: 0.95, 16: 0.9, 32: 0.9}})
    assert flat.batch_size("fp32") == 1
    assert flat.batch_size("bf16") == 1  # not probed: fp32's figures


def test_probe_is_measured_once_per_machine_and_cached_on_disk(probed, tmp_path):
    first = probe_module.cpu_probe()
    probe_module.cpu_probe.cache_clear()
    again = probe_module.cpu_probe()
    assert probed == [1] and again == first
    stored = json.loads((tmp_path / "docai" / "cpu-probe.json").read_text())
    (key,) = stored
    assert f"threads {torch.get_num_threads()}" in key and torch.__version__ in key


def test_device_rules_use_the_probe(probed, monkeypatch):
    assert device_module.batched_decoding_dtype("cpu") == "bf16"
    assert device_module.choose_encoder_dtype(CPU) == torch.float32  # 0.54 vs 0.52 ms: bf16 does not pay
    assert device_module.decode_batch_size(CPU, torch.bfloat16) == 16
    slow = CpuProbe("slow bf16", {"fp32": {1: 1.0, 8: 0.5, 16: 0.4, 32: 0.4, 128: 0.3},
                                  "bf16": {1: 2.0, 8: 0.9, 16: 0.8, 32: 0.8, 128: 0.1}})
    monkeypatch.setattr(probe_module, "cpu_probe", lambda: slow)
    assert device_module.batched_decoding_dtype("cpu") is None
    assert device_module.choose_encoder_dtype(CPU) == torch.bfloat16


def test_no_native_bf16_means_no_bf16_and_no_bf16_probe(probed, monkeypatch):
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: False)
    assert device_module.batched_decoding_dtype("cpu") is None
    assert device_module.choose_encoder_dtype(CPU) == torch.float32


def test_real_measurement_is_well_formed(monkeypatch):
    monkeypatch.setattr(probe_module, "_block", lambda dtype: torch.nn.Linear(1024, 8).to(dtype))
    result = probe_module.measure()
    assert set(result.ms_per_row["fp32"]) == {*probe_module.DECODE_ROWS, probe_module.ENCODER_ROWS}
    assert all(v > 0 for table in result.ms_per_row.values() for v in table.values())
    assert result.cpu == probe_module.cpu_model()

"""Device and dtype choice: arguments, environment overrides, defaults, refusals."""

from __future__ import annotations

import pytest
import torch

from docai.errors import ConfigError
from docai.models import device as device_module
from docai.models.device import choose_device, choose_dtype, choose_encoder_dtype, dtype_name, parse_dtype

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    monkeypatch.delenv("DOCAI_DEVICE", raising=False)
    monkeypatch.delenv("DOCAI_DTYPE", raising=False)


def test_default_device_is_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert choose_device() == CPU
    assert choose_device("auto") == CPU


def test_argument_beats_environment(monkeypatch):
    monkeypatch.setenv("DOCAI_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="CUDA is not available"):
        choose_device()
    assert choose_device("cpu") == CPU


@pytest.mark.parametrize("bad", ["toaster", "cuda:x", "meta"])
def test_unknown_devices_are_refused(bad, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(ConfigError):
        choose_device(bad)


def test_cuda_defaults_to_bf16_or_fp16(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert choose_dtype(torch.device("cuda")) == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert choose_dtype(torch.device("cuda")) == torch.float16


@pytest.mark.parametrize(("native", "encoder"), [(True, torch.bfloat16), (False, torch.float32)])
def test_cpu_default_is_fp32_with_a_bf16_encoder_where_native(monkeypatch, native, encoder):
    """With the probe off (the test default), the flag rule decides."""
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: native)
    assert choose_dtype(CPU) == torch.float32
    assert choose_encoder_dtype(CPU) == encoder


def test_an_explicit_dtype_applies_to_the_encoder_too(monkeypatch):
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    assert choose_encoder_dtype(CPU, "fp32") == torch.float32
    monkeypatch.setenv("DOCAI_DTYPE", "fp32")
    assert choose_encoder_dtype(CPU) == torch.float32
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert choose_encoder_dtype(torch.device("cuda"), "auto") == torch.bfloat16


def test_native_bf16_detection_reads_cpu_flags(monkeypatch):
    device_module.cpu_has_native_bf16.cache_clear()
    monkeypatch.setattr(device_module, "_cpu_flags", lambda: {"avx2", "amx_bf16"})
    assert device_module.cpu_has_native_bf16()
    device_module.cpu_has_native_bf16.cache_clear()
    monkeypatch.setattr(device_module, "_cpu_flags", lambda: {"avx2", "avx512f"})
    assert not device_module.cpu_has_native_bf16()
    device_module.cpu_has_native_bf16.cache_clear()


def test_environment_and_argument_dtype(monkeypatch):
    monkeypatch.setenv("DOCAI_DTYPE", "fp32")
    assert choose_dtype(CPU) == torch.float32
    assert choose_dtype(CPU, "bf16") == torch.bfloat16
    monkeypatch.setenv("DOCAI_DTYPE", "auto")
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: False)
    assert choose_dtype(CPU) == torch.float32


def test_fp16_on_cpu_is_refused():
    with pytest.raises(ConfigError, match="fp16 is not supported on CPU"):
        choose_dtype(CPU, "fp16")


@pytest.mark.parametrize(("name", "dtype"), [
    ("fp32", torch.float32), ("float32", torch.float32), ("BF16", torch.bfloat16), ("torch.bfloat16", torch.bfloat16),
    ("half", torch.float16), (torch.bfloat16, torch.bfloat16),
])
def test_dtype_spellings(name, dtype):
    assert parse_dtype(name) == dtype


@pytest.mark.parametrize("bad", ["int8", "fp64", torch.int64])
def test_bad_dtypes(bad):
    with pytest.raises(ConfigError):
        parse_dtype(bad)


def test_short_names():
    assert [dtype_name(d) for d in (torch.float32, torch.bfloat16, torch.float16)] == ["fp32", "bf16", "fp16"]

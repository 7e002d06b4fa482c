"""Settings from DOCAI_* variables: defaults, parsing, one clear error per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.errors import ConfigError
from docai.settings import Settings


def test_defaults_work_on_one_machine():
    s = Settings.from_env({})
    assert s.broker_url == "redis://127.0.0.1:6379/0"
    assert s.state_url == s.broker_url
    assert (s.cpu_queue, s.gpu_queue) == ("cpu", "gpu")
    assert s.cache_dir == s.storage_dir / "cache"
    assert s.api_key is None


def test_variables_are_parsed():
    s = Settings.from_env({
        "DOCAI_BROKER_URL": "redis://broker:6379/1", "DOCAI_RESULT_BACKEND": "redis://state:6379/2",
        "DOCAI_STORAGE_DIR": "/srv/docai", "DOCAI_MAX_UPLOAD_BYTES": "1024", "DOCAI_API_KEY": "sekrit-key",
        "DOCAI_PAGES_PER_TASK": "8", "DOCAI_VISIBILITY_TIMEOUT": "60", "DOCAI_TASK_TIME_LIMIT": "50",
        "DOCAI_TASK_SOFT_TIME_LIMIT": "40", "DOCAI_PRELOAD_ENGINES": "ocr, nougat", "DOCAI_GPU_QUEUE": "gpu-a100",
    })
    assert s.state_url == "redis://state:6379/2"
    assert s.storage_dir == Path("/srv/docai")
    assert (s.max_upload_bytes, s.pages_per_task, s.api_key) == (1024, 8, "sekrit-key")
    assert s.preload_engines == ("ocr", "nougat")
    assert s.gpu_queue == "gpu-a100"
    assert "sekrit" not in repr(s)  # the API key is never printed


def test_empty_variables_mean_default():
    assert Settings.from_env({"DOCAI_MAX_UPLOAD_BYTES": " "}).max_upload_bytes == Settings().max_upload_bytes


@pytest.mark.parametrize(("env", "message"), [
    ({"DOCAI_MAX_UPLOAD_BYTES": "lots"}, "DOCAI_MAX_UPLOAD_BYTES"),
    ({"DOCAI_MAX_DELIVERIES": "0"}, "DOCAI_MAX_DELIVERIES"),
    ({"DOCAI_VISIBILITY_TIMEOUT": "10"}, "below the visibility timeout"),
    ({"DOCAI_TASK_SOFT_TIME_LIMIT": "3000"}, "must not exceed"),
    ({"DOCAI_GPU_QUEUE": "cpu"}, "different names"),
    ({"DOCAI_BROKER_URL": "foo://x"}, "DOCAI_BROKER_URL: 'foo://x' is not a Redis URL"),
    ({"DOCAI_RESULT_BACKEND": "127.0.0.1:6379"}, "DOCAI_RESULT_BACKEND: .* is not a Redis URL"),
])
def test_bad_values_raise_one_config_error(env, message):
    with pytest.raises(ConfigError, match=message) as info:
        Settings.from_env(env)
    assert "\n" not in str(info.value)

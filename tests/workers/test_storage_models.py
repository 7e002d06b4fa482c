"""A model that exists only in ``<storage>/models`` — the service's model directory, which the submit-time
check accepts — is the one a real worker loads: submit and worker resolve hub ids through one function
(:func:`docai.models.checkpoint.find_model`)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docai.cli import main
from docai.errors import ModelError
from docai.models.checkpoint import find_model, models_from, resolve_checkpoint
from docai.queue import jobs
from docai.queue.policy import resolve_model

MODEL = "local/tiny-donut"


def make_tiny_donut(directory) -> None:
    made = CliRunner().invoke(main, ["dev", "tiny-model", "donut", str(directory), "--image-size", "320", "320",
                                     "--max-length", "32"])
    assert made.exit_code == 0, made.output


def test_submit_and_the_loader_find_a_storage_model_the_same_way(tmp_path):
    from docai.settings import Settings

    settings = Settings(storage_dir=tmp_path)
    make_tiny_donut(settings.models_dir / MODEL)
    assert resolve_model(MODEL, settings) == find_model(MODEL, settings.models_dir) == settings.models_dir / MODEL
    with models_from(settings.models_dir):
        assert resolve_checkpoint(MODEL).path == (settings.models_dir / MODEL).resolve()
    assert find_model(MODEL, None) is None  # outside a worker's models dir a hub id is not a storage path


def test_a_worker_never_downloads_a_model_it_lacks(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with models_from(tmp_path / "models"), pytest.raises(ModelError, match="workers never download"):
        resolve_checkpoint("owner/absent")  # a queued plugin job's checkpoint is checked only here


@pytest.mark.slow
def test_a_worker_converts_with_a_model_found_only_in_the_storage_models_dir(make_cluster, simple_pdf):
    pytest.importorskip("torch")
    cluster = make_cluster(DOCAI_TASK_SOFT_TIME_LIMIT="100", DOCAI_TASK_TIME_LIMIT="120",
                           DOCAI_VISIBILITY_TIMEOUT="150", DOCAI_DEVICE="cpu", DOCAI_DTYPE="fp32",
                           HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    make_tiny_donut(cluster.settings.models_dir / MODEL)
    cluster.worker(concurrency=1)
    options = {"engine": "donut", "donut_model": MODEL, "pages": "1", "use_cache": False}
    status = jobs.submit_convert(simple_pdf, "a.pdf", options, settings=cluster.settings)  # the submit check
    done = jobs.wait(status.job_id, settings=cluster.settings, timeout=150)
    assert done.state.value == "succeeded", f"{done.error_code}: {done.error}"
    (page,) = jobs.get_result(status.job_id, settings=cluster.settings).pages
    assert page.engine == "donut" and not page.errors
    assert page.data["task"] == "cord-v2" and 0 <= page.data["confidence"] <= 1

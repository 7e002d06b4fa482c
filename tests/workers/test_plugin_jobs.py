"""Plugin jobs: submit-time checks, the generic step called directly, and a real gpu worker running one."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from docai.errors import InputError, ModelError, UnsupportedInputError
from docai.queue import jobs
from docai.queue.plugins import run_plugin_job, submit_plugin
from schemas.jobs import JobKind, JobState
from schemas.plugins import PluginResult
from tests.support.fake_dist import fake_plugin_path


def png(width: int, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_plugin_step_stores_a_labelled_result(redis_only, fake_registry, simple_pdf):
    settings = redis_only.settings
    status = submit_plugin([(png(30), "a.png"), (simple_pdf, "doc.pdf")], "fake:ckpt", "caption",
                           {"prompt": "look"}, {"prefix": "a thing"}, pages="1-2", settings=settings)
    assert status.kind is JobKind.plugin and status.pages_total == 3 and status.state is JobState.queued
    svc = jobs.services(settings)
    assert run_plugin_job(svc, status.job_id)
    result = PluginResult.model_validate(jobs.get_result(status.job_id, settings=settings))
    assert [a.input for a in result.answers] == ["a.png", "doc.pdf#1", "doc.pdf#2"]
    assert result.answers[0].output["text"] == "look a thing 30x20"
    assert jobs.get_status(status.job_id, settings=settings).pages_done == 3
    assert not run_plugin_job(svc, status.job_id)  # delivered again: nothing more to do


def test_bad_requests_are_refused_at_submit(redis_only, fake_registry):
    settings = redis_only.settings
    with pytest.raises(ModelError, match="unknown model family 'blip'"):
        submit_plugin([(png(10), "a.png")], "blip:x", "caption", settings=settings)
    with pytest.raises(ModelError, match="cannot chat"):
        submit_plugin([(png(10), "a.png")], "fake:x", "chat", settings=settings)
    with pytest.raises(UnsupportedInputError, match="notes.txt"):
        submit_plugin([(b"just some text", "notes.txt")], "fake:x", "caption", settings=settings)
    with pytest.raises(InputError, match="needs at least one image"):
        submit_plugin([], "fake:x", "caption", settings=settings)
    with pytest.raises(Exception, match="request.question: Field required"):
        submit_plugin([(png(10), "a.png")], "fake:x", "vqa", {}, settings=settings)


def test_a_gpu_worker_runs_a_plugin_job_without_plugin_specific_code(cluster, fake_registry, tmp_path):
    cluster.worker(queues="gpu", env={"PYTHONPATH": fake_plugin_path(tmp_path / "site")})
    status = submit_plugin([(png(40), "b.png")], "fake:ckpt", "vqa", {"question": "size?"}, settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=30)
    assert final.state is JobState.succeeded, final.error
    result = jobs.get_result(status.job_id, settings=cluster.settings)
    assert result["answers"][0]["output"]["answer"] == "800" and result["plugin_version"] == "1.2.3"

"""``GET /v1/models`` and plugin jobs over HTTP and through the Python client (fake plugin, steps run inline)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from docai.client import DocaiClient
from docai.errors import ModelError, UnsupportedInputError
from docai.queue.jobs import services
from docai.queue.plugins import run_plugin_job
from schemas.plugins import PluginListing, PluginResult


def png(width: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, 10), "green").save(buffer, format="PNG")
    return buffer.getvalue()


pytestmark = pytest.mark.usefixtures("fake_registry")  # the shared one (tests/conftest.py)


def test_models_are_listed_with_their_plugin(api):
    response = api.get("/v1/models")
    assert response.status_code == 200
    listing = PluginListing.model_validate(response.json())
    (fake,) = [m for m in listing.models if m.family == "fake"]
    assert (fake.plugin, fake.plugin_version) == ("docai-fake", "1.2.3") and "caption" in fake.capabilities


def test_a_plugin_job_is_submitted_and_fetched_like_a_conversion(api, settings):
    files = [("file", ("a.png", png(12))), ("file", ("b.png", png(13)))]
    response = api.post("/v1/plugin-jobs", files=files,
                        data={"model": "fake:org/ckpt", "capability": "vqa", "request": '{"question": "area?"}'})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.headers["location"] == f"/v1/jobs/{job_id}" and response.json()["pages_total"] == 2
    assert api.get(f"/v1/jobs/{job_id}/result").status_code == 409
    assert run_plugin_job(services(settings), job_id)
    result = PluginResult.model_validate(api.get(f"/v1/jobs/{job_id}/result").json())
    assert [(a.input, a.output["answer"]) for a in result.answers] == [("a.png", "120"), ("b.png", "130")]


@pytest.mark.parametrize(("data", "status", "code"), [
    ({"model": "nosuch:org/x", "capability": "caption"}, 422, "model_error"),
    ({"model": "fake:/etc/passwd", "capability": "caption"}, 422, "invalid_request"),
    ({"model": "fake:x", "capability": "teleport"}, 422, "invalid_request"),
    ({"model": "fake:x", "capability": "vqa", "request": "{not json"}, 422, "invalid_request"),
    ({"model": "fake:x", "capability": "vqa", "request": "{}"}, 422, "invalid_request"),
    ({"model": "fake:x", "capability": "caption", "options": '{"colour": 1}'}, 422, "invalid_request"),
])
def test_bad_plugin_jobs_are_refused(api, data, status, code):
    response = api.post("/v1/plugin-jobs", files=[("file", ("a.png", png(5)))], data=data)
    assert (response.status_code, response.json()["error"]) == (status, code), response.text


def test_the_client_submits_and_fetches_a_plugin_job(live_url, settings, tmp_path):
    path = tmp_path / "c.png"
    path.write_bytes(png(21))
    with DocaiClient(live_url, timeout=10) as client:
        assert "fake" in [m.family for m in client.models().models]
        job = client.submit_plugin([path], "fake:org/ckpt", "caption", {"prompt": "hi"})
        run_plugin_job(services(settings), job.job_id)  # what the gpu worker does
        client.wait(job.job_id, poll=0.05, timeout=10)
        result = PluginResult.model_validate(client.result(job.job_id))
        assert result.answers[0].input == "c.png" and result.answers[0].output["text"] == "hi an image 21x10"
        with pytest.raises(ModelError, match="unknown model family"):
            client.submit_plugin([path], "nosuch:x", "caption")
        with pytest.raises(UnsupportedInputError):
            client.submit_plugin([b"plain text"], "fake:x", "caption")


def test_only_a_finished_generate_image_job_serves_images(api, settings):
    response = api.post("/v1/plugin-jobs", files=[("file", ("a.png", png(12)))],
                        data={"model": "fake:org/ckpt", "capability": "caption"})
    job_id = response.json()["job_id"]
    assert api.get(f"/v1/jobs/{job_id}/images/0").json()["error"] == "job_not_finished"
    run_plugin_job(services(settings), job_id)
    refused = api.get(f"/v1/jobs/{job_id}/images/0")
    assert refused.status_code == 422 and "a caption result holds no generated images" in refused.json()["message"]
    assert api.get(f"/v1/jobs/{job_id}/images/-1").status_code == 422
    assert api.get("/v1/jobs/0123456789abcdef0123456789abcdef/images/0").json()["error"] == "job_not_found"

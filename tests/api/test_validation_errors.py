"""Validation errors of what a client sends — form fields of ``POST /v1/jobs``, the ``request`` and ``options``
JSON of ``POST /v1/plugin-jobs`` — are all 422 ``invalid_request`` with one line naming the field as the
client wrote it (one formatter, :func:`docai.errors.validation_message`); a pydantic error raised inside the
server is not the client's: a logged 500."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pydantic import BaseModel


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, format="PNG")
    return buffer.getvalue()


pytestmark = pytest.mark.usefixtures("fake_registry")  # the shared one (tests/conftest.py)


def refused(response) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == "invalid_request", body
    assert "\n" not in body["message"] and len(body["message"]) <= 500
    return body["message"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"batch_size": "many"}, "batch_size: Input should be a valid integer"),
    ({"batch_size": "0"}, "batch_size: Input should be greater than or equal to 1"),
    ({"recompute": "maybe"}, "recompute: Input should be a valid boolean"),
    ({"ocr_dpi": "high"}, "ocr_dpi: Input should be a valid integer"),
    ({"ocr_dpi": "9000"}, "ocr_dpi: Input should be less than or equal to 600"),
])
def test_wrong_field_types_on_a_conversion_job(api, simple_pdf, fields, message):
    assert refused(api.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)}, data=fields)).startswith(message)


def test_a_file_field_sent_as_text(api):
    assert refused(api.post("/v1/jobs", data={"file": "not a file"})).startswith("file: Expected UploadFile")


@pytest.mark.parametrize(("data", "message"), [
    ({"capability": "vqa", "request": "{not json"}, "request: not valid JSON"),
    ({"capability": "vqa", "request": "[1]"}, "request: must be a JSON object"),
    ({"capability": "vqa", "request": "[" * 100_000 + "]" * 100_000}, "request: JSON nested too deeply"),
    ({"capability": "vqa", "request": "{}"}, "request.question: Field required"),
    ({"capability": "vqa", "request": '{"question": 5}'}, "request.question: Input should be a valid string"),
    ({"capability": "caption", "request": '{"generation": {"max_new_tokens": "many"}}'},
     "request.generation.max_new_tokens: Input should be a valid integer"),
    ({"capability": "caption", "options": "{bad"}, "options: not valid JSON"),
    ({"capability": "caption", "options": '{"prefix": 5}'}, "options.prefix: Input should be a valid string"),
    ({"capability": "caption", "options": '{"colour": 1}'}, "options.colour: Extra inputs are not permitted"),
    ({"capability": "teleport"}, "capability: Input should be"),
])
def test_bad_request_and_options_json_on_a_plugin_job(api, data, message):
    response = api.post("/v1/plugin-jobs", files=[("file", ("a.png", png()))], data={"model": "fake:x", **data})
    assert refused(response).startswith(message)


def test_every_field_wrong_is_named_on_one_line(api, simple_pdf):
    message = refused(api.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)},
                               data={"batch_size": "many", "ocr_dpi": "high"}))
    assert "batch_size: " in message and "; ocr_dpi: " in message


def test_a_validation_error_inside_the_server_is_a_500_not_the_clients(make_app, monkeypatch, caplog):
    from fastapi.testclient import TestClient

    class Stored(BaseModel):
        pages_total: int

    def damaged_record(job_id, *, settings=None):
        return Stored.model_validate({"pages_total": "garbled"})  # e.g. a record the server cannot read

    app = make_app()
    with TestClient(app, raise_server_exceptions=False) as client:
        monkeypatch.setattr(app.state.jobs, "get_status", damaged_record, raising=False)
        response = client.get(f"/v1/jobs/{'a' * 32}")
    assert response.status_code == 500, response.text
    assert response.json() == {"error": "internal_error", "message": "internal server error (see the server log)"}

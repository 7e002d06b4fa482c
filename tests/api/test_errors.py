"""DocaiErrors and every other failure become a status code and a one-line JSON body, never a traceback."""

from __future__ import annotations

import pymupdf
import pytest
from fastapi.testclient import TestClient

from docai import errors as e
from docai.api import create_app
from docai.api.errors import status_for


@pytest.mark.parametrize(("error", "status"), [
    (e.UnsupportedInputError, 415), (e.LimitExceededError, 413), (e.CorruptDocumentError, 422),
    (e.EncryptedDocumentError, 422), (e.EmptyDocumentError, 422), (e.PageRangeError, 422),
    (e.InputError, 400), (e.ConfigError, 422), (e.ModelError, 422), (e.JobError, 409), (e.DocaiError, 400),
])
def test_status_for_each_error_class(error, status):
    assert status_for(error("x")) == status


def test_an_unregistered_subclass_inherits_its_parents_status():
    class OddPages(e.PageRangeError):
        code = "odd_pages"

    assert status_for(OddPages("x")) == 422


def test_queue_unavailable_is_503():
    from docai.queue.jobs import QueueUnavailableError

    assert status_for(QueueUnavailableError("down")) == 503


def _encrypted_pdf(simple_pdf: bytes) -> bytes:
    doc = pymupdf.open(stream=simple_pdf, filetype="pdf")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    doc.close()
    return data


@pytest.mark.parametrize(("content", "fields", "status", "code"), [
    (b"hello, not a document", {}, 415, "unsupported_input"),
    (b"%PDF-1.4\n1 0 obj <<", {}, 422, "corrupt_document"),
    (b"", {}, 422, "empty_document"),
    ("simple", {"pages": "7"}, 422, "page_range"),
    ("simple", {"pages": "two-three"}, 422, "page_range"),
    ("simple", {"engine": "magic"}, 422, "invalid_request"),
    ("simple", {"ocr_dpi": "9000"}, 422, "invalid_request"),
    ("simple", {"batch_size": "many"}, 422, "invalid_request"),
    ("encrypted", {}, 422, "encrypted"),
    ("encrypted", {"password": "wrong"}, 422, "encrypted"),
])
def test_bad_submissions_map_to_status_and_code(api, simple_pdf, content, fields, status, code):
    if content == "simple":
        content = simple_pdf
    elif content == "encrypted":
        content = _encrypted_pdf(simple_pdf)
    response = api.post("/v1/jobs", files={"file": ("doc.pdf", content)}, data=fields)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["message"] and "\n" not in body["message"] and "Traceback" not in body["message"]


def test_the_right_password_is_accepted(api, simple_pdf):
    response = api.post("/v1/jobs", files={"file": ("doc.pdf", _encrypted_pdf(simple_pdf))},
                        data={"password": "secret"})
    assert response.status_code == 202, response.text


def test_missing_file_is_422_with_one_line(api):
    response = api.post("/v1/jobs", data={"pages": "1"})
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_request", "message": "file: Field required"}


def test_unknown_route_and_method_are_json(api):
    assert api.get("/v2/nothing").json()["error"] == "not_found"
    response = api.delete("/v1/jobs")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


def test_unreachable_queue_is_503(settings, simple_pdf):
    dead = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(dead)) as client:
        response = client.post("/v1/jobs", files={"file": ("doc.pdf", simple_pdf)})
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "queue_unavailable"
        status = client.get("/v1/jobs/" + "a" * 32)
        assert status.status_code == 503


class Exploding:
    def __getattr__(self, name):
        def boom(*args, **kwargs):
            raise RuntimeError("secret internal detail /srv/docai/x.py line 3")
        return boom


def test_unexpected_errors_are_500_without_details(settings):
    with TestClient(create_app(settings, job_backend=Exploding()), raise_server_exceptions=False) as client:
        response = client.get("/v1/jobs/" + "a" * 32)
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "internal server error (see the server log)"}

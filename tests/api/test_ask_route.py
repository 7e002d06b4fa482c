"""``POST /v1/ask``: validated like a conversion, plus the question and a model name (never a path)."""

from __future__ import annotations

import pytest

from docai.queue.jobs import services

MODEL = "tests/tiny-docvqa"


@pytest.fixture
def model_installed(storage_dir):
    """A model directory where the workers look for ``MODEL`` (enough for submit-time checks)."""
    directory = storage_dir / "models" / MODEL
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{}")


def _ask(api, pdf, **fields):
    return api.post("/v1/ask", files={"file": ("invoice.pdf", pdf)}, data=fields)


def test_ask_queues_a_job(api, settings, simple_pdf, model_installed):
    response = _ask(api, simple_pdf, question="  What page is this? ", model=MODEL, pages="2")
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "ask" and job["state"] == "queued" and job["pages_total"] == 1
    request = services(settings).store.request(job["job_id"])
    assert (request.question, request.model, request.options["pages"]) == ("What page is this?", MODEL, "2")
    pending = api.get(f"/v1/jobs/{job['job_id']}/result")
    assert pending.status_code == 409


def test_a_model_that_is_not_installed_is_422(api, simple_pdf):
    response = _ask(api, simple_pdf, question="Total?", model="nobody/absent-model")
    assert response.status_code == 422
    assert response.json()["error"] == "model_error"


@pytest.mark.parametrize(("fields", "field"), [
    ({"question": "", "model": MODEL}, "question"),
    ({"question": "   ", "model": MODEL}, "question"),
    ({"question": "x" * 1001, "model": MODEL}, "question"),
    ({"question": "Total?"}, "model"),
    ({"question": "Total?", "model": "../../etc"}, "model"),
    ({"question": "Total?", "model": "/srv/models/donut"}, "model"),
])
def test_bad_ask_requests_never_reach_the_job_functions(api, jobs, simple_pdf, fields, field):
    response = _ask(api, simple_pdf, **fields)
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(f"{field}:")
    assert not jobs.calls


def test_ask_checks_the_document_too(api, model_installed):
    response = _ask(api, b"not a pdf", question="Total?", model=MODEL)
    assert response.status_code == 415


def test_an_ask_result_is_json_only(api, settings, simple_pdf, model_installed):
    import json

    from docai.queue.jobs import result_key

    job = _ask(api, simple_pdf, question="Which page?", model=MODEL).json()
    answer = {"question": "Which page?", "answer": "two", "page": 2, "confidence": 0.9, "candidates": []}
    services(settings).storage.put(result_key(job["job_id"]), json.dumps(answer).encode())
    services(settings).store.mark_succeeded(job["job_id"])
    assert api.get(f"/v1/jobs/{job['job_id']}/result").json() == answer
    as_md = api.get(f"/v1/jobs/{job['job_id']}/result", params={"format": "md"})
    assert as_md.status_code == 422 and "JSON only" in as_md.json()["message"]

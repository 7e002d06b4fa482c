"""Submit, status and result against the real job functions and a real Redis (no worker needed:
the job state is driven the way a worker would drive it)."""

from __future__ import annotations

import socket

import docai
from docai.queue.jobs import result_key, services
from schemas.document import Document


def _submit(api, pdf: bytes, **fields) -> dict:
    response = api.post("/v1/jobs", files={"file": ("report.pdf", pdf, "application/pdf")}, data=fields)
    assert response.status_code == 202, response.text
    return response.json() | {"location": response.headers["location"]}


def test_submit_returns_202_with_a_queued_status(api, simple_pdf):
    job = _submit(api, simple_pdf, pages="2-3", engine="text")
    assert job["state"] == "queued" and job["kind"] == "convert"
    assert (job["pages_done"], job["pages_total"]) == (0, 2)
    assert job["location"] == f"/v1/jobs/{job['job_id']}"


def test_submit_passes_the_options_on(api, settings, simple_pdf):
    job = _submit(api, simple_pdf, pages="1", engine="ocr", ocr_dpi="200", recompute="true", batch_size="2")
    request = services(settings).store.request(job["job_id"])
    assert request.filename == "report.pdf"
    assert request.options["pages"] == "1" and request.options["engine"] == "ocr"
    assert request.options["ocr_dpi"] == 200 and request.options["recompute"] is True
    assert request.options["batch_size"] == 2


def test_status_shows_progress(api, settings, simple_pdf):
    job = _submit(api, simple_pdf)
    store = services(settings).store
    store.mark_running(job["job_id"])
    store.record_pages(job["job_id"], [0, 1])
    status = api.get(job["location"]).json()
    assert status["state"] == "running"
    assert (status["pages_done"], status["pages_total"]) == (2, 3)


def test_result_is_409_until_the_job_finishes(api, simple_pdf):
    job = _submit(api, simple_pdf)
    response = api.get(f"{job['location']}/result")
    assert response.status_code == 409
    assert response.json()["error"] == "job_not_finished"
    assert "queued" in response.json()["message"]


def test_result_of_a_failed_job_says_why(api, settings, simple_pdf):
    job = _submit(api, simple_pdf)
    services(settings).store.mark_failed(job["job_id"], "page_range", "page 9 is out of range")
    response = api.get(f"{job['location']}/result?format=md")
    assert response.status_code == 422
    assert response.json() == {"error": "job_failed", "message": "page 9 is out of range",
                               "job_id": job["job_id"], "cause": "page_range"}
    status = api.get(job["location"]).json()
    assert status["state"] == "failed" and status["error_code"] == "page_range"


def _finish(settings, job_id: str, document: Document) -> None:
    """Store a result and mark the job done, as the assemble task does."""
    svc = services(settings)
    svc.storage.put(result_key(job_id), document.model_dump_json().encode())
    svc.store.mark_succeeded(job_id)


def test_result_as_json_and_markdown(api, settings, simple_pdf):
    job = _submit(api, simple_pdf)
    document = docai.convert(simple_pdf)
    _finish(settings, job["job_id"], document)
    as_json = api.get(f"{job['location']}/result")
    assert as_json.headers["content-type"] == "application/json"
    assert Document.model_validate(as_json.json()) == document
    as_md = api.get(f"{job['location']}/result", params={"format": "md"})
    assert as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text == document.markdown and "page number 2" in as_md.text


def test_result_format_is_checked(api, simple_pdf):
    job = _submit(api, simple_pdf)
    response = api.get(f"{job['location']}/result", params={"format": "xml"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_a_result_gone_from_storage_is_410(api, settings, simple_pdf):
    job = _submit(api, simple_pdf)
    services(settings).store.mark_succeeded(job["job_id"])
    response = api.get(f"{job['location']}/result")
    assert response.status_code == 410 and response.json()["error"] == "result_gone"


def test_healthz(api):
    body = api.get("/healthz").json()
    assert body == {"status": "ok", "version": docai.__version__}


def test_readyz_pings_redis(api, settings):
    assert api.get("/readyz").json() == {"status": "ready", "version": docai.__version__}


def test_readyz_503_when_redis_is_down(storage_dir):
    from fastapi.testclient import TestClient

    from docai.api.app import create_app
    from docai.settings import Settings
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = Settings(broker_url=f"redis://127.0.0.1:{port}/0", storage_dir=storage_dir)
    with TestClient(create_app(down)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["error"] == "queue_unavailable"

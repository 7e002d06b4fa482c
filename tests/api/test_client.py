"""``DocaiClient`` against a real uvicorn serving the app (real Redis; the job state is driven the way
a worker drives it)."""

from __future__ import annotations

import threading
import time

import pytest

import docai
from docai.client import DocaiClient, error_class
from docai.errors import (
    ConfigError,
    EncryptedDocumentError,
    InputError,
    JobError,
    LimitExceededError,
    PageRangeError,
    UnsupportedInputError,
)
from docai.queue.jobs import result_key, services
from schemas.document import Document
from schemas.jobs import JobState


@pytest.fixture
def client(live_url):
    with DocaiClient(live_url, timeout=10) as c:
        yield c


def _finish_later(settings, job_id: str, document: Document, delay: float = 0.3) -> threading.Thread:
    """Act as the worker: run, report progress page by page, store the result, succeed."""
    def work():
        svc = services(settings)
        svc.store.mark_running(job_id)
        for position in range(len(document.pages)):
            time.sleep(delay / 3)
            svc.store.record_pages(job_id, [position])
        svc.storage.put(result_key(job_id), document.model_dump_json().encode())
        svc.store.mark_succeeded(job_id)

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_submit_wait_result(client, settings, simple_pdf, tmp_path):
    path = tmp_path / "three pages.pdf"
    path.write_bytes(simple_pdf)
    job = client.submit(path, pages="1-3", engine="text")
    assert job.state is JobState.queued and job.pages_total == 3
    document = docai.convert(simple_pdf, engine="text")
    seen = []
    worker = _finish_later(settings, job.job_id, document)
    final = client.wait(job.job_id, poll=0.02, timeout=10, progress=lambda done, total: seen.append((done, total)))
    worker.join()
    assert final.state is JobState.succeeded
    assert seen[0][0] <= 1 and seen[-1] == (3, 3) and seen == sorted(seen)
    assert client.result(job.job_id) == document
    assert client.result(job.job_id, format="md") == document.markdown
    assert services(settings).store.request(job.job_id).filename == "three pages.pdf"


def test_convert_in_one_call(client, settings, simple_pdf, jobs):
    document = docai.convert(simple_pdf)

    def worker():  # finishes whatever job gets submitted
        deadline = time.monotonic() + 10
        while not jobs.returned and time.monotonic() < deadline:
            time.sleep(0.01)
        _finish_later(settings, jobs.returned[0][1].job_id, document, delay=0).join()

    thread = threading.Thread(target=worker)
    thread.start()
    markdown = client.convert(simple_pdf, format="md", poll=0.02, timeout=10, pages="1-3")
    thread.join()
    assert markdown == document.markdown


def test_server_errors_keep_their_class_and_message(client, simple_pdf):
    with pytest.raises(UnsupportedInputError, match="not a PDF"):
        client.submit(b"plain text")
    with pytest.raises(PageRangeError):
        client.submit(simple_pdf, pages="9")
    with pytest.raises(ConfigError, match="engine"):
        client.submit(simple_pdf, engine="magic")
    with pytest.raises(LimitExceededError) as info:
        client.submit(simple_pdf + b"%" * (1024 * 1024))
    assert info.value.status_code == 413


def test_job_problems_are_job_errors(client, settings, simple_pdf):
    with pytest.raises(JobError, match="no job"):
        client.status("0" * 32)
    with pytest.raises(JobError, match="nothing at"):
        client.result("../../etc/passwd")
    with pytest.raises(JobError, match="32 hex digits"):
        client.result("not-a-job.id")
    job = client.submit(simple_pdf)
    with pytest.raises(JobError, match="is queued"):
        client.result(job.job_id)
    with pytest.raises(JobError, match="did not finish within"):
        client.wait(job.job_id, poll=0.01, timeout=0.05)
    services(settings).store.mark_failed(job.job_id, "corrupt_document", "page 2 is damaged")
    with pytest.raises(JobError, match="page 2 is damaged"):
        client.wait(job.job_id)
    with pytest.raises(JobError, match="page 2 is damaged"):
        client.result(job.job_id)


def test_api_key_is_sent(make_app, serve):
    url = serve(make_app(api_key="k-123"))
    with DocaiClient(url) as anonymous, pytest.raises(JobError, match="API key is required"):
        anonymous.status("0" * 32)
    with DocaiClient(url, api_key="k-123") as keyed, pytest.raises(JobError, match="no job"):
        keyed.status("0" * 32)
    with DocaiClient(url, api_key="k-123") as keyed:
        assert keyed.health()["status"] == "ok"


def test_unknown_options_and_formats_fail_locally(client, simple_pdf):
    with pytest.raises(ConfigError, match="cache_dir"):
        client.submit(simple_pdf, cache_dir="/tmp/x")
    with pytest.raises(ConfigError):
        client.result("0" * 32, format="xml")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        client.submit("/no/such/file.pdf")


def test_an_unreachable_server_is_a_job_error():
    with DocaiClient("http://127.0.0.1:1", timeout=1) as c, pytest.raises(JobError, match="cannot reach"):
        c.status("0" * 32)


def test_error_class():
    assert error_class("encrypted") is EncryptedDocumentError
    assert error_class("job_not_finished") is JobError
    assert error_class("invalid_request") is ConfigError
    assert error_class("something_new").__name__ == "DocaiError"

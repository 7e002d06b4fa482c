"""Submit-time checks: a bad request raises one clear DocaiError and nothing reaches the queue."""

from __future__ import annotations

import pymupdf
import pytest

from docai.errors import (
    ConfigError,
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InputError,
    JobError,
    LimitExceededError,
    ModelError,
    PageRangeError,
    UnsupportedInputError,
)
from docai.queue import jobs
from docai.settings import Settings
from schemas.jobs import JobKind, JobState


def encrypted_pdf(simple_pdf: bytes) -> bytes:
    doc = pymupdf.open(stream=simple_pdf, filetype="pdf")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="secret")
    doc.close()
    return data


def nothing_queued(cluster) -> bool:
    client = cluster.redis.client()
    return not client.keys("docai:job:*") and client.llen("cpu") == 0 and client.llen("gpu") == 0


@pytest.mark.parametrize(("make", "options", "error", "message"), [
    (lambda pdf: b"", {}, EmptyDocumentError, "empty"),
    (lambda pdf: b"hello, not a pdf", {}, UnsupportedInputError, "not a PDF"),
    (lambda pdf: b"%PDF-1.7\n" + b"\x00garbage" * 50, {}, CorruptDocumentError, "in.pdf: damaged"),
    (lambda pdf: pdf, {"pages": "2-9"}, PageRangeError, "out of range"),
    (lambda pdf: pdf, {"pages": "x"}, PageRangeError, "bad page selection"),
    (lambda pdf: pdf, {"limits": {"max_pages": 2}}, LimitExceededError, "page limit"),
    (lambda pdf: pdf, {"limits": {"max_file_bytes": 10}}, LimitExceededError, "file size limit"),
    (lambda pdf: pdf, {"engine": "teleport"}, ConfigError, "unknown engine .teleport."),
    (lambda pdf: pdf, {"engine": "nougat"}, ConfigError, "--engine nougat needs nougat_model"),
    (lambda pdf: pdf, {"cache_dir": "/etc"}, ConfigError, "cache_dir cannot be set"),
    (lambda pdf: pdf, {"nonsense": 1}, ConfigError, "nonsense: Extra inputs are not permitted"),
    (encrypted_pdf, {}, EncryptedDocumentError, "encrypted"),
    (encrypted_pdf, {"password": "wrong"}, EncryptedDocumentError, "wrong password"),
])
def test_bad_convert_requests_never_reach_a_worker(redis_only, simple_pdf, make, options, error, message):
    with pytest.raises(error, match=message) as info:
        jobs.submit_convert(make(simple_pdf), "in.pdf", options, settings=redis_only.settings)
    assert "\n" not in str(info.value)
    assert nothing_queued(redis_only)


def test_upload_limit_is_checked(redis_only, simple_pdf):
    settings = redis_only.settings.model_copy(update={"max_upload_bytes": 100})
    with pytest.raises(LimitExceededError, match="DOCAI_MAX_UPLOAD_BYTES"):
        jobs.submit_convert(simple_pdf, "big.pdf", {}, settings=settings)
    assert nothing_queued(redis_only)


@pytest.mark.parametrize(("question", "model", "pages", "error", "message"), [
    ("  ", "owner/donut", None, InputError, "question is empty"),
    ("q" * 1001, "owner/donut", None, InputError, "limit is 1000"),
    ("What?", "../../etc", None, ModelError, "not a model name"),
    ("What?", "/abs/path", None, ModelError, "not a model name"),
    ("What?", "nobody/no-such-model-here", None, ModelError, "not available"),
    ("What?", "local/docvqa", "7", PageRangeError, "out of range"),
])
def test_bad_ask_requests_never_reach_a_worker(redis_only, simple_pdf, question, model, pages, error, message):
    (redis_only.settings.storage_dir / "models" / "local" / "docvqa").mkdir(parents=True)
    (redis_only.settings.storage_dir / "models" / "local" / "docvqa" / "config.json").write_text("{}")
    with pytest.raises(error, match=message):
        jobs.submit_ask(simple_pdf, "in.pdf", question, {"model": model, "pages": pages},
                         settings=redis_only.settings)
    assert nothing_queued(redis_only)


def test_a_good_ask_is_queued_on_the_gpu_queue(redis_only, simple_pdf):
    (redis_only.settings.storage_dir / "models" / "local" / "docvqa").mkdir(parents=True)
    (redis_only.settings.storage_dir / "models" / "local" / "docvqa" / "config.json").write_text("{}")
    status = jobs.submit_ask(simple_pdf, "in.pdf", " Who? ", {"model": "local/docvqa", "pages": "1-2"},
                             settings=redis_only.settings)
    assert (status.kind, status.state, status.pages_total) == (JobKind.ask, JobState.queued, 2)
    client = redis_only.redis.client()
    assert client.llen("gpu") == 1 and client.llen("cpu") == 0
    assert jobs.services(redis_only.settings).store.request(status.job_id).question == "Who?"


def test_a_good_convert_is_stored_by_reference(redis_only, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "in.pdf", {"pages": "1,3"}, settings=redis_only.settings)
    assert (status.state, status.pages_total, len(status.job_id)) == (JobState.queued, 2, 32)
    client = redis_only.redis.client()
    message = client.lindex("cpu", 0)
    assert message and status.job_id.encode() in message and b"%PDF" not in message  # ids travel, not bytes
    request = jobs.services(redis_only.settings).store.request(status.job_id)
    assert jobs.services(redis_only.settings).storage.get(request.document_ref) == simple_pdf
    assert request.options["pages"] == "1,3" and request.filename == "in.pdf"
    assert jobs.get_status(status.job_id, settings=redis_only.settings).state is JobState.queued
    with pytest.raises(JobError, match="not finished: queued, 0/2 pages"):
        jobs.get_result(status.job_id, settings=redis_only.settings)


def test_unknown_and_malformed_jobs(redis_only):
    with pytest.raises(JobError, match="no job"):
        jobs.get_status("f" * 32, settings=redis_only.settings)
    with pytest.raises(JobError, match="not a job id"):
        jobs.get_result("../../results/x", settings=redis_only.settings)


def test_unreachable_queue_is_one_clear_error(tmp_path, simple_pdf):
    from tests.support.cluster import free_port

    settings = Settings(broker_url=f"redis://127.0.0.1:{free_port()}/0", storage_dir=tmp_path)
    with pytest.raises(jobs.QueueUnavailableError, match="cannot reach the job queue"):
        jobs.submit_convert(simple_pdf, "in.pdf", {}, settings=settings)
    with pytest.raises(JobError, match="cannot reach"):
        jobs.get_status("a" * 32, settings=settings)


def test_filenames_are_display_names_only():
    assert jobs.clean_filename("a\x00b\nc.pdf") == "abc.pdf"
    assert jobs.clean_filename("") == "<bytes>"
    assert len(jobs.clean_filename("x" * 1000)) == 255

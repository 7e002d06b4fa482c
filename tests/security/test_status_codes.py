"""Replayed requests that used to get the wrong status or leak internals (issue 8 §3): each now gets the
right status code and one line, and no path, Redis address or traceback reaches the client."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docai.api import create_app
from docai.errors import JobError
from docai.queue.jobs import result_key, services
from docai.queue.storage import check_key
from docai.queue.store import check_job_id
from schemas.jobs import JobKind, JobRequest
from tests.support.cluster import free_port


def assert_one_line(response, status: int, code: str, *, hidden: tuple[str, ...] = ()) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert "\n" not in body["message"] and "Traceback" not in body["message"]
    for secret in hidden:
        assert secret not in response.text
    return body


def finished_job(settings, kind: JobKind, result: bytes | None) -> str:
    """A succeeded job of ``kind`` whose stored result is ``result`` (None: nothing written)."""
    svc = services(settings)
    job_id = os.urandom(16).hex()
    svc.store.create(job_id, JobRequest(kind=kind, document_ref="documents/" + "0" * 64, filename="a.pdf"), 1)
    if result is not None:
        svc.storage.put(result_key(job_id), result)
    svc.store.mark_succeeded(job_id)
    return job_id


def test_a_5000_digit_page_number_is_a_page_range_error(api, simple_pdf):
    response = api.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)}, data={"pages": "1" * 5000})
    body = assert_one_line(response, 422, "page_range")
    assert len(body["message"]) < 200


@pytest.mark.parametrize("kind", [JobKind.ask, JobKind.convert])
@pytest.mark.parametrize("result", [b"{not json", b"[1, 2]", b'{"pages": "nope"}'])
def test_a_corrupt_stored_result_is_a_server_error(api, settings, storage_dir, kind, result):
    if kind is JobKind.ask and result == b'{"pages": "nope"}':
        result = b"\xff\xfe"
    job_id = finished_job(settings, kind, result)
    response = api.get(f"/v1/jobs/{job_id}/result")
    assert_one_line(response, 500, "storage_error", hidden=(str(storage_dir),))


def test_a_directory_in_place_of_a_result_is_a_server_error(api, settings, storage_dir):
    job_id = finished_job(settings, JobKind.convert, None)
    (storage_dir / "blobs" / "results" / f"{job_id}.json").mkdir(parents=True)
    response = api.get(f"/v1/jobs/{job_id}/result")
    assert_one_line(response, 500, "storage_error", hidden=(str(storage_dir),))


def test_a_full_disk_is_507_storage_full_without_the_path(api, storage_dir, simple_pdf, monkeypatch):
    """The upload is staged into /dev/full: the kernel's own ENOSPC, not a simulated exception."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp_on_full_disk(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr("docai.queue.uploads.tempfile.mkstemp", mkstemp_on_full_disk)
    response = api.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf * 300)})
    assert_one_line(response, 507, "storage_full", hidden=(str(storage_dir),))
    assert not any((storage_dir / "incoming").iterdir())


def test_an_unwritable_storage_hides_its_path(make_app, tmp_path, simple_pdf):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the storage directory should be")
    with TestClient(make_app(storage_dir=blocked / "storage")) as client:
        response = client.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)})
    body = assert_one_line(response, 500, "storage_error", hidden=(str(tmp_path),))
    assert errno.errorcode[errno.ENOTDIR] not in body["message"]


def test_readyz_does_not_tell_where_redis_is(settings, caplog):
    port = str(free_port())  # nothing listens there
    dead = settings.model_copy(update={"broker_url": f"redis://:hunter2@127.0.0.1:{port}/0"})
    with TestClient(create_app(dead)) as client:
        response = client.get("/readyz")
    assert_one_line(response, 503, "queue_unavailable", hidden=(port, "127.0.0.1", "hunter2"))
    assert f"127.0.0.1:{port}" in caplog.text and "hunter2" not in caplog.text  # the operator's log has it


def test_an_unreachable_queue_does_not_tell_where_redis_is(settings, simple_pdf):
    dead = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(dead)) as client:
        response = client.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)})
    assert_one_line(response, 503, "queue_unavailable", hidden=("127.0.0.1:1",))


@pytest.mark.parametrize("job_id", ["a" * 32 + "\n", "a" * 32 + "\n" + "b", "A" * 32, "a" * 31, "a" * 33])
def test_job_ids_are_matched_whole(job_id):
    with pytest.raises(JobError):
        check_job_id(job_id)


@pytest.mark.parametrize("key", ["results/x.json\n", "documents/abc\n", "a/../b"])
def test_storage_keys_are_matched_whole(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_a_job_id_with_a_newline_is_404_over_http(api):
    response = api.get("/v1/jobs/" + "a" * 32 + "%0A")
    assert_one_line(response, 404, "job_not_found")


def test_tasks_drop_a_message_with_a_bad_job_id_before_touching_anything(monkeypatch):
    from workers import tasks

    def no_services():
        raise AssertionError("a bad job id reached the job services")

    monkeypatch.setattr(tasks, "_services", no_services)
    for task in (tasks.plan, tasks.assemble, tasks.ask):
        assert task.run("a" * 32 + "\n") is None
        assert task.run({"not": "an id"}) is None
    assert tasks.pages.run("../../etc", {"name": "0", "items": []}) is None


def test_messages_name_no_storage_path(settings, storage_dir):
    job_id = finished_job(settings, JobKind.ask, json.dumps({"answer": "x"}).encode())
    assert str(storage_dir) not in json.dumps(services(settings).store.status(job_id).model_dump(mode="json"))
    assert Path(storage_dir).is_dir()


def test_a_worker_bug_does_not_show_its_exception_text_to_clients(settings, monkeypatch, caplog):
    from workers import tasks

    svc = services(settings)
    job_id = os.urandom(16).hex()
    svc.store.create(job_id, JobRequest(kind=JobKind.convert, document_ref="documents/" + "0" * 64), 1)

    def buggy_step(svc, job_id):
        raise RuntimeError("cannot open /srv/secret/storage/blobs/x at redis://10.0.0.5:6379")

    monkeypatch.setattr(tasks, "_services", lambda: svc)
    monkeypatch.setattr(tasks, "plan_job", buggy_step)
    tasks.plan.run(job_id)
    status = svc.store.status(job_id)
    assert status.state.value == "failed" and status.error_code == "internal_error"
    assert "/srv/secret" not in status.error and "10.0.0.5" not in status.error
    assert "RuntimeError" in status.error and "/srv/secret" in caplog.text

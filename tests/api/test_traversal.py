"""No path from a client reaches the filesystem: malformed job ids stop before any lookup, file names
are metadata only, model names cannot be paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.api.validation import check_model_name, clean_filename
from docai.queue.jobs import services

BAD_JOB_IDS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "0123456789abcdef0123456789abcde.",
    "0123456789abcdef0123456789abcdef%00",
    "0123456789ABCDEF0123456789ABCDEF",
    "0123456789abcdef0123456789abcdef/../../x",
    "..",
]


def _snapshot(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")} if root.exists() else set()


@pytest.mark.parametrize("job_id", BAD_JOB_IDS)
@pytest.mark.parametrize("suffix", ["", "/result", "/result?format=md"])
def test_bad_job_ids_never_reach_the_job_functions(api, jobs, job_id, suffix):
    response = api.get(f"/v1/jobs/{job_id}{suffix}")
    assert response.status_code in (404, 405), response.text
    body = response.json()
    assert set(body) >= {"error", "message"}
    assert "Traceback" not in response.text
    assert not [c for c in jobs.calls if c[0] in ("get_status", "get_result")]


def test_a_well_formed_unknown_id_is_looked_up_and_not_found(api, jobs):
    job_id = "0" * 32
    response = api.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 404
    assert response.json()["error"] == "job_not_found"
    assert ("get_status", (job_id,)) in jobs.calls


@pytest.mark.parametrize("filename", [
    "../../../../tmp/evil.pdf",
    "/etc/passwd",
    "..\\..\\windows\\evil.pdf",
    "C:\\Windows\\System32\\evil.pdf",
    "%2e%2e%2fevil.pdf",
    "....//....//evil.pdf",
    ".hidden.pdf",
    "evil\x00.pdf",
])
def test_filenames_are_metadata_only(api, settings, storage_dir, tmp_path, simple_pdf, filename):
    before_outside = {p.name for p in tmp_path.parent.iterdir()}
    response = api.post("/v1/jobs", files={"file": (filename, simple_pdf, "application/pdf")})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    stored = {p.relative_to(storage_dir).as_posix() for p in storage_dir.rglob("*") if p.is_file()}
    assert stored and all(name.startswith("blobs/documents/") for name in stored)
    assert {p.name for p in tmp_path.parent.iterdir()} == before_outside
    shown = services(settings).store.request(job_id).filename
    assert "/" not in shown and "\\" not in shown and not shown.startswith(".") and "\x00" not in shown


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("C:evil.pdf", "evil.pdf"),
    ("/abs/path/report.pdf", "report.pdf"),
    ("..", "upload"),
    ("", "upload"),
    (None, "upload"),
    ("a\x00b\x1f.pdf", "ab.pdf"),
    ("résumé.pdf", "résumé.pdf"),
    ("x" * 500 + ".pdf", "x" * 200),
])
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("name", ["../models/x", "/models/donut", "~/models", "./local", "a/b/c", "a\\b",
                                  "owner/..", "C:/models", "http://host/x"])
def test_model_names_cannot_be_paths(name):
    from docai.api.errors import ApiError

    with pytest.raises(ApiError) as info:
        check_model_name(name)
    assert info.value.status == 422


@pytest.mark.parametrize("name", ["naver-clova-ix/donut-base-finetuned-docvqa", "gpt2", "facebook/nougat-small"])
def test_hub_ids_are_model_names(name):
    assert check_model_name(name) == name


def test_a_path_as_nougat_model_is_refused_before_submit(api, jobs, simple_pdf):
    response = api.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)}, data={"nougat_model": "/srv/models/x"})
    assert response.status_code == 422
    assert "paths are not accepted" in response.json()["message"]
    assert not jobs.calls

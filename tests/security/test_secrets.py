"""Replayed: a job with a PDF password runs on a real Redis with appendonly on and a real worker; then
the password is searched for in Redis's append-only file, the storage directory and the logs (issue 8 §4)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pymupdf

from docai.queue import jobs
from docai.sealing import KEY_FILE


def encrypted_pdf(password: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 100), "The sealed quarterly figures are on this page.")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "-owner")
    doc.close()
    return data


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and needle in p.read_bytes()]


def test_the_password_never_reaches_the_aof_or_the_storage(make_cluster):
    password = "pw-" + os.urandom(8).hex()
    cluster = make_cluster(aof=True)
    cluster.worker(concurrency=1)
    status = jobs.submit_convert(encrypted_pdf(password), "secret.pdf", {"password": password},
                                 settings=cluster.settings)
    final = jobs.wait(status.job_id, settings=cluster.settings, timeout=60)
    assert final.state.value == "succeeded", final.error
    assert "quarterly figures" in jobs.get_result(status.job_id, settings=cluster.settings).markdown
    cluster.close()  # flush everything to disk

    aof = [p for p in cluster.tmp.rglob("*") if p.is_file() and ".aof" in p.name]
    assert aof and sum(p.stat().st_size for p in aof) > 0
    for needle in (password.encode(), password.encode().hex().encode()):
        assert files_containing(cluster.tmp, needle) == []  # Redis dir, storage, worker logs

    key = cluster.settings.storage_dir / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

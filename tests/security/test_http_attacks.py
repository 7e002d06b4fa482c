"""Replayed HTTP attacks against a real uvicorn process (issue 8 §3): the key is checked before the body
is read, a body must arrive in time, and nothing an attacker sends is left on disk."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

KEY = "attack-test-key"
BOUNDARY = "docaiattack"


def open_upload(port: int, *, key: str | None, declared: int, first: int) -> socket.socket:
    """A multipart POST /v1/jobs that declares ``declared`` bytes and sends only ``first`` of them."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    headers = ["POST /v1/jobs HTTP/1.1", f"Host: 127.0.0.1:{port}",
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}", f"Content-Length: {declared}"]
    if key:
        headers.append(f"X-API-Key: {key}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    sock.sendall(head + b"x" * (first - len(head)))
    return sock


def read_response(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """What the server answered within ``timeout`` s, and whether it then closed the connection."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except ConnectionResetError:  # closed with the client's unread bytes still in its buffer
        return data, True
    except TimeoutError:
        pass
    return data, False


def files_open_under(pid: int, directory: Path) -> list[str]:
    """Files the process holds open under ``directory`` (deleted temporary files included)."""
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)):
            held.append(target)
    return held


@pytest.fixture
def api(make_cluster, tmp_path):
    spool = tmp_path / "api-tmp"
    spool.mkdir()
    cluster = make_cluster(DOCAI_API_KEY=KEY, DOCAI_MAX_UPLOAD_BYTES=str(4 * 1024 * 1024),
                           DOCAI_BODY_IDLE_TIMEOUT="1", DOCAI_BODY_TIMEOUT="20")
    server = cluster.api(TMPDIR=str(spool))
    server.spool = spool
    return server


def test_many_slow_unauthenticated_uploads_get_401_at_once_and_leave_nothing(api):
    present = sorted(api.spool.iterdir())  # what the process made at start (not the attack's)
    sockets = [open_upload(api.port, key=None, declared=2_000_000, first=256 * 1024) for _ in range(60)]
    started = time.monotonic()
    try:
        for sock in sockets:
            answer, closed = read_response(sock, timeout=3)
            assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
            assert b'"error":"unauthorized"' in answer
            assert closed, "the server keeps the connection of an unauthenticated upload open"
        assert time.monotonic() - started < 10
        assert files_open_under(api.proc.pid, api.spool) == []
        assert sorted(api.spool.iterdir()) == present
    finally:
        for sock in sockets:
            sock.close()


def test_a_wrong_key_is_refused_the_same_way(api):
    sock = open_upload(api.port, key="not-the-key", declared=2_000_000, first=64 * 1024)
    try:
        answer, closed = read_response(sock, timeout=3)
        assert answer.startswith(b"HTTP/1.1 401") and closed
    finally:
        sock.close()


def test_a_stalled_authenticated_upload_gets_408_and_its_spool_is_freed(api):
    sock = open_upload(api.port, key=KEY, declared=3_000_000, first=1_500_000)  # past the 1 MiB spool
    try:
        started = time.monotonic()
        answer, closed = read_response(sock, timeout=8)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b'"error":"request_timeout"' in answer and closed
        assert time.monotonic() - started < 6
    finally:
        sock.close()
    deadline = time.monotonic() + 3
    while files_open_under(api.proc.pid, api.spool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert files_open_under(api.proc.pid, api.spool) == []

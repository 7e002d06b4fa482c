"""The upload limit holds while the body streams: declared or not, a body over it is refused with 413
after reading at most one chunk past the limit."""

from __future__ import annotations

import asyncio

import pytest

from docai.api.limits import FORM_OVERHEAD_BYTES, BodyLimitMiddleware

LIMIT = 1024 * 1024  # the test settings' max_upload_bytes


async def _echo_length(scope, receive, send):
    """A tiny ASGI app that reads the whole body and answers its length."""
    total = 0
    while True:
        message = await receive()
        total += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(total).encode()})


def _run(app, headers, chunks):
    """Drive ``app`` with ``chunks`` as the body; return (status, body, chunks read)."""
    sent: list[dict] = []
    read = 0

    async def receive():
        nonlocal read
        if read >= len(chunks):
            raise AssertionError("read past the end of the body")
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, read


def test_declared_length_over_the_limit_is_refused_unread():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=100)
    status, body, read = _run(app, [(b"content-length", b"101")], [b"x" * 101])
    assert status == 413 and b"limit_exceeded" in body
    assert read == 0


def test_undeclared_body_is_cut_off_while_streaming():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=1000)
    chunks = [b"x" * 100] * 1000  # 100 KB, sent chunked without a length
    status, body, read = _run(app, [], chunks)
    assert status == 413 and b"limit_exceeded" in body
    assert read == 11  # stopped at the first chunk past the limit


def test_a_lying_content_length_does_not_help():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=1000)
    status, _, read = _run(app, [(b"content-length", b"10")], [b"x" * 600] * 10)
    assert status == 413 and read == 2


def test_bodies_within_the_limit_pass():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=1000)
    assert _run(app, [], [b"x" * 500, b"x" * 500])[:2] == (200, b"1000")


def _padded(pdf: bytes, size: int) -> bytes:
    return pdf + b"\n%" + b"p" * (size - len(pdf) - 2)


def test_a_file_at_the_limit_is_accepted(api, simple_pdf):
    response = api.post("/v1/jobs", files={"file": ("big.pdf", _padded(simple_pdf, LIMIT))})
    assert response.status_code == 202, response.text


def test_a_file_one_byte_over_is_413(api, jobs, simple_pdf, storage_dir):
    response = api.post("/v1/jobs", files={"file": ("big.pdf", _padded(simple_pdf, LIMIT + 1))})
    assert response.status_code == 413
    assert response.json()["error"] == "limit_exceeded"
    assert not jobs.returned  # refused while it was staged: no job, nothing stored, nothing left staged
    assert not (storage_dir / "blobs" / "documents").exists()
    assert not any((storage_dir / "incoming").iterdir())


def test_a_huge_declared_upload_is_413_through_the_app(api):
    response = api.post("/v1/jobs", content=b"x" * 10,
                        headers={"content-type": "multipart/form-data; boundary=b",
                                 "content-length": str(LIMIT + FORM_OVERHEAD_BYTES + 1)})
    assert response.status_code == 413
    assert response.json()["error"] == "limit_exceeded"


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/ask"])
def test_a_huge_chunked_upload_is_413_through_the_app(api, jobs, path):
    boundary = b"docaiboundary"

    def body():
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MiB in all, no Content-Length

    response = api.post(path, content=body(),
                        headers={"content-type": "multipart/form-data; boundary=" + boundary.decode()})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "limit_exceeded"
    assert not jobs.calls


def _run_slow(app, delays):
    """Drive ``app`` with one 10-byte chunk after each delay in ``delays``; return (status, body)."""
    sent: list[dict] = []
    index = 0

    async def receive():
        nonlocal index
        if index >= len(delays):
            await asyncio.sleep(3600)  # a client that sends nothing more
        await asyncio.sleep(delays[index])
        index += 1
        return {"type": "http.request", "body": b"x" * 10, "more_body": index < len(delays)}

    async def send(message):
        sent.append(message)

    asyncio.run(app({"type": "http", "method": "POST", "path": "/", "headers": []}, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), start


def test_a_body_that_pauses_too_long_is_408_and_closes():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=0, idle_s=0.2)
    status, body, start = _run_slow(app, [0, 0, 1.0])
    assert status == 408 and b"request_timeout" in body
    assert (b"connection", b"close") in start["headers"]


def test_a_body_that_trickles_past_the_total_limit_is_408():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=0, timeout_s=0.5, idle_s=0.2)
    status, body, _ = _run_slow(app, [0.1] * 20)  # never idle for 0.2 s, 2 s in all
    assert status == 408 and b"0.5 s in all" in body


def test_a_body_in_time_passes():
    app = BodyLimitMiddleware(_echo_length, max_body_bytes=1000, timeout_s=5, idle_s=1)
    assert _run_slow(app, [0.01, 0.01])[:2] == (200, b"20")

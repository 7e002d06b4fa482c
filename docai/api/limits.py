"""Upload size limits enforced while the body streams in, so no request can make the API buffer
an unbounded body.

:class:`BodyLimitMiddleware` refuses a request whose declared ``Content-Length`` is over the limit
before reading a byte, and stops one that sends more than the limit (chunked, or lying about its
length) as soon as the running count passes it. Multipart files spool to a temporary file past
1 MiB (Starlette's form parser), so memory stays bounded; :func:`read_upload` then checks the file
itself against the exact limit.
"""

from __future__ import annotations

from fastapi import UploadFile
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docai.api.errors import error_response
from docai.errors import LimitExceededError

#: room for the multipart boundaries, headers and the small form fields next to the file
FORM_OVERHEAD_BYTES = 64 * 1024

_READ_CHUNK = 1024 * 1024


def too_large_message(limit: int) -> str:
    return f"request body is larger than the upload limit of {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes the limit. It is an HTTPException so that
    FastAPI's form parsing lets it through (it turns other parse errors into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))


class BodyLimitMiddleware:
    """ASGI middleware: at most ``max_body_bytes`` of request body per request (``0`` = no limit)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        if scope["type"] != "http" or limit <= 0:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await error_response(413, "limit_exceeded", too_large_message(limit))(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await error_response(413, "limit_exceeded", too_large_message(limit))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The uploaded file's bytes, refusing (413) a file over ``max_bytes`` (``0`` = no limit)
    without reading more than one chunk past it. Synchronous: call it from a sync route."""
    chunks: list[bytes] = []
    total = 0
    upload.file.seek(0)
    while chunk := upload.file.read(_READ_CHUNK):
        total += len(chunk)
        if max_bytes and total > max_bytes:
            raise LimitExceededError(f"upload is larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)

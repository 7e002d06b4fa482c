"""Upload size and time limits enforced while the body streams in, so no request can make the API
buffer an unbounded body or hold a connection by sending slowly.

:class:`BodyLimitMiddleware` refuses a request whose declared ``Content-Length`` is over the limit
before reading a byte, and stops one that sends more than the limit (chunked, or lying about its
length) as soon as the running count passes it (413). A body that takes longer than ``timeout_s`` in
all, or goes ``idle_s`` without a byte, is answered 408. Multipart files spool to a temporary file past
1 MiB (Starlette's form parser), so memory stays bounded; the route then streams the file to storage.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docai.api.errors import error_response

#: room for the multipart boundaries, headers and the small form fields next to the file
FORM_OVERHEAD_BYTES = 64 * 1024


def too_large_message(limit: int) -> str:
    return f"request body is larger than the upload limit of {limit} bytes"


#: refusals end the connection: the client may still be sending the rest of its body
_CLOSE = {"Connection": "close"}


class BodyRefused(HTTPException):
    """Raised from ``receive`` when the body breaks a limit. It is an HTTPException so that FastAPI's
    form parsing lets it through (it turns other parse errors into a 400)."""

    code = "error"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status_code=status, detail=message, headers=_CLOSE)


class BodyTooLarge(BodyRefused):
    code = "limit_exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyTimeout(BodyRefused):
    code = "request_timeout"

    def __init__(self, message: str) -> None:
        super().__init__(408, message)


class BodyLimitMiddleware:
    """ASGI middleware: at most ``max_body_bytes`` of request body per request (``0`` = no limit),
    received within ``timeout_s`` in all and with no pause longer than ``idle_s`` (``0`` = no limit)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, *, timeout_s: float = 0, idle_s: float = 0) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s
        self.idle_s = idle_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        if scope["type"] != "http" or (limit <= 0 and self.timeout_s <= 0 and self.idle_s <= 0):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if limit > 0 and declared is not None and declared > limit:
            await error_response(413, "limit_exceeded", too_large_message(limit), headers=_CLOSE)(scope, receive, send)
            return
        received = 0
        started = False
        body_done = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s if self.timeout_s > 0 else None

        async def next_message() -> Message:
            if body_done or (deadline is None and self.idle_s <= 0):
                return await receive()
            waits = [w for w in (self.idle_s if self.idle_s > 0 else None,
                                 deadline - loop.time() if deadline is not None else None) if w is not None]
            try:
                return await asyncio.wait_for(receive(), timeout=max(0.0, min(waits)))
            except TimeoutError:
                raise BodyTimeout(self._timeout_message()) from None

        async def limited_receive() -> Message:
            nonlocal received, body_done
            message = await next_message()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if 0 < limit < received:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyRefused as exc:
            if started:
                raise
            await error_response(exc.status_code, exc.code, exc.detail, headers=_CLOSE)(scope, receive, send)

    def _timeout_message(self) -> str:
        limits = [f"{self.timeout_s:g} s in all" if self.timeout_s > 0 else "",
                  f"{self.idle_s:g} s without data" if self.idle_s > 0 else ""]
        return f"the request body was not received in time (limits: {', '.join(x for x in limits if x)})"


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None

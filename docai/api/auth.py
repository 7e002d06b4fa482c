"""Optional API key: when ``DOCAI_API_KEY`` is set, every request outside the open paths (health and
API docs) must carry it as an ``X-API-Key`` header or an ``Authorization: Bearer`` token.

The check is :class:`ApiKeyMiddleware`, a pure ASGI middleware that reads only the request headers: a
request without the right key is answered 401 (``Connection: close``) before a byte of its body is
read, so unauthenticated clients can neither spool uploads to disk nor hold a connection open by
sending slowly. Keys are compared in constant time. The dependencies below only declare the two
schemes in the OpenAPI document.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from docai.api.errors import error_response
from docai.errors import ConfigError

#: paths anyone may reach: liveness, readiness and the API's own documentation
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the server's DOCAI_API_KEY")
bearer = HTTPBearer(auto_error=False, description="the server's DOCAI_API_KEY as a bearer token")

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer", "Connection": "close"}


def keys_match(given: str, expected: str) -> bool:
    """Constant-time comparison of a key from a header with the configured one (time does not depend
    on where they differ). Header values arrive decoded as latin-1, so their raw bytes are compared
    with the UTF-8 bytes of the configured key (non-ASCII keys work)."""
    try:
        raw = given.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(raw, expected.encode("utf-8"))


def key_from_headers(headers: Headers) -> str | None:
    """The key a request carries: its ``X-API-Key`` header, else its ``Authorization: Bearer`` token."""
    given = headers.get("x-api-key")
    if given is not None:
        return given
    scheme, _, credentials = (headers.get("authorization") or "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


class ApiKeyMiddleware:
    """ASGI middleware: 401 for a request outside :data:`OPEN_PATHS` without the key, body unread."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.api_key or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = key_from_headers(Headers(scope=scope))
        if given is None:
            message = "an API key is required (X-API-Key header or Bearer token)"
        elif not keys_match(given, self.api_key):
            message = "the API key is not valid"
        else:
            await self.app(scope, receive, send)
            return
        await error_response(401, "unauthorized", message, headers=_UNAUTHORIZED_HEADERS)(scope, receive, send)


def document_api_key(
    _key: Annotated[str | None, Depends(api_key_header)] = None,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> None:
    """Route dependency that only declares the key schemes in OpenAPI (the middleware checks the key)."""


#: the environment variable that lets ``docai serve`` listen beyond loopback without a key
ALLOW_NO_AUTH_ENV = "DOCAI_ALLOW_NO_AUTH"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, api_key: str | None, *, insecure_no_auth: bool = False,
                   env: Mapping[str, str] | None = None) -> None:
    """Refuse (ConfigError) to serve beyond loopback without an API key, unless explicitly told to
    (``--insecure-no-auth`` or ``DOCAI_ALLOW_NO_AUTH=1``, e.g. behind a proxy that authenticates)."""
    env = os.environ if env is None else env
    allowed = insecure_no_auth or env.get(ALLOW_NO_AUTH_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
    if api_key or allowed or is_loopback(host):
        return
    raise ConfigError(f"refusing to serve on {host} without an API key: set DOCAI_API_KEY, or pass "
                      f"--insecure-no-auth ({ALLOW_NO_AUTH_ENV}=1) if something in front authenticates clients")

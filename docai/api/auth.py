"""Optional API key: when ``DOCAI_API_KEY`` is set, every ``/v1`` request must carry it as an
``X-API-Key`` header or an ``Authorization: Bearer`` token. Keys are compared in constant time."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from docai.api.errors import ApiError

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the server's DOCAI_API_KEY")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

bearer = HTTPBearer(auto_error=False, description="the server's DOCAI_API_KEY as a bearer token")


def keys_match(given: str, expected: str) -> bool:
    """Constant-time comparison of a key from a header with the configured one (time does not depend
    on where they differ). Header values arrive decoded as latin-1, so their raw bytes are compared
    with the UTF-8 bytes of the configured key (non-ASCII keys work)."""
    try:
        raw = given.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(raw, expected.encode("utf-8"))


def require_api_key(
    request: Request,
    header_key: Annotated[str | None, Depends(api_key_header)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> None:
    """Dependency: pass when no key is configured or the request carries the right one, else 401."""
    expected = request.app.state.api_key
    if not expected:
        return
    given = header_key if header_key is not None else (credentials.credentials if credentials else None)
    if given is None:
        raise ApiError(401, "unauthorized", "an API key is required (X-API-Key header or Bearer token)",
                       headers=_CHALLENGE)
    if not keys_match(given, expected):
        raise ApiError(401, "unauthorized", "the API key is not valid", headers=_CHALLENGE)

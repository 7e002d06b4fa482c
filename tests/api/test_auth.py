"""The optional API key: X-API-Key or Bearer, compared in constant time; health and docs stay open."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from docai.api.auth import keys_match

KEY = "s3cret-κey"
UNKNOWN = "/v1/jobs/" + "f" * 32


@pytest.fixture
def locked(make_app):
    with TestClient(make_app(api_key=KEY)) as client:
        yield client


def test_no_key_configured_means_open(api):
    assert api.get(UNKNOWN).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "Basic czNjcmV0"}, {"X-API-Key": ""},
                                     {"X-API-Key": KEY[:-1]}, {"X-API-Key": KEY + "x"}])
def test_missing_or_wrong_key_is_401(locked, jobs, headers):
    headers = {k: v.encode() for k, v in headers.items()}
    response = locked.get(UNKNOWN, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert not jobs.calls


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}])
def test_the_right_key_passes(locked, headers):
    headers = {k: v.encode() for k, v in headers.items()}
    assert locked.get(UNKNOWN, headers=headers).status_code == 404


def test_uploads_are_refused_without_the_key(locked, jobs, simple_pdf):
    response = locked.post("/v1/jobs", files={"file": ("a.pdf", simple_pdf)})
    assert response.status_code == 401
    assert not jobs.calls


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_health_and_docs_need_no_key(locked, path):
    assert locked.get(path).status_code == 200


def test_keys_match_compares_raw_header_bytes():
    as_header = KEY.encode("utf-8").decode("latin-1")  # how Starlette hands a header value over
    assert keys_match(as_header, KEY)
    assert not keys_match(KEY, KEY)  # not the same bytes on the wire
    assert keys_match("plain", "plain")
    assert not keys_match("PLAIN", "plain")
    assert not keys_match("", "plain")
    assert not keys_match("plain\x00", "plain")

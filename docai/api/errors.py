"""How failures look over HTTP: every error is a status code and a JSON body ``{"error", "message"}``.

DocaiErrors map to a status by their class (the most specific registered class wins), request
validation becomes 422 ``invalid_request`` with a one-line message (:func:`docai.errors.validation_message`,
the library's formatter too), and anything unexpected is a logged 500 whose body never carries a traceback —
a pydantic ``ValidationError`` raised inside the server included: the routes validate what a client sent
themselves, so one escaping is the server's fault, not the client's.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from docai.errors import (
    ConfigError,
    CorruptDocumentError,
    DocaiError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InputError,
    JobError,
    LimitExceededError,
    ModelError,
    PageRangeError,
    PageTimeoutError,
    StorageError,
    StorageFullError,
    UnsupportedInputError,
    validation_message,
)

log = logging.getLogger("docai.api")

#: DocaiError class → HTTP status; looked up along the exception's MRO, so subclasses inherit.
STATUS_BY_ERROR: dict[type[DocaiError], int] = {
    UnsupportedInputError: 415,
    LimitExceededError: 413,
    CorruptDocumentError: 422,
    EncryptedDocumentError: 422,
    EmptyDocumentError: 422,
    PageRangeError: 422,
    InputError: 400,
    ConfigError: 422,
    ModelError: 422,
    PageTimeoutError: 422,
    StorageFullError: 507,
    StorageError: 500,
    JobError: 409,
    DocaiError: 400,
}

#: error codes whose status differs from their class's (subclasses defined outside docai.errors)
STATUS_BY_CODE: dict[str, int] = {
    "queue_unavailable": 503,
}

#: error codes for plain HTTP statuses (unknown route, wrong method, auth, …)
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "limit_exceeded",
    415: "unsupported_input",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
    507: "storage_full",
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str = Field(description="machine-readable code, e.g. 'unsupported_input', 'job_not_found'")
    message: str = Field(description="one line for a human")
    job_id: str | None = Field(default=None, description="the job concerned, where there is one")
    cause: str | None = Field(default=None, description="for a failed job: the error code it failed with")


class ApiError(Exception):
    """An error response decided by a route: an explicit status, code and message."""

    def __init__(self, status: int, code: str, message: str, *, job_id: str | None = None,
                 cause: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(error=code, message=one_line(message), job_id=job_id, cause=cause)
        self.headers = headers


def status_for(exc: DocaiError) -> int:
    """The HTTP status of a DocaiError (by its code, else its most specific registered class)."""
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_response(status: int, code: str, message: str, *, job_id: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON error response with the standard body."""
    body = ErrorBody(error=code, message=one_line(message), job_id=job_id)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def one_line(text: str, limit: int = 500) -> str:
    """Collapse whitespace so a message is one line, and keep it short."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def _docai_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocaiError)
    return error_response(status_for(exc), exc.code, str(exc))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body.model_dump(exclude_none=True), status_code=exc.status, headers=exc.headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", validation_message(list(exc.errors())))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, "error")
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing at {request.url.path} (the routes are listed at /docs)"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal server error (see the server log)")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the standard JSON error body."""
    app.add_exception_handler(DocaiError, _docai_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)

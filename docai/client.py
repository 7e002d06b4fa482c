"""A Python client for the docai HTTP API.

>>> from docai.client import DocaiClient
>>> with DocaiClient("http://localhost:8000", api_key="...") as client:   # doctest: +SKIP
...     job = client.submit("paper.pdf", pages="1-3")
...     client.wait(job.job_id, progress=lambda done, total: print(done, total))
...     doc = client.result(job.job_id)                # schemas.Document
...     text = client.result(job.job_id, format="md")  # markdown

Server errors come back as the matching :mod:`docai.errors` class (``UnsupportedInputError``,
``LimitExceededError``, …) with the server's message; job problems (unknown, not finished, failed,
server unreachable) as :class:`docai.errors.JobError`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import quote

import httpx

from docai.errors import ConfigError, DocaiError, InputError, JobError
from schemas.document import Document
from schemas.jobs import JobState, JobStatus
from schemas.plugins import PluginListing, PluginResult

Upload = str | Path | bytes | IO[bytes]
#: called as progress(pages_done, pages_total) whenever a polled job's progress changes
ProgressCallback = Callable[[int, int], None]

def convert_fields() -> tuple[str, ...]:
    """The keyword options :meth:`DocaiClient.submit` accepts, derived like the ``POST /v1/jobs`` form from
    :class:`docai.options.ConvertOptions` (``pages``, ``engine``, ``describe_figures`` …) and each installed
    engine's options class (``ocr_dpi``, ``nougat_model``, ``donut_task`` …)."""
    from docai.options import remote_convert_fields

    return tuple(remote_convert_fields())


def ask_fields() -> tuple[str, ...]:
    """The keyword options :meth:`DocaiClient.ask` accepts besides the question, derived like the ``POST /v1/ask``
    form from :class:`docai.engines.options.AskOptions` (``model``, ``task``, ``pages``, ``dpi`` …)."""
    from docai.engines.options import AskOptions
    from docai.fields import remote_fields

    return tuple(remote_fields(AskOptions))


#: error codes the server sends that are about jobs or the server rather than the document
JOB_CODES = {"job_not_found", "job_not_finished", "job_failed", "result_gone", "queue_unavailable",
             "internal_error", "not_found", "unauthorized", "conflict"}

#: the API's own request-level codes → the library class that means the same
REQUEST_CODES: dict[str, type[DocaiError]] = {"invalid_request": ConfigError, "bad_request": InputError}


def error_class(code: str) -> type[DocaiError]:
    """The :class:`DocaiError` subclass for a server error ``code`` (JobError for job codes)."""
    if code in JOB_CODES:
        return JobError
    if code in REQUEST_CODES:
        return REQUEST_CODES[code]
    pending = [DocaiError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls
        pending.extend(cls.__subclasses__())
    return DocaiError


class DocaiClient:
    """Talks to one docai API server. Use as a context manager, or call :meth:`close`."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", api_key: str | None = None, *,
                 timeout: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> DocaiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def submit(self, document: Upload, *, filename: str | None = None, **options: Any) -> JobStatus:
        """Queue a conversion of ``document`` (a path, bytes or a binary stream).

        ``options`` are those of :func:`convert_fields`: ``pages``, ``engine``, ``password``, ``batch_size``,
        ``recompute``, ``keep_furniture``, ``describe_figures`` and each installed engine's options as
        ``<engine>_<field>`` (``ocr_dpi``, ``nougat_model`` …).
        """
        fields = _fields(options, convert_fields())
        return JobStatus.model_validate(self._post("/v1/jobs", document, filename, fields))

    def ask(self, document: Upload, question: str, model: str, *, filename: str | None = None,
            **options: Any) -> JobStatus:
        """Queue a question about ``document`` with DocVQA model ``model`` (a model name); the job's result is
        the answer JSON. ``options`` are those of :func:`ask_fields` (``pages``, ``task``, ``dpi`` …)."""
        fields = _fields({"model": model, **options}, ask_fields())
        return JobStatus.model_validate(self._post("/v1/ask", document, filename, {"question": question, **fields}))

    def models(self) -> PluginListing:
        """The server's plugins and model families (``GET /v1/models``)."""
        return PluginListing.model_validate(self._request("GET", "/v1/models").json())

    def submit_plugin(self, inputs: list[Upload], model: str, capability: str, request: dict | None = None, *,
                      options: dict | None = None, pages: str | None = None) -> JobStatus:
        """Queue ``capability`` (``caption``, ``vqa`` …) of plugin model ``model`` (``FAMILY:CHECKPOINT``, the
        checkpoint a model name) over ``inputs`` (paths, bytes or streams); ``request`` is the capability's
        request (``schemas.plugins``), ``options`` the family's model options."""
        fields = {"model": model, "capability": str(capability), "request": json.dumps(request or {}),
                  "options": json.dumps(options or {})}
        if pages:
            fields["pages"] = pages
        with ExitStack() as stack:  # every input streamed from its open file, all closed after the request
            files = [("file", stack.enter_context(_upload(item, None))) for item in inputs]
            response = self._request("POST", "/v1/plugin-jobs", files=files or None, data=fields)
        return JobStatus.model_validate(response.json())

    def run_plugin(self, inputs: list[Upload], model: str, capability: str, request: dict | None = None, *,
                   options: dict | None = None, pages: str | None = None, poll: float = 0.5,
                   timeout: float | None = None) -> PluginResult:
        """Submit a plugin job, wait for it and return its :class:`PluginResult` (the remote twin of
        ``docai caption`` and friends)."""
        job = self.submit_plugin(inputs, model, capability, request, options=options, pages=pages)
        self.wait(job.job_id, poll=poll, timeout=timeout)
        return PluginResult.model_validate(self.result(job.job_id))

    def image(self, job_id: str, index: int = 0) -> bytes:
        """The PNG of prompt ``index`` (from 0) of a finished ``generate_image`` job
        (``GET /v1/jobs/{id}/images/{index}``)."""
        return self._request("GET", f"/v1/jobs/{_quote(job_id)}/images/{int(index)}").content

    def save_images(self, job_id: str, output: str | Path) -> list[Path]:
        """Write the PNGs of a finished ``generate_image`` job to ``output`` (one image) or ``OUT-1.png``,
        ``OUT-2.png`` … (several), as ``docai generate -o`` does; the paths written."""
        from docai.plugins.generated import generated_images, write_images

        return write_images(generated_images(self._request("GET", f"/v1/jobs/{_quote(job_id)}/result").json()),
                            Path(output))

    def generate(self, prompts: list[str], model: str, output: str | Path, *, image: Upload | None = None,
                 options: dict | None = None, poll: float = 0.5, timeout: float | None = None,
                 **request: Any) -> list[Path]:
        """Draw one image per prompt with ``model`` (``FAMILY:CHECKPOINT``, the checkpoint a model name) on the
        server's gpu workers and write them as :meth:`save_images` does: the remote twin of ``docai generate``.
        ``request`` holds the other :class:`schemas.plugins.GenerateImageRequest` fields (``seed``, ``width``,
        ``height``, ``steps``, ``guidance``, ``negative_prompt``); ``image`` conditions every prompt (LaVIT)."""
        job = self.submit_plugin([image] if image is not None else [], model, "generate_image",
                                 {"prompts": list(prompts), **request}, options=options)
        self.wait(job.job_id, poll=poll, timeout=timeout)
        return self.save_images(job.job_id, output)

    def status(self, job_id: str) -> JobStatus:
        """Where the job stands, with ``pages_done``/``pages_total``."""
        return JobStatus.model_validate(self._request("GET", f"/v1/jobs/{_quote(job_id)}").json())

    def result(self, job_id: str, format: Literal["json", "md"] = "json") -> Document | dict | str:
        """A finished job's result: a :class:`schemas.Document` (``json``), its markdown (``md``), or
        for an ask job the answer as a dict. JobError while the job runs or if it failed."""
        if format not in ("json", "md"):
            raise ConfigError(f"format must be 'json' or 'md', not {format!r}")
        response = self._request("GET", f"/v1/jobs/{_quote(job_id)}/result", params={"format": format})
        if format == "md":
            return response.text
        data = response.json()
        return Document.model_validate(data) if isinstance(data, dict) and "pages" in data else data

    def wait(self, job_id: str, *, poll: float = 0.5, timeout: float | None = None,
             progress: ProgressCallback | None = None) -> JobStatus:
        """Poll until the job has finished and return its status; JobError if it failed or did not
        finish within ``timeout`` seconds. ``progress(done, total)`` is called when progress moves."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: tuple[int, int] | None = None
        while True:
            status = self.status(job_id)
            if progress and (status.pages_done, status.pages_total) != seen:
                seen = (status.pages_done, status.pages_total)
                progress(*seen)
            if status.state is JobState.succeeded:
                return status
            if status.state is JobState.failed:
                raise JobError(f"job {job_id} failed: {status.error or 'no reason given'}")
            if deadline is not None and time.monotonic() >= deadline:
                raise JobError(f"job {job_id} did not finish within {timeout:g} s (it is {status.state.value})")
            time.sleep(poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))

    def convert(self, document: Upload, *, format: Literal["json", "md"] = "json", poll: float = 0.5,
                timeout: float | None = None, progress: ProgressCallback | None = None,
                **options: Any) -> Document | str:
        """Submit, wait and fetch in one call: the remote twin of :func:`docai.convert`."""
        job = self.submit(document, **options)
        self.wait(job.job_id, poll=poll, timeout=timeout, progress=progress)
        result = self.result(job.job_id, format=format)
        assert isinstance(result, Document | str)
        return result

    def health(self) -> dict:
        """The server's ``/healthz`` answer."""
        return self._request("GET", "/healthz").json()

    def _post(self, path: str, document: Upload, filename: str | None, fields: dict[str, str]) -> dict:
        with _upload(document, filename) as (name, content):
            return self._request("POST", path, files={"file": (name, content)}, data=fields).json()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise JobError(f"docai server at {self.base_url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise JobError(f"cannot reach docai server at {self.base_url}: {exc}") from None
        if response.is_error:
            raise _server_error(response)
        return response


def _server_error(response: httpx.Response) -> DocaiError:
    try:
        body = response.json()
        code, message = str(body["error"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "error", f"HTTP {response.status_code}: {response.text[:200].strip() or response.reason_phrase}"
    error = error_class(code)(message)
    error.status_code = response.status_code  # the HTTP status, for callers that want it
    return error


@contextmanager
def _upload(document: Upload, filename: str | None) -> Iterator[tuple[str, bytes | IO[bytes]]]:
    """The (name, content) of an upload; a path is streamed from its open file, never read whole."""
    if isinstance(document, bytes | bytearray):
        yield filename or "upload", bytes(document)
        return
    if isinstance(document, str | Path):
        path = Path(document)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InputError(f"{path}: {exc.strerror or exc}") from None
        with handle:
            yield filename or path.name, handle
        return
    yield filename or Path(getattr(document, "name", "upload") or "upload").name, document


def _fields(options: dict[str, Any], known: tuple[str, ...]) -> dict[str, str]:
    """``options`` as form fields (None left out); an option the server would not take is a ConfigError."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ConfigError(f"unknown option(s) {', '.join(unknown)}: use {', '.join(known)}")
    return {k: _form_value(v) for k, v in options.items() if v is not None}


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def _quote(job_id: str) -> str:
    return quote(job_id, safe="")

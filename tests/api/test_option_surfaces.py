"""Options declared once: every field of an options class is a CLI flag, and each field a queued job may set
(its class's ``REMOTE``) is an HTTP form field and a Python client argument — derived, never listed by hand.
Each test walks the options class, so a field added to the class but missing from a surface fails here."""

from __future__ import annotations

import inspect
import json

import httpx
import pytest

from docai.client import DocaiClient, ask_fields, convert_fields
from docai.engines import engine_fields
from docai.engines.options import AskOptions, ClassifyOptions, ExtractOptions
from docai.errors import ConfigError
from docai.fields import remote_fields
from docai.options import ConvertOptions, remote_convert_fields

DONUT_VERBS = [("extract", ExtractOptions), ("ask", AskOptions), ("classify", ClassifyOptions)]


def command(name: str):
    from docai.cli import main

    return main.get_command(None, name)


def flags_of(cmd) -> dict[str, set[str]]:
    """Each parameter's name → its flags (``--x``, ``-x``, ``--no-x``)."""
    return {p.name: {*p.opts, *p.secondary_opts} for p in cmd.params}


def form_of(api, schema: str) -> dict:
    return api.get("/openapi.json").json()["components"]["schemas"][schema]["properties"]


@pytest.mark.parametrize("cls", [ConvertOptions, ExtractOptions, AskOptions, ClassifyOptions])
def test_remote_fields_are_fields_of_their_class(cls):
    assert set(cls.model_fields) >= cls.REMOTE, cls.REMOTE - set(cls.model_fields)


@pytest.mark.parametrize("name", ["convert", "submit"])
def test_every_conversion_option_is_a_flag_of_convert_and_submit(name):
    flags = flags_of(command(name))
    # not flags of their own: the cache (--no-cache/--cache-dir), the limits (--max-*) and engine_options (flat)
    for field in set(ConvertOptions.model_fields) - {"use_cache", "cache_dir", "limits", "engine_options"}:
        assert "--" + field.replace("_", "-") in flags.get(field, ()), field
    for flat, field in engine_fields().items():
        assert field.flag in flags.get(flat, ()), flat
    assert "--no-cache" in flags["no_cache"] and "--max-pages" in flags["max_pages"]


@pytest.mark.parametrize(("name", "cls"), DONUT_VERBS)
def test_every_donut_option_is_a_flag_and_a_library_keyword(name, cls):
    from docai.engines import donut

    flags = flags_of(command(name))
    for field in set(cls.model_fields) - {"limits"}:
        assert "--" + field.replace("_", "-") in flags.get(field, ()), field
    assert {"-m", "-t", "-p"} <= flags["model"] | flags["task"] | flags["pages"]
    library = inspect.signature(getattr(donut, name)).parameters
    assert set(cls.model_fields) <= set(library), set(cls.model_fields) - set(library)
    assert library["task"].default == cls.model_fields["task"].default


def test_every_remote_conversion_option_is_a_form_field_and_a_client_argument(api):
    form = form_of(api, "Body_submit_job_v1_jobs_post")
    assert set(form) == {"file", *ConvertOptions.REMOTE, *engine_fields()}
    assert set(convert_fields()) == set(form) - {"file"} == set(remote_convert_fields())


def test_every_remote_ask_option_is_a_form_field_and_a_client_argument(api):
    form = form_of(api, "Body_ask_v1_ask_post")
    assert set(form) == {"file", "question", *AskOptions.REMOTE}
    assert set(ask_fields()) == set(form) - {"file", "question"} == set(remote_fields(AskOptions))


def sample(field) -> object:
    """A value of the field's type that its constraints accept."""
    kind = field.kind
    return True if kind is bool else 7 if kind is int else "x"


def test_the_client_posts_every_argument_as_its_form_field(tmp_path):
    """Through a transport that records the form: each derived argument reaches the request body."""
    posted: list[dict[str, list[str]]] = []

    def record(request: httpx.Request) -> httpx.Response:
        body = request.read().decode("latin-1")
        fields = {}
        for part in body.split("Content-Disposition: form-data; name=\"")[1:]:
            name, _, rest = part.partition("\"")
            fields[name] = rest.split("\r\n\r\n", 1)[1].rsplit("\r\n--", 1)[0] if "\r\n\r\n" in rest else ""
        posted.append(fields)
        return httpx.Response(202, json={"job_id": "0" * 32, "state": "queued", "kind": "convert",
                                         "submitted_at": "2026-01-01T00:00:00Z"})

    document = tmp_path / "a.pdf"
    document.write_bytes(b"%PDF-1.4")
    convert = {name: sample(field) for name, field in remote_convert_fields().items()}
    ask = {name: sample(field) for name, field in remote_fields(AskOptions).items() if name != "model"}
    with DocaiClient("http://docai.test", transport=httpx.MockTransport(record)) as client:
        client.submit(document, **convert)
        client.ask(document, "Total?", "owner/model", **ask)
        with pytest.raises(ConfigError, match="unknown option"):
            client.submit(document, cache_dir="/tmp")
        with pytest.raises(ConfigError, match="unknown option"):
            client.ask(document, "Total?", "owner/model", device="cuda")
    assert set(convert) <= set(posted[0]) and posted[0]["describe_figures"] == "x"
    assert {"question", "model", *ask} <= set(posted[1]) and posted[1]["dpi"] == "7"
    assert json.dumps(posted)  # plain strings only


def test_ask_options_travel_with_the_queued_question(api, settings, simple_pdf, storage_dir):
    from docai.queue.jobs import services

    model = storage_dir / "models" / "tests" / "docvqa"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    response = api.post("/v1/ask", files={"file": ("a.pdf", simple_pdf)},
                        data={"question": "Total?", "model": "tests/docvqa", "dpi": "96", "max_length": "12",
                              "task": "docvqa", "pages": "2"})
    assert response.status_code == 202, response.text
    stored = AskOptions.model_validate(services(settings).store.request(response.json()["job_id"]).options)
    assert (stored.model, stored.dpi, stored.max_length, stored.pages) == ("tests/docvqa", 96, 12, "2")
    bad = api.post("/v1/ask", files={"file": ("a.pdf", simple_pdf)},
                   data={"question": "Total?", "model": "tests/docvqa", "dpi": "9000"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("dpi:")


def test_a_queued_question_refuses_what_only_an_in_process_run_may_set(settings, simple_pdf):
    from docai.queue import jobs

    with pytest.raises(ConfigError, match="device cannot be set for a queued job"):
        jobs.submit_ask(simple_pdf, "a.pdf", "Total?", {"model": "tests/docvqa", "device": "cuda"}, settings=settings)
    with pytest.raises(ConfigError, match="allow_pickle cannot be set"):
        jobs.submit_ask(simple_pdf, "a.pdf", "Total?", AskOptions(model="tests/docvqa", allow_pickle=True),
                        settings=settings)

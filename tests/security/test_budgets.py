"""Replayed attacks on the resource budgets (issue 8 §2), in-process: pages of a million tiny operators,
forms that multiply them, many pages sharing one hostile stream, and slow routing, hashing or engines
that must all fit in one page budget; a soft time limit that an engine swallows."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest
from billiard.pool import soft_timeout_sighandler

import docai
from docai import budget
from docai.errors import LimitExceededError
from docai.ingest.cost import scan_content
from docai.ingest.source import open_source as load_source
from docai.options import Limits
from docai.queue import jobs
from docai.settings import Settings
from schemas.document import Route
from tests.security.hostile import nested_form_pdf, shared_stream_pdf, text_operator_pdf
from workers.limits import watch_soft_time_limit


def test_scan_counts_operators_not_operands_strings_or_inline_images():
    content = b"q [(a)10(b)]TJ 1 0 0 RG/F1 12 Tf T* (x Tj y)' /Im1 Do\n/Im1 Do BI /W 1 ID \x00Tj EI Q % Tj"
    assert scan_content(content) == (10, {"Im1": 2})  # q TJ RG Tf T* ' Do Do BI Q


def test_a_page_of_a_million_tiny_text_operators_is_refused_before_extraction():
    data = text_operator_pdf(1_000_000)
    assert len(data) < 120_000  # the attack: ~100 KB that took 100 s and 2.8 GB in a worker
    doc = docai.convert(data)
    (page,) = doc.pages
    assert page.route is Route.failed
    (error,) = page.errors
    assert error.code == "limit_exceeded" and "500,000 content operators" in error.message
    assert "--max-page-operators" in error.message


def test_forms_count_once_per_draw():
    data = nested_form_pdf(draws=1000, operators_per_form=1000)  # a few KB drawing a million operators
    (error,) = docai.convert(data).pages[0].errors
    assert error.code == "limit_exceeded"
    with load_source(data, limits=Limits(max_page_operators=0)) as src:
        assert src.pages()[0].content_cost().operators == 1000 * 1000 + 1000  # the forms, and the Do that draws each


def test_many_pages_sharing_one_hostile_stream_are_refused_at_submit(tmp_path):
    data = shared_stream_pdf(pages=2000, operators=20_000)  # each page is under its limit; together 40 M
    assert len(data) < 500_000
    with pytest.raises(LimitExceededError, match="over 20,000,000 content operators together"):
        docai.convert(data)
    settings = Settings(broker_url="redis://127.0.0.1:1/0", storage_dir=tmp_path)  # refused before Redis is asked
    with pytest.raises(LimitExceededError, match="--max-document-operators"):
        jobs.submit_convert(data, "shared.pdf", {}, settings=settings)
    with pytest.raises(LimitExceededError, match="max-document-operators"):
        docai.convert(data, pages="1-1001")  # the limit is on the pages selected
    with load_source(data, pages="1-900") as src:  # under the limit: accepted
        assert src.check_cost().operators == 900 * 20_000


def test_routing_hashing_and_the_engine_share_one_page_budget(monkeypatch, simple_pdf):
    import docai.pipeline as pipeline
    from docai.engines.textlayer import TextLayerEngine

    route = pipeline.route_page

    def slow_route(ctx, options):
        time.sleep(0.35)
        return route(ctx, options)

    process = TextLayerEngine.process

    def slow_engine(self, pages):
        time.sleep(0.35)
        return process(self, pages)

    monkeypatch.setattr(pipeline, "route_page", slow_route)
    monkeypatch.setattr(TextLayerEngine, "process", slow_engine)
    doc = docai.convert(simple_pdf, pages="1", limits=Limits(page_timeout_s=0.5))
    (error,) = doc.pages[0].errors  # each part alone fits in 0.5 s; together they do not
    assert error.code == "page_timeout" and "0.5 s" in error.message


def test_slow_routing_alone_times_the_page_out(monkeypatch, simple_pdf):
    import docai.pipeline as pipeline

    monkeypatch.setattr(pipeline, "route_page", lambda ctx, options: time.sleep(5))
    start = time.monotonic()
    doc = docai.convert(simple_pdf, pages="1-2", limits=Limits(page_timeout_s=0.3))
    assert time.monotonic() - start < 4
    assert [p.errors[0].code for p in doc.pages] == ["page_timeout", "page_timeout"]
    assert all(p.route is Route.failed for p in doc.pages)


def test_slow_hashing_counts_against_the_page_budget(monkeypatch, simple_pdf):
    import docai.ingest.source as source

    fingerprint = source.page_fingerprint

    def slow_fingerprint(ctx):
        time.sleep(5)
        return fingerprint(ctx)

    monkeypatch.setattr(source, "page_fingerprint", slow_fingerprint)
    (error,) = docai.convert(simple_pdf, pages="2", limits=Limits(page_timeout_s=0.3)).pages[0].errors
    assert error.code == "page_timeout"


@pytest.fixture
def celery_soft_limit_handler():
    """The SIGUSR1 handler billiard installs in a pool process, wrapped as a worker task wraps it."""
    previous = signal.signal(signal.SIGUSR1, soft_timeout_sighandler)
    watch_soft_time_limit("the task reached its soft time limit of 1 s (DOCAI_TASK_SOFT_TIME_LIMIT)")
    budget.start_run()
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR1, previous)
        budget.start_run()


def test_a_swallowed_soft_time_limit_still_fails_the_page_and_the_rest(celery_soft_limit_handler, monkeypatch,
                                                                        simple_pdf):
    """Before: ``except Exception`` turned Celery's SoftTimeLimitExceeded into a page error and the batch ran
    on into the hard kill. Now the page in progress and those after it fail with ``task_timeout``."""
    from docai.engines.textlayer import TextLayerEngine

    process = TextLayerEngine.process

    def careless_engine(self, pages):
        if pages[0].number == 2:
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1)).start()
            with contextlib.suppress(Exception):  # what a careless engine does
                time.sleep(3)
        return process(self, pages)

    monkeypatch.setattr(TextLayerEngine, "process", careless_engine)
    start = time.monotonic()
    doc = docai.convert(simple_pdf, use_cache=False, batch_size=1)
    assert time.monotonic() - start < 2.5
    codes = [[e.code for e in p.errors] for p in doc.pages]
    assert codes == [[], ["task_timeout"], ["task_timeout"]]
    assert "soft time limit of 1 s" in doc.pages[1].errors[0].message
    assert "was not run" in doc.pages[2].errors[0].message
    assert "page number 1" in doc.markdown


def test_http_refuses_the_shared_stream_pdf_with_413_and_stores_nothing(api, settings):
    data = shared_stream_pdf(pages=2000, operators=20_000)
    response = api.post("/v1/jobs", files={"file": ("shared.pdf", data)})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "limit_exceeded"
    documents = settings.storage_dir / "blobs" / "documents"
    assert not documents.exists() or not any(documents.iterdir())

"""The job steps called directly (no broker, no worker): the same Document as in-process, idempotent."""

from __future__ import annotations

import pytest

import docai
from docai import jobs
from docai.jobwork import assemble_job, make_batches, plan_job, queue_for, run_batch
from docai.pipeline import route_pages
from schemas.document import Route
from schemas.jobs import JobState
from tests.workers.conftest import strip_run_details


@pytest.fixture
def svc(redis_only):
    return jobs.services(redis_only.settings)


def run_steps(svc, job_id: str) -> list:
    batches = plan_job(svc, job_id)
    completions = [run_batch(svc, job_id, batch) for batch in batches]
    assert completions[-1] and not any(completions[:-1])  # only the last batch sees the job complete
    assert assemble_job(svc, job_id)
    return batches


def test_steps_give_the_in_process_document(svc, make_pdf):
    data = make_pdf([[((72, 100), f"Step page {i} has enough text to be routed to text.", 11)] for i in range(5)]
                    + [[]])  # an empty page: routed to OCR, on the gpu queue
    status = jobs.submit_convert(data, "steps.pdf", {"pages": "6,1-5"}, settings=svc.settings)
    batches = run_steps(svc, status.job_id)
    assert [(b.route, len(b.items)) for b in batches] == [(Route.ocr, 1), (Route.text, 2), (Route.text, 2),
                                                        (Route.text, 1)]
    assert queue_for(Route.ocr, svc.settings) == "gpu" and queue_for(Route.text, svc.settings) == "cpu"
    result = jobs.get_result(status.job_id, settings=svc.settings)
    local = docai.convert(data, pages="6,1-5", use_cache=False)
    local.source = "steps.pdf"
    assert [p.number for p in result.pages] == [6, 1, 2, 3, 4, 5]
    assert strip_run_details(result) == strip_run_details(local)


def test_redelivered_steps_are_harmless(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "again.pdf", {}, settings=svc.settings)
    batches = run_steps(svc, status.job_id)
    first = jobs.get_result(status.job_id, settings=svc.settings)
    # every step delivered again after the job finished: nothing changes, nothing runs
    assert plan_job(svc, status.job_id) == []
    assert not run_batch(svc, status.job_id, batches[0])
    assert not assemble_job(svc, status.job_id)
    assert jobs.get_result(status.job_id, settings=svc.settings) == first


def test_a_batch_redelivered_mid_job_counts_once(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "mid.pdf", {}, settings=svc.settings)
    batches = plan_job(svc, status.job_id)
    assert not run_batch(svc, status.job_id, batches[0])
    assert not run_batch(svc, status.job_id, batches[0])
    assert jobs.get_status(status.job_id, settings=svc.settings).pages_done == 2
    assert plan_job(svc, status.job_id) == batches[1:]  # a re-planned job only re-sends unfinished batches
    assert run_batch(svc, status.job_id, batches[1])
    assert assemble_job(svc, status.job_id)
    assert jobs.get_status(status.job_id, settings=svc.settings).state is JobState.succeeded


def test_a_failed_job_stops_its_remaining_steps(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "stop.pdf", {}, settings=svc.settings)
    batches = plan_job(svc, status.job_id)
    svc.store.mark_failed(status.job_id, "poison_message", "gave up")
    assert not run_batch(svc, status.job_id, batches[0])
    assert jobs.get_status(status.job_id, settings=svc.settings).pages_done == 0


def test_batches_group_by_route_in_order(simple_pdf):
    from docai.ingest.source import open_source
    from docai.options import ConvertOptions

    with open_source(simple_pdf) as src:
        routed = route_pages(src.pages(), ConvertOptions())
        batches = make_batches(routed, 2)
    assert [[i.position for i in b.items] for b in batches] == [[0, 1], [2]]
    assert batches[1].describe() == "batch 1 (page 3, text)"

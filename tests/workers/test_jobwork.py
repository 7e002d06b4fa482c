"""The job steps called directly (no broker, no worker): the same Document as in-process, idempotent."""

from __future__ import annotations

import pytest

import docai
from docai.engines import clear_engines
from docai.engines.base import EngineOutput
from docai.queue import jobs
from docai.queue.steps import assemble_job, plan_job, queue_for, run_batch, slice_pages
from schemas.document import Block, BlockKind, Route
from schemas.jobs import JobState
from tests.support.engines import replace_engine_factory
from tests.workers.conftest import strip_run_details


class FakeOcr:
    """Stands in for the OCR engine (whose models take seconds to load): one paragraph per page."""

    name = "ocr"
    version = "fake"

    def cache_options(self):
        return {}

    def process(self, pages):
        return [EngineOutput(blocks=[Block(kind=BlockKind.paragraph, text=f"ocr of page {p.number}")]) for p in pages]


def make_fake_ocr(options) -> FakeOcr:
    return FakeOcr()


@pytest.fixture
def svc(redis_only, monkeypatch):
    replace_engine_factory(monkeypatch, "ocr", "tests.workers.test_jobwork:make_fake_ocr")
    clear_engines()
    yield jobs.services(redis_only.settings)
    clear_engines()


def run_steps(svc, job_id: str) -> list:
    """Run every step as the tasks would, in order; return every batch that ran."""
    pending, ran, completions = plan_job(svc, job_id), [], []
    while pending:
        batch = pending.pop(0)
        complete, forwards = run_batch(svc, job_id, batch)
        ran.append(batch)
        completions.append(complete)
        pending.extend(forwards)
    assert completions[-1] and not any(completions[:-1])  # only the last batch sees the job complete
    assert assemble_job(svc, job_id)
    return ran


def test_steps_give_the_in_process_document(svc, make_pdf):
    data = make_pdf([[((72, 100), f"Step page {i} has enough text to be routed to text.", 11)] for i in range(5)]
                    + [[]])  # an empty page: routed to OCR, on the gpu queue
    status = jobs.submit_convert(data, "steps.pdf", {"pages": "6,1-5"}, settings=svc.settings)
    batches = run_steps(svc, status.job_id)
    assert [(b.name, b.route, len(b.items)) for b in batches] == [
        ("0", None, 2), ("1", None, 2), ("2", None, 2), ("0-ocr", Route.ocr, 1)]  # page 6 is forwarded
    assert queue_for(Route.ocr, svc.settings) == "gpu" and queue_for(Route.text, svc.settings) == "cpu"
    result = jobs.get_result(status.job_id, settings=svc.settings)
    local = docai.convert(data, pages="6,1-5", use_cache=False)
    local.source = "steps.pdf"
    assert [p.number for p in result.pages] == [6, 1, 2, 3, 4, 5]
    assert result.pages[0].markdown.strip() == "ocr of page 6"
    assert strip_run_details(result) == strip_run_details(local)


def test_redelivered_steps_are_harmless(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "again.pdf", {}, settings=svc.settings)
    batches = run_steps(svc, status.job_id)
    first = jobs.get_result(status.job_id, settings=svc.settings)
    # every step delivered again after the job finished: nothing changes, nothing runs
    assert plan_job(svc, status.job_id) == []
    assert run_batch(svc, status.job_id, batches[0]) == (False, [])
    assert not assemble_job(svc, status.job_id)
    assert jobs.get_result(status.job_id, settings=svc.settings) == first


def test_a_batch_redelivered_mid_job_counts_once(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "mid.pdf", {}, settings=svc.settings)
    batches = plan_job(svc, status.job_id)
    assert run_batch(svc, status.job_id, batches[0]) == (False, [])
    stored = svc.storage.get(f"jobs/{status.job_id}/batch-0.json")
    assert run_batch(svc, status.job_id, batches[0]) == (False, [])  # redelivered: re-records, runs nothing
    assert svc.storage.get(f"jobs/{status.job_id}/batch-0.json") == stored
    assert jobs.get_status(status.job_id, settings=svc.settings).pages_done == 2
    assert plan_job(svc, status.job_id) == batches  # a re-planned job re-sends its slices, all harmless
    assert run_batch(svc, status.job_id, batches[1])[0]
    assert assemble_job(svc, status.job_id)
    assert jobs.get_status(status.job_id, settings=svc.settings).state is JobState.succeeded


def test_a_failed_job_stops_its_remaining_steps(svc, simple_pdf):
    status = jobs.submit_convert(simple_pdf, "stop.pdf", {}, settings=svc.settings)
    batches = plan_job(svc, status.job_id)
    svc.store.mark_failed(status.job_id, "poison_message", "gave up")
    assert run_batch(svc, status.job_id, batches[0]) == (False, [])
    assert jobs.get_status(status.job_id, settings=svc.settings).pages_done == 0


def test_slices_keep_selection_order():
    batches = slice_pages([5, 0, 1, 2, 3], 2)
    assert [[(i.position, i.index) for i in b.items] for b in batches] == [[(0, 5), (1, 0)], [(2, 1), (3, 2)],
                                                                          [(4, 3)]]
    assert batches[2].describe() == "page batch 2 (page 4)"


@pytest.mark.slow
def test_ask_step_answers_with_the_donut_model(svc, simple_pdf):
    pytest.importorskip("torch")
    from docai.models.tiny import write_tiny_model
    from docai.queue.steps import answer_job

    write_tiny_model("donut", svc.settings.storage_dir / "models" / "tiny" / "docvqa")
    status = jobs.submit_ask(simple_pdf, "q.pdf", "What page is this?", {"model": "tiny/docvqa", "pages": "1"},
                             settings=svc.settings)
    assert answer_job(svc, status.job_id)
    answer = jobs.get_result(status.job_id, settings=svc.settings)
    assert answer["question"] == "What page is this?" and answer["page"] == 1
    assert answer["model"] == "tiny/docvqa" and answer["source"] == "q.pdf"
    assert not answer_job(svc, status.job_id)  # delivered again: already answered


@pytest.fixture
def fake_captioner(svc, fake_registry):
    """The fake plugin installed and its checkpoint ``tests/fake`` in the workers' model directory."""
    model = svc.settings.storage_dir / "models" / "tests" / "fake"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    return fake_registry


def test_figures_are_described_in_a_gpu_step_before_the_assembly(svc, fake_captioner):
    from docai.queue.steps import describe_job, finishing_step
    from tests.test_describe import figure_texts, figures_pdf

    status = jobs.submit_convert(figures_pdf(), "figs.pdf", {"describe_figures": "fake:tests/fake"}, settings=svc.settings)
    plain = jobs.submit_convert(figures_pdf(), "figs.pdf", {}, settings=svc.settings)
    assert finishing_step(svc, status.job_id) == ("docai.describe", svc.settings.gpu_queue)
    assert finishing_step(svc, plain.job_id) == ("docai.assemble", svc.settings.cpu_queue)
    for batch in plan_job(svc, status.job_id):
        run_batch(svc, status.job_id, batch)
    assert fake_captioner == []  # the page steps load no captioning model
    assert describe_job(svc, status.job_id) and fake_captioner == [("caption", 2)]
    assert describe_job(svc, status.job_id) and fake_captioner == [("caption", 2)]  # redelivered: stored
    assert assemble_job(svc, status.job_id) and fake_captioner == [("caption", 2)]  # assembly loads no model
    result = jobs.get_result(status.job_id, settings=svc.settings)
    local = docai.convert(figures_pdf(), describe_figures="fake:ckpt", use_cache=False)
    assert figure_texts(result) == figure_texts(local) and all(figure_texts(result))
    assert result.options["describe_figures"] == "fake:tests/fake"
    assert list((svc.settings.cache_dir / "figures").rglob("*.json"))  # cached in the workers' cache


def test_a_describer_the_workers_do_not_have_is_refused_at_submit(svc, fake_captioner):
    from docai.errors import ModelError
    from tests.test_describe import figures_pdf

    with pytest.raises(ModelError, match="describe_figures: .* not a model name"):
        jobs.submit_convert(figures_pdf(), "f.pdf", {"describe_figures": "fake:/etc/models"}, settings=svc.settings)
    with pytest.raises(ModelError, match="'tests/absent' is not available to the workers"):
        jobs.submit_convert(figures_pdf(), "f.pdf", {"describe_figures": "fake:tests/absent"}, settings=svc.settings)

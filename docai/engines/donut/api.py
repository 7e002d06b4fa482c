"""The Donut library functions: :func:`extract` (task JSON per page), :func:`ask` (document VQA) and
:func:`classify` (document class). Plain functions: the CLI and the queue workers both call them. Their
pages have a conversion's limits: the document's content cost is checked when it is opened, each page's
content before it is rendered, and every page has its time budget (see :mod:`docai.engines.donut.pages`)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from docai.engines.donut.model import DonutModel, load_donut
from docai.engines.donut.pages import PageRun, run_pages
from docai.engines.donut.prompts import QUESTION_TASK, Prompt, question_prompt, task_prompt
from docai.errors import ModelError
from docai.ingest.source import PageContext, Source, SourceDocument, open_source
from docai.options import Limits
from schemas.donut import Answer, AnswerCandidate, ClassifyResult, ExtractedPage, ExtractResult, PageClass

#: Pages per batch when the caller does not say: small on CPU, where batching gains little.
DEFAULT_BATCH_SIZE = 4


def extract(source: Source, model: str | DonutModel, task: str = "cord-v2", pages: str | None = None, *,
            password: str | None = None, limits: Limits | None = None, batch_size: int | None = None,
            dpi: int | None = None, max_length: int | None = None, device: str | None = None,
            dtype: str | None = None, allow_pickle: bool = False) -> ExtractResult:
    """Run Donut task ``task`` (``cord-v2``, ``rvlcdip`` or a fine-tuned checkpoint's own) on every selected
    page of ``source`` and return the parsed JSON per page.

    ``pages`` is a 1-based selection like ``"1-3,7"``; ``dpi`` overrides the render resolution (default:
    fit the model's canvas); ``max_length`` caps the generated sequence; ``device``/``dtype`` as for
    :func:`docai.models.load_model`. A page that fails carries its
    ``errors``; the others are still returned. Raises :class:`docai.errors.DocaiError` for bad input, an
    unknown task or a missing model.
    """
    with _open_checked(source, password, pages, limits) as src:
        donut = load_donut(model, device=device, dtype=dtype, allow_pickle=allow_pickle)
        prompt = task_prompt(task, donut.vocabulary, donut.name)
        runs = _run(donut, src.pages(), prompt, src.limits, batch_size, dpi, max_length)
        return ExtractResult(source=src.name, model=donut.name, task=prompt.task, pages=[
            ExtractedPage(number=r.number, data=r.generation.data if r.generation else {},
                          confidence=_round(r.generation.confidence) if r.generation else None,
                          errors=[r.error] if r.error else [])
            for r in runs
        ])


def ask(source: Source, question: str, model: str | DonutModel, pages: str | None = None, *,
        task: str = QUESTION_TASK, password: str | None = None, limits: Limits | None = None,
        batch_size: int | None = None, dpi: int | None = None, max_length: int | None = None,
        device: str | None = None, dtype: str | None = None, allow_pickle: bool = False) -> Answer:
    """Answer ``question`` about ``source`` with a DocVQA checkpoint: every selected page is asked, and
    the answer of the page with the best confidence is returned (the others as ``candidates``).

    Raises :class:`docai.errors.ModelError` when no page could be run at all.
    """
    with _open_checked(source, password, pages, limits) as src:
        donut = load_donut(model, device=device, dtype=dtype, allow_pickle=allow_pickle)
        prompt = question_prompt(question, donut.vocabulary, task, donut.name)
        runs = _run(donut, src.pages(), prompt, src.limits, batch_size, dpi, max_length)
        candidates = [
            AnswerCandidate(page=r.number, answer=answer_text(r.generation.data, r.generation.sequence),
                            confidence=_round(r.generation.confidence))
            for r in _succeeded(runs, donut)
        ]
        candidates.sort(key=lambda c: (bool(c.answer), c.confidence), reverse=True)
        best = candidates[0]
        return Answer(question=" ".join(question.split()), answer=best.answer, page=best.page,
                      confidence=best.confidence, source=src.name, model=donut.name, candidates=candidates)


def classify(source: Source, model: str | DonutModel, pages: str | None = None, *, task: str = "rvlcdip",
             password: str | None = None, limits: Limits | None = None, batch_size: int | None = None,
             dpi: int | None = None, max_length: int | None = None, device: str | None = None,
             dtype: str | None = None, allow_pickle: bool = False) -> ClassifyResult:
    """Classify every selected page with an RVL-CDIP-style checkpoint; the document's label is the one
    with the most confidence summed over its pages."""
    with _open_checked(source, password, pages, limits) as src:
        donut = load_donut(model, device=device, dtype=dtype, allow_pickle=allow_pickle)
        prompt = task_prompt(task, donut.vocabulary, donut.name)
        runs = _run(donut, src.pages(), prompt, src.limits, batch_size, dpi, max_length)
        page_classes = [
            PageClass(number=r.number, label=label_text(r.generation.data), confidence=_round(r.generation.confidence))
            for r in _succeeded(runs, donut)
        ]
        totals: dict[str, list[float]] = defaultdict(list)
        for pc in page_classes:
            totals[pc.label].append(pc.confidence)
        label = max(totals, key=lambda k: (sum(totals[k]), len(totals[k])))
        return ClassifyResult(label=label, confidence=_round(sum(totals[label]) / len(totals[label])),
                              source=src.name, model=donut.name, pages=page_classes)


def answer_text(data: dict[str, Any], sequence: str) -> str:
    """The answer in a parsed DocVQA sequence; without an ``answer`` field, the text after the prompt."""
    if "answer" in data:
        return _as_text(data["answer"])
    tail = sequence.rsplit("<s_answer>", 1)[-1]
    return " ".join(re.sub(r"</?s_[^<>]*>|<[^<>/\s]+/>", " ", tail).split())


def label_text(data: dict[str, Any]) -> str:
    """The class in a parsed classification sequence (``{"class": "letter"}`` → ``letter``)."""
    if "class" in data:
        return _as_text(data["class"])
    return _as_text(data.get("text_sequence", ""))


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_as_text(v) for v in value).strip()
    if isinstance(value, dict):
        return " ".join(_as_text(v) for v in value.values()).strip()
    return str(value).strip()


@contextmanager
def _open_checked(source: Source, password: str | None, pages: str | None,
                  limits: Limits | None) -> Iterator[SourceDocument]:
    """The source opened within ``limits`` and its selected pages' content cost checked, as a conversion's."""
    with open_source(source, password=password, pages=pages, limits=limits) as src:
        src.check_cost()
        yield src


def _run(donut: DonutModel, contexts: Sequence[PageContext], prompt: Prompt, limits: Limits,
         batch_size: int | None, dpi: int | None, max_length: int | None) -> list[PageRun]:
    return run_pages(donut, contexts, prompt, batch_size=batch_size or DEFAULT_BATCH_SIZE, dpi=dpi,
                     max_length=max_length, timeout_s=limits.page_timeout_s)


def _succeeded(runs: list[PageRun], donut: DonutModel) -> list[PageRun]:
    good = [r for r in runs if r.generation is not None]
    if not good:
        first = next(r.error for r in runs if r.error is not None)
        raise ModelError(f"{donut.name}: no page could be read ({first.message})")
    return good


def _round(value: float) -> float:
    return round(float(value), 6)

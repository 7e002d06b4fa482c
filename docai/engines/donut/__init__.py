"""Donut (OCR-free document understanding): page images → JSON through a task prompt.

- :func:`extract` — a task's JSON per page (``cord-v2`` receipts, ``rvlcdip`` classes, a fine-tune's task)
- :func:`ask` — document VQA: the best page's answer, with its confidence
- :func:`classify` — a document class per page and for the document
- :func:`create` — Donut as a pipeline :class:`~docai.engines.base.Engine`
- :func:`token2json` / :func:`json2token` — Donut's token language ↔ JSON

Heavy libraries (torch, transformers) are imported only when a model is loaded or run.
"""

from docai.engines.donut.api import ask, classify, extract
from docai.engines.donut.engine import DonutEngine, create
from docai.engines.donut.model import DonutModel, load_donut
from docai.engines.donut.prompts import KNOWN_TASKS, question_prompt, task_prompt, task_tokens
from docai.engines.donut.tokens import json2token, token2json

__all__ = [
    "KNOWN_TASKS",
    "DonutEngine",
    "DonutModel",
    "ask",
    "classify",
    "create",
    "extract",
    "json2token",
    "load_donut",
    "question_prompt",
    "task_prompt",
    "task_tokens",
    "token2json",
]

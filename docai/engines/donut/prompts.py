"""Donut task prompts: the decoder's first tokens, which say what to read out of the page.

A task is named by its token without the brackets (``cord-v2`` for ``<s_cord-v2>``); the well-known ones
are receipt parsing (``cord-v2``), document classification (``rvlcdip``) and document VQA (``docvqa``).
A fine-tuned checkpoint's own task works the same way, once its token is found in the tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from docai.errors import ConfigError, ModelError

#: Tasks of the public Donut checkpoints, by name → what they produce.
KNOWN_TASKS: dict[str, str] = {
    "cord-v2": "receipt fields (CORD) as JSON",
    "rvlcdip": "the document class (RVL-CDIP)",
    "docvqa": "the answer to a question (DocVQA)",
    "synthdog": "the page's text (pre-training task)",
    "iitcdip": "the page's text (pre-training task)",
}

QUESTION_TASK = "docvqa"
_QA_TOKENS = ("<s_question>", "</s_question>", "<s_answer>")


@dataclass(frozen=True)
class Prompt:
    """A decoder prompt: its ``text`` and the ``task`` token to strip from the decoded sequence."""

    task: str
    text: str

    @property
    def task_token(self) -> str:
        return task_token(self.task)


def task_name(task: str) -> str:
    """``"<s_cord-v2>"`` or ``"cord-v2"`` → ``"cord-v2"``."""
    name = task.strip()
    m = re.fullmatch(r"<s_([^<>]+)>", name)
    if m:
        name = m.group(1)
    if not name or any(c in name for c in "<>/ \t\n"):
        raise ConfigError(f"{task!r} is not a Donut task name (like cord-v2, rvlcdip or docvqa)")
    return name


def task_token(task: str) -> str:
    """The start token of ``task``: ``"cord-v2"`` → ``"<s_cord-v2>"``."""
    return f"<s_{task_name(task)}>"


def task_tokens(vocabulary: Collection[str]) -> list[str]:
    """The task names a vocabulary offers: known tasks it has, and every ``<s_X>`` without a ``</s_X>``
    (field keys come in start/end pairs; a task token opens the sequence and is never closed)."""
    vocab = set(vocabulary)
    names = {m.group(1) for t in vocab if (m := re.fullmatch(r"<s_([^<>]+)>", t)) and f"</s_{m.group(1)}>" not in vocab}
    names |= {t for t in KNOWN_TASKS if f"<s_{t}>" in vocab}
    return sorted(names)


def check_task(task: str, vocabulary: Collection[str], model_name: str = "the model") -> str:
    """The task's name, after checking that its token is one token of the tokenizer."""
    name = task_name(task)
    if f"<s_{name}>" not in vocabulary:
        offered = ", ".join(task_tokens(vocabulary)) or "none"
        raise ModelError(f"{model_name} has no task token <s_{name}>; its task tokens are: {offered}")
    return name


def task_prompt(task: str, vocabulary: Collection[str], model_name: str = "the model") -> Prompt:
    """The prompt for a task without a question (``cord-v2``, ``rvlcdip``, a fine-tuned task)."""
    name = check_task(task, vocabulary, model_name)
    if name == QUESTION_TASK:
        raise ConfigError("the docvqa task needs a question: use ask (docai ask INPUT QUESTION)")
    return Prompt(task=name, text=f"<s_{name}>")


def question_prompt(question: str, vocabulary: Collection[str], task: str = QUESTION_TASK,
                    model_name: str = "the model") -> Prompt:
    """The DocVQA prompt ``<s_docvqa><s_question>{q}</s_question><s_answer>``."""
    name = check_task(task, vocabulary, model_name)
    missing = [t for t in _QA_TOKENS if t not in vocabulary]
    if missing:
        raise ModelError(f"{model_name} cannot answer questions: its tokenizer lacks {', '.join(missing)}")
    question = " ".join(question.split())
    if not question:
        raise ConfigError("the question is empty")
    if re.search(r"</?s_[^<>]*>|<sep/>", question):
        raise ConfigError("the question may not contain Donut tags like <s_...> or <sep/>")
    return Prompt(task=name, text=f"<s_{name}><s_question>{question}</s_question><s_answer>")

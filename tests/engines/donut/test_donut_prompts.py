"""Task prompts: names, validation against the tokenizer, the DocVQA prompt."""

from __future__ import annotations

import pytest

from docai.engines.donut.prompts import question_prompt, task_name, task_prompt, task_tokens
from docai.errors import ConfigError, ModelError

VOCAB = {"<s_cord-v2>", "<s_rvlcdip>", "<s_docvqa>", "<s_question>", "</s_question>", "<s_answer>",
         "</s_answer>", "<s_menu>", "</s_menu>", "<s_my-forms>", "<sep/>", "hello"}


def test_task_names():
    assert task_name("cord-v2") == "cord-v2"
    assert task_name(" <s_cord-v2> ") == "cord-v2"
    with pytest.raises(ConfigError):
        task_name("a b")
    with pytest.raises(ConfigError):
        task_name("")


def test_task_prompts():
    assert task_prompt("cord-v2", VOCAB).text == "<s_cord-v2>"
    assert task_prompt("<s_rvlcdip>", VOCAB).task == "rvlcdip"
    assert task_prompt("my-forms", VOCAB).task_token == "<s_my-forms>"


def test_task_tokens_are_the_unclosed_start_tokens():
    assert task_tokens(VOCAB) == ["cord-v2", "docvqa", "my-forms", "rvlcdip"]


def test_unknown_task_lists_what_the_model_has():
    with pytest.raises(ModelError, match=r"no task token <s_zhtrainticket>.*cord-v2, docvqa, my-forms, rvlcdip"):
        task_prompt("zhtrainticket", VOCAB, "tiny")


def test_docvqa_needs_ask():
    with pytest.raises(ConfigError, match="question"):
        task_prompt("docvqa", VOCAB)


def test_question_prompt():
    prompt = question_prompt("  When is\nthe break? ", VOCAB)
    assert prompt.text == "<s_docvqa><s_question>When is the break?</s_question><s_answer>"
    assert prompt.task == "docvqa"


@pytest.mark.parametrize("question", ["", "   ", "<s_answer>yes", "a<sep/>b"])
def test_bad_questions(question):
    with pytest.raises(ConfigError):
        question_prompt(question, VOCAB)


def test_question_needs_qa_tokens():
    with pytest.raises(ModelError, match="cannot answer questions"):
        question_prompt("why?", {"<s_docvqa>"})

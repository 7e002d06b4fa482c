"""Model commands: ``docai extract``, ``docai ask`` and ``docai classify`` (Donut).

Each command's flags are derived from its options class (:class:`~docai.engines.options.ExtractOptions`,
``AskOptions``, ``ClassifyOptions``); the command validates them into that class and calls the library
function in :mod:`docai.engines.donut` with its fields as keywords; ``ask`` keeps running and printing apart, so a queued variant only has to
swap :func:`run_ask` for a function that submits the same request.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from docai.cli.fields import field_options, given
from docai.cli.options import CONTENT_LIMIT_PARAMS, limit_options, limits_from
from docai.cli.output import emit
from docai.engines.options import AskOptions, ClassifyOptions, DonutCallOptions, ExtractOptions
from docai.fields import option_fields, validate_options
from schemas.donut import Answer, ClassifyResult, ExtractResult


def donut_fields(cls: type[DonutCallOptions]) -> dict:
    """The fields of a Donut verb's options that are flags of their own (the limits have the ``--max-*`` flags)."""
    return option_fields(cls, exclude=("limits",))


def model_options(cls: type[DonutCallOptions]):
    """The flags of a Donut verb, derived from its options class ``cls``: model, task, pages, password,
    batching, rendering, device, pickle permission, then the limits."""

    def decorate(func):
        return field_options(donut_fields(cls).values())(limit_options(func))

    return decorate


def options_from(cls: type[DonutCallOptions], params: dict[str, Any]) -> DonutCallOptions:
    """Pop the :func:`model_options` flags out of ``params`` into a validated ``cls``."""
    limits = limits_from(params.pop("max_file_size"), params.pop("max_pages"), params.pop("max_image_pixels"),
                         params.pop("page_timeout"), **{name: params.pop(name) for name in CONTENT_LIMIT_PARAMS})
    return validate_options(cls, {**given(params, donut_fields(cls)), "limits": limits})


def read_input(path: str) -> str | bytes:
    """``-`` reads the document from stdin; anything else is a path."""
    return sys.stdin.buffer.read() if path == "-" else path


@click.command("extract")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON here instead of stdout.")
@model_options(ExtractOptions)
def extract_cmd(input_path: str, output: Path | None, **params: Any) -> None:
    """Read a task's JSON out of every page of INPUT with a Donut model (e.g. receipt fields)."""
    from docai.engines.donut import extract

    result = extract(read_input(input_path), **dict(options_from(ExtractOptions, params)))
    emit(result.model_dump_json(indent=2) + "\n", output)
    _warn_failed_pages(result)


@click.command("ask")
@click.argument("input_path", metavar="INPUT")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the full Answer JSON (every page's answer).")
@click.option("--queue", is_flag=True, help="Submit to the job queue and print the job id (see docai result).")
@model_options(AskOptions)
def ask_cmd(input_path: str, question: str, as_json: bool, queue: bool, **params: Any) -> None:
    """Answer QUESTION about INPUT with a DocVQA Donut model: the answer, its page and its confidence."""
    options = options_from(AskOptions, params)
    if queue:
        from docai.cli.queue import submit_question

        click.echo(submit_question(input_path, question, options))
        return
    answer = run_ask(input_path, question, **dict(options))
    print_answer(answer, as_json)


def run_ask(input_path: str, question: str, **kwargs: Any) -> Answer:
    """Answer in this process (the queue's ``--queue`` would submit the same arguments instead)."""
    from docai.engines.donut import ask

    return ask(read_input(input_path), question, **kwargs)


def print_answer(answer: Answer, as_json: bool = False) -> None:
    """The answer on its own line, then where it came from; or the whole Answer as JSON."""
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
        return
    click.echo(answer.answer)
    click.echo(f"(page {answer.page}, confidence {answer.confidence:.3f})")


@click.command("classify")
@click.argument("input_path", metavar="INPUT")
@click.option("--json", "as_json", is_flag=True, help="Print the full result JSON (every page's class).")
@model_options(ClassifyOptions)
def classify_cmd(input_path: str, as_json: bool, **params: Any) -> None:
    """Classify INPUT (letter, invoice, form, ...) with an RVL-CDIP Donut model."""
    from docai.engines.donut import classify

    result: ClassifyResult = classify(read_input(input_path), **dict(options_from(ClassifyOptions, params)))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        click.echo(result.label)
        click.echo(f"(confidence {result.confidence:.3f} over {len(result.pages)} page(s))")


def _warn_failed_pages(result: ExtractResult) -> None:
    for page in result.pages:
        for error in page.errors:
            click.echo(f"docai: warning: page {page.number}: {error.message}", err=True)

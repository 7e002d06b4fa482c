"""Model commands: ``docai extract``, ``docai ask`` and ``docai classify`` (Donut).

Each command parses its flags into keyword arguments and calls the library function in
:mod:`docai.engines.donut`; ``ask`` keeps running and printing apart, so a queued variant only has to
swap :func:`run_ask` for a function that submits the same request.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from docai.cli.options import CONTENT_LIMIT_PARAMS, limit_options, limits_from
from docai.cli.output import emit
from schemas.donut import Answer, ClassifyResult, ExtractResult


def model_options(func):
    """The flags every Donut command shares: model, pages, password, batching, rendering, device, limits."""
    func = limit_options(func)
    for decorator in reversed((
        click.option("-m", "--model", required=True, help="Donut checkpoint: a local directory or a hub id."),
        click.option("-p", "--pages", help="Pages to read, 1-based: '1-3,7', '5-'. Default: all."),
        click.option("--password", help="Password of an encrypted PDF."),
        click.option("--batch-size", type=click.IntRange(min=1), help="Pages per batch (default 4)."),
        click.option("--dpi", type=click.IntRange(1, 600), help="Render resolution (default: fit the model's canvas)."),
        click.option("--max-length", type=click.IntRange(min=2), help="Longest sequence to generate, in tokens."),
        click.option("--device", help="cpu, cuda, cuda:N, mps or auto (default: $DOCAI_DEVICE, then the best)."),
        click.option("--dtype", help="fp32, bf16, fp16 or auto (default: $DOCAI_DTYPE, then the device's)."),
        click.option("--allow-pickle", is_flag=True,
                     help="Load a pickle-only (.bin) checkpoint; pickles can run code: only for trusted sources."),
    )):
        func = decorator(func)
    return func


def common_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Library keyword arguments from the shared flags (limits folded into one :class:`Limits`)."""
    limits = limits_from(params.pop("max_file_size"), params.pop("max_pages"), params.pop("max_image_pixels"),
                         params.pop("page_timeout"), **{name: params.pop(name) for name in CONTENT_LIMIT_PARAMS})
    return {**params, "limits": limits}


def read_input(path: str) -> str | bytes:
    """``-`` reads the document from stdin; anything else is a path."""
    return sys.stdin.buffer.read() if path == "-" else path


@click.command("extract")
@click.argument("input_path", metavar="INPUT")
@click.option("-t", "--task", default="cord-v2", show_default=True,
              help="Task token of the checkpoint: cord-v2, rvlcdip, or a fine-tune's own (without <s_ >).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON here instead of stdout.")
@model_options
def extract_cmd(input_path: str, task: str, output: Path | None, **params: Any) -> None:
    """Read a task's JSON out of every page of INPUT with a Donut model (e.g. receipt fields)."""
    from docai.engines.donut import extract

    result = extract(read_input(input_path), task=task, **_library_kwargs(params))
    emit(result.model_dump_json(indent=2) + "\n", output)
    _warn_failed_pages(result)


@click.command("ask")
@click.argument("input_path", metavar="INPUT")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the full Answer JSON (every page's answer).")
@click.option("-t", "--task", default="docvqa", show_default=True, help="Question-answering task token.")
@click.option("--queue", is_flag=True, help="Submit to the job queue and print the job id (see docai result).")
@model_options
def ask_cmd(input_path: str, question: str, as_json: bool, task: str, queue: bool, **params: Any) -> None:
    """Answer QUESTION about INPUT with a DocVQA Donut model: the answer, its page and its confidence."""
    if queue:
        from docai.cli.queue import submit_question

        click.echo(submit_question(input_path, question, params["model"], params.get("pages"),
                                   params.get("password")))
        return
    answer = run_ask(input_path, question, task=task, **_library_kwargs(params))
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
@click.option("-t", "--task", default="rvlcdip", show_default=True, help="Classification task token.")
@model_options
def classify_cmd(input_path: str, as_json: bool, task: str, **params: Any) -> None:
    """Classify INPUT (letter, invoice, form, ...) with an RVL-CDIP Donut model."""
    from docai.engines.donut import classify

    result: ClassifyResult = classify(read_input(input_path), task=task, **_library_kwargs(params))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        click.echo(result.label)
        click.echo(f"(confidence {result.confidence:.3f} over {len(result.pages)} page(s))")


def _library_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    return common_kwargs(dict(params))


def _warn_failed_pages(result: ExtractResult) -> None:
    for page in result.pages:
        for error in page.errors:
            click.echo(f"docai: warning: page {page.number}: {error.message}", err=True)

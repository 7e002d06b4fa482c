"""Plugin model verbs: ``docai caption``, ``vqa``, ``match``, ``embed`` and ``zero-shot``.

Each verb parses its flags into a typed request (``schemas.plugins``) and calls :func:`run_verb`, which
loads the inputs (images, or PDF pages through ``docai/ingest`` with its limits), gets the model once per
process and runs the capability in batches — or, with ``--queue``, submits the same request as a plugin job
and prints its id (``docai result ID`` prints the answers).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from docai.cli.options import limit_options, limits_from
from docai.cli.output import emit
from docai.errors import ConfigError
from schemas.plugins import Capability, PluginResult


def call_options(func):
    """Flags every plugin verb shares: model, pages, model options, output, queue, limits."""
    func = limit_options(func)
    for decorator in reversed((
        click.option("-m", "--model", required=True, metavar="FAMILY:CHECKPOINT",
                     help="Plugin model, e.g. blip:./tiny-blip or blip:Salesforce/blip-image-captioning-base."),
        click.option("-p", "--pages", help="Pages of PDF inputs, 1-based: '1-3,7'. Default: all."),
        click.option("--password", help="Password of encrypted PDF inputs."),
        click.option("--batch-size", type=click.IntRange(min=1), help="Images per forward pass."),
        click.option("--device", help="cpu, cuda, cuda:N, mps or auto (default: $DOCAI_DEVICE, then the best)."),
        click.option("--dtype", help="fp32, bf16, fp16 or auto (default: $DOCAI_DTYPE, then the device's)."),
        click.option("-O", "--option", "model_option", multiple=True, metavar="KEY=VALUE",
                     help="A model option of the family (see `docai plugins list --json`); repeatable."),
        click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout."),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
                     help="text: one line per answer (default); json: the whole result."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
        click.option("--queue", is_flag=True, help="Submit as a job to the workers and print its id."),
    )):
        func = decorator(func)
    return func


def model_options(params: dict[str, Any]) -> dict[str, Any]:
    """The model's options from the shared flags and every ``-O KEY=VALUE`` (values parsed as JSON if they can be)."""
    options: dict[str, Any] = {}
    for item in params.get("model_option") or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"-O {item!r}: use KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    for key in ("batch_size", "device", "dtype"):
        if params.get(key) is not None:
            options[key] = params[key]
    return options


def run_verb(capability: Capability, inputs: tuple[str, ...], request: dict[str, Any], params: dict[str, Any]) -> None:
    """Run (or queue) ``capability`` over ``inputs`` and print or write the result."""
    from docai.plugins.models import family_options, resolve

    model_id = params["model"]
    resolve(model_id, capability)  # an unknown family or a missing capability fails before any input is read
    limits = limits_from(params["max_file_size"], params["max_pages"], params["max_image_pixels"],
                         params["page_timeout"])
    options = {**model_options(params), "max_image_pixels": limits.max_image_pixels}
    family_options(model_id, options)
    if params["queue"]:
        click.echo(_submit(capability, inputs, request, options, params))
        return
    from docai.cli.progress import page_progress
    from docai.plugins.inputs import load_inputs
    from docai.plugins.models import get_model
    from docai.plugins.run import run_capability

    items = load_inputs([_source(path) for path in inputs], pages=params["pages"], password=params["password"],
                        limits=limits)
    model = get_model(model_id, options, capability=capability)
    with page_progress(inputs[0] if inputs else model_id, enabled=not params["quiet"]) as progress:
        result = run_capability(model, capability, items, request, progress=progress)
    emit(render_result(result, params["fmt"] or "text"), params["output"])


def _submit(capability: Capability, inputs: tuple[str, ...], request: dict[str, Any], options: dict[str, Any],
            params: dict[str, Any]) -> str:
    from docai.cli.queue import read_upload
    from docai.queue.plugins import submit_plugin

    if params["password"]:
        raise ConfigError("--password cannot be used with --queue: decrypt the PDF first")
    queued_options = {k: v for k, v in options.items() if k != "max_image_pixels"}
    status = submit_plugin([read_upload(path) for path in inputs], params["model"], capability, request,
                           queued_options, pages=params["pages"])
    return status.job_id


def _source(path: str) -> str | bytes:
    return sys.stdin.buffer.read() if path == "-" else path


def render_result(result: PluginResult, fmt: str) -> str:
    """``json``: the whole :class:`PluginResult`; ``text``: one line per answer (embeddings: JSON lines)."""
    if fmt == "json":
        return result.model_dump_json(indent=2) + "\n"
    lines = []
    for answer in result.answers:
        out = answer.output
        label = answer.input or answer.text or ""
        if result.capability is Capability.caption:
            lines.append(f"{label}\t{out['text']}")
        elif result.capability is Capability.vqa:
            lines.append(f"{label}\t{out['answer']}")
        elif result.capability in (Capability.itm, Capability.itc):
            lines.extend(f"{label}\t{s['score']:.4f}\t{s['text']}" for s in out["scores"])
        elif result.capability is Capability.zero_shot:
            best = out["label"]
            lines.append(f"{label}\t{best}\t{out['probabilities'][best]:.4f}")
        elif result.capability is Capability.read_page:
            lines.append(out["markdown"])
        elif result.capability is Capability.chat:
            lines.append(out["text"])
        else:  # embeddings and anything else: one JSON object per answer
            lines.append(answer.model_dump_json())
    return "\n".join(lines) + ("\n" if lines else "")


@click.command("caption")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--prompt", help="Text the caption starts from (prompted captioning).")
@click.option("--max-new-tokens", type=click.IntRange(1, 4096), default=40, show_default=True)
@call_options
def caption_cmd(inputs: tuple[str, ...], prompt: str | None, max_new_tokens: int, **params: Any) -> None:
    """Caption images and PDF pages with a plugin model."""
    run_verb(Capability.caption, inputs, {"prompt": prompt, "generation": {"max_new_tokens": max_new_tokens}}, params)


@click.command("vqa")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.argument("question")
@click.option("--max-new-tokens", type=click.IntRange(1, 4096), default=40, show_default=True)
@call_options
def vqa_cmd(inputs: tuple[str, ...], question: str, max_new_tokens: int, **params: Any) -> None:
    """Answer QUESTION about each image or PDF page."""
    run_verb(Capability.vqa, inputs, {"question": question, "generation": {"max_new_tokens": max_new_tokens}}, params)


@click.command("match")
@click.argument("input_path", metavar="INPUT")
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("--mode", type=click.Choice(["itm", "itc"]), default="itm", show_default=True,
              help="itm: the matching head's probability; itc: cosine similarity of the embeddings.")
@call_options
def match_cmd(input_path: str, texts: tuple[str, ...], mode: str, **params: Any) -> None:
    """Score how well each TEXT matches INPUT (each page of a PDF)."""
    run_verb(Capability(mode), (input_path,), {"texts": list(texts)}, params)


@click.command("embed")
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option("--text", "texts", multiple=True, help="Also embed this text; repeatable.")
@click.option("--raw", is_flag=True, help="Do not L2-normalise the vectors.")
@call_options
def embed_cmd(inputs: tuple[str, ...], texts: tuple[str, ...], raw: bool, **params: Any) -> None:
    """Embed images, PDF pages and texts: one JSON line per vector."""
    if not inputs and not texts:
        raise ConfigError("nothing to embed: give INPUT files, --text, or both")
    run_verb(Capability.embed, inputs, {"texts": list(texts), "normalize": not raw}, params)


@click.command("zero-shot")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--labels", required=True, help="Comma-separated labels: cat,dog,car.")
@click.option("--template", default="a photo of a {}.", show_default=True, help="Prompt for each label ({}).")
@call_options
def zero_shot_cmd(inputs: tuple[str, ...], labels: str, template: str, **params: Any) -> None:
    """Classify images and PDF pages among --labels: the best label and its probability."""
    names = [label.strip() for label in labels.split(",") if label.strip()]
    run_verb(Capability.zero_shot, inputs, {"labels": names, "template": template}, params)

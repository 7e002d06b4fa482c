"""``docai generate``: text (and optionally an image) → PNG, with any model that can ``generate_image``.

Thin over the capability: the flags become a :class:`schemas.plugins.GenerateImageRequest`, the model comes
from :func:`docai.plugins.get_model`, and each image is written atomically. Prompt ``i`` is drawn with
``--seed`` + ``i``, so the same seed gives the same image, alone or among other prompts.
"""

from __future__ import annotations

import base64
from pathlib import Path

import click


@click.command("generate")
@click.argument("prompts", nargs=-1, required=True)
@click.option("--model", "-m", "model_id", required=True, metavar="FAMILY:CHECKPOINT",
              help="a model that can generate images, e.g. emu:BAAI/Emu3-Gen-hf or lavit:./lavit-converted")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG file to write; with several prompts OUT-1.png, OUT-2.png, ...")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the first prompt (prompt i: seed+i)")
@click.option("--guidance", type=float, default=None, help="classifier-free guidance scale (model default if unset)")
@click.option("--negative-prompt", default=None, help="what the image should not look like")
@click.option("--width", type=click.IntRange(min=16), default=None, help="image width in pixels")
@click.option("--height", type=click.IntRange(min=16), default=None, help="image height in pixels")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="denoising steps (diffusion decoders)")
@click.option("--image", "input_image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="an input image that conditions every prompt (image + text → image, where the model can)")
@click.option("--device", default=None, help="cpu, cuda, cuda:N, mps or auto ($DOCAI_DEVICE)")
@click.option("--dtype", default=None, help="fp32, bf16, fp16 or auto ($DOCAI_DTYPE)")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="prompts drawn together")
@click.option("-O", "--option", "model_option", multiple=True, metavar="KEY=VALUE",
              help="a model option of the family (e.g. lavit's llm_guidance=4); repeatable")
@click.option("--queue", is_flag=True, help="submit as a job to the gpu workers and print its id")
def generate_cmd(prompts: tuple[str, ...], model_id: str, output: Path, seed: int, guidance: float | None,
                 negative_prompt: str | None, width: int | None, height: int | None, steps: int | None,
                 input_image: Path | None, queue: bool, **params) -> None:
    """Draw one image per PROMPT with --model and write it as PNG to --output (with --queue: print the job id;
    `docai result ID --format json` then holds the PNGs, base64)."""
    from docai.cli.capabilities import model_options
    from docai.plugins.base import build_request
    from docai.plugins.models import family_options, resolve
    from schemas.plugins import Capability

    request = {"prompts": list(prompts), "negative_prompt": negative_prompt, "width": width, "height": height,
               "steps": steps, "guidance": guidance, "seed": seed}
    build_request(Capability.generate_image, request)  # a bad request fails before any model loads
    resolve(model_id, Capability.generate_image)
    options = model_options(params)
    family_options(model_id, options)
    if queue:
        from docai.cli.queue import read_upload
        from docai.plugin_jobs import submit_plugin

        inputs = [read_upload(str(input_image))] if input_image else []
        click.echo(submit_plugin(inputs, model_id, Capability.generate_image, request, options).job_id)
        return
    from docai.plugins import get_model

    model = get_model(model_id, options, capability=Capability.generate_image)
    results = model.generate_image([input_image] if input_image else [], build_request(Capability.generate_image,
                                                                                        request))
    targets = output_paths(output, len(results))
    for result, target in zip(results, targets, strict=True):
        write_png(base64.b64decode(result.png_base64), target)
        click.echo(f"{target}  {result.width}x{result.height}  seed {result.seed}")


def output_paths(output: Path, count: int) -> list[Path]:
    """``output`` for one image; ``stem-1.png`` … for several."""
    if count == 1:
        return [output]
    suffix = output.suffix or ".png"
    return [output.with_name(f"{output.stem}-{i}{suffix}") for i in range(1, count + 1)]


def write_png(data: bytes, target: Path) -> None:
    """Write ``data`` to ``target`` atomically (``.part`` then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    part.replace(target)

"""``docai generate``: text (and optionally an image) → PNG, with any model that can ``generate_image``.

Thin over the capability: the flags become a :class:`schemas.plugins.GenerateImageRequest`, the model comes
from :func:`docai.plugins.get_model`, and each image is written atomically. Prompt ``i`` is drawn with
``--seed`` + ``i``, so the same seed gives the same image, alone or among other prompts.
"""

from __future__ import annotations

from pathlib import Path

import click

from docai.errors import JobError
from docai.plugins.generated import generated_images, write_images
from schemas.jobs import JobState
from schemas.plugins import Capability, GeneratedImage


@click.command("generate")
@click.argument("prompts", nargs=-1, required=True)
@click.option("--model", "-m", "model_id", required=True, metavar="FAMILY:CHECKPOINT",
              help="a model that can generate images, e.g. emu:BAAI/Emu3-Gen-hf or lavit:./lavit-converted")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG file to write; with several prompts OUT-1.png, OUT-2.png, ...")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="seed of the first prompt (prompt i: seed+i)")
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
@click.option("--queue", is_flag=True, help="run as a job on the gpu workers (its id on stderr), wait, write --output")
@click.option("--timeout", type=float, default=None, help="with --queue: give up waiting after this many seconds")
def generate_cmd(prompts: tuple[str, ...], model_id: str, output: Path, seed: int, guidance: float | None,
                 negative_prompt: str | None, width: int | None, height: int | None, steps: int | None,
                 input_image: Path | None, queue: bool, timeout: float | None, **params) -> None:
    """Draw one image per PROMPT with --model and write it as PNG to --output. With --queue a gpu worker draws
    them: the job id goes to stderr (`docai result ID` holds the PNGs as base64 JSON), the PNGs to --output."""
    from docai.cli.capabilities import model_options
    from docai.plugins.base import build_request
    from docai.plugins.models import family_options, resolve

    request = {"prompts": list(prompts), "negative_prompt": negative_prompt, "width": width, "height": height,
               "steps": steps, "guidance": guidance, "seed": seed}
    build_request(Capability.generate_image, request)  # a bad request fails before any model loads
    resolve(model_id, Capability.generate_image)
    options = model_options(params)
    family_options(model_id, options)
    if queue:
        images = _queued(model_id, request, options, input_image, timeout)
    else:
        from docai.plugins import get_model

        model = get_model(model_id, options, capability=Capability.generate_image)
        images = model.generate_image([input_image] if input_image else [],
                                      build_request(Capability.generate_image, request))
    for image, target in zip(images, write_images(images, output), strict=True):
        click.echo(f"{target}  {image.width}x{image.height}  seed {image.seed}")


def _queued(model_id: str, request: dict, options: dict, input_image: Path | None,
            timeout: float | None) -> list[GeneratedImage]:
    """Submit the drawing as a plugin job (its id on stderr), wait for a gpu worker, return its images."""
    from docai.cli.queue import read_upload
    from docai.queue import jobs
    from docai.queue.plugins import submit_plugin

    inputs = [read_upload(str(input_image))] if input_image else []
    status = submit_plugin(inputs, model_id, Capability.generate_image, request, options)
    click.echo(status.job_id, err=True)
    final = jobs.wait(status.job_id, timeout=timeout)
    if final.state is JobState.failed:
        raise JobError(f"job {final.job_id} failed: {final.error}")
    return generated_images(jobs.get_result(final.job_id))

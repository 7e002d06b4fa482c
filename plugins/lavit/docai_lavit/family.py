"""The ``lavit`` family behind docai's capability classes: thin over :class:`docai_lavit.model.LavitModel`."""

from __future__ import annotations

from pathlib import Path

from docai.errors import ModelError
from docai.plugins.capabilities import Captioner, ImageGenerator, VisualQuestionAnswerer
from docai_lavit.config import CONFIG_FILE
from docai_lavit.plugin import LavitOptions
from schemas.plugins import Caption, VQAAnswer


class Lavit(Captioner, VisualQuestionAnswerer, ImageGenerator):
    """``lavit:DIR``: a converted LaVIT checkpoint; its parts load on first use."""

    Options = LavitOptions
    default_batch_size = 4

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai_lavit.model import LavitModel

        directory = Path(checkpoint).expanduser()
        if not (directory / CONFIG_FILE).is_file():
            raise ModelError(f"lavit:{checkpoint} is not a converted LaVIT directory (no {CONFIG_FILE}); convert "
                             "the released checkpoint first: docai dev convert-checkpoint lavit SRC DIR")
        self.lavit = LavitModel(directory, device=self.device, dtype=self.dtype)

    def close(self) -> None:
        self.lavit = None

    def memory_bytes(self) -> int:
        if self.lavit is None:
            return 0
        parts = [self.lavit.__dict__.get(name) for name in ("llm", "understanding_tokenizer", "generation_tokenizer",
                                                            "token_decoder")]
        pixel = self.lavit.__dict__.get("pixel_decoder")
        parts += [pixel.unet, pixel.vae] if pixel is not None else []
        return sum(t.numel() * t.element_size() for p in parts if p is not None
                   for t in (*p.parameters(), *p.buffers()))

    def caption_batch(self, images, request):
        texts = self.lavit.caption(images, request.prompt, **_generation(request.generation))
        return [Caption(text=t) for t in texts]

    def vqa_batch(self, images, request):
        texts = self.lavit.answer(images, request.question, **_generation(request.generation))
        return [VQAAnswer(question=request.question, answer=t) for t in texts]

    def generate_image_batch(self, items, request):
        seeds = [seed for _prompt, seed, _image in items]
        if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
            raise ModelError(f"lavit draws prompt i of a batch with seed + i; got seeds {seeds}")
        prompts = [prompt for prompt, _seed, _image in items]
        inputs = [image for _prompt, _seed, image in items]
        return self.lavit.generate_images(
            prompts, items[0][1], images=inputs if any(i is not None for i in inputs) else None,
            negative_prompt=request.negative_prompt, width=request.width, height=request.height,
            steps=request.steps, guidance=request.guidance, llm_guidance=self.options.llm_guidance)


def _generation(options) -> dict:
    return {"max_new_tokens": options.max_new_tokens, "temperature": options.temperature, "top_p": options.top_p,
            "seed": options.seed or 0, "stop": tuple(options.stop)}

"""Emu3 (transformers' ``Emu3ForConditionalGeneration``): read images with the Chat checkpoint, draw them
with the Gen checkpoint.

Understanding goes through the checkpoint's processor and chat template (one ``<image>`` per image; the
processor expands it to the VQ tokens). Generation writes ``<|image start|>H*W<|image token|>`` after the
prompt, samples exactly ``H·(W+1)+3`` tokens under :class:`docai_emu.grid.ImageGridConstraint` with
classifier-free guidance against a negative prompt (framed the same way) and per-row seeds
(:class:`docai.models.sampling.SeededSampler`), then ``decode_image_tokens`` and the VQ-VAE give pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from PIL import Image

from docai.errors import InputError, ModelError
from docai_emu.grid import GridTokens, ImageGridConstraint, segment_length

#: Emu3's own defaults for image generation (BAAI/Emu3 ``image_generation.py``)
NEGATIVE_PROMPT = ("lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, "
                   "cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, "
                   "username, blurry.")
GUIDANCE = 3.0
TOP_K = 2048
CAPTION_PROMPT = "Please describe the image."


class EmuModel:
    """One Emu3 checkpoint loaded for inference (model in eval mode, processor with left padding)."""

    def __init__(self, model: Any, processor: Any) -> None:
        self.model = model
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.tokenizer.padding_side = "left"
        self.device = model.device

    @classmethod
    def load(cls, path: str, *, device: torch.device, dtype: torch.dtype) -> EmuModel:
        """Load a local checkpoint directory (safetensors only, no remote code)."""
        from transformers import AutoProcessor, Emu3ForConditionalGeneration

        from docai.models.loader import quiet_transformers

        try:
            with quiet_transformers():
                processor = AutoProcessor.from_pretrained(path, local_files_only=True, trust_remote_code=False)
                model = Emu3ForConditionalGeneration.from_pretrained(
                    path, dtype=dtype, use_safetensors=True, local_files_only=True, trust_remote_code=False)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ModelError(f"Emu3 model {path!r}: {str(exc).strip().splitlines()[0]}") from None
        return cls(model.to(device).eval(), processor)

    # --- understanding -----------------------------------------------------------------------------------------

    def conversation_text(self, messages: Sequence[dict[str, Any]]) -> str:
        """The prompt for ``messages`` (``role``, ``content`` text, ``images`` count) by the chat template."""
        conversation = [{"role": m["role"], "content": [{"type": "image"}] * m.get("images", 0)
                         + [{"type": "text", "text": m["content"]}]} for m in messages]
        return self.processor.apply_chat_template(conversation, add_generation_prompt=True)

    @torch.no_grad()
    def respond(self, images: Sequence[Sequence[Image.Image]], texts: Sequence[str], *, max_new_tokens: int = 40,
                temperature: float = 0.0, top_p: float = 1.0, seed: int | None = None,
                stop: Sequence[str] = ()) -> list[str]:
        """The model's reply to each prompt text, given the images its ``<image>`` marks stand for."""
        flat = [image.convert("RGB") for group in images for image in group]
        inputs = self.processor(images=flat or None, text=list(texts), padding=True, return_tensors="pt")
        inputs = inputs.to(self.device)
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(self.model.dtype)
        options: dict[str, Any] = {}
        if temperature > 0:
            from docai.models.sampling import SeededSampler

            options["logits_processor"] = [SeededSampler([seed or 0] * len(texts), temperature=temperature,
                                                         top_p=top_p)]
        out = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                  pad_token_id=self.tokenizer.pad_token_id, **options)
        replies = self.tokenizer.batch_decode(out[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        return [_cut(reply, stop).strip() for reply in replies]

    def caption(self, images: Sequence[Image.Image], prompt: str | None = None, **generation: Any) -> list[str]:
        text = self.conversation_text([{"role": "user", "content": prompt or CAPTION_PROMPT, "images": 1}])
        return self.respond([[image] for image in images], [text] * len(images), **generation)

    def answer(self, images: Sequence[Image.Image], question: str, **generation: Any) -> list[str]:
        text = self.conversation_text([{"role": "user", "content": question, "images": 1}])
        return self.respond([[image] for image in images], [text] * len(images), **generation)

    # --- generation ---------------------------------------------------------------------------------------------

    @property
    def spatial_factor(self) -> int:
        return int(self.model.model.vqmodel.vision_spatial_factor)

    def token_grid(self, width: int | None = None, height: int | None = None) -> tuple[int, int]:
        """(rows, columns) of visual tokens for an image ``width`` × ``height`` px; default: the processor's
        square image area, never above the largest image its image processor reads."""
        factor = self.spatial_factor
        if width is None and height is None:
            area = min(self.processor.image_area, self.processor.image_processor.max_pixels)
            side = max(1, round(math.sqrt(area) / factor))
            return side, side
        width, height = width or height, height or width
        if width % factor or height % factor:
            raise InputError(f"image size {width}x{height}: width and height must be multiples of {factor}")
        return height // factor, width // factor

    def grid_tokens(self) -> GridTokens:
        tok = self.tokenizer
        return GridTokens(visual=tuple(self.model.vocabulary_mapping.image_tokens),
                          eol=tok.convert_tokens_to_ids("<|extra_200|>"), eof=tok.eof_token_id,
                          eoi=tok.eoi_token_id, eos=tok.eos_token_id, pad=tok.pad_token_id)

    @torch.no_grad()
    def generate_images(self, prompts: Sequence[str], seeds: Sequence[int], *, negative_prompt: str | None = None,
                        width: int | None = None, height: int | None = None, guidance: float | None = None,
                        top_k: int = TOP_K) -> list[Image.Image]:
        """One image per prompt (row ``i`` sampled with ``seeds[i]``); same seed, same image."""
        rows, columns = self.token_grid(width, height)
        total = segment_length(rows, columns)
        limit = self.model.config.text_config.max_position_embeddings
        frame = f"{self.tokenizer.boi_token}{rows}*{columns}{self.tokenizer.image_wrapper_token}"
        bos = self.tokenizer.bos_token
        inputs = self.tokenizer([f"{bos}{p}{frame}" for p in prompts], padding=True, add_special_tokens=False,
                                return_tensors="pt").to(self.device)
        prompt_length = inputs["input_ids"].shape[1]
        if prompt_length + total > limit:
            raise InputError(f"a {columns * self.spatial_factor}x{rows * self.spatial_factor} image needs "
                             f"{total} tokens after the prompt; this model reads at most {limit}")
        negative = self.tokenizer([f"{bos}{NEGATIVE_PROMPT if negative_prompt is None else negative_prompt}{frame}"]
                                  * len(prompts), padding=True, add_special_tokens=False,
                                  return_tensors="pt").to(self.device)
        from docai.models.sampling import SeededSampler

        processors = [ImageGridConstraint(prompt_length, rows, columns, self.grid_tokens()),
                      SeededSampler(seeds, top_k=top_k)]
        out = self.model.generate(
            **inputs, max_new_tokens=total, do_sample=False, logits_processor=processors,
            guidance_scale=GUIDANCE if guidance is None else guidance, negative_prompt_ids=negative["input_ids"],
            negative_prompt_attention_mask=negative["attention_mask"], pad_token_id=self.tokenizer.pad_token_id)
        segment = out[:, prompt_length:]
        if segment.shape[1] != total:
            raise ModelError(f"Emu3 generated {segment.shape[1]} image tokens, expected {total}")
        # one image at a time: a batched convolution rounds differently, and an image must not depend on its batch
        pixels = torch.cat([self.model.decode_image_tokens(image_tokens=segment[i:i + 1], height=rows, width=columns)
                            for i in range(len(segment))])
        return self.processor.postprocess(list(pixels.float()), return_tensors="PIL.Image.Image")["pixel_values"]


def _cut(text: str, stop: Sequence[str]) -> str:
    cuts = [text.index(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text

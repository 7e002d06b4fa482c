"""Emu3 (transformers' ``Emu3ForConditionalGeneration``): read images with the Chat checkpoint, draw them
with the Gen checkpoint.

Understanding goes through the checkpoint's processor and chat template (one ``<image>`` per image; the
processor expands it to the VQ tokens). Generation writes ``<|image start|>H*W<|image token|>`` after the
prompt, samples exactly ``H·(W+1)+3`` tokens through docai's one decode loop, held to the grid by
:class:`docai_emu.grid.GridStepper`, with classifier-free guidance against a negative prompt framed the same
way (:class:`docai.models.stepper_guided.GuidedStepper`) and a seed per row, then ``decode_image_tokens`` and the VQ-VAE give pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from PIL import Image

from docai.errors import InputError, ModelError
from docai_emu.grid import GridStepper, GridTokens, segment_length

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

    @torch.inference_mode()
    def respond(self, images: Sequence[Sequence[Image.Image]], texts: Sequence[str], *, max_new_tokens: int = 40,
                temperature: float = 0.0, top_p: float = 1.0, seed: int = 0, stop: Sequence[str] = ()) -> list[str]:
        """The model's reply to each prompt text, given the images its ``<image>`` marks stand for."""
        from docai.models.decode import DecodeSettings, Sampling, cut_at_stop, decode
        from docai.models.stepper_hf import CausalStepper

        flat = [image.convert("RGB") for group in images for image in group]
        inputs = self.processor(images=flat or None, text=list(texts), padding=True, return_tensors="pt")
        embeds = self.image_embeds(inputs["input_ids"].to(self.device), flat)
        tok = self.tokenizer
        settings = DecodeSettings(
            max_new_tokens=max_new_tokens, eos_token_ids=(tok.eos_token_id,), pad_token_id=tok.pad_token_id,
            stop_strings=tuple(stop), bad_token_ids=tuple(self.model.vocabulary_mapping.image_tokens),
            sampling=Sampling(temperature=temperature, top_p=top_p, seed=seed) if temperature > 0 else None)
        stepper = CausalStepper(self.model)
        first = stepper.start(inputs_embeds=embeds, attention_mask=inputs["attention_mask"])
        out = decode(stepper, first, settings, prompt_length=inputs["input_ids"].shape[1], text=tok.decode)
        return [cut_at_stop(tok.decode(g.tokens, skip_special_tokens=True), stop).strip() for g in out]

    def image_embeds(self, input_ids: torch.Tensor, images: Sequence[Image.Image]) -> torch.Tensor:
        """The prompt's embeddings with each image's VQ token embeddings in its placeholders. Each image is
        encoded alone: in a batch the processor pads images to one size, which changes a smaller image's tokens."""
        embeds = self.model.get_input_embeddings()(input_ids)
        if not images:
            return embeds
        features = []
        for image in images:
            pixels = self.processor.image_processor([image], return_tensors="pt")
            out = self.model.model.get_image_features(pixel_values=pixels["pixel_values"].to(self.device, self.model.dtype),
                                                      image_sizes=pixels["image_sizes"].to(self.device))
            features.append(out.pooler_output[0])
        placeholders = input_ids == self.model.vocabulary_mapping.image_token_id
        found, given = int(placeholders.sum()), sum(len(f) for f in features)
        if found != given:
            raise ModelError(f"Emu3 prompt has {found} image placeholders for {given} image tokens")
        embeds[placeholders] = torch.cat(features).to(embeds.dtype)
        return embeds

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

    def token_grid(self, width: int | None = None, height: int | None = None, ratio: str = "1:1") -> tuple[int, int]:
        """(rows, columns) of visual tokens for an image ``width`` × ``height`` px. Without a size, the
        processor's rule: its image area (never above the largest image its image processor reads) at the
        aspect ``ratio`` ("W:H"); with one side only, a square."""
        factor = self.spatial_factor
        if width is None and height is None:
            try:
                w, h = (int(v) for v in ratio.split(":"))
                if w <= 0 or h <= 0:
                    raise ValueError
            except ValueError:
                raise InputError(f"aspect ratio {ratio!r}: use W:H with positive integers, e.g. 16:9") from None
            area = min(self.processor.image_area, self.processor.image_processor.max_pixels)
            rows, columns = self.processor.calculate_generate_size(f"{w}:{h}", area, factor)
            return max(1, rows), max(1, columns)
        width, height = width or height, height or width
        if width % factor or height % factor:
            raise InputError(f"image size {width}x{height}: width and height must be multiples of {factor}")
        return height // factor, width // factor

    def grid_tokens(self) -> GridTokens:
        tok = self.tokenizer
        return GridTokens(visual=tuple(self.model.vocabulary_mapping.image_tokens),
                          eol=tok.convert_tokens_to_ids("<|extra_200|>"), eof=tok.eof_token_id,
                          eoi=tok.eoi_token_id, eos=tok.eos_token_id, pad=tok.pad_token_id)

    @torch.inference_mode()
    def generate_images(self, prompts: Sequence[str], seed: int = 0, *, negative_prompt: str | None = None,
                        width: int | None = None, height: int | None = None, guidance: float | None = None,
                        top_k: int = TOP_K, ratio: str = "1:1") -> list[Image.Image]:
        """One image per prompt (prompt ``i`` sampled with ``seed + i``); the same seed, the same image."""
        from docai.models.decode import DecodeSettings, Sampling, decode
        from docai.models.stepper_guided import GuidedStepper
        from docai.models.stepper_hf import CausalStepper

        rows, columns = self.token_grid(width, height, ratio)
        total = segment_length(rows, columns)
        frame = f"{self.tokenizer.boi_token}{rows}*{columns}{self.tokenizer.image_wrapper_token}"
        bos, tok = self.tokenizer.bos_token, self.tokenizer
        inputs = tok([f"{bos}{p}{frame}" for p in prompts], padding=True, add_special_tokens=False,
                     return_tensors="pt")
        negative = tok([f"{bos}{NEGATIVE_PROMPT if negative_prompt is None else negative_prompt}{frame}"]
                       * len(prompts), padding=True, add_special_tokens=False, return_tensors="pt")
        limit = self.model.config.text_config.max_position_embeddings
        longest = max(inputs["input_ids"].shape[1], negative["input_ids"].shape[1])
        if longest + total > limit:
            raise InputError(f"a {columns * self.spatial_factor}x{rows * self.spatial_factor} image needs "
                             f"{total} tokens after the prompt; this model reads at most {limit}")
        tokens = self.grid_tokens()
        stepper = GridStepper(GuidedStepper(CausalStepper(self.model), CausalStepper(self.model),
                                            GUIDANCE if guidance is None else guidance), rows, columns, tokens)
        first = stepper.start(_prompt(inputs), _prompt(negative))
        settings = DecodeSettings(max_new_tokens=total, eos_token_ids=(tokens.eos,), pad_token_id=tokens.pad,
                                  sampling=Sampling(top_k=top_k, seed=seed))
        out = decode(stepper, first, settings, prompt_length=inputs["input_ids"].shape[1],
                     seeds=[seed + i for i in range(len(prompts))])  # prompt i draws with seed + i
        segments = [g.tokens + [tokens.eos] for g in out]
        if any(len(s) != total for s in segments):
            raise ModelError(f"Emu3 generated {min(len(s) for s in segments)} image tokens, expected {total}")
        # one image at a time: a batched convolution rounds differently, and an image must not depend on its batch
        pixels = torch.cat([self.model.decode_image_tokens(image_tokens=torch.tensor([s], device=self.device),
                                                           height=rows, width=columns) for s in segments])
        return self.processor.postprocess(list(pixels.float()), return_tensors="PIL.Image.Image")["pixel_values"]


def _prompt(encoding: Any) -> dict[str, torch.Tensor]:
    return {"input_ids": encoding["input_ids"], "attention_mask": encoding["attention_mask"]}

"""LaVIT as one object: understanding (caption, VQA) and text(+image) → image generation.

The unified LM is a ``LlamaForCausalLM`` whose vocabulary holds id 32000 (image start), 32001 (image end)
and 32002 + code (visual token ``code``). Understanding feeds the merger's continuous features through
``vit_proj``, wrapped in the start/end embeddings and left-padded with the end-of-sequence embedding, then
the prompt; image ids are suppressed in the answer. Generation samples only visual tokens after the image
start (everything below 32001 suppressed) with classifier-free guidance, then decodes them to pixels
(:mod:`docai_lavit.pixels`). Parts load on first use, so a captioning call never loads the U-Net.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from docai.errors import InputError, ModelError
from docai_lavit.config import IMAGE_END_ID, IMAGE_START_ID, VISUAL_TOKEN_OFFSET, read_config
from docai_lavit.pixels import DEFAULT_GUIDANCE, DEFAULT_STEPS, PixelDecoder
from docai_lavit.weights import (
    LANGUAGE_MODEL_DIR,
    PIXEL_DECODING_DIR,
    build_decoder,
    build_tokenizer,
    read_codebook,
)

VQA_PROMPT = "Question: {} Answer:"
LLM_GUIDANCE = 4.0
TOP_K = 200  # the official sampling of visual tokens (top_p 1.0, temperature 1)
#: Every id below the image end: after the image start only visual tokens (and the end) may come.
VISUAL_ONLY_BANNED = tuple(range(IMAGE_END_ID))


class LavitModel:
    """A converted LaVIT checkpoint on a device (see the module doc)."""

    def __init__(self, directory: str | Path, *, device: torch.device, dtype: torch.dtype) -> None:
        self.directory = Path(directory)
        self.config = read_config(self.directory)
        self.device, self.dtype = device, dtype

    # --- parts, loaded on first use --------------------------------------------------------------------------

    @cached_property
    def text_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.directory / LANGUAGE_MODEL_DIR, local_files_only=True)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    @cached_property
    def llm(self) -> Any:
        from transformers import LlamaForCausalLM

        from docai.models.loader import quiet_transformers

        with quiet_transformers():
            model = LlamaForCausalLM.from_pretrained(self.directory / LANGUAGE_MODEL_DIR, dtype=self.dtype,
                                                     use_safetensors=True, local_files_only=True)
        if model.config.vocab_size < VISUAL_TOKEN_OFFSET + self.config.n_code:
            raise ModelError(f"LaVIT language model has {model.config.vocab_size} ids, fewer than "
                             f"{VISUAL_TOKEN_OFFSET} + {self.config.n_code} visual tokens")
        return model.to(self.device).eval()

    @cached_property
    def understanding_tokenizer(self) -> Any:
        return self._module(build_tokenizer(self.directory, self.config, for_understanding=True))

    @cached_property
    def generation_tokenizer(self) -> Any:
        return self._module(build_tokenizer(self.directory, self.config, for_understanding=False))

    @cached_property
    def codebook(self) -> torch.Tensor:
        return read_codebook(self.directory).to(self.device, self.dtype)

    @cached_property
    def token_decoder(self) -> Any:
        return self._module(build_decoder(self.directory, self.config))

    @cached_property
    def pixel_decoder(self) -> PixelDecoder:
        return PixelDecoder.load(self.directory / PIXEL_DECODING_DIR, self.device, self.dtype)

    def _module(self, module: torch.nn.Module) -> torch.nn.Module:
        return module.to(self.device, self.dtype).eval()

    # --- understanding -----------------------------------------------------------------------------------------

    def pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Images resized (bicubic) to the ViT's square input and normalised with the CLIP mean and std."""
        size = self.config.image_size
        mean = torch.tensor(self.config.image_mean).view(3, 1, 1)
        std = torch.tensor(self.config.image_std).view(3, 1, 1)
        batch = []
        for image in images:
            resized = image.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)
            array = torch.frombuffer(bytearray(resized.tobytes()), dtype=torch.uint8).view(size, size, 3)
            batch.append((array.permute(2, 0, 1).float() / 255 - mean) / std)
        return torch.stack(batch).to(self.device, self.dtype)

    @torch.inference_mode()
    def describe(self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int = 36,
                 min_new_tokens: int = 1, temperature: float = 0.0, top_p: float = 1.0, seed: int = 0,
                 stop: Sequence[str] = ()) -> list[str]:
        """The LM's text after each image and its prompt (continuous visual features, no image ids out)."""
        from docai.models.decode import DecodeSettings, Sampling, cut_at_stop, decode
        from docai.models.stepper_hf import CausalStepper

        if len(images) != len(prompts):
            raise InputError(f"{len(images)} images for {len(prompts)} prompts")
        embed = self.llm.get_input_embeddings()
        marks = embed(torch.tensor([IMAGE_START_ID, IMAGE_END_ID], device=self.device))
        features = self.understanding_tokenizer.encode_features(self.pixels(images))
        rows = []
        for feature, prompt in zip(features, prompts, strict=True):
            ids = self.text_tokenizer(prompt, add_special_tokens=False).input_ids if prompt else []
            text = embed(torch.tensor(ids, dtype=torch.long, device=self.device))
            rows.append(torch.cat([marks[:1], feature.to(marks.dtype), marks[1:], text]))
        embeds, mask = self._left_pad(rows)
        tok = self.text_tokenizer
        settings = DecodeSettings(
            max_new_tokens=max_new_tokens, min_new_tokens=min(min_new_tokens, max_new_tokens),
            eos_token_ids=(tok.eos_token_id,), pad_token_id=tok.pad_token_id, stop_strings=tuple(stop),
            bad_token_ids=tuple(range(min(len(tok), IMAGE_START_ID), self.llm.config.vocab_size)),
            sampling=Sampling(temperature=temperature, top_p=top_p, seed=seed) if temperature > 0 else None)
        stepper = CausalStepper(self.llm)
        first = stepper.start(inputs_embeds=embeds, attention_mask=mask)
        out = decode(stepper, first, settings, prompt_length=embeds.shape[1], text=tok.decode)
        return [cut_at_stop(tok.decode(g.tokens, skip_special_tokens=True), stop).strip() for g in out]

    def caption(self, images: Sequence[Image.Image], prompt: str | None = None, **generation: Any) -> list[str]:
        """One caption per image (the first sentence, as the official evaluation keeps)."""
        texts = self.describe(images, [prompt or ""] * len(images), **generation)
        return [text.split(".")[0].strip() for text in texts]

    def answer(self, images: Sequence[Image.Image], question: str, **generation: Any) -> list[str]:
        """A short answer per image to ``question`` ("Question: {} Answer:")."""
        texts = self.describe(images, [VQA_PROMPT.format(question)] * len(images), **{"max_new_tokens": 10,
                                                                                      **generation})
        return [text.split("\n")[0].split(".")[0].strip() for text in texts]

    # --- generation -----------------------------------------------------------------------------------------------

    @torch.inference_mode()
    def image_codes(self, prompts: Sequence[str], seed: int = 0, *,
                    images: Sequence[Image.Image | None] | None = None, negative_prompt: str | None = None,
                    guidance: float = LLM_GUIDANCE) -> list[torch.Tensor]:
        """Per prompt, the codebook ids the LM samples between image start and end (row ``i`` uses ``seed + i``)."""
        from docai.models.decode import DecodeSettings, Sampling, decode
        from docai.models.stepper_guided import GuidedStepper
        from docai.models.stepper_hf import CausalStepper, left_pad

        tok = self.text_tokenizer
        rows = []
        for i, prompt in enumerate(prompts):
            ids: list[int] = []
            image = images[i] if images else None
            if image is not None:  # image + text → image: the image's visual tokens lead the prompt (official)
                ids += (self.generation_tokenizer.tokenize(self.pixels([image]))[0] + VISUAL_TOKEN_OFFSET).tolist()
            rows.append(ids + tok(prompt, add_special_tokens=False).input_ids + [IMAGE_START_ID])
        # the unconditional prompt: the negative prompt, or (official default) the image start alone
        negative = (tok(negative_prompt, add_special_tokens=False).input_ids if negative_prompt else [])
        input_ids, mask = left_pad(rows, tok.pad_token_id, self.device)
        negative_ids, negative_mask = left_pad([negative + [IMAGE_START_ID]] * len(rows), tok.pad_token_id, self.device)
        most = min(200, self.config.num_patches)
        settings = DecodeSettings(
            max_new_tokens=most, min_new_tokens=min(20, max(1, most // 2)), eos_token_ids=(IMAGE_END_ID,),
            pad_token_id=tok.pad_token_id, bad_token_ids=VISUAL_ONLY_BANNED,
            sampling=Sampling(top_k=TOP_K, seed=seed))
        stepper = GuidedStepper(CausalStepper(self.llm), CausalStepper(self.llm), guidance)
        first = stepper.start({"input_ids": input_ids, "attention_mask": mask},
                              {"input_ids": negative_ids, "attention_mask": negative_mask})
        out = decode(stepper, first, settings, prompt_length=input_ids.shape[1],
                     seeds=[seed + i for i in range(len(rows))])
        return [torch.tensor(g.tokens, dtype=torch.long) - VISUAL_TOKEN_OFFSET for g in out]

    @torch.inference_mode()
    def draw(self, codes: Sequence[torch.Tensor], seed: int = 0, *, width: int | None = None,
             height: int | None = None, steps: int = DEFAULT_STEPS, guidance: float = DEFAULT_GUIDANCE
             ) -> list[Image.Image]:
        """Images from visual-token codes: codebook vectors → conditioning → U-Net with DDIM → VAE.

        One image at a time: batched convolutions round differently, and an image must depend on its seed
        only, not on its batch (the LM, where batching pays most, samples the codes of the batch together)."""
        decoder = self.pixel_decoder
        size = decoder.default_size
        images = []
        for i, code in enumerate(codes):
            vectors = torch.nn.functional.embedding(code.to(self.device), self.codebook)
            prompt_embeds, pooled = self.token_decoder([vectors])
            images += decoder.decode(prompt_embeds, pooled, [seed + i], width=width or size, height=height or size,
                                     steps=steps, guidance=guidance)
        return images

    def generate_images(self, prompts: Sequence[str], seed: int = 0, *,
                        images: Sequence[Image.Image | None] | None = None, negative_prompt: str | None = None,
                        width: int | None = None, height: int | None = None, steps: int | None = None,
                        guidance: float | None = None, llm_guidance: float = LLM_GUIDANCE) -> list[Image.Image]:
        """Text (and optionally an image per prompt) → one image per prompt; prompt ``i`` is drawn with
        ``seed + i`` (alone or batched, the same image)."""
        if width or height:
            self.pixel_decoder.check_size(width or self.pixel_decoder.default_size,
                                          height or self.pixel_decoder.default_size)
        codes = self.image_codes(prompts, seed, images=images, negative_prompt=negative_prompt, guidance=llm_guidance)
        if any(len(c) == 0 for c in codes):
            raise ModelError("LaVIT sampled no visual token for a prompt")
        return self.draw(codes, seed, width=width, height=height, steps=steps or DEFAULT_STEPS,
                         guidance=DEFAULT_GUIDANCE if guidance is None else guidance)

    # --- padding ---------------------------------------------------------------------------------------------------

    def _left_pad(self, rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        embed = self.llm.get_input_embeddings()
        eos = embed(torch.tensor([self.text_tokenizer.eos_token_id], device=self.device))[0]
        longest = max(len(r) for r in rows)
        embeds = eos.expand(len(rows), longest, -1).clone()
        mask = torch.zeros(len(rows), longest, dtype=torch.long, device=self.device)
        for i, row in enumerate(rows):
            embeds[i, longest - len(row):] = row
            mask[i, longest - len(row):] = 1
        return embeds, mask

"""LaVIT's pixel decoder: conditioning from the visual tokens → SDXL-style U-Net with DDIM → VAE → images.

As in the official ``generate_image`` (high-resolution decoding): the negative conditioning is all zeros,
the added time ids are (original size, crop top-left, target size), classifier-free guidance mixes the two
noise predictions. The initial latents of image ``i`` are drawn from its own seed, so an image does not
depend on the batch it was drawn in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from docai.errors import InputError, ModelError

DEFAULT_STEPS = 25
DEFAULT_GUIDANCE = 7.0


@dataclass
class PixelDecoder:
    """The diffusers parts of ``highres_pixel_decoding/``."""

    unet: Any
    vae: Any
    scheduler: Any

    @classmethod
    def load(cls, directory: Path, device: torch.device, dtype: torch.dtype) -> PixelDecoder:
        from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.set_verbosity_error()  # no "install accelerate" advice on every load
        try:
            unet = UNet2DConditionModel.from_pretrained(directory, subfolder="unet", use_safetensors=True,
                                                        torch_dtype=dtype)
            vae = AutoencoderKL.from_pretrained(directory, subfolder="vae", use_safetensors=True, torch_dtype=dtype)
            scheduler = DDIMScheduler.from_pretrained(directory, subfolder="scheduler")
        except (OSError, ValueError) as exc:
            raise ModelError(f"LaVIT pixel decoder in {directory}: {str(exc).strip().splitlines()[0]}") from None
        return cls(unet=unet.to(device).eval(), vae=vae.to(device).eval(), scheduler=scheduler)

    @property
    def vae_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def default_size(self) -> int:
        """The side the U-Net was trained at (SDXL: 128 latents × 8 = 1024 px)."""
        return int(self.unet.config.sample_size) * self.vae_factor

    def check_size(self, width: int, height: int) -> None:
        step = self.vae_factor * 2 ** (len(self.unet.config.block_out_channels) - 1)
        if width % step or height % step:
            raise InputError(f"image size {width}x{height}: width and height must be multiples of {step}")

    @torch.no_grad()
    def decode(self, prompt_embeds: torch.Tensor, pooled: torch.Tensor, seeds: Sequence[int], *, width: int,
               height: int, steps: int = DEFAULT_STEPS, guidance: float = DEFAULT_GUIDANCE) -> list[Image.Image]:
        """Images for a batch of conditionings ``[B, N, C]`` and pooled embeddings ``[B, P]``."""
        self.check_size(width, height)
        device, dtype = prompt_embeds.device, self.unet.dtype
        batch = len(prompt_embeds)
        shape = (self.unet.config.in_channels, height // self.vae_factor, width // self.vae_factor)
        latents = torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
        self.scheduler.set_timesteps(steps, device=device)
        latents = (latents * self.scheduler.init_noise_sigma).to(device, dtype)
        time_ids = torch.tensor([[height, width, 0, 0, height, width]], dtype=dtype, device=device).repeat(2 * batch, 1)
        states = torch.cat([torch.zeros_like(prompt_embeds), prompt_embeds]).to(dtype)
        text_embeds = torch.cat([torch.zeros_like(pooled), pooled]).to(dtype)
        for t in self.scheduler.timesteps:
            model_input = self.scheduler.scale_model_input(torch.cat([latents] * 2), t)
            noise = self.unet(model_input, t, encoder_hidden_states=states,
                              added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids}).sample
            uncond, cond = noise.chunk(2)
            latents = self.scheduler.step(uncond + guidance * (cond - uncond), t, latents).prev_sample
        pixels = self.vae.decode(latents.to(self.vae.dtype) / self.vae.config.scaling_factor).sample
        return to_pil(pixels)


def to_pil(pixels: torch.Tensor) -> list[Image.Image]:
    """``[B, 3, H, W]`` in [-1, 1] → RGB PIL images."""
    array = ((pixels.float() / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a) for a in array]

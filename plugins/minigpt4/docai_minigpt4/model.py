"""MiniGPT-4 composed from transformers parts (it is not in transformers).

* Vicuna variant: ``Blip2VisionModel`` (EVA ViT-g, its ``post_layernorm`` is the original ``ln_vision``)
  → ``Blip2QFormerModel`` fed the learnt ``query_tokens`` (no text input) → ``nn.Linear`` ``llama_proj``
  → ``LlamaForCausalLM``.
* LLaMA-2 variant (``has_qformer=False``): no Q-Former; the patch tokens (class token dropped) are taken
  four adjacent at a time and concatenated (4 × 1408 = 5632 wide) before ``llama_proj``.

The image embeddings replace ``<ImageHere>`` in the prompt (:mod:`docai_minigpt4.prompts`). Parameter
names are the composed model's: ``vision_model.*``, ``query_tokens``, ``qformer.*``, ``llama_proj.*``,
``language_model.*`` — what ``docai dev convert-checkpoint minigpt4`` writes from the official files.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import (
    Blip2QFormerConfig,
    Blip2QFormerModel,
    Blip2VisionConfig,
    Blip2VisionModel,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedConfig,
    PreTrainedModel,
)

#: patch tokens concatenated per language-model token in the LLaMA-2 variant
PATCHES_PER_TOKEN = 4


class MiniGPT4Config(PreTrainedConfig):
    """Vision (EVA ViT-g as ``Blip2VisionConfig``), Q-Former, LLaMA configs and how they connect."""

    model_type = "minigpt4"
    sub_configs_defaults = {"vision_config": Blip2VisionConfig, "qformer_config": Blip2QFormerConfig,
                            "text_config": LlamaConfig}

    vision_config: dict | PreTrainedConfig | None = None
    qformer_config: dict | PreTrainedConfig | None = None
    text_config: dict | PreTrainedConfig | None = None
    has_qformer: bool = True
    num_query_tokens: int = 32
    variant: str = "vicuna"  # "vicuna" or "llama2": the prompt template and how an answer ends

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        self.qformer_config.encoder_hidden_size = self.vision_config.hidden_size


class MiniGPT4ForConditionalGeneration(PreTrainedModel):
    """The composed MiniGPT-4: :meth:`image_embeddings` for images, ``language_model`` for text."""

    config_class = MiniGPT4Config
    base_model_prefix = "minigpt4"
    main_input_name = "pixel_values"
    _no_split_modules = ["Blip2EncoderLayer", "LlamaDecoderLayer"]

    def __init__(self, config: MiniGPT4Config) -> None:
        super().__init__(config)
        self.vision_model = Blip2VisionModel(config.vision_config)
        if config.has_qformer:
            self.query_tokens = nn.Parameter(torch.zeros(1, config.num_query_tokens, config.qformer_config.hidden_size))
            self.qformer = Blip2QFormerModel(config.qformer_config)
            width = config.qformer_config.hidden_size
        else:
            width = PATCHES_PER_TOKEN * config.vision_config.hidden_size
        self.llama_proj = nn.Linear(width, config.text_config.hidden_size)
        self.language_model = LlamaForCausalLM(config.text_config)
        self.post_init()

    def _init_weights(self, module) -> None:
        if module is self:
            if self.config.has_qformer:
                nn.init.normal_(self.query_tokens, std=self.config.qformer_config.initializer_range)
            return
        super()._init_weights(module)

    def get_input_embeddings(self) -> nn.Module:
        return self.language_model.get_input_embeddings()

    def image_tokens(self) -> int:
        """How many language-model tokens one image becomes."""
        if self.config.has_qformer:
            return self.config.num_query_tokens
        vision = self.config.vision_config
        return (vision.image_size // vision.patch_size) ** 2 // PATCHES_PER_TOKEN

    def image_embeddings(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``(images, image_tokens, llm_hidden)``: what stands in the prompt where ``<ImageHere>`` was."""
        dtype = self.vision_model.embeddings.patch_embedding.weight.dtype
        features = self.vision_model(pixel_values=pixel_values.to(dtype)).last_hidden_state
        if self.config.has_qformer:
            queries = self.query_tokens.expand(features.shape[0], -1, -1)
            mask = torch.ones(features.shape[:2], dtype=torch.long, device=features.device)
            hidden = self.qformer(query_embeds=queries, encoder_hidden_states=features,
                                  encoder_attention_mask=mask).last_hidden_state
        else:
            patches = features[:, 1:, :]
            batch, count, width = patches.shape
            if count % PATCHES_PER_TOKEN:
                raise ValueError(f"{count} patch tokens do not group by {PATCHES_PER_TOKEN}")
            hidden = patches.reshape(batch, count // PATCHES_PER_TOKEN, width * PATCHES_PER_TOKEN)
        return self.llama_proj(hidden)

    def forward(self, pixel_values: torch.Tensor | None = None, **kwargs):
        """The language model's forward (``inputs_embeds`` with the images spliced in, or ``input_ids``)."""
        return self.language_model(**kwargs)

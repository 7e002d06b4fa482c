"""Plugin contracts: what a plugin model says about itself and what each capability returns."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Capability(StrEnum):
    """What a plugin model can do; each has one small protocol in ``docai.plugins.capabilities``."""

    caption = "caption"
    vqa = "vqa"
    itm = "itm"  # image-text matching
    embed = "embed"
    classify = "classify"
    chat = "chat"
    generate_image = "generate_image"


class PluginModelInfo(BaseModel):
    """One model a plugin registers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique model name, e.g. 'blip-caption'")
    plugin: str = Field(description="the distribution or entry point that registered it")
    capabilities: list[Capability]
    description: str = ""


class PluginLoadError(BaseModel):
    """A plugin whose entry point failed to load; the other plugins still work."""

    plugin: str
    message: str


class Caption(BaseModel):
    text: str
    score: float | None = None


class VQAAnswer(BaseModel):
    question: str
    answer: str
    confidence: float | None = None


class ITMScore(BaseModel):
    text: str
    score: float = Field(description="probability that the text matches the image, 0-1")


class Embedding(BaseModel):
    vector: list[float]
    model: str
    normalized: bool = True


class GeneratedImage(BaseModel):
    png_base64: str
    width: int
    height: int
    seed: int | None = None

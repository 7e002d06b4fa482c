"""Plugin contracts: what the installed plugins provide, and each capability's typed request and response.

A capability call is ``model.<capability>(images, request)``: the images (a batch; PDF pages are rendered
first) travel apart from the request, which holds only JSON values, so the same request goes over HTTP and
through the queue (where images travel by reference). Each response model is one item of the batch.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.document import Block


class Capability(StrEnum):
    """What a plugin model can do; each has one small base class in ``docai.plugins.capabilities``."""

    caption = "caption"
    vqa = "vqa"
    itm = "itm"  # image-text matching head: probability that a text describes the image
    itc = "itc"  # image-text contrastive similarity (cosine of the two embeddings)
    embed = "embed"
    zero_shot = "zero_shot"
    chat = "chat"
    generate_image = "generate_image"
    read_page = "read_page"


class _Strict(BaseModel):
    # defer_build: each model's validator is built on first use, so importing the contracts (listing
    # plugins) does not pay for the two dozen request/response models it does not touch
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- what is installed ----------------------------------------------------------------------------------------


class ModelRecord(_Strict):
    """One model family a plugin registers (``docai plugins list``, ``GET /v1/models``)."""

    family: str = Field(description="the FAMILY of a FAMILY:CHECKPOINT model id, e.g. 'blip'")
    capabilities: list[Capability]
    plugin: str = Field(description="distribution that registered it ('docai' for built-ins)")
    plugin_version: str
    description: str = ""
    default_checkpoint: str | None = Field(default=None, description="used when the id has no CHECKPOINT")
    options: dict = Field(default_factory=dict, description="JSON Schema of the family's options")


class PluginRecord(_Strict):
    """One plugin distribution: what it registered, or why it is broken."""

    name: str = Field(description="distribution name, e.g. 'docai-blip'; 'docai' for the built-ins")
    version: str
    status: Literal["ok", "broken"] = "ok"
    error: str | None = Field(default=None, description="why the plugin is broken (one line)")
    models: list[str] = Field(default_factory=list, description="model families")
    engines: list[str] = Field(default_factory=list, description="page engines")
    kinds: list[str] = Field(default_factory=list, description="loader kinds (with tiny checkpoints)")
    commands: list[str] = Field(default_factory=list, description="CLI commands")


class PluginListing(_Strict):
    """``docai plugins list --json``."""

    plugins: list[PluginRecord]
    models: list[ModelRecord]


# --- requests (everything but the images) -----------------------------------------------------------------------


class GenerationOptions(_Strict):
    """How text is generated. Greedy unless ``temperature`` > 0; a ``seed`` makes sampling repeatable."""

    max_new_tokens: int = Field(default=40, ge=1, le=4096)
    temperature: float = Field(default=0.0, ge=0.0, le=5.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int | None = None
    stop: list[str] = Field(default_factory=list, description="stop strings")


class CaptionRequest(_Strict):
    prompt: str | None = Field(default=None, description="text the caption starts from (prompted captioning)")
    generation: GenerationOptions = Field(default_factory=GenerationOptions)


class VQARequest(_Strict):
    question: str = Field(min_length=1, max_length=2000, description="asked of every image")
    generation: GenerationOptions = Field(default_factory=GenerationOptions)


class MatchRequest(_Strict):
    """``itm`` and ``itc``: how well each text matches each image."""

    texts: list[str] = Field(min_length=1, max_length=1000)


class EmbedRequest(_Strict):
    """Embeddings of every image, then of every text (either may be empty, not both)."""

    texts: list[str] = Field(default_factory=list, max_length=10000)
    normalize: bool = True


class ZeroShotRequest(_Strict):
    labels: list[str] = Field(min_length=1, max_length=1000)
    template: str = Field(default="a photo of a {}.", description="prompt template; {} is the label")


class ChatMessage(_Strict):
    role: Literal["system", "user", "assistant"]
    content: str
    images: list[int] = Field(default_factory=list, description="indices into the call's images, placed here")


class ChatRequest(_Strict):
    """A whole conversation (no server-side session): the reply continues it."""

    messages: list[ChatMessage] = Field(min_length=1)
    generation: GenerationOptions = Field(default_factory=lambda: GenerationOptions(max_new_tokens=256))


class GenerateImageRequest(_Strict):
    """Text (and optionally an input image) → one image per prompt; prompt ``i`` uses ``seed + i``."""

    prompts: list[str] = Field(min_length=1, max_length=64)
    negative_prompt: str | None = None
    width: int | None = Field(default=None, ge=16, le=4096)
    height: int | None = Field(default=None, ge=16, le=4096)
    steps: int | None = Field(default=None, ge=1, le=1000)
    guidance: float | None = Field(default=None, ge=0.0, le=50.0)
    seed: int = Field(default=0, ge=0, description="seed of prompt 0 (prompt i: seed + i)")


class ReadPageRequest(_Strict):
    prompt: str | None = Field(default=None, description="the model's page prompt (default: its own)")
    generation: GenerationOptions = Field(default_factory=lambda: GenerationOptions(max_new_tokens=2048))


# --- responses (one per batch item) -----------------------------------------------------------------------------


class Caption(_Strict):
    text: str
    score: float | None = Field(default=None, description="mean token log-probability, when the model gives one")


class VQAAnswer(_Strict):
    question: str
    answer: str
    confidence: float | None = None


class TextScore(_Strict):
    text: str
    score: float = Field(description="itm: probability that the text matches, 0-1; itc: cosine similarity")


class MatchResult(_Strict):
    """One image's scores for every text of a :class:`MatchRequest`, in request order."""

    mode: Literal["itm", "itc"]
    scores: list[TextScore]


class Embedding(_Strict):
    source: Literal["image", "text"]
    index: int = Field(description="position among the call's images, or among the request's texts")
    vector: list[float]
    normalized: bool = True


class LabelProbabilities(_Strict):
    """One image's zero-shot result: the best label and every label's probability (summing to 1)."""

    label: str
    probabilities: dict[str, float]


class ChatReply(_Strict):
    text: str


class GeneratedImage(_Strict):
    png_base64: str
    width: int
    height: int
    seed: int | None = None


class PageReading(_Strict):
    """A page image read by a model: its markdown and the blocks parsed from it."""

    markdown: str
    blocks: list[Block] = Field(default_factory=list)


# --- a whole call, as the CLI prints it and a plugin job stores it --------------------------------------------


class PluginAnswer(_Strict):
    """One response item and what it answers: an input image (or PDF page), a text, a prompt."""

    input: str | None = Field(default=None, description="the input's label: file name, 'file.pdf#3' for a page")
    text: str | None = Field(default=None, description="the text or prompt it answers, for text items")
    output: dict[str, Any] = Field(description="the capability's response item (see plugin_<cap>_response)")


class PluginResult(_Strict):
    """The result of one capability call (in-process or a plugin job)."""

    model: str = Field(description="FAMILY:CHECKPOINT")
    capability: Capability
    plugin: str
    plugin_version: str
    answers: list[PluginAnswer]


class PluginJobRequest(_Strict):
    """A plugin job: the model, the capability, its typed request and the model's options. The inputs travel
    by reference (stored documents); their pages are selected with ``pages`` (PDFs only)."""

    model: str = Field(description="FAMILY:CHECKPOINT")
    capability: Capability
    request: dict[str, Any] = Field(default_factory=dict, description="the capability's request (plugin_<cap>_request)")
    options: dict[str, Any] = Field(default_factory=dict, description="the family's model options")
    inputs: list[str] = Field(default_factory=list, description="storage refs of the input documents")
    filenames: list[str] = Field(default_factory=list)
    pages: str | None = None


#: capability → (request model, response item model); the one table the CLI, API, queue and schemas use
CAPABILITY_TYPES: dict[Capability, tuple[type[BaseModel], type[BaseModel]]] = {
    Capability.caption: (CaptionRequest, Caption),
    Capability.vqa: (VQARequest, VQAAnswer),
    Capability.itm: (MatchRequest, MatchResult),
    Capability.itc: (MatchRequest, MatchResult),
    Capability.embed: (EmbedRequest, Embedding),
    Capability.zero_shot: (ZeroShotRequest, LabelProbabilities),
    Capability.chat: (ChatRequest, ChatReply),
    Capability.generate_image: (GenerateImageRequest, GeneratedImage),
    Capability.read_page: (ReadPageRequest, PageReading),
}

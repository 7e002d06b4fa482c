"""The ``emu`` family behind docai's capability classes: thin over :class:`docai_emu.model.EmuModel`."""

from __future__ import annotations

from docai.errors import ModelError
from docai.plugins.capabilities import Captioner, Chatter, ImageGenerator, VisualQuestionAnswerer
from docai_emu.plugin import EmuOptions
from schemas.plugins import Caption, ChatReply, VQAAnswer


class Emu(Captioner, VisualQuestionAnswerer, Chatter, ImageGenerator):
    """``emu:CHECKPOINT``: an Emu3 checkpoint (hub id or directory, safetensors only) loaded when created."""

    Options = EmuOptions
    default_batch_size = 4

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai.models.checkpoint import resolve_checkpoint
        from docai_emu.model import EmuModel

        resolved = resolve_checkpoint(checkpoint)
        self.emu = EmuModel.load(str(resolved.path), device=self.device, dtype=self.dtype)
        self.model = self.emu.model  # counted by memory_bytes(), dropped by close()

    def close(self) -> None:
        super().close()
        self.emu = None

    def caption_batch(self, images, request):
        return [Caption(text=t) for t in self.emu.caption(images, request.prompt, **_generation(request.generation))]

    def vqa_batch(self, images, request):
        texts = self.emu.answer(images, request.question, **_generation(request.generation))
        return [VQAAnswer(question=request.question, answer=t) for t in texts]

    def chat_batch(self, conversations):
        replies = []
        for images, request in conversations:
            order = [i for message in request.messages for i in message.images]
            messages = [{"role": m.role, "content": m.content, "images": len(m.images)} for m in request.messages]
            text = self.emu.conversation_text(messages)
            replies += self.emu.respond([[images[i] for i in order]], [text], **_generation(request.generation))
        return [ChatReply(text=t) for t in replies]

    def generate_image_batch(self, items, request):
        if any(image is not None for _prompt, _seed, image in items):
            raise ModelError(f"{self.name} draws from text only: an input image is a LaVIT feature (lavit:DIR)")
        seeds = [seed for _prompt, seed, _image in items]
        if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
            raise ModelError(f"emu draws prompt i of a batch with seed + i; got seeds {seeds}")
        return self.emu.generate_images([prompt for prompt, _seed, _image in items], seeds[0],
                                        negative_prompt=request.negative_prompt, width=request.width,
                                        height=request.height, guidance=request.guidance, top_k=self.options.top_k,
                                        ratio=self.options.ratio)


def _generation(options) -> dict:
    return {"max_new_tokens": options.max_new_tokens, "temperature": options.temperature, "top_p": options.top_p,
            "seed": options.seed or 0, "stop": tuple(options.stop)}

"""One capability call over loaded inputs, with progress: what the CLI verbs and the plugin job both run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from docai.plugins.base import PluginModel, build_request
from docai.plugins.inputs import InputItem
from schemas.plugins import Capability, PluginAnswer, PluginResult

#: called as progress(items_done, items_total)
Progress = Callable[[int, int], None]

#: capabilities that answer each input image on its own (so the call can be cut up for progress)
PER_IMAGE = {Capability.caption, Capability.vqa, Capability.itm, Capability.itc, Capability.zero_shot,
             Capability.read_page}


def run_capability(model: PluginModel, capability: Capability | str, items: Sequence[InputItem],
                   request: BaseModel | dict[str, Any] | None = None, *,
                   progress: Progress | None = None) -> PluginResult:
    """Run ``capability`` of ``model`` over ``items``; every answer labelled with what it answers."""
    cap = Capability(capability)
    req = build_request(cap, request)
    images = [item.image for item in items]
    outputs: list[BaseModel] = []
    if cap in PER_IMAGE:
        step = max(1, model.batch_size)
        for start in range(0, len(images), step):
            outputs.extend(model.run(cap, images[start:start + step], req))
            if progress:
                progress(len(outputs), len(images))
    else:
        outputs = model.run(cap, images, req)
        if progress:
            progress(len(images), len(images))
    record = model.record
    return PluginResult(model=model.name, capability=cap, plugin=record.plugin if record else "",
                        plugin_version=record.plugin_version if record else "",
                        answers=answers(cap, outputs, items, req))


def answers(cap: Capability, outputs: Sequence[BaseModel], items: Sequence[InputItem],
            request: BaseModel) -> list[PluginAnswer]:
    """Each response item with what it answers (the input image or page, the text, the prompt)."""
    data = [out.model_dump(mode="json") for out in outputs]
    if cap in PER_IMAGE:
        return [PluginAnswer(input=item.label, output=d) for item, d in zip(items, data, strict=True)]
    if cap is Capability.embed:
        return [PluginAnswer(text=request.texts[d["index"]], output=d) if d["source"] == "text"
                else PluginAnswer(input=items[d["index"]].label, output=d) for d in data]
    if cap is Capability.generate_image:
        return [PluginAnswer(text=prompt, output=d) for prompt, d in zip(request.prompts, data, strict=True)]
    labels = ", ".join(item.label for item in items) or None  # chat: one reply to the whole conversation
    return [PluginAnswer(input=labels, output=d) for d in data]

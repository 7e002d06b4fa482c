"""docai-blip's hooks: the ``blip`` model family and its three loader kinds (no heavy imports here).

One family, three kinds of checkpoint, as Salesforce publishes them — the checkpoint decides what a
``blip:CHECKPOINT`` model can do:

============  ==============================  ======================================  =====================
kind          architecture                    e.g.                                    capabilities
============  ==============================  ======================================  =====================
``blip``      BlipForConditionalGeneration    Salesforce/blip-image-captioning-base   caption
``blip-vqa``  BlipForQuestionAnswering        Salesforce/blip-vqa-base                vqa
``blip-itm``  BlipForImageTextRetrieval       Salesforce/blip-itm-base-coco           itm, itc, embed
============  ==============================  ======================================  =====================

``docai dev tiny-model blip|blip-vqa|blip-itm DIR`` writes a tiny random checkpoint of each.
"""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins import ModelSpec, hookimpl

#: kind name → (architecture, tiny writer, capabilities a checkpoint of that kind has)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "blip": ("BlipForConditionalGeneration", "docai_blip.tiny:write_tiny_caption", ("caption",)),
    "blip-vqa": ("BlipForQuestionAnswering", "docai_blip.tiny:write_tiny_vqa", ("vqa",)),
    "blip-itm": ("BlipForImageTextRetrieval", "docai_blip.tiny:write_tiny_itm", ("itm", "itc", "embed")),
}


@hookimpl
def register_models(register):
    register(ModelSpec(
        family="blip",
        capabilities=["caption", "vqa", "itm", "itc", "embed"],
        factory="docai_blip.model:Blip",
        description="BLIP: captions (plain or prompted), VQA, ITM/ITC matching, image and text features "
                    "(what a checkpoint can do depends on its kind)",
        default_checkpoint="Salesforce/blip-image-captioning-base",
    ))


@hookimpl
def register_model_kinds(register):
    for name, (architecture, tiny, capabilities) in KINDS.items():
        register(ModelKind(name=name, model_type="blip", model_class=architecture, processor_class="BlipProcessor",
                           architectures=(architecture,), image_processor_prefix="Blip", tiny=tiny,
                           description=f"BLIP {architecture} ({', '.join(capabilities)})"))

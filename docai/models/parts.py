"""The parts of a checkpoint besides its weights: the model class, the processor, image processor, tokenizer.

A kind names its classes as transformers class names or, for code that ships inside a plugin, as
``"module:Class"``. Processors load through ``AutoProcessor`` unless the kind names one, so what a checkpoint
configures (BLIP-2's ``num_query_tokens``, LLaVA's ``patch_size`` and chat template, InstructBLIP's Q-Former
tokenizer) comes with it. Everything loads from the local directory only, without remote code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docai.errors import ModelError
from docai.models.kinds import ModelKind

LOCAL = {"local_files_only": True, "trust_remote_code": False}


@dataclass(frozen=True)
class Processors:
    processor: Any
    image_processor: Any
    tokenizer: Any


def resolve_class(ref: str, what: str) -> Any:
    """A transformers class by name, or a plugin's class by ``"module:Class"``."""
    if ":" in ref:
        from docai.plugins.specs import import_ref

        return import_ref(ref)
    import transformers

    try:
        return getattr(transformers, ref)
    except AttributeError:
        raise ModelError(f"transformers has no {what} class {ref!r} (is transformers too old?)") from None


def load_processors(kind: ModelKind, path: Path, name: str) -> Processors:
    """The checkpoint's processor and its image processor and tokenizer (None where it has none)."""
    import transformers

    if kind.processor_class is None:
        processor = _optional(lambda: transformers.AutoProcessor.from_pretrained(path, **LOCAL))
        if isinstance(processor, transformers.PreTrainedTokenizerBase):
            return Processors(processor=processor, image_processor=_image_processor(path, name), tokenizer=processor)
        image_processor = getattr(processor, "image_processor", None) or _image_processor(path, name)
        tokenizer = getattr(processor, "tokenizer", None) or _tokenizer(path, name)
        if processor is None and image_processor is None and tokenizer is None:
            raise ModelError(f"model {name!r}: no processor, image processor or tokenizer files in {path}")
        return Processors(processor=processor, image_processor=image_processor, tokenizer=tokenizer)
    cls = resolve_class(kind.processor_class, "processor")
    if ":" in kind.processor_class:  # a plugin's processor loads itself
        processor = load_part("processor", name, lambda: cls.from_pretrained(path, **LOCAL))
        return Processors(processor=processor, image_processor=getattr(processor, "image_processor", None),
                          tokenizer=getattr(processor, "tokenizer", None))
    image_processor = load_part("image processor", name, lambda: transformers.AutoImageProcessor.from_pretrained(
        path, backend="pil", **LOCAL))
    tokenizer = load_part("tokenizer", name, lambda: transformers.AutoTokenizer.from_pretrained(path, **LOCAL))
    return Processors(processor=cls(image_processor=image_processor, tokenizer=tokenizer),
                      image_processor=image_processor, tokenizer=tokenizer)


def _image_processor(path: Path, name: str) -> Any:
    if not (path / "preprocessor_config.json").is_file():
        return None
    import transformers

    return load_part("image processor", name, lambda: transformers.AutoImageProcessor.from_pretrained(path, **LOCAL))


def _tokenizer(path: Path, name: str) -> Any:
    if not any((path / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "tokenizer.model")):
        return None
    import transformers

    return load_part("tokenizer", name, lambda: transformers.AutoTokenizer.from_pretrained(path, **LOCAL))


def _optional(load) -> Any:
    try:
        return load()
    except Exception:  # noqa: BLE001 - no processor config: the parts are loaded one by one instead
        return None


def load_part(what: str, name: str, load) -> Any:
    """``load()``, with any failure turned into one ModelError line naming the part."""
    try:
        return load()
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - transformers raises many types; the user gets one line
        lines = str(exc).strip().splitlines()
        raise ModelError(f"model {name!r}: cannot load its {what}: {lines[0] if lines else type(exc).__name__}") from None

"""Model kinds the loader knows: what a checkpoint of each kind looks like and which classes load it.

A kind is checked against the checkpoint's ``config.json`` and ``preprocessor_config.json`` before any
weights are read, so asking for ``kind="nougat"`` with a Donut or a BERT checkpoint fails with one clear
line. Kinds arrive through the ``register_model_kinds`` plugin hook (the built-in nougat and donut kinds
too, from :mod:`docai.plugins.builtin`); :func:`known_kinds` is what the installed plugins registered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docai.errors import ModelError


@dataclass(frozen=True)
class ModelKind:
    """One kind of checkpoint: the architecture it must have, the classes that load it, its tiny builder.

    ``model_class`` and ``processor_class`` name a transformers class (``"BlipForConditionalGeneration"``)
    or, for model code that ships inside a plugin, ``"module:Class"`` (a ``PreTrainedModel`` subclass, still
    loaded from safetensors without remote code). ``processor_class=None`` loads the checkpoint's processor
    with ``AutoProcessor``. ``tiny`` names ``"module:function"`` writing a tiny random checkpoint, called as
    ``function(directory: Path, *, seed: int = 0, **overrides) -> Path``. ``convert`` names
    ``"module:function"`` converting a family's released checkpoint layout (pickles, its own file names) into
    the safetensors layout it loads, called as ``function(source, target)`` by
    ``docai dev convert-checkpoint KIND SRC DIR``.
    """

    name: str
    model_type: str  # config.json model_type
    model_class: str  # class that loads the weights: transformers name or "module:Class"
    processor_class: str | None = None  # None: AutoProcessor; else transformers name or "module:Class"
    architectures: tuple[str, ...] = ()  # config.json "architectures" must name one of these (when given)
    image_processor_prefix: str = ""  # image processor type must start with this ("Nougat" → NougatImageProcessor)
    encoder_types: tuple[str, ...] = ()
    decoder_types: tuple[str, ...] = ()
    sdpa_capable: bool = False  # whether docai.models.swin_sdpa applies to its encoder
    split_dtype: bool = False  # whether the encoder may run in another dtype than the decoder (CPU default)
    tiny: str | None = None  # "module:function" that writes a tiny random checkpoint of this kind
    convert: str | None = None  # "module:function(source, target)" turning a released layout into a loadable one
    description: str = ""


def known_kinds() -> dict[str, ModelKind]:
    """Every kind the installed plugins (built-ins included) registered, by name."""
    from docai.plugins.registry import get_registry

    return {name: entry.item for name, entry in get_registry().kinds.items()}


def read_json(path: Path, name: str) -> dict[str, Any]:
    """A checkpoint's JSON file as a dict, or one ModelError line when it is missing or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model {name!r} has no {path.name}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model {name!r}: {path.name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"model {name!r}: {path.name} is not a JSON object")
    return data


def image_processor_type(directory: Path, name: str) -> str:
    """The image processor class named in ``preprocessor_config.json`` (old checkpoints say feature extractor)."""
    config = read_json(directory / "preprocessor_config.json", name)
    declared = config.get("image_processor_type") or config.get("feature_extractor_type") or ""
    return str(declared)


def detect_kind(directory: Path, name: str, requested: str | None) -> ModelKind:
    """The :class:`ModelKind` of the checkpoint in ``directory``, checked against ``requested`` if given.

    Detection reads ``config.json``: its ``model_type``, then its ``architectures`` (BLIP captioning and BLIP
    retrieval checkpoints share a model type), then the image processor for kinds that name one (Nougat and
    Donut share an architecture). A checkpoint two kinds still both fit needs ``kind=``.
    """
    kinds = known_kinds()
    if requested is not None and requested not in kinds:
        raise ModelError(f"unknown model kind {requested!r}: choose one of {', '.join(sorted(kinds))}")
    config = read_json(directory / "config.json", name)
    model_type = str(config.get("model_type", ""))
    if requested:
        candidates = [kinds[requested]]
    else:
        candidates = [k for k in kinds.values() if k.model_type == model_type]
        if not candidates:
            raise ModelError(f"model {name!r} has architecture {model_type or 'unknown'!r}, which docai cannot "
                             f"load (known kinds: {', '.join(sorted(kinds))})")
        declared = set(config.get("architectures") or [])
        by_architecture = [k for k in candidates if not k.architectures or declared & set(k.architectures)]
        if declared and not by_architecture:
            wanted = " or ".join(a for k in candidates for a in k.architectures)
            raise ModelError(f"model {name!r} is a {', '.join(sorted(declared))}, which docai cannot load "
                             f"as a {model_type} model (expected {wanted})")
        candidates = by_architecture or candidates
    for kind in candidates:
        _check_architecture(kind, config, name)
    return _by_image_processor(candidates, directory, name)


def _by_image_processor(candidates: list[ModelKind], directory: Path, name: str) -> ModelKind:
    if not any(k.image_processor_prefix for k in candidates):
        if len(candidates) > 1:
            raise ModelError(f"model {name!r} fits kinds {', '.join(k.name for k in candidates)}: pass kind=")
        return candidates[0]
    processor_type = image_processor_type(directory, name)
    for kind in candidates:
        if processor_type.startswith(kind.image_processor_prefix):
            return kind
    wanted = " or ".join(f"{k.image_processor_prefix}ImageProcessor ({k.name})" for k in candidates)
    raise ModelError(f"model {name!r} has image processor {processor_type or 'none'!r}, expected {wanted}")


def _check_architecture(kind: ModelKind, config: dict[str, Any], name: str) -> None:
    model_type = config.get("model_type")
    if model_type != kind.model_type:
        raise ModelError(f"model {name!r} is a {model_type or 'unknown'!r} checkpoint, not a {kind.name} "
                         f"model ({kind.model_type})")
    declared = set(config.get("architectures") or [])
    if kind.architectures and declared and not declared & set(kind.architectures):
        raise ModelError(f"model {name!r} is a {', '.join(sorted(declared))}, not a {kind.name} model "
                         f"({' or '.join(kind.architectures)})")
    for part, allowed in (("encoder", kind.encoder_types), ("decoder", kind.decoder_types)):
        got = (config.get(part) or {}).get("model_type")
        if allowed and got not in allowed:
            raise ModelError(f"model {name!r} has a {got or 'missing'!r} {part}, but {kind.name} needs "
                             f"{' or '.join(allowed)}")

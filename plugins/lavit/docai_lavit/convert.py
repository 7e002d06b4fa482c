"""``docai dev convert-checkpoint lavit SRC DIR``: the released LaVIT layout → safetensors, same key names.

The released checkpoint (``rain1011/LaVIT-7B-v2``: ``language_model/``, ``visual_tokenizer/*.bin``,
``pixel_decoding/``, ``highres_pixel_decoding/``) holds pickles only. Every ``.bin`` is read once with
torch's safe unpickler (tensors only, no code) and written as ``.safetensors`` at the same place with the
same tensor names (transformers/diffusers shard names follow their safetensors spelling, and the shard
indexes are rewritten); configs, tokenizer and scheduler files are copied. Then the sizes are read from the
weights into ``lavit_config.json`` and every part is built and loaded once, so a layout that does not fit
fails here, not at the first request. One shard is in memory at a time.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from docai.errors import InputError, ModelError
from docai_lavit.config import infer_config
from docai_lavit.weights import (
    DECODER_FILE,
    ENCODER_FILE,
    EVA_FILE,
    LANGUAGE_MODEL_DIR,
    LoadReport,
    build_decoder,
    build_tokenizer,
    read_state,
)

#: Files copied as they are (never code: no .py).
SIDE_SUFFIXES = (".json", ".txt", ".model", ".jinja", ".md", ".tiktoken", ".safetensors")


def convert_checkpoint(source: str | os.PathLike, target: str | os.PathLike) -> LoadReport:
    """Convert the official LaVIT directory ``source`` into ``target`` (see the module doc).

    Returns what loading the converted parts found (no missing keys, or a :class:`ModelError` is raised).
    Raises :class:`InputError` when ``source`` is not the official layout or ``target`` is not empty.
    """
    src, out = Path(source).expanduser(), Path(target).expanduser()
    if not (src / "visual_tokenizer").is_dir() or not (src / LANGUAGE_MODEL_DIR).is_dir():
        raise InputError(f"{src} is not a LaVIT checkpoint: it needs language_model/ and visual_tokenizer/")
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty: choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        relative = path.relative_to(src)
        if path.name.endswith(".bin.index.json"):
            _rewrite_index(path, out / relative.parent)
        elif path.suffix == ".bin":
            _convert_pickle(path, out / relative.parent / safetensors_name(path.name))
        elif path.suffix in SIDE_SUFFIXES:
            (out / relative.parent).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out / relative)
    llm_config = json.loads((out / LANGUAGE_MODEL_DIR / "config.json").read_text())
    config = infer_config(read_state(out, EVA_FILE), read_state(out, ENCODER_FILE),
                          read_state(out, DECODER_FILE, required=False), llm_config.get("hidden_size"))
    config.save(out)
    report = LoadReport()
    build_tokenizer(out, config, for_understanding=True, report=report)
    if (out / DECODER_FILE).is_file():
        build_decoder(out, config, report=report)
    return report


def safetensors_name(name: str) -> str:
    """The safetensors spelling of a pickle file name (transformers' ``pytorch_model`` → ``model``)."""
    stem = name.removesuffix(".bin")
    if stem.startswith("pytorch_model"):
        stem = "model" + stem.removeprefix("pytorch_model")
    return stem + ".safetensors"


def _convert_pickle(path: Path, target: Path) -> None:
    import torch
    from safetensors.torch import save_file

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - the safe unpickler refuses code; one line
        raise ModelError(f"{path} cannot be read safely (only tensors are allowed): "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from None
    state = {path.stem: loaded} if isinstance(loaded, torch.Tensor) else loaded
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{path} is not a plain state dict of tensors")
    seen: set[int] = set()
    for key, tensor in state.items():  # safetensors refuses shared storage (tied weights): copy repeats
        pointer = tensor.untyped_storage().data_ptr()
        state[key] = tensor.contiguous().clone() if pointer in seen else tensor.contiguous()
        seen.add(pointer)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, target, metadata={"format": "pt"})


def _rewrite_index(path: Path, target_dir: Path) -> None:
    try:
        index = json.loads(path.read_text())
        index["weight_map"] = {k: safetensors_name(v) for k, v in index["weight_map"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"{path} is not a valid shard index: {exc}") from None
    target_dir.mkdir(parents=True, exist_ok=True)
    name = safetensors_name(path.name.removesuffix(".index.json")) + ".index.json"
    (target_dir / name).write_text(json.dumps(index, indent=2) + "\n")

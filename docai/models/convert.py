"""Turning a pickle checkpoint (``pytorch_model.bin``) into a safetensors one, once, with the safe unpickler.

Many older hub checkpoints (several Donut fine-tunes among them) ship only ``pytorch_model.bin``. Rather
than loading pickles at every start (``allow_pickle=True``), convert once: the pickle is read with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers, and the copy
holds ``model.safetensors`` plus every config/tokenizer/processor file of the original.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from docai.errors import InputError, ModelError
from docai.models.checkpoint import PICKLE_FILES, SAFETENSORS_FILES, resolve_checkpoint

#: Files of a checkpoint directory that are not weights and are copied as they are.
_SIDE_FILE_SUFFIXES = (".json", ".txt", ".model", ".tiktoken", ".jinja", ".md")


def convert_to_safetensors(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Write a safetensors copy of the pickle checkpoint ``source`` (hub id or directory) into ``target``.

    Raises :class:`ModelError` when ``source`` holds no pickle weights or they hold anything but tensors,
    and :class:`InputError` when ``target`` already holds files.
    """
    import torch
    from safetensors.torch import save_file

    checkpoint = resolve_checkpoint(source, allow_pickle=True)
    if checkpoint.uses_safetensors:
        raise ModelError(f"model {checkpoint.name!r} already has safetensors weights: nothing to convert")
    out = Path(target)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty: choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    state: dict[str, torch.Tensor] = {}
    for shard in _pickle_shards(checkpoint.path):
        try:
            part = torch.load(shard, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - the safe unpickler refuses code; say so in one line
            raise ModelError(f"{shard.name} cannot be read safely (only tensors are allowed): "
                             f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from None
        if not isinstance(part, dict) or not all(isinstance(v, torch.Tensor) for v in part.values()):
            raise ModelError(f"{shard.name} is not a plain state dict of tensors")
        state.update(part)
    # safetensors refuses tensors sharing memory (tied weights): store each as its own contiguous copy
    seen: set[int] = set()
    for key, tensor in state.items():
        pointer = tensor.untyped_storage().data_ptr()
        state[key] = tensor.contiguous().clone() if pointer in seen else tensor.contiguous()
        seen.add(pointer)
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})
    for item in checkpoint.path.iterdir():
        if item.is_file() and item.name.endswith(_SIDE_FILE_SUFFIXES) and item.name not in (*PICKLE_FILES, *SAFETENSORS_FILES):
            shutil.copyfile(item, out / item.name)
    return out


def _pickle_shards(directory: Path) -> list[Path]:
    index = directory / "pytorch_model.bin.index.json"
    if index.is_file():
        try:
            names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{index.name} is not a valid shard index: {exc}") from None
        return [directory / name for name in names]
    return [directory / "pytorch_model.bin"]

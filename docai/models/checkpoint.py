"""Finding a checkpoint and checking it is safe to load — for every model family, not only Nougat/Donut.

:func:`resolve_checkpoint` turns a hub id or a local directory into a local directory with a config and
safetensors weights. A hub id is looked up first in the models directory in use (:func:`models_from`: a
queue worker's ``<storage>/models``), through :func:`find_model`, the one lookup that the submit-time
check (:func:`docai.queue.policy.resolve_model`) uses too. Pickle weights (``pytorch_model.bin``) are
refused unless ``allow_pickle`` is set; ``HF_HUB_OFFLINE=1`` (read at call time), or a worker's models
directory, resolves hub ids from the local Hugging Face cache only; when a download is allowed it fetches
only configs, safetensors and tokenizer/processor files. Every failure is one
:class:`docai.errors.ModelError` line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from docai.errors import ModelError

SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")
PICKLE_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json")

#: What a hub download may fetch: configs, safetensors weights, tokenizer and processor files.
HUB_ALLOW_PATTERNS: tuple[str, ...] = (
    "*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.jinja",
)
#: Added to :data:`HUB_ALLOW_PATTERNS` only with ``allow_pickle``.
PICKLE_PATTERNS: tuple[str, ...] = ("pytorch_model*.bin",)

_TRUTHY = {"1", "true", "yes", "on"}

#: the directory of local models that hub ids are looked up in first (None: the Hugging Face cache only)
_models_dir: ContextVar[Path | None] = ContextVar("docai_models_dir", default=None)


@contextmanager
def models_from(directory: str | os.PathLike | None) -> Iterator[None]:
    """Within the block, hub ids resolve to ``directory/<owner>/<name>`` where that holds a checkpoint
    (what a queue worker does with ``<storage>/models`` around each task)."""
    token = _models_dir.set(Path(directory) if directory is not None else None)
    try:
        yield
    finally:
        _models_dir.reset(token)


def find_model(name: str, models_dir: str | os.PathLike | None) -> Path | None:
    """The local directory of hub id ``name`` without a download: ``models_dir/<name>`` when it is one
    (:func:`storage_model`), else its snapshot in the local Hugging Face cache; None when neither has it.

    ``name`` must already be a checked hub id (no path syntax): it is joined to ``models_dir`` as is.
    """
    local = storage_model(name, models_dir)
    if local is not None:
        return local
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - transformers depends on it
        return None
    found = try_to_load_from_cache(name, "config.json", cache_dir=hub_cache_dir())
    return Path(found).parent if isinstance(found, str) else None


def storage_model(name: str, models_dir: str | os.PathLike | None) -> Path | None:
    """``models_dir/<name>`` when that is a directory, whatever its layout (a converted LaVIT checkpoint has
    no top-level ``config.json``); else None. ``name`` must already be a checked model name."""
    if models_dir is None:
        return None
    local = Path(models_dir) / name
    return local if local.is_dir() else None


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint on local disk, checked: where it is, where it came from, its weights format."""

    name: str  # as the user gave it (hub id or path)
    path: Path  # the local directory holding config.json and the weights
    weights: str  # "safetensors" or "pickle"
    from_hub: bool

    @property
    def uses_safetensors(self) -> bool:
        return self.weights == "safetensors"


def resolve_checkpoint(name_or_path: str | os.PathLike, *, allow_pickle: bool = False,
                       config_name: str = "config.json", revision: str | None = None) -> Checkpoint:
    """A local, checked :class:`Checkpoint` for a hub id or a local directory (see the module doc)."""
    name = os.fspath(name_or_path).strip()
    if not name:
        raise ModelError("no model given: pass a hub id (owner/name) or a local checkpoint directory")
    local = Path(name).expanduser()
    models_dir = _models_dir.get()
    if local.exists() or looks_like_path(name):
        path, from_hub = _local_dir(local, name), False
    elif models_dir is not None and revision is None and (found := find_model(name, models_dir)):
        path = found.resolve()
        from_hub = not path.is_relative_to(models_dir.resolve())
    else:  # a worker (models_from) looks in the Hugging Face cache only: workers never download
        path = _hub_snapshot(name, allow_pickle=allow_pickle, revision=revision, local_only=models_dir is not None)
        from_hub = True
    if not (path / config_name).is_file():
        raise ModelError(f"model {name!r} has no {config_name} in {path}: not a transformers checkpoint directory")
    return Checkpoint(name=name, path=path, weights=weights_format(path, name, allow_pickle=allow_pickle),
                      from_hub=from_hub)


def weights_format(path: Path, name: str, *, allow_pickle: bool) -> str:
    """``"safetensors"`` or (allowed only with ``allow_pickle``) ``"pickle"``; ModelError when neither."""
    if any((path / f).is_file() for f in SAFETENSORS_FILES):
        return "safetensors"
    if any((path / f).is_file() for f in PICKLE_FILES):
        if allow_pickle:
            return "pickle"
        raise ModelError(
            f"model {name!r} has only pickle weights (pytorch_model.bin), which can run code when loaded; "
            "convert it once with `docai dev to-safetensors`, or pass --allow-pickle (allow_pickle=True) "
            "if you trust its source")
    raise ModelError(f"model {name!r} has no weights in {path} (expected model.safetensors)")


def looks_like_path(name: str) -> bool:
    """True for names that can only be a filesystem path, never a hub id (``owner/name`` or ``name``)."""
    return (name.startswith(("/", "./", "../", "~", ".\\")) or name in {".", ".."}
            or name.count("/") > 1 or "\\" in name or os.path.isabs(name))


def is_offline() -> bool:
    """Whether hub access is off (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``), read now, not at import."""
    return any(os.environ.get(var, "").strip().lower() in _TRUTHY for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, from ``HF_HUB_CACHE``, ``HF_HOME`` or the default, read now."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")), "huggingface")
    return Path(home).expanduser() / "hub"


def _local_dir(path: Path, name: str) -> Path:
    if not path.exists():
        raise ModelError(f"model directory {name!r} does not exist")
    if not path.is_dir():
        raise ModelError(f"model {name!r} is a file, not a checkpoint directory")
    return path.resolve()


def _hub_snapshot(repo_id: str, *, allow_pickle: bool, revision: str | None, local_only: bool = False) -> Path:
    """Download (or, offline or ``local_only``, look up in the cache) the allowed files of ``repo_id``."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        raise ModelError(f"model {repo_id!r} is not a local directory and huggingface_hub is not installed") from None
    offline = is_offline() or local_only
    patterns = list(HUB_ALLOW_PATTERNS) + (list(PICKLE_PATTERNS) if allow_pickle else [])
    try:
        path = snapshot_download(repo_id, revision=revision, cache_dir=hub_cache_dir(),
                                 allow_patterns=patterns, local_files_only=offline)
    except Exception as exc:  # noqa: BLE001 - every hub failure becomes one ModelError line
        reason = _first_line(exc)
        if local_only and not is_offline():
            raise ModelError(f"model {repo_id!r} is not in the workers' models directory or the Hugging Face "
                             f"cache (workers never download): put it in DOCAI_STORAGE_DIR/models/{repo_id}") from None
        if offline:
            raise ModelError(f"model {repo_id!r} not found locally and offline (HF_HUB_OFFLINE=1): "
                             f"download it first or pass a local directory ({reason})") from None
        raise ModelError(f"model {repo_id!r} could not be fetched from the hub: {reason}") from None
    return Path(path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def weights_stamp(directory: str | os.PathLike) -> str:
    """Size and mtime of every weights file in a checkpoint directory (shards too): part of page cache
    keys, so a checkpoint replaced in place does not keep serving pages cached from the old weights."""
    path = Path(directory)
    files = sorted(p for p in path.glob("*") if p.suffix in (".safetensors", ".bin") and p.is_file())
    return ";".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in files)

"""What a queued job may ask for: one policy for every submit path (CLI, Python, HTTP).

Queued jobs run on workers that share only Redis and the storage with whoever submitted them, so a
request is checked before it is queued and a bad one never reaches a worker:

- model names are hub ids (``name`` or ``owner/name``), never filesystem paths; the workers look a model
  up in ``<storage>/models/<owner>/<name>``, then in the local Hugging Face cache, and never download;
- pickle checkpoints are refused (``allow_pickle``): workers load safetensors only;
- every model an engine option names (``nougat_model``, ``donut_model``, a plugin engine's option marked
  as a model reference) is one the workers have; ``FAMILY:CHECKPOINT`` engines name no path; the captioning
  model of ``describe_figures`` is a model name the workers have, loaded from their copy;
- a question has no Donut tags of its own and fits the model's decoder with its prompt.

Each check is a small function raising the usual :class:`docai.errors.DocaiError`, so the options
layer can call them one by one.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from docai.errors import ConfigError, InputError, ModelError
from docai.options import ConvertOptions
from docai.settings import Settings

Opts = TypeVar("Opts", bound=BaseModel)

#: a hub id: 'name' or 'owner/name', no path syntax
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?")

MAX_QUESTION_CHARS = 1000

#: Donut's own markup; a question carrying it would steer the decoder
DONUT_TAGS = re.compile(r"</?s_[^<>]*>|<sep/>")

#: tokens around a DocVQA question: <s_docvqa><s_question> … </s_question><s_answer>, with room to answer
PROMPT_TOKENS = 8

#: transformers' generation max_length when a checkpoint sets none
_GENERATION_DEFAULT = 20


def check_model_name(name: object, field: str = "model") -> str:
    """``name`` if it is shaped like a hub id, else :class:`ModelError` (paths are refused)."""
    if not isinstance(name, str) or ".." in name or not MODEL_NAME.fullmatch(name):
        raise ModelError(f"{field}: {str(name)[:100]!r} is not a model name (use a hub id like 'owner/name'; "
                         "paths are not accepted for queued jobs)")
    return name


def resolve_model(model: object, settings: Settings, field: str = "model") -> Path:
    """The local directory of model ``model``: ``<storage>/models/<name>``, else the Hugging Face cache —
    :func:`docai.models.checkpoint.find_model`, which the workers' loader uses too.

    Raises :class:`ModelError` for a name that is not a hub id or a model the workers do not have.
    """
    from docai.models.checkpoint import find_model

    name = check_model_name(model, field)
    found = find_model(name, settings.models_dir)  # the lookup the workers' loader makes (models_from)
    if found is not None:
        return found
    raise ModelError(f"model {name!r} is not available to the workers: put it in the storage's models/ "
                     "directory (DOCAI_STORAGE_DIR/models/<owner>/<name>) or the Hugging Face cache "
                     "(workers never download)")


def check_convert_options(options: ConvertOptions, settings: Settings) -> None:
    """Refuse what a queued conversion may not ask for (see the module doc). That a forced engine has
    the model it requires is checked by :class:`ConvertOptions` itself."""
    from docai.engines import engine_fields, is_model_engine

    if options.allow_pickle:
        raise ConfigError("allow_pickle cannot be set for a queued job: workers load safetensors checkpoints "
                          "only (convert one with `docai dev to-safetensors`)")
    if is_model_engine(options.engine):
        family, _, checkpoint = options.engine.partition(":")
        if checkpoint:
            check_model_name(checkpoint, "engine")
    for flat, field in engine_fields().items():
        name = options.engine_options.get(field.engine, {}).get(field.name) if field.is_model_ref else None
        if name:
            resolve_model(name, settings, flat)
    if options.describe_figures:
        worker_model_id(options.describe_figures, settings, "describe_figures")


def worker_model_id(model_id: str, settings: Settings, field: str = "model") -> str:
    """Plugin model ``FAMILY:CHECKPOINT`` as a worker loads it: the checkpoint (or the family's default) must be
    a model name the workers have (:func:`resolve_model`), and becomes its local directory."""
    from docai.plugins.models import resolve

    entry, checkpoint = resolve(model_id)
    return f"{entry.item.family}:{resolve_model(checkpoint, settings, field)}"


def worker_plugin_model(model_id: str, settings: Settings) -> str:
    """Plugin model ``FAMILY:CHECKPOINT`` as a gpu worker loads it for a plugin job: a checkpoint that is a
    model name held in ``<storage>/models/<name>`` becomes that directory, whatever its layout
    (:func:`docai.models.checkpoint.storage_model`, the lookup the loader makes first); any other checkpoint
    (a hub id the family finds in the Hugging Face cache, a family's built-in name, a path given in-process)
    is passed on unchanged for the family to load."""
    from docai.models.checkpoint import storage_model
    from docai.plugins.models import resolve

    entry, checkpoint = resolve(model_id)
    if ".." not in checkpoint and MODEL_NAME.fullmatch(checkpoint):
        local = storage_model(checkpoint, settings.models_dir)
        if local is not None:
            return f"{entry.item.family}:{local}"
    return model_id


def queued_fields(options: Opts) -> Opts:
    """``options`` as a queued job takes them: only the fields its class lists in ``REMOTE`` travel with the job,
    the others (device, dtype, pickle permission, limits …) are the workers' to choose. One of those set to
    anything but its default is refused, never silently dropped; the limits are the workers' own."""
    cls = type(options)
    remote = getattr(cls, "REMOTE", frozenset())
    for name, field in cls.model_fields.items():
        if name in remote or name == "limits" or field.default is PydanticUndefined:
            continue
        if getattr(options, name) != field.default:
            raise ConfigError(f"{name} cannot be set for a queued job: the workers choose it "
                              f"(a queued job takes {', '.join(sorted(remote))})")
    return cls.model_validate(options.model_dump(include=set(remote)))


def check_question(question: str, model_dir: Path | None = None) -> str:
    """The question, stripped, if a DocVQA model can take it; else the error that refuses it."""
    question = (question or "").strip()
    if not question:
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}")
    if DONUT_TAGS.search(question):
        raise ConfigError("the question may not contain Donut tags like <s_...> or <sep/>")
    limit = decoder_limit(model_dir) if model_dir is not None else 0
    # a token covers at least one byte, so a question whose bytes fit needs no tokenizer to be sure
    if limit and len(question.encode()) + PROMPT_TOKENS > limit:
        tokens = question_tokens(str(model_dir), " ".join(question.split())) + PROMPT_TOKENS
        if tokens > limit:
            raise InputError(f"the question is too long for the model: {tokens} tokens with its prompt, "
                             f"the model reads at most {limit}")
    return question


def decoder_limit(model_dir: Path) -> int:
    """The longest sequence the model's decoder takes (its position limit, or its generation
    ``max_length`` when the checkpoint sets one); 0 when the checkpoint does not say."""
    config = _json(model_dir / "config.json")
    positions = int((config.get("decoder") or {}).get("max_position_embeddings") or 0)
    generation = int(_json(model_dir / "generation_config.json").get("max_length") or 0)
    if generation and generation != _GENERATION_DEFAULT:
        return min(generation, positions) if positions else generation
    return positions


@lru_cache(maxsize=8)
def _tokenizer(model_dir: str):
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the model cannot read questions
        raise ModelError(f"the model's tokenizer cannot be loaded: {str(exc).splitlines()[0][:200]}") from None


def question_tokens(model_dir: str, question: str) -> int:
    """How many tokens the model's tokenizer makes of ``question`` (no special tokens)."""
    return len(_tokenizer(model_dir)(question, add_special_tokens=False)["input_ids"])


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

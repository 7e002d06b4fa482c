"""Tiny random checkpoints for tests and demos: ``write_tiny_model("nougat", dir)``.

A tiny checkpoint has every file a real one has — ``config.json`` (VisionEncoderDecoder = DonutSwin
encoder + mBART decoder), ``generation_config.json``, ``model.safetensors``, the tokenizer files and
``preprocessor_config.json`` — so it loads through exactly the path a real Nougat or Donut checkpoint
takes, only a few hundred KB large and random. Kinds register themselves in :data:`TINY_KINDS`.
"""

from __future__ import annotations

import hashlib
import json
import os
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docai.errors import ConfigError
from docai.models.tiny_tokenizers import write_donut_tokenizer, write_nougat_tokenizer

#: Bump when the files a tiny checkpoint holds change, so cached tiny dirs are rebuilt.
TINY_FORMAT_VERSION = 1


@dataclass(frozen=True)
class TinySpec:
    """How to build one kind of tiny checkpoint: its tokenizer, image processor and default sizes."""

    kind: str
    write_tokenizer: Callable[[Path], int]
    image_processor: str  # a transformers image processor class name
    processor: str  # the transformers processor class name (what real checkpoints name)
    image_size: tuple[int, int]  # (height, width), as the real checkpoint uses
    window_size: int
    max_length: int
    defaults: dict[str, Any] = field(default_factory=dict)


#: kind → spec. A later kind adds itself with :func:`register_tiny_kind`.
TINY_KINDS: dict[str, TinySpec] = {}


def register_tiny_kind(spec: TinySpec) -> None:
    """Make ``docai dev tiny-model <spec.kind>`` and :func:`write_tiny_model` know a kind."""
    TINY_KINDS[spec.kind] = spec


register_tiny_kind(TinySpec(
    kind="nougat", write_tokenizer=write_nougat_tokenizer,
    image_processor="NougatImageProcessor", processor="NougatProcessor",
    image_size=(896, 672), window_size=7, max_length=64,
))
register_tiny_kind(TinySpec(
    kind="donut", write_tokenizer=write_donut_tokenizer,
    image_processor="DonutImageProcessor", processor="DonutProcessor",
    image_size=(640, 480), window_size=10, max_length=64,
))

#: Architecture defaults shared by every tiny kind; any of them can be overridden per call.
TINY_DEFAULTS: dict[str, Any] = {
    "embed_dim": 16,
    "depths": [1, 1, 1, 1],
    "num_heads": [1, 2, 2, 4],
    "d_model": 32,
    "decoder_layers": 2,
    "decoder_attention_heads": 2,
    "decoder_ffn_dim": 64,
    "max_position_embeddings": 128,
}


def write_tiny_model(kind: str, directory: str | os.PathLike, *, seed: int = 0,
                     image_size: tuple[int, int] | None = None, **overrides: Any) -> Path:
    """Write a tiny random checkpoint of ``kind`` (``nougat``, ``donut``) into ``directory``.

    ``image_size`` is (height, width), each a multiple of 32; ``overrides`` replace entries of
    :data:`TINY_DEFAULTS` (e.g. ``d_model=64``) or the spec's ``max_length``/``window_size``.
    Returns the directory. Raises :class:`ConfigError` for an unknown kind or a bad size.
    """
    spec = tiny_spec(kind)
    size = _check_image_size(image_size or spec.image_size)
    unknown = set(overrides) - set(TINY_DEFAULTS) - {"max_length", "window_size"}
    if unknown:
        raise ConfigError(f"unknown tiny-model setting(s): {', '.join(sorted(unknown))}")
    settings = {**TINY_DEFAULTS, **spec.defaults, "max_length": spec.max_length,
                "window_size": spec.window_size, **overrides}
    _check_window(size, settings["window_size"], len(settings["depths"]))
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vocab_size = spec.write_tokenizer(out)
    config = _build_config(settings, size, vocab_size)
    # transformers 5 keeps max_length in generation_config.json only (config.json refuses it).
    _write_weights(config, out, seed, max_length=min(settings["max_length"], settings["max_position_embeddings"]))
    _write_processor_config(spec, out, size)
    return out


def write_tiny(kind: str, directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    """Write a tiny random checkpoint of any registered loader kind with its plugin's tiny writer.

    ``kind`` names a kind from the ``register_model_kinds`` hook (built in: nougat, donut); ``overrides`` go
    to that kind's writer. Raises :class:`ConfigError` for a kind that is unknown or has no tiny writer.
    """
    from docai.models.kinds import known_kinds
    from docai.plugins.specs import import_ref

    kinds = {name: k for name, k in known_kinds().items() if k.tiny}
    if kind not in kinds:
        raise ConfigError(f"unknown tiny model kind {kind!r}: choose one of {', '.join(sorted(kinds))}")
    return Path(import_ref(kinds[kind].tiny)(Path(directory), seed=seed, **overrides))


def tiny_spec(kind: str) -> TinySpec:
    """The registered :class:`TinySpec` for ``kind``, or a one-line :class:`ConfigError`."""
    try:
        return TINY_KINDS[kind]
    except KeyError:
        raise ConfigError(f"unknown tiny model kind {kind!r}: choose one of {', '.join(sorted(TINY_KINDS))}") from None


def tiny_model_dir(kind: str, cache_root: str | os.PathLike, **settings: Any) -> Path:
    """A tiny checkpoint of ``kind`` under ``cache_root``, built once and reused (safe across processes).

    Meant for tests: ``tiny_model_dir("nougat", tmp_path_factory.getbasetemp())`` in a session fixture.
    Different ``settings`` (the keywords of :func:`write_tiny_model`) get different directories.
    """
    key = json.dumps({"v": TINY_FORMAT_VERSION, "kind": kind, **settings}, sort_keys=True, default=list)
    target = Path(cache_root) / f"tiny-{kind}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if (target / "model.safetensors").is_file():
        return target
    Path(cache_root).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_root))
    write_tiny_model(kind, staging, **settings)
    try:
        staging.rename(target)  # atomic: a concurrent builder either wins or finds the finished dir
    except OSError:
        if not (target / "model.safetensors").is_file():
            raise
        _remove_tree(staging)
    return target


def _check_image_size(size) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ConfigError(f"image size must be two integers (height width), got {size!r}") from None
    if height < 32 or width < 32 or height % 32 or width % 32:
        raise ConfigError(f"image size {height}x{width}: height and width must be multiples of 32 (at least 32)")
    return height, width


def _check_window(size: tuple[int, int], window: int, stages: int) -> None:
    # DonutSwin shrinks a window larger than the last stage's grid but keeps its position-bias table,
    # which breaks the forward pass: refuse such a size up front.
    smallest = min(size) // (4 * 2 ** (stages - 1))
    if smallest < window:
        raise ConfigError(f"image size {size[0]}x{size[1]} is too small for window {window} "
                          f"(the last stage grid needs at least {window} patches: {4 * 2 ** (stages - 1) * window} px)")


def _build_config(s: dict[str, Any], size: tuple[int, int], vocab_size: int):
    from transformers import DonutSwinConfig, MBartConfig, VisionEncoderDecoderConfig

    if len(s["depths"]) != len(s["num_heads"]):
        raise ConfigError("depths and num_heads must have the same length")
    encoder = DonutSwinConfig(
        image_size=list(size), patch_size=4, num_channels=3, embed_dim=s["embed_dim"],
        depths=list(s["depths"]), num_heads=list(s["num_heads"]), window_size=s["window_size"],
    )
    decoder = MBartConfig(
        vocab_size=vocab_size, d_model=s["d_model"],
        # encoder_layers must equal decoder_layers: the KV cache is sized from encoder_layers.
        encoder_layers=s["decoder_layers"], decoder_layers=s["decoder_layers"],
        encoder_attention_heads=s["decoder_attention_heads"],
        decoder_attention_heads=s["decoder_attention_heads"],
        encoder_ffn_dim=s["decoder_ffn_dim"], decoder_ffn_dim=s["decoder_ffn_dim"],
        max_position_embeddings=s["max_position_embeddings"], scale_embedding=True,
        add_final_layer_norm=True, is_decoder=True, add_cross_attention=True,
        tie_word_embeddings=False,  # an untied random head spreads its choices over the vocabulary
        bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=0,
    )
    config = VisionEncoderDecoderConfig(encoder=encoder.to_dict(), decoder=decoder.to_dict())
    config.decoder_start_token_id = 0
    config.pad_token_id = 1
    config.eos_token_id = 2
    config.bos_token_id = 0
    return config


def _write_weights(config, out: Path, seed: int, *, max_length: int) -> None:
    import torch
    from transformers import GenerationConfig, VisionEncoderDecoderModel

    from docai.models.loader import quiet_transformers

    with torch.random.fork_rng(devices=[]), quiet_transformers():
        torch.manual_seed(seed)
        model = VisionEncoderDecoderModel(config=config)
        _favour_text_tokens(model, out / "tokenizer.json", eos_id=config.eos_token_id)
        model.eval()
        model.save_pretrained(out, safe_serialization=True)
    generation = GenerationConfig(
        decoder_start_token_id=config.decoder_start_token_id, bos_token_id=config.bos_token_id,
        pad_token_id=config.pad_token_id, eos_token_id=config.eos_token_id, max_length=max_length,
    )
    generation.save_pretrained(out)


def _favour_text_tokens(model, tokenizer_file: Path, *, eos_id: int) -> None:
    """Silence the output rows of special and non-printable tokens, so greedy decoding of a random
    model emits readable ASCII text (and, now and then, the end token) instead of repeating ``<s>``."""
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    printable = set(string.printable) - set("\t\n\r\x0b\x0c")
    mute = [i for i in range(tok.get_vocab_size())
            if i != eos_id and not _is_text(tok.decode([i], skip_special_tokens=True), printable)]
    head = model.decoder.get_output_embeddings()
    with torch.no_grad():
        head.weight[mute] = 0.0


def _is_text(text: str, printable: set[str]) -> bool:
    return bool(text.strip()) and set(text) <= printable


def _write_processor_config(spec: TinySpec, out: Path, size: tuple[int, int]) -> None:
    """``preprocessor_config.json`` as the real checkpoints ship it (their keys, our image size)."""
    height, width = size
    config: dict[str, Any] = {
        "image_processor_type": spec.image_processor,
        "processor_class": spec.processor,
        "size": {"height": height, "width": width},
        "do_resize": True, "do_normalize": True, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_pad": True, "do_thumbnail": True, "do_align_long_axis": False, "resample": 2,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
    }
    if spec.kind == "nougat":
        config.update(do_crop_margin=True, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
    (out / "preprocessor_config.json").write_text(json.dumps(config, indent=2) + "\n")


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)



def write_tiny_nougat(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``nougat`` kind's tiny-checkpoint writer (registered through ``register_model_kinds``)."""
    return write_tiny_model("nougat", directory, seed=seed, **overrides)


def write_tiny_donut(directory: str | os.PathLike, *, seed: int = 0, **overrides: Any) -> Path:
    """The ``donut`` kind's tiny-checkpoint writer (registered through ``register_model_kinds``)."""
    return write_tiny_model("donut", directory, seed=seed, **overrides)

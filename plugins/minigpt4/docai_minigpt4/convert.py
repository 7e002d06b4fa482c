"""``docai dev convert-checkpoint minigpt4 SRC DIR``: the official files → one safetensors checkpoint.

SRC is a directory holding the official files (found by what they contain, whatever their names):
the MiniGPT-4 checkpoint (``llama_proj.*``), the LAVIS BLIP-2 file (``visual_encoder.*``, ``ln_vision``,
``Qformer.bert.*``, ``query_tokens``) or, for the LLaMA-2 variant, an EVA ViT-g file, and the language
model (Vicuna or LLaMA-2) as a transformers checkpoint directory (safetensors) — or give the files
explicitly. Pickle files are read with torch's safe unpickler (tensors and plain containers only). DIR
receives ``config.json``, ``model.safetensors`` with the composed model's names (:mod:`docai_minigpt4.keymap`),
the language model's tokenizer, ``generation_config.json`` and ``preprocessor_config.json``; every expected
parameter must be there with its shape, and nothing else.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from docai.errors import InputError, ModelError
from docai_minigpt4 import keymap

WEIGHT_SUFFIXES = (".pth", ".pt", ".bin", ".safetensors", ".ckpt")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                   "added_tokens.json")
#: BLIP-2's eval image transform: bicubic resize to the ViT's size, CLIP's mean and std
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]


@dataclass
class Sources:
    """The official parts of one MiniGPT-4."""

    minigpt4: Path
    vision: Path
    language_model: Path
    states: dict[Path, dict[str, torch.Tensor]]

    def state(self, path: Path) -> dict[str, torch.Tensor]:
        """The tensors of ``path``, read once."""
        if path not in self.states:
            self.states[path] = read_state(path)
        return self.states[path]


def find_sources(src: Path, *, minigpt4: Path | None = None, vision: Path | None = None,
                 language_model: Path | None = None) -> Sources:
    """The parts in ``src`` (by content), or those given; one InputError line when one cannot be found."""
    if not src.is_dir():
        raise InputError(f"{src} is not a directory of MiniGPT-4 files")
    files = sorted(p for p in src.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES))
    states: dict[Path, dict[str, torch.Tensor]] = {}
    if minigpt4 is None or vision is None:
        for path in files:
            states[path] = read_state(path)
            keys = set(states[path])
            if minigpt4 is None and "llama_proj.weight" in keys:
                minigpt4 = path
            elif vision is None and ({"visual_encoder.cls_token", "cls_token"} & keys or "query_tokens" in keys):
                vision = path
    if language_model is None:
        dirs = [p for p in sorted(src.iterdir()) if (p / "config.json").is_file()]
        language_model = dirs[0] if len(dirs) == 1 else None
    missing = [what for what, found in (("the MiniGPT-4 checkpoint (llama_proj.*)", minigpt4),
                                        ("the BLIP-2 / EVA ViT-g file (visual_encoder.*)", vision),
                                        ("one language model directory (config.json)", language_model))
               if found is None]
    if missing:
        raise InputError(f"{src}: cannot find {'; '.join(missing)}")
    return Sources(minigpt4=minigpt4, vision=vision, language_model=language_model, states=states)


def read_state(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of one weights file (a ``{"model": ...}`` wrapper unwrapped), read safely."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - the safe unpickler refuses code: say so in one line
            raise ModelError(f"{path.name} cannot be read safely (only tensors are allowed): "
                             f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from None
        if isinstance(state, dict) and isinstance(state.get("model"), dict):
            state = state["model"]
    if not isinstance(state, dict):
        raise ModelError(f"{path.name} does not hold a state dict")
    return {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}


def read_language_model(directory: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a transformers checkpoint directory (safetensors, sharded or not)."""
    from safetensors.torch import load_file

    shards = sorted(directory.glob("*.safetensors"))
    if not shards:
        raise ModelError(f"{directory} has no safetensors weights: convert it with `docai dev to-safetensors` first")
    state: dict[str, torch.Tensor] = {}
    for shard in shards:
        state.update(load_file(shard))
    return state


def build_config(vision_state, qformer_state, projection, lm_config: dict, *, vision_heads: int,
                 qformer_heads: int, variant: str | None):
    """A :class:`MiniGPT4Config` from the weights' shapes (heads cannot be read from shapes: given)."""
    from docai_minigpt4.model import PATCHES_PER_TOKEN, MiniGPT4Config

    hidden = vision_state["vision_model.embeddings.class_embedding"].shape[-1]
    layers = 1 + max(int(k.split(".")[3]) for k in vision_state if k.startswith("vision_model.encoder.layers."))
    patch = vision_state["vision_model.embeddings.patch_embedding.weight"].shape[-1]
    positions = vision_state["vision_model.embeddings.position_embedding"].shape[1] - 1
    vision = dict(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=vision_heads,
                  intermediate_size=vision_state["vision_model.encoder.layers.0.mlp.fc1.weight"].shape[0],
                  patch_size=patch, image_size=int(math.isqrt(positions)) * patch, qkv_bias=True)
    width = projection["llama_proj.weight"].shape[1]
    has_qformer = width != PATCHES_PER_TOKEN * hidden
    qformer = None
    if has_qformer:
        if "query_tokens" not in qformer_state:
            raise ModelError(f"llama_proj takes {width} features, so this MiniGPT-4 needs a Q-Former, "
                             "but the BLIP-2 file has none (Qformer.bert.*, query_tokens)")
        cross = sorted({int(k.split(".")[3]) for k in qformer_state if ".crossattention." in k})
        qlayers = 1 + max(int(k.split(".")[3]) for k in qformer_state if k.startswith("qformer.encoder.layer."))
        qformer = dict(hidden_size=qformer_state["query_tokens"].shape[-1], num_hidden_layers=qlayers,
                       num_attention_heads=qformer_heads, cross_attention_frequency=cross[1] - cross[0] if len(cross) > 1 else qlayers,
                       intermediate_size=qformer_state["qformer.encoder.layer.0.intermediate_query.dense.weight"].shape[0])
    text = {k: v for k, v in lm_config.items() if k not in ("architectures", "_name_or_path", "transformers_version")}
    return MiniGPT4Config(vision_config=vision, qformer_config=qformer, text_config=text, has_qformer=has_qformer,
                          num_query_tokens=qformer_state["query_tokens"].shape[1] if has_qformer else 32,
                          variant=variant or ("vicuna" if has_qformer else "llama2"))


def convert(src: Path, target: Path, *, minigpt4: Path | None = None, vision: Path | None = None,
            language_model: Path | None = None, vision_heads: int = 16, qformer_heads: int = 12,
            variant: str | None = None) -> Path:
    """Write the composed checkpoint of the official files in ``src`` into ``target`` (see the module doc)."""
    from safetensors.torch import save_file

    from docai_minigpt4.model import MiniGPT4ForConditionalGeneration

    if target.exists() and any(target.iterdir()):
        raise InputError(f"{target} is not empty: choose another directory")
    sources = find_sources(src, minigpt4=minigpt4, vision=vision, language_model=language_model)
    official = sources.state(sources.vision)
    prefix = keymap.vision_prefix(official)
    if prefix is None:
        raise ModelError(f"{sources.vision.name} holds no EVA ViT-g weights (visual_encoder.*)")
    vision_state = keymap.map_vision(official, prefix)
    qformer_state = keymap.map_qformer(official)
    projection = keymap.map_projection(sources.state(sources.minigpt4))
    lm_config = json.loads((sources.language_model / "config.json").read_text(encoding="utf-8"))
    try:
        config = build_config(vision_state, qformer_state, projection, lm_config, vision_heads=vision_heads,
                              qformer_heads=qformer_heads, variant=variant)
    except KeyError as exc:
        raise ModelError(f"the MiniGPT-4 files lack {exc.args[0]} (after renaming)") from None
    state = {**vision_state, **(qformer_state if config.has_qformer else {}), **projection,
             **keymap.map_language_model(read_language_model(sources.language_model))}
    if "vision_model.post_layernorm.weight" not in state:  # the LLaMA-2 variant's ln_vision is never trained
        width = config.vision_config.hidden_size
        state["vision_model.post_layernorm.weight"] = torch.ones(width)
        state["vision_model.post_layernorm.bias"] = torch.zeros(width)
    try:
        with torch.device("meta"):
            expected = MiniGPT4ForConditionalGeneration(config).state_dict()
    except ValueError as exc:  # e.g. a width the given head count does not divide
        raise ModelError(f"the MiniGPT-4 files do not make the composed model: {exc} "
                         "(check --vision-heads / --qformer-heads)") from None
    check_keys(state, expected, tied=bool(config.text_config.tie_word_embeddings))
    target.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, target / "model.safetensors", metadata={"format": "pt"})
    config.architectures = ["MiniGPT4ForConditionalGeneration"]
    config.save_pretrained(target)
    _copy_side_files(sources.language_model, target)
    write_preprocessor_config(target, config.vision_config.image_size)
    return target


def check_keys(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], *, tied: bool) -> None:
    """ModelError naming what is missing, unexpected or of the wrong shape."""
    optional = {"language_model.lm_head.weight"} if tied else set()
    missing = sorted(set(expected) - set(state) - optional)
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if tuple(state[k].shape) != tuple(expected[k].shape))
    problems = [f"{label}: {', '.join(keys[:5])}{' …' if len(keys) > 5 else ''} ({len(keys)})"
                for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)) if keys]
    if problems:
        raise ModelError("the MiniGPT-4 files do not make the composed model: " + "; ".join(problems))


def write_preprocessor_config(target: Path, image_size: int) -> None:
    """BLIP-2's eval transform as a ``BlipImageProcessor`` config."""
    config = {"image_processor_type": "BlipImageProcessor", "do_resize": True, "resample": 3,
              "size": {"height": image_size, "width": image_size}, "do_rescale": True, "rescale_factor": 1 / 255,
              "do_normalize": True, "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD, "do_convert_rgb": True}
    (target / "preprocessor_config.json").write_text(json.dumps(config, indent=2) + "\n")


def _copy_side_files(language_model: Path, target: Path) -> None:
    for name in (*TOKENIZER_FILES, "generation_config.json"):
        if (language_model / name).is_file():
            shutil.copyfile(language_model / name, target / name)

"""The conformance suite a plugin author runs on a tiny model: ``check_conformance(model)``.

For every capability checked (default: every one the model's class declares) it asserts that

1. the call returns one valid response item per input — an instance of the capability's response model in
   ``schemas.plugins`` that survives a JSON round trip;
2. a batch gives the same answers as the same items one by one (texts equal, numbers within ``atol``);
3. bad input is a docai error, never a crash: bytes that are not an image
   (:class:`~docai.errors.UnsupportedInputError`), an image over the pixel limit
   (:class:`~docai.errors.LimitExceededError`), a request with an unknown field
   (:class:`~docai.errors.ConfigError`);

and, once per model, that a capability it does not have is refused with a :class:`~docai.errors.ModelError`.
Failures are collected and raised together as one :class:`ConformanceError`::

    from docai.plugins.models import create_model
    from docai.plugins.testing import check_conformance

    def test_conformance(tiny_checkpoint):
        check_conformance(create_model(f"myfamily:{tiny_checkpoint}"))
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from docai.errors import ConfigError, DocaiError, LimitExceededError, ModelError, UnsupportedInputError
from docai.plugins.base import PluginModel
from schemas.plugins import (
    CAPABILITY_TYPES,
    CaptionRequest,
    ChatMessage,
    ChatRequest,
    EmbedRequest,
    GenerateImageRequest,
    GenerationOptions,
    MatchRequest,
    ReadPageRequest,
    VQARequest,
    ZeroShotRequest,
)
from schemas.plugins import Capability as Cap

_SHORT = GenerationOptions(max_new_tokens=8)

#: the request each capability is checked with (texts of different lengths, so padding is exercised)
DEFAULT_REQUESTS: dict[Cap, BaseModel] = {
    Cap.caption: CaptionRequest(generation=_SHORT),
    Cap.vqa: VQARequest(question="what is in the picture?", generation=_SHORT),
    Cap.itm: MatchRequest(texts=["a cat", "a diagram of a house with two red doors and a tree", "text"]),
    Cap.itc: MatchRequest(texts=["a cat", "a diagram of a house with two red doors and a tree", "text"]),
    Cap.embed: EmbedRequest(texts=["a cat", "a long caption of a chart with three blue bars"]),
    Cap.zero_shot: ZeroShotRequest(labels=["cat", "chart", "photo of a person"]),
    Cap.chat: ChatRequest(messages=[ChatMessage(role="user", content="Describe the image.", images=[0])],
                          generation=_SHORT),
    Cap.generate_image: GenerateImageRequest(prompts=["a red square", "a blue circle on white"], width=64,
                                             height=64, steps=2, seed=7),
    Cap.read_page: ReadPageRequest(generation=GenerationOptions(max_new_tokens=16)),
}


class ConformanceError(AssertionError):
    """One or more conformance checks failed; the message lists every failure, one per line."""


@dataclass
class Report:
    """What :func:`check_conformance` checked: passed check names and failure lines."""

    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def check(self, name: str) -> Iterator[None]:
        try:
            yield
        except AssertionError as exc:
            self.failures.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a crash is a failed check, reported with the rest
            self.failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
        else:
            self.passed.append(name)


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the block with one torch thread: on a shared CPU, more threads make tiny models several times
    slower. Plugin test suites use it as a module fixture."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def plain_cpu_env(monkeypatch: Any) -> None:
    """Set a pytest ``monkeypatch`` so models run on CPU in fp32 without docai's CPU timing probe."""
    monkeypatch.setenv("DOCAI_CPU_PROBE", "off")
    monkeypatch.setenv("DOCAI_DEVICE", "cpu")
    monkeypatch.delenv("DOCAI_DTYPE", raising=False)


def require_distribution(name: str, source: str) -> None:
    """Fail the test session in one line unless plugin distribution ``name`` is installed: docai finds
    plugins only through their entry points. ``source`` is the directory to install it from."""
    from importlib import metadata

    import pytest

    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is not installed: pip install --no-deps -e {source}", pytrace=False)


def sample_images(count: int = 3) -> list:
    """Small deterministic test images of different sizes and modes (RGB noise, RGBA, grey, palette)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1234)
    makers = [
        lambda: Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)),
        lambda: Image.fromarray(rng.integers(0, 256, (40, 30, 4), dtype=np.uint8), mode="RGBA"),
        lambda: Image.fromarray(np.tile(np.arange(0, 250, 5, dtype=np.uint8), (36, 1)), mode="L"),
        lambda: Image.fromarray(rng.integers(0, 256, (33, 71, 3), dtype=np.uint8)).convert("P"),
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def check_conformance(model: PluginModel, *, capabilities: Iterable[Cap | str] | None = None,
                      requests: dict[Cap | str, BaseModel] | None = None, images: list | None = None,
                      atol: float = 1e-4) -> Report:
    """Run the suite on ``model`` (see the module doc); raises :class:`ConformanceError` listing failures.

    ``capabilities`` limits the checks (e.g. to what one checkpoint of a multi-kind family can do);
    ``requests`` replaces :data:`DEFAULT_REQUESTS` entries; ``images`` replaces :func:`sample_images`.
    """
    caps = [Cap(c) for c in (capabilities if capabilities is not None else model.capabilities())]
    chosen = {**DEFAULT_REQUESTS, **{Cap(k): v for k, v in (requests or {}).items()}}
    pictures = images if images is not None else sample_images()
    report = Report()
    for cap in caps:
        request = chosen[cap]
        inputs = [] if cap is Cap.generate_image else pictures  # image generation is checked from text alone
        with report.check(f"{cap.value}: valid responses"):
            _check_valid(model, cap, inputs, request)
        with report.check(f"{cap.value}: batch equals one by one"):
            _check_batch_equals_single(model, cap, inputs, request, atol)
        with report.check(f"{cap.value}: bad input is a docai error"):
            _check_bad_input(model, cap, pictures, request)
    missing = [c for c in Cap if c not in model.capabilities()]
    if missing:
        with report.check(f"{missing[0].value}: refused (not a capability of the model)"):
            _expect(ModelError, lambda: model.run(missing[0], pictures[:1], chosen[missing[0]]))
    if report.failures:
        raise ConformanceError(f"{model.name}: {len(report.failures)} conformance check(s) failed:\n"
                               + "\n".join(report.failures))
    return report


def _call(model: PluginModel, cap: Cap, images: list, request: BaseModel) -> list:
    return model.run(cap, images, request)


def _check_valid(model: PluginModel, cap: Cap, images: list, request: BaseModel) -> None:
    response_type = CAPABILITY_TYPES[cap][1]
    out = _call(model, cap, images, request)
    expected = _expected_count(cap, images, request)
    assert isinstance(out, list), f"returned {type(out).__name__}, not a list"
    assert len(out) == expected, f"{len(out)} responses for {expected} items"
    for item in out:
        assert isinstance(item, response_type), f"a response is {type(item).__name__}, not {response_type.__name__}"
        again = response_type.model_validate(json.loads(item.model_dump_json()))
        assert _close(item.model_dump(), again.model_dump(), 0.0), "a response changes in a JSON round trip"
    _check_values(cap, out, request)


def _check_values(cap: Cap, out: list, request: BaseModel) -> None:
    """What every capability's answers must satisfy whatever the model (not just the schema)."""
    if cap in (Cap.itm, Cap.itc):
        for result in out:
            assert [s.text for s in result.scores] == list(request.texts), "scores are not in request order"
            low = 0.0 if cap is Cap.itm else -1.0 - 1e-4
            assert all(low <= s.score <= 1.0 + 1e-4 for s in result.scores), f"{cap.value} score out of range"
    if cap is Cap.zero_shot:
        for result in out:
            assert list(result.probabilities) == list(request.labels), "labels are not in request order"
            assert math.isclose(sum(result.probabilities.values()), 1.0, abs_tol=1e-3), "probabilities do not sum to 1"
    if cap is Cap.embed:
        sizes = {len(e.vector) for e in out}
        assert len(sizes) == 1, f"image and text embeddings differ in size: {sorted(sizes)}"
        for e in out:
            if e.normalized:
                assert math.isclose(math.sqrt(sum(v * v for v in e.vector)), 1.0, abs_tol=1e-3), "not unit length"


def _check_batch_equals_single(model: PluginModel, cap: Cap, images: list, request: BaseModel, atol: float) -> None:
    with _batch_size(model, max(len(images), len(getattr(request, "prompts", [])), 2)):
        together = _call(model, cap, images, request)
    with _batch_size(model, 1):
        alone = [item for piece in _singles(cap, images, request) for item in _call(model, cap, *piece)]
    if cap is Cap.embed:  # an embedding's index is its position in its call: renumber the single calls'
        counts = {"image": 0, "text": 0}
        for i, item in enumerate(alone):
            alone[i] = item.model_copy(update={"index": counts[item.source]})
            counts[item.source] += 1
    assert len(together) == len(alone), f"{len(together)} answers in a batch, {len(alone)} one by one"
    for index, (a, b) in enumerate(zip(together, alone, strict=True)):
        assert _close(a.model_dump(), b.model_dump(), atol), (
            f"item {index} differs in a batch: {_short(a)} vs alone: {_short(b)}")


def _singles(cap: Cap, images: list, request: BaseModel) -> list[tuple[list, BaseModel]]:
    """The same work as one call, cut into one call per item."""
    if cap is Cap.embed:
        texts = request.texts
        return ([([image], request.model_copy(update={"texts": []})) for image in images]
                + [([], request.model_copy(update={"texts": [t]})) for t in texts])
    if cap is Cap.generate_image:
        return [(images, request.model_copy(update={"prompts": [p], "seed": request.seed + i}))
                for i, p in enumerate(request.prompts)]
    if cap is Cap.chat:
        return [(images, request)]
    return [([image], request) for image in images]


def _check_bad_input(model: PluginModel, cap: Cap, images: list, request: BaseModel) -> None:
    _expect(UnsupportedInputError, lambda: _call(model, cap, [images[0], b"%PDF-1.7 not an image"], request))
    with _options(model, max_image_pixels=100):
        _expect(LimitExceededError, lambda: _call(model, cap, images[:1], request))
    bad = {**request.model_dump(mode="json"), "no_such_field": 1}
    _expect(ConfigError, lambda: model.run(cap, images[:1], bad))


def _expect(error: type[DocaiError], call) -> None:
    try:
        call()
    except error:
        return
    except Exception as exc:  # noqa: BLE001 - the wrong error is the finding
        raise AssertionError(f"expected {error.__name__}, got {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"expected {error.__name__}, but the call succeeded")


def _expected_count(cap: Cap, images: list, request: BaseModel) -> int:
    if cap is Cap.embed:
        return len(images) + len(request.texts)
    if cap is Cap.generate_image:
        return len(request.prompts)
    if cap is Cap.chat:
        return 1
    return len(images)


@contextlib.contextmanager
def _batch_size(model: PluginModel, size: int) -> Iterator[None]:
    with _options(model, batch_size=size):
        yield


@contextlib.contextmanager
def _options(model: PluginModel, **changes: Any) -> Iterator[None]:
    """Run with some options changed (the model's options are frozen: swap the object, then restore it)."""
    original = model.options
    model.options = original.model_copy(update=changes)
    try:
        yield
    finally:
        model.options = original


def _close(a: Any, b: Any, atol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=atol, abs_tol=atol)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], atol) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y, atol) for x, y in zip(a, b, strict=True))
    return a == b


def _short(item: BaseModel) -> str:
    text = item.model_dump_json()
    return text if len(text) <= 160 else text[:157] + "..."

"""The Nougat engine: page images → markdown blocks through a VisionEncoderDecoder checkpoint.

Per batch: render and preprocess the pages, run the encoder once, greedy-decode all pages together,
judge each page (repetition cut, postprocessing), decode the collapsed ones once more with a
repetition penalty, hand pages that collapse again to the OCR engine, and return blocks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from docai.engines.base import EngineOutput
from docai.engines.nougat.batching import choose_batch_size
from docai.engines.nougat.blocks import mmd_to_blocks
from docai.engines.nougat.decode import decode_pages, encode, nougat_settings, start_token
from docai.engines.nougat.outcome import PageOutcome, judge
from docai.engines.nougat.preprocess import PreprocessConfig, prepare_batch
from docai.engines.nougat.settings import NougatSettings
from docai.errors import ConfigError, DocaiError
from docai.models.stepper_mbart import MBartStepper
from schemas.document import Block, BlockKind, PageError

if TYPE_CHECKING:
    from docai.ingest.source import PageContext
    from docai.options import ConvertOptions

VERSION = "0.1"


class NougatEngine:
    """Nougat behind the Engine interface; the model is loaded once, when the engine is created."""

    name = "nougat"
    version = VERSION

    def __init__(self, options: ConvertOptions, settings: NougatSettings | None = None) -> None:
        from docai.models import load_model
        from docai.models.device import batched_decoding_dtype, dtype_name

        model = options.engine_config("nougat").model
        if not model:
            raise ConfigError("the nougat engine needs a model: give --nougat-model DIR (or a hub id)")
        self.options = options
        self.settings = settings or NougatSettings.from_env()
        self.loaded = load_model(model, kind="nougat", dtype=batched_decoding_dtype(),
                                 allow_pickle=options.allow_pickle)
        self.model = self.loaded.model
        self.tokenizer = self.loaded.tokenizer
        self.stepper = MBartStepper(self.model)
        self.preprocess = PreprocessConfig.from_processor(self.loaded.image_processor)
        overrides = {} if self.settings.guard else {"guard": None}
        if self.settings.max_length is not None:
            overrides["max_length"] = self.settings.max_length
        self.decoding = nougat_settings(self.model, self.tokenizer, **overrides)
        self.start = start_token(self.model)
        self.batch_size = options.batch_size or choose_batch_size(self.stepper, self.decoding.max_length)
        encoder_dtype = getattr(self.loaded, "encoder_dtype", None) or self.loaded.dtype
        self._lock = threading.Lock()  # one decoder state per engine: batches take turns
        self._dtype = f"{dtype_name(self.loaded.dtype)}/{dtype_name(encoder_dtype)}"

    def cache_options(self) -> dict[str, Any]:
        """Everything that changes a page's output: the checkpoint (and its weights file), dtype, settings."""
        from docai.models import weights_stamp

        return {"model": str(self.loaded.source), "weights": weights_stamp(self.loaded.source), "dtype": self._dtype,
                "max_length": self.decoding.max_length, **self.settings.as_dict()}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per page, in order. A page that cannot be rendered fails alone."""
        outputs: list[EngineOutput | None] = [None] * len(pages)
        images, live = [], []
        began = time.perf_counter()
        for i, ctx in enumerate(pages):
            try:
                images.append(ctx.render(self.settings.dpi))
                live.append(i)
            except DocaiError as exc:
                outputs[i] = EngineOutput(errors=[PageError(code=exc.code, message=str(exc))])
        render_s = (time.perf_counter() - began) / max(1, len(pages))
        for first in range(0, len(live), self.batch_size):
            chunk = live[first:first + self.batch_size]
            with self._lock:
                results = self._run_batch([pages[i] for i in chunk], images[first:first + self.batch_size])
            for i, out in zip(chunk, results, strict=True):
                out.timings["render_s"] = round(render_s, 4)
                outputs[i] = out
        return [out if out is not None else EngineOutput() for out in outputs]

    def _run_batch(self, pages: list[PageContext], images: list) -> list[EngineOutput]:
        t0 = time.perf_counter()
        pixels = prepare_batch(images, self.preprocess)
        hidden = encode(self.model, pixels)
        t1 = time.perf_counter()
        generations = decode_pages(self.stepper, hidden, self.decoding, self.start)
        t2 = time.perf_counter()
        outcomes = [judge(g, self.tokenizer, self.decoding) for g in generations]
        timings = {"preprocess_encode_s": round((t1 - t0) / len(pages), 4), "decode_s": round((t2 - t1) / len(pages), 4)}
        retried = self._retry(hidden, outcomes)
        return [self._output(ctx, outcome, retried.get(i), timings) for i, (ctx, outcome)
                in enumerate(zip(pages, outcomes, strict=True))]

    def _retry(self, hidden, outcomes: list[PageOutcome]) -> dict[int, PageOutcome]:
        """Decode the collapsed pages once more with a repetition penalty (encoder output reused)."""
        rows = [i for i, o in enumerate(outcomes) if o.status == "collapsed"]
        if not rows or self.settings.retry_penalty == 1.0:
            return {}
        import torch

        settings = replace(self.decoding, repetition_penalty=self.settings.retry_penalty)
        subset = hidden.index_select(0, torch.tensor(rows, device=hidden.device))
        generations = decode_pages(self.stepper, subset, settings, self.start)
        return {i: judge(g, self.tokenizer, settings) for i, g in zip(rows, generations, strict=True)}

    def _output(self, ctx: PageContext, first: PageOutcome, retry: PageOutcome | None,
                timings: dict[str, float]) -> EngineOutput:
        if first.status == "ok":
            return EngineOutput(blocks=mmd_to_blocks(first.markdown), timings=dict(timings))
        if first.status == "blank":
            return _missing(ctx, first, first.reason, timings)
        note = f"nougat output collapsed: {first.reason}"
        if retry is not None:
            penalty = f"repetition_penalty={self.settings.retry_penalty:g}"
            if retry.status == "ok":
                return EngineOutput(blocks=mmd_to_blocks(retry.markdown), timings=dict(timings),
                                    note=f"{note}; retried with {penalty}: kept the retry")
            note += f"; retried with {penalty}: collapsed again ({retry.reason})"
        fallback = self._fallback(ctx)
        if fallback is not None:
            fallback.note = "; ".join(x for x in (note, f"kept the {self.settings.fallback} engine's output", fallback.note) if x)
            fallback.timings.update(timings)
            return fallback
        out = _missing(ctx, first, note, timings)
        out.errors.append(PageError(code="nougat_collapsed", message=f"page {ctx.number}: {note}"))
        return out

    def _fallback(self, ctx: PageContext) -> EngineOutput | None:
        """The fallback engine's output for ``ctx``, or None when there is none or it failed too."""
        if self.settings.fallback == "none":
            return None
        from docai.engines import get_engine

        try:
            (out,) = get_engine(self.settings.fallback, self.options).process([ctx])
        except Exception:  # noqa: BLE001 - a failed rescue leaves the page marked as Nougat failed it
            return None
        return out if out.blocks and not out.errors else None


def _missing(ctx: PageContext, outcome: PageOutcome, note: str, timings: dict[str, float]) -> EngineOutput:
    block = Block(kind=BlockKind.paragraph, text=outcome.placeholder(ctx.number))
    return EngineOutput(blocks=[block], note=note, timings=dict(timings))


def create(options: ConvertOptions) -> NougatEngine:
    """The engine factory registered as ``nougat`` in :mod:`docai.engines`."""
    return NougatEngine(options)

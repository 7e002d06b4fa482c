"""Donut behind the one Engine interface: a batch of pages in, ``EngineOutput(data=...)`` per page out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docai.engines.base import EngineOutput
from docai.engines.donut.model import DonutModel, load_donut
from docai.engines.donut.pages import run_pages
from docai.engines.donut.prompts import task_prompt
from docai.errors import ConfigError
from docai.ingest.source import PageContext

if TYPE_CHECKING:
    from docai.options import ConvertOptions

ENGINE_VERSION = "1"


class DonutEngine:
    """Runs one Donut task over pages. Each page's ``data`` is
    ``{"task": ..., "fields": <parsed JSON>, "confidence": ...}``."""

    name = "donut"
    version = ENGINE_VERSION

    def __init__(self, model: str | DonutModel, task: str = "cord-v2", *, batch_size: int = 4,
                 dpi: int | None = None, max_length: int | None = None, device: str | None = None,
                 allow_pickle: bool = False) -> None:
        self.donut = load_donut(model, device=device, allow_pickle=allow_pickle)
        self.prompt = task_prompt(task, self.donut.vocabulary, self.donut.name)
        self.batch_size = batch_size
        self.dpi = dpi
        self.max_length = max_length

    def cache_options(self) -> dict[str, Any]:
        from docai.models import weights_stamp

        stamp = weights_stamp(self.donut.source) if self.donut.source else ""
        return {"model": self.donut.name, "weights": stamp, "task": self.prompt.task, "dpi": self.dpi,
                "max_length": self.max_length}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per page, in order; a page that failed carries its error instead of data."""
        outputs = []
        for run in run_pages(self.donut, pages, self.prompt, batch_size=max(1, len(pages)), dpi=self.dpi,
                             max_length=self.max_length):
            if run.generation is None:
                outputs.append(EngineOutput(errors=[run.error] if run.error else []))
                continue
            gen = run.generation
            outputs.append(EngineOutput(
                data={"task": self.prompt.task, "fields": gen.data, "confidence": round(gen.confidence, 6)},
                note=f"donut {self.prompt.task}",
            ))
        return outputs


def create(options: ConvertOptions) -> DonutEngine:
    """The engine for ``options``: its ``donut`` options (``donut_model``, required, and ``donut_task``),
    plus ``batch_size`` when set."""
    own = options.engine_config("donut")
    if not own.model:
        raise ConfigError("the donut engine needs a model: set donut_model to a Donut checkpoint (hub id or dir)")
    return DonutEngine(own.model, own.task, batch_size=options.batch_size or 4, allow_pickle=options.allow_pickle)

"""Settings of the Nougat engine that are not ConvertOptions: environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from docai.errors import ConfigError

DPI_ENV = "DOCAI_NOUGAT_DPI"
MAX_LENGTH_ENV = "DOCAI_NOUGAT_MAX_LENGTH"
GUARD_ENV = "DOCAI_NOUGAT_GUARD"
RETRY_PENALTY_ENV = "DOCAI_NOUGAT_RETRY_PENALTY"
FALLBACK_ENV = "DOCAI_NOUGAT_FALLBACK"

_FALLBACKS = ("ocr", "none")


@dataclass(frozen=True)
class NougatSettings:
    """How pages are rendered, decoded and rescued. Everything here changes a page's output."""

    dpi: int = 96  # the original renders at 96 DPI
    max_length: int | None = None  # None: the checkpoint's generation max_length
    guard: bool = True  # the repetition guard (online stop + post-hoc cut)
    retry_penalty: float = 1.2  # a collapsed page is decoded again with this repetition penalty (1: no retry)
    fallback: str = "ocr"  # engine for a page that collapses twice ("none": mark it failed)

    def __post_init__(self) -> None:
        if not 36 <= self.dpi <= 600:
            raise ConfigError(f"nougat DPI {self.dpi} is out of range (36-600; ${DPI_ENV})")
        if self.max_length is not None and self.max_length < 2:
            raise ConfigError(f"nougat max length {self.max_length} must be at least 2 (${MAX_LENGTH_ENV})")
        if self.retry_penalty < 1.0:
            raise ConfigError(f"nougat retry penalty {self.retry_penalty} must be >= 1 (${RETRY_PENALTY_ENV})")
        if self.fallback not in _FALLBACKS:
            raise ConfigError(f"nougat fallback {self.fallback!r}: choose one of {', '.join(_FALLBACKS)} (${FALLBACK_ENV})")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> NougatSettings:
        """Settings from ``DOCAI_NOUGAT_*`` variables (defaults where unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get(DPI_ENV):
            values["dpi"] = _number(env, DPI_ENV, int)
        if env.get(MAX_LENGTH_ENV):
            values["max_length"] = _number(env, MAX_LENGTH_ENV, int)
        if env.get(GUARD_ENV):
            values["guard"] = env[GUARD_ENV].strip().lower() not in ("0", "false", "no", "off")
        if env.get(RETRY_PENALTY_ENV):
            values["retry_penalty"] = _number(env, RETRY_PENALTY_ENV, float)
        if env.get(FALLBACK_ENV):
            values["fallback"] = env[FALLBACK_ENV].strip().lower()
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(env, name: str, kind: type):
    try:
        return kind(env[name])
    except ValueError:
        noun = {int: "an integer", float: "a number"}.get(kind, f"a {kind.__name__}")
        raise ConfigError(f"${name}={env[name]!r} is not {noun}") from None

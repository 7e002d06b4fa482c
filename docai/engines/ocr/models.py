"""The OCR models that ship inside the ``rapidocr`` wheel, loaded without any network access.

rapidocr downloads a model when its configuration names one that is not on disk. docai never lets it:
the model files are named explicitly from the wheel's own ``models/`` folder, a missing file is a
:class:`~docai.errors.ModelError`, and rapidocr's downloader is disabled while the models load.
This module is the only place that knows rapidocr's internals.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from docai.errors import ConfigError, ModelError

#: model files (in the rapidocr wheel) for text detection and recognition: PP-OCRv6 "small", multilingual Latin + CJK
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
#: the text-line angle classifier (0 or 180 degrees) in the same wheel
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

#: detection runs on the page scaled so its longer side is at most this many pixels (see docs/ocr.md)
DET_MAX_SIDE = 1280
#: recognised lines per onnxruntime call
REC_BATCH = 16

THREADS_ENV = "DOCAI_OCR_THREADS"


def rapidocr_version() -> str:
    """The installed rapidocr version, or a ModelError when it is not installed."""
    try:
        return version("rapidocr")
    except PackageNotFoundError:
        raise ModelError("the OCR engine needs the 'rapidocr' package: pip install 'rapidocr>=3,<4'") from None


def bundled_model_dir() -> Path:
    """The ``models/`` folder inside the installed rapidocr wheel."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the OCR engine needs the 'rapidocr' package: pip install 'rapidocr>=3,<4'")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def bundled_model_paths(model_dir: Path | None = None) -> dict[str, Path]:
    """Paths of the detection and recognition models; ModelError naming the first one missing."""
    model_dir = model_dir or bundled_model_dir()
    paths = {"det": model_dir / DET_MODEL, "rec": model_dir / REC_MODEL, "cls": model_dir / CLS_MODEL}
    for path in paths.values():
        if not path.is_file():
            raise ModelError(
                f"OCR model {path.name} is missing from {model_dir} (the rapidocr wheel ships it); "
                "docai never downloads models: reinstall with pip install --force-reinstall 'rapidocr>=3,<4'"
            )
    return paths


def ocr_threads() -> int:
    """Threads per onnxruntime session: ``$DOCAI_OCR_THREADS``, else every core up to 4."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return max(1, min(os.cpu_count() or 1, 4))
    try:
        threads = int(raw)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigError(f"{THREADS_ENV}={raw!r}: give a whole number of threads, 1 or more")
    return min(threads, os.cpu_count() or threads)


@contextmanager
def _downloads_refused() -> Iterator[None]:
    """While models load, make any attempt by rapidocr to fetch a file a ModelError."""
    from rapidocr.utils.download_file import DownloadFile

    original = DownloadFile.__dict__["run"]

    def refuse(cls, params: Any) -> None:  # noqa: ARG001
        raise ModelError(f"rapidocr tried to download {getattr(params, 'file_url', 'a file')}; "
                         "docai only uses the models inside the rapidocr wheel")

    DownloadFile.run = classmethod(refuse)
    try:
        yield
    finally:
        DownloadFile.run = original


@dataclass
class OcrModels:
    """Loaded rapidocr text detector, line angle classifier and recogniser (callables over numpy images)."""

    detector: Any
    classifier: Any
    recognizer: Any
    version: str
    _alphabet: frozenset[str] | None = field(default=None, init=False, repr=False)

    def knows(self, char: str) -> bool:
        """Whether the recogniser can read ``char`` at all (it is in the model's character list):
        the bundled PP-OCRv6 model reads Latin, Greek and CJK ideographs, but no Hangul, Cyrillic,
        Arabic or Hebrew."""
        if self._alphabet is None:
            self._alphabet = frozenset(self.recognizer.postprocess_op.character)
        return char in self._alphabet

    def detect(self, image) -> tuple[list, list[float]]:
        """Text line quadrilaterals (4×2 pixel points each) and their scores for an RGB image."""
        out = self.detector(image)
        if out.boxes is None:
            return [], []
        return list(out.boxes), [float(s) for s in out.scores]

    def classify(self, crops: list) -> list[tuple[str, float]]:
        """``("0" | "180", score)`` for each line crop: whether the line reads upside down."""
        if not crops:
            return []
        out = self.classifier(list(crops))
        return [(str(label), float(score)) for label, score in out.cls_res]

    def recognize(self, crops: list) -> list[tuple[str, float]]:
        """Text and confidence for each line crop, in order."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput

        out = self.recognizer(TextRecInput(img=list(crops), return_word_box=False))
        return [(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]


def load_models(threads: int | None = None, model_dir: Path | None = None) -> OcrModels:
    """Load the bundled detection, angle and recognition models once (no network, ModelError otherwise)."""
    rapid_version = rapidocr_version()
    paths = bundled_model_paths(model_dir)
    threads = threads or ocr_threads()
    try:
        from rapidocr import RapidOCR

        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.model_root_dir": str(paths["det"].parent),
            "Det.model_path": str(paths["det"]),
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_MAX_SIDE,
            "Cls.model_path": str(paths["cls"]),
            "Rec.model_path": str(paths["rec"]),
            "Rec.rec_batch_num": REC_BATCH,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        with _downloads_refused():
            pipeline = RapidOCR(params=params)
            detector = pipeline._load_det_model()
            classifier = pipeline._load_cls_model()
            recognizer = pipeline._load_rec_model()
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any loader failure is one clear line
        raise ModelError(f"the OCR models could not be loaded from {paths['det'].parent}: {exc}") from None
    return OcrModels(detector=detector, classifier=classifier, recognizer=recognizer, version=rapid_version)

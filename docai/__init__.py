"""docai: PDFs and images to markdown and JSON, in-process or on a Celery queue.

>>> import docai
>>> doc = docai.convert("paper.pdf", pages="1-2")   # doctest: +SKIP
>>> print(doc.markdown)                              # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("docai")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+local"

from docai.errors import DocaiError  # noqa: E402
from docai.options import ConvertOptions, Limits  # noqa: E402

__all__ = ["ConvertOptions", "DocaiError", "Limits", "__version__", "convert"]


def __getattr__(name: str):
    """``docai.convert`` imports the pipeline (pymupdf, the engines' code) on first use only, so commands
    that never convert (``docai plugins list``) start fast."""
    if name == "convert":
        from docai.pipeline import convert

        return convert
    raise AttributeError(f"module 'docai' has no attribute {name!r}")

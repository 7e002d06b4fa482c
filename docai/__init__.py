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
from docai.pipeline import convert  # noqa: E402

__all__ = ["ConvertOptions", "DocaiError", "Limits", "__version__", "convert"]

"""Flag parsing shared by commands (sizes, limits)."""

from __future__ import annotations

import re

import click

from docai.options import Limits

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"200MB"``, ``"1.5g"``, ``"4096"`` → bytes (binary units)."""
    m = _SIZE.match(text)
    if not m:
        raise click.BadParameter(f"{text!r} is not a size like 200MB or 1G")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNITS[unit])


class SizeParam(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        return value if isinstance(value, int) else parse_size(str(value))


def limit_options(func):
    """Add ``--max-file-size``, ``--max-pages``, ``--max-image-pixels``, ``--page-timeout`` and the content
    limits ``--max-page-operators``, ``--max-page-content`` and ``--max-document-operators``."""
    d = Limits()
    func = click.option("--max-document-content", type=SizeParam(), default=d.max_document_content_bytes,
                        show_default=True, help="Most decoded content-stream bytes of all pages together (0: no limit).")(func)
    func = click.option("--max-document-operators", type=int, default=d.max_document_operators, show_default=True,
                        help="Most content operators of all selected pages together (0: no limit).")(func)
    func = click.option("--max-page-content", type=SizeParam(), default=d.max_page_content_bytes,
                        show_default=True, help="Most decoded content-stream bytes one page may draw (0: no limit).")(func)
    func = click.option("--max-page-operators", type=int, default=d.max_page_operators, show_default=True,
                        help="Most content operators one page may draw, forms counted per use (0: no limit).")(func)
    func = click.option("--page-timeout", type=float, default=d.page_timeout_s, show_default=True,
                        help="Time budget per page in seconds (0: none).")(func)
    func = click.option("--max-image-pixels", type=int, default=d.max_image_pixels, show_default=True,
                        help="Largest image or page raster, in pixels (0: no limit).")(func)
    func = click.option("--max-pages", type=int, default=d.max_pages, show_default=True,
                        help="Most pages one document may have or select (0: no limit).")(func)
    func = click.option("--max-file-size", type=SizeParam(), default=d.max_file_bytes, show_default=True,
                        help="Largest input file, e.g. 200MB (0: no limit).")(func)
    return func


#: the flags :func:`limit_options` adds besides the four positional ones of :func:`limits_from`
CONTENT_LIMIT_PARAMS = ("max_page_operators", "max_page_content", "max_document_operators", "max_document_content")


def limits_from(max_file_size: int, max_pages: int, max_image_pixels: int, page_timeout: float,
                max_page_operators: int | None = None, max_page_content: int | None = None,
                max_document_operators: int | None = None, max_document_content: int | None = None) -> Limits:
    """The :class:`Limits` from the flags of :func:`limit_options` (content limits default when ``None``)."""
    content = {"max_page_operators": max_page_operators, "max_page_content_bytes": max_page_content,
               "max_document_operators": max_document_operators, "max_document_content_bytes": max_document_content}
    return Limits(max_file_bytes=max_file_size, max_pages=max_pages, max_image_pixels=max_image_pixels,
                  page_timeout_s=page_timeout, **{k: v for k, v in content.items() if v is not None})


#: the keyword names that :func:`conversion_options` adds to a command
CONVERSION_PARAMS = ("pages", "engine", "password", "recompute", "no_cache", "ocr_dpi", "nougat_model",
                     "donut_model", "donut_task", "batch_size", "allow_pickle", "max_file_size", "max_pages", "max_image_pixels",
                     "page_timeout", *CONTENT_LIMIT_PARAMS)


def conversion_options(func):
    """The flags that shape a conversion, shared by ``docai convert`` and ``docai submit``."""
    from docai.options import EngineChoice

    options = [
        click.option("-p", "--pages", help="Pages to convert, 1-based: '1-3,7', '5-'. Default: all."),
        click.option("--engine", type=click.Choice([e.value for e in EngineChoice]), default="auto",
                     show_default=True, help="auto routes each page; text, ocr, nougat or donut force one path."),
        click.option("--password", help="Password of an encrypted PDF."),
        click.option("--recompute", is_flag=True, help="Redo finished outputs and cached pages."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the page cache."),
        click.option("--ocr-dpi", type=int, default=150, show_default=True, help="Render resolution for OCR."),
        click.option("--nougat-model", help="Nougat checkpoint (hub id or local dir) for --engine nougat/auto."),
        click.option("--donut-model", help="Donut checkpoint (hub id or local dir) for --engine donut (JSON per page)."),
        click.option("--donut-task", default="cord-v2", show_default=True, help="Donut task for --engine donut."),
        click.option("--batch-size", type=int, help="Pages per engine batch (default: the engine's choice)."),
        click.option("--allow-pickle", is_flag=True,
                     help="Let --nougat-model/--donut-model load pickle (.bin) weights; only for trusted sources."),
    ]
    func = limit_options(func)
    for option in reversed(options):
        func = option(func)
    return func


def conversion_options_from(params: dict, **extra):
    """Pop the :func:`conversion_options` flags out of ``params`` into a validated ConvertOptions."""
    from docai.options import ConvertOptions

    p = {name: params.pop(name) for name in CONVERSION_PARAMS}
    return ConvertOptions(
        pages=p["pages"], password=p["password"], engine=p["engine"], recompute=p["recompute"],
        use_cache=not p["no_cache"], ocr_dpi=p["ocr_dpi"], nougat_model=p["nougat_model"],
        donut_model=p["donut_model"], donut_task=p["donut_task"], batch_size=p["batch_size"],
        allow_pickle=p["allow_pickle"],
        limits=limits_from(p["max_file_size"], p["max_pages"], p["max_image_pixels"], p["page_timeout"],
                           **{name: p[name] for name in CONTENT_LIMIT_PARAMS}),
        **extra,
    )

"""Flag parsing shared by commands (sizes, limits)."""

from __future__ import annotations

import click

from docai.errors import ConfigError
from docai.options import Limits
from docai.options import parse_size as _parse_size


def parse_size(text: str) -> int:
    """``"200MB"``, ``"1.5g"``, ``"4096"`` → bytes (binary units); click.BadParameter otherwise."""
    try:
        return _parse_size(text)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


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


#: the generic keyword names that :func:`conversion_options` adds to a command (engine options come on top)
CONVERSION_PARAMS = ("pages", "engine", "password", "recompute", "no_cache", "batch_size", "allow_pickle",
                     "keep_furniture", "describe_figures", "max_file_size", "max_pages", "max_image_pixels",
                     "page_timeout", *CONTENT_LIMIT_PARAMS)


def conversion_options(func):
    """The flags that shape a conversion, shared by ``docai convert`` and ``docai submit``.

    Each installed engine's options add ``--<engine>-<field>`` flags (``--ocr-dpi``, ``--nougat-model``),
    derived from the engine's options class.
    """
    from docai.cli.fields import option_for_field
    from docai.engines import engine_fields, engine_specs

    names = ", ".join(engine_specs())
    options = [
        click.option("-p", "--pages", help="Pages to convert, 1-based: '1-3,7', '5-'. Default: all."),
        click.option("--engine", default="auto", show_default=True,
                     help=f"auto routes each page; an engine ({names}) forces one path for every page; "
                          "FAMILY:CHECKPOINT reads pages with a plugin model that can read_page."),
        click.option("--password", help="Password of an encrypted PDF."),
        click.option("--recompute", is_flag=True, help="Redo finished outputs and cached pages."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the page cache."),
        *[option_for_field(field.flag, flat, field.info) for flat, field in engine_fields().items()],
        click.option("--batch-size", type=int, help="Pages per engine batch (default: the engine's choice)."),
        click.option("--keep-furniture", is_flag=True,
                     help="Keep running headers, footers and page numbers in the markdown."),
        click.option("--describe-figures", metavar="MODEL",
                     help="Caption every figure with a plugin model (FAMILY:CHECKPOINT, e.g. blip:./tiny-blip)."),
        click.option("--allow-pickle", is_flag=True,
                     help="Let engine models load pickle (.bin) weights; only for trusted sources."),
    ]
    func = limit_options(func)
    for option in reversed(options):
        func = option(func)
    return func


def conversion_options_from(params: dict, **extra):
    """Pop the :func:`conversion_options` flags out of ``params`` into a validated ConvertOptions."""
    from docai.cli.fields import given
    from docai.engines import engine_fields
    from docai.options import ConvertOptions

    p = {name: params.pop(name) for name in CONVERSION_PARAMS}
    return ConvertOptions(
        pages=p["pages"], password=p["password"], engine=p["engine"], recompute=p["recompute"],
        use_cache=not p["no_cache"], batch_size=p["batch_size"], allow_pickle=p["allow_pickle"],
        keep_furniture=p["keep_furniture"], describe_figures=p["describe_figures"],
        limits=limits_from(p["max_file_size"], p["max_pages"], p["max_image_pixels"], p["page_timeout"],
                           **{name: p[name] for name in CONTENT_LIMIT_PARAMS}),
        **given(params, engine_fields()), **extra,
    )

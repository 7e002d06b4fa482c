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


#: ConvertOptions fields that are not flags of their own: the page cache (``--no-cache``, ``--cache-dir`` of
#: ``docai convert``), the limits (:func:`limit_options`) and each engine's options (flat, from its class)
NOT_FLAGS = ("use_cache", "cache_dir", "limits", "engine_options")


def conversion_fields() -> dict:
    """The :class:`ConvertOptions` fields that are flags of :func:`conversion_options`, in declaration order."""
    from docai.fields import option_fields
    from docai.options import ConvertOptions

    return option_fields(ConvertOptions, exclude=NOT_FLAGS)


def conversion_options(func):
    """The flags that shape a conversion, shared by ``docai convert`` and ``docai submit``: one per
    :class:`ConvertOptions` field, then each installed engine's ``--<engine>-<field>`` (``--ocr-dpi``,
    ``--nougat-model``), all derived from the options classes; ``--no-cache`` and the limit flags."""
    from docai.cli.fields import field_options
    from docai.engines import engine_fields

    func = limit_options(func)
    func = click.option("--no-cache", is_flag=True, help="Neither read nor write the page cache.")(func)
    return field_options([*conversion_fields().values(), *engine_fields().values()])(func)


def conversion_options_from(params: dict, **extra):
    """Pop the :func:`conversion_options` flags out of ``params`` into a validated ConvertOptions."""
    from docai.cli.fields import given
    from docai.engines import engine_fields
    from docai.options import ConvertOptions

    limits = limits_from(params.pop("max_file_size"), params.pop("max_pages"), params.pop("max_image_pixels"),
                         params.pop("page_timeout"), **{name: params.pop(name) for name in CONTENT_LIMIT_PARAMS})
    return ConvertOptions(**given(params, conversion_fields()), use_cache=not params.pop("no_cache"), limits=limits,
                          **given(params, engine_fields()), **extra)

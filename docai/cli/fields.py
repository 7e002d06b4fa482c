"""Click options derived from pydantic fields, so a typed options class is the one declaration of its flags."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import Any

import annotated_types
import click

from docai.fields import OptionField


def option_for_field(field: OptionField) -> Callable[[Any], Any]:
    """A click option for one field: typed and bounded by its annotation and constraints, unset (None) unless
    given, so the options class — not the flag — holds the default (shown in the help). A required field is a
    required option; a bool is a ``--x/--no-x`` switch."""
    help_text = (field.info.description or "").rstrip(".")
    if help_text.split(" ", 1)[0].isalpha():  # "render resolution" → "Render resolution"; "cpu, cuda" stays
        help_text = help_text[:1].upper() + help_text[1:]
    if field.default not in (None, "", False):
        help_text += f" [default: {field.default}]"
    names = [field.short] if field.short else []
    if field.kind is bool:
        negative = "--no-" + field.flag.removeprefix("--")
        return click.option(f"{field.flag}/{negative}", *names, field.flat, default=None, help=help_text)
    return click.option(field.flag, *names, field.flat, type=click_type(field), default=None,
                        required=field.required, help=help_text)


def click_type(field: OptionField) -> click.ParamType:
    """``int``/``float`` fields with bounds as click ranges (an out-of-range flag is a usage error), else text."""
    kind = {int: click.IntRange, float: click.FloatRange}.get(field.kind)
    if kind is None:
        return click.STRING
    bounds: dict[str, Any] = {}
    for item in field.info.metadata:
        if isinstance(item, annotated_types.Ge):
            bounds.update(min=item.ge)
        elif isinstance(item, annotated_types.Gt):
            bounds.update(min=item.gt, min_open=True)
        elif isinstance(item, annotated_types.Le):
            bounds.update(max=item.le)
        elif isinstance(item, annotated_types.Lt):
            bounds.update(max=item.lt, max_open=True)
    if not bounds:
        return click.INT if kind is click.IntRange else click.FLOAT
    return kind(**bounds)


def field_options(fields: Iterable[OptionField]) -> Callable[[Any], Any]:
    """A decorator adding one flag per field (in the fields' order in ``--help``)."""
    options = [option_for_field(field) for field in fields]

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def given(params: dict[str, Any], names: typing.Iterable[str]) -> dict[str, Any]:
    """Pop ``names`` out of ``params``, keeping those that were given (not None)."""
    popped = {name: params.pop(name, None) for name in names}
    return {name: value for name, value in popped.items() if value is not None}

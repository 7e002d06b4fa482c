"""Click options derived from pydantic fields, so a typed options class is the one declaration of its flags."""

from __future__ import annotations

import types
import typing
from typing import Any

import click
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


def base_type(annotation: Any) -> Any:
    """``int | None`` → ``int``; ``Optional[str]`` → ``str``; other annotations as they are."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def option_for_field(flag: str, dest: str, info: FieldInfo) -> Any:
    """A click option for one field: typed from its annotation, unset (None) unless given, so the options
    class — not the flag — holds the default (shown in the help)."""
    kind = base_type(info.annotation)
    default = None if info.default is PydanticUndefined else info.default
    help_text = (info.description or "").rstrip(".")
    help_text = help_text[:1].upper() + help_text[1:]
    if default is not None and default != "":
        help_text += f" [default: {default}]"
    if kind is bool:
        negative = "--no-" + flag.removeprefix("--")
        return click.option(f"{flag}/{negative}", dest, default=None, help=help_text)
    click_type = {int: int, float: float}.get(kind, str)
    return click.option(flag, dest, type=click_type, default=None, help=help_text)


def given(params: dict[str, Any], names: typing.Iterable[str]) -> dict[str, Any]:
    """Pop ``names`` out of ``params``, keeping those that were given (not None)."""
    popped = {name: params.pop(name, None) for name in names}
    return {name: value for name, value in popped.items() if value is not None}

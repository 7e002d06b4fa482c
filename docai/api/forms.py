"""HTTP form fields derived from typed options classes (:mod:`docai.fields`), so a route declares none by hand.

:func:`with_form_fields` adds one form field per :class:`~docai.fields.OptionField` to an endpoint's
signature (FastAPI reads it): typed and constrained by the field's annotation and metadata, described by its
description, required when the field is. :func:`form_values` turns what was posted back into keyword
arguments for the options class: empty fields dropped (so the class's defaults hold), model references
checked to be model names, never paths.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Form

from docai.api.validation import check_model_name
from docai.fields import OptionField


def with_form_fields(endpoint: Callable[..., Any], fields: Iterable[OptionField]) -> Callable[..., Any]:
    """``endpoint`` (which takes ``**options``) with a keyword form parameter per field, in the given order."""
    signature = inspect.signature(endpoint)
    params = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for field in fields:
        form = Form(description=field.info.description or "")
        if field.required:
            annotation = Annotated[field.kind, *field.info.metadata, form]
            default = inspect.Parameter.empty
        else:
            annotation = Annotated[field.kind | None, *field.info.metadata, form]
            default = None
        params.append(inspect.Parameter(field.flat, inspect.Parameter.KEYWORD_ONLY, default=default,
                                        annotation=annotation))
    endpoint.__signature__ = signature.replace(parameters=params)
    return endpoint


def form_values(posted: dict[str, Any], fields: dict[str, OptionField]) -> dict[str, Any]:
    """The posted fields that were given (not empty), model references checked to be model names."""
    return {name: check_model_name(value, field=name) if fields[name].is_model_ref else value
            for name, value in posted.items() if name in fields and value is not None and value != ""}

"""The hooks a docai plugin implements (pluggy, project name ``docai``).

A plugin is a module with functions marked ``@hookimpl`` whose names are the hooks below; it may implement
any subset, and each implementation may take any subset of the hook's arguments. Every hook receives a
``register`` callable (``register_commands`` receives the click group) and only *declares* things: specs
name their factories as ``"module:attr"`` strings, so discovering plugins imports no torch and no model code.

>>> from docai.plugins import ModelSpec, hookimpl
>>> @hookimpl
... def register_models(register):
...     register(ModelSpec(family="echo", capabilities=["caption"], factory="my_pkg.model:Echo"))
"""

from __future__ import annotations

import pluggy

PROJECT = "docai"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_models(register):
    """Register model families: call ``register(ModelSpec(...))`` once per family.

    A family is what the ``FAMILY`` of a ``FAMILY:CHECKPOINT`` model id names (``blip:./tiny-blip``).
    """


@hookspec
def register_engines(register):
    """Register page engines for ``docai convert --engine NAME``: ``register(EngineSpec(...))``."""


@hookspec
def register_model_kinds(register):
    """Register loader kinds: ``register(ModelKind(...))``.

    A kind tells :func:`docai.models.load_model` what a checkpoint looks like (``model_type`` and
    ``architectures`` in its config) and which class loads it, and names the function that writes its tiny
    random test checkpoint (``docai dev tiny-model KIND DIR``).
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``docai`` command line: ``cli.add_command(command)``."""

"""Emu3 for docai, on transformers' ``Emu3ForConditionalGeneration``.

Importing this package imports no torch; the model code lives in ``docai_emu.model`` (understanding and
generation), ``docai_emu.grid`` (the image token grid) and ``docai_emu.tiny`` (tiny random checkpoints).
"""

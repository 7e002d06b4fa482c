"""LaVIT (ICLR 2024) for docai, in our own torch code with the official module names and token ids.

Importing this package imports no torch; the model code lives in the submodules (``model``, ``tokenizer``,
``decoder``, ``eva``, ``training``, ``convert``, ``tiny``).
"""

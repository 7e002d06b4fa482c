"""``python -m docai`` is the ``docai`` command."""

from docai.cli import main

main()

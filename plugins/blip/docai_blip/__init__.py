"""docai-blip: BLIP captioning, VQA and image-text matching as a docai plugin (see ``plugin.py``)."""

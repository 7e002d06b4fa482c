"""docai-clip: CLIP zero-shot classification, embeddings and retrieval as a docai plugin (see ``plugin.py``)."""

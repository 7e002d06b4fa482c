"""docai-llava: the LLaVA family (1.5, NeXT, OneVision) on transformers' classes.

Modules: ``chat`` (conversations → batched replies through docai's decode loop, image tokens checked),
``tiny`` (tiny random checkpoints for tests). Heavy libraries load only when a model is used.
"""

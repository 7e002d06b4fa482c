"""docai-minigpt4: MiniGPT-4 (Vicuna with Q-Former, LLaMA-2 without) composed from transformers parts.

Modules: ``model`` (the composed model), ``prompts`` (the original's templates), ``generate`` (batched
answers through docai's decode loop), ``keymap``/``convert`` (official checkpoints → safetensors),
``tiny`` (tiny random checkpoints for tests). Heavy libraries load only when a model is used.
"""

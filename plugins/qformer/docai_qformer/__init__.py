"""docai-qformer: BLIP-2 (OPT and Flan-T5 language models) and InstructBLIP on transformers' classes.

Modules: ``generate`` (captions and answers through docai's decode loop, image tokens counted before
every generation), ``retrieval`` (ITM head and ITC similarity), ``tiny`` (tiny random checkpoints).
"""

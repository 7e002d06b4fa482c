"""Benchmark: fp32 vs bf16 on CPU for the two halves of Nougat/Donut — the Swin encoder and the mBART decoder.

This is the measurement behind the CPU dtype default in :mod:`docai.models.device`. Random weights (no
download) in the nougat-base shape: DonutSwin encoder (embed 128, depths 2-2-14-2, window 7, page 896×672)
and mBART decoder (d_model 1024, 10 layers, 16 heads, FFN 4096, vocab 50000) decoding greedily with its KV
cache while cross-attending to the 588 encoder tokens. fp32 and bf16 copies of the same weights run
interleaved repeat by repeat so outside load hits both alike; medians are reported. The encoder runs
through docai's SDPA window attention when that module is present (as ``load_model`` does; ``--eager``
to compare with transformers' own attention).

    python bench/model_dtype.py                        # nougat-base shape, ~1-2 min on 2 cores
    python bench/model_dtype.py --decoder-layers 4     # nougat-small decoder
    python bench/model_dtype.py --depths 2,2,2,2 --decoder-layers 2 --tokens 8 --repeats 1   # smoke run

The last line is the headline, e.g. ``bf16 speedup over fp32 on CPU: encoder 1.93x, decoder 1.08x per token``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from transformers import DonutSwinConfig, DonutSwinModel, MBartConfig, MBartForCausalLM


def build_encoder(depths: list[int], size: tuple[int, int]) -> DonutSwinModel:
    """The nougat-base encoder architecture with random weights."""
    config = DonutSwinConfig(image_size=list(size), patch_size=4, embed_dim=128, depths=depths,
                             num_heads=[4, 8, 16, 32][: len(depths)], window_size=7)
    return DonutSwinModel(config, add_pooling_layer=False).eval()


def build_decoder(layers: int) -> MBartForCausalLM:
    """The nougat-base decoder architecture (``layers`` deep) with random weights."""
    config = MBartConfig(vocab_size=50000, d_model=1024, decoder_layers=layers, encoder_layers=layers,
                         decoder_attention_heads=16, encoder_attention_heads=16, decoder_ffn_dim=4096,
                         encoder_ffn_dim=4096, max_position_embeddings=4096, scale_embedding=True,
                         add_final_layer_norm=True, is_decoder=True, add_cross_attention=True)
    return MBartForCausalLM(config).eval()


def time_encoder(encoder: DonutSwinModel, pixels: torch.Tensor) -> float:
    start = time.perf_counter()
    encoder(pixels)
    return time.perf_counter() - start


def time_decoder(decoder: MBartForCausalLM, memory: torch.Tensor, tokens: int) -> float:
    """Seconds per generated token: greedy steps with the KV cache, cross-attending to ``memory``."""
    ids = torch.zeros(1, 1, dtype=torch.long)
    past = None
    start = time.perf_counter()
    for _ in range(tokens):
        out = decoder(input_ids=ids[:, -1:], encoder_hidden_states=memory, past_key_values=past, use_cache=True)
        past = out.past_key_values
        ids = torch.cat([ids, out.logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return (time.perf_counter() - start) / tokens


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", default="2,2,14,2", help="Swin stage depths (nougat-base: 2,2,14,2)")
    parser.add_argument("--decoder-layers", type=int, default=10, help="mBART layers (base 10, small 4)")
    parser.add_argument("--size", type=int, nargs=2, default=(896, 672), metavar=("H", "W"))
    parser.add_argument("--tokens", type=int, default=32, help="decoder tokens per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--eager", action="store_true", help="keep transformers' eager Swin attention")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    encoder = build_encoder([int(d) for d in args.depths.split(",")], tuple(args.size))
    sdpa = False
    if not args.eager:
        try:
            from docai.models.swin_sdpa import enable_sdpa
            sdpa = enable_sdpa(encoder) > 0
        except ImportError:
            pass
    decoder = build_decoder(args.decoder_layers)
    copies = {"fp32": (encoder, decoder),
              "bf16": (copy.deepcopy(encoder).to(torch.bfloat16), copy.deepcopy(decoder).to(torch.bfloat16))}
    pixels = torch.randn(1, 3, *args.size)
    with torch.inference_mode():
        memory = encoder(pixels).last_hidden_state
        if memory.shape[-1] != decoder.config.d_model:
            memory = memory[..., : decoder.config.d_model]
        times: dict[str, dict[str, list[float]]] = {k: {"encoder": [], "decoder": []} for k in copies}
        for repeat in range(args.repeats + 1):  # the first round warms up and is dropped
            for name, (enc, dec) in copies.items():
                dtype = torch.float32 if name == "fp32" else torch.bfloat16
                enc_s = time_encoder(enc, pixels.to(dtype))
                dec_s = time_decoder(dec, memory.to(dtype), args.tokens)
                if repeat:
                    times[name]["encoder"].append(enc_s)
                    times[name]["decoder"].append(dec_s)

    print(f"threads={torch.get_num_threads()} size={args.size[0]}x{args.size[1]} depths={args.depths} "
          f"decoder_layers={args.decoder_layers} tokens={args.tokens} repeats={args.repeats} swin_sdpa={sdpa}")
    median = {k: {part: statistics.median(v) for part, v in parts.items()} for k, parts in times.items()}
    for name in copies:
        print(f"{name}: encoder {median[name]['encoder'] * 1000:8.1f} ms/page   "
              f"decoder {median[name]['decoder'] * 1000:7.1f} ms/token")
    enc_x = median["fp32"]["encoder"] / median["bf16"]["encoder"]
    dec_x = median["fp32"]["decoder"] / median["bf16"]["decoder"]
    print(f"bf16 speedup over fp32 on CPU: encoder {enc_x:.2f}x, decoder {dec_x:.2f}x per token")


if __name__ == "__main__":
    main()

"""Benchmark: docai's Nougat decoding against plain ``model.generate`` at batch 1, same run, same pages.

The model has the nougat-base architecture (DonutSwin [2, 2, 14, 2], embed 128, window 7, 896×672;
mBART with 10 layers, d_model 1024, vocabulary 50,000) with random weights built from its config: no
download. Every page generates exactly ``--tokens`` tokens (end token banned until then, repetition
guard off), so both sides do the same number of decoder steps. The encoder runs once per page for
both and is timed apart. Decoding runs in rounds that alternate which side goes first, so load from
other processes falls on both alike; the headline is the median round's decoding tokens/s ratio. Pages/s are extrapolated to 1,400
tokens per page (a dense page) from encoder time + decoding speed. Per-token cost grows with length
(attention over the cache), which short runs do not see, so the extrapolation flatters both sides alike.

    python bench/nougat_decode.py                            # one batch of the engine's size × 64 tokens, baseline on 2 pages, 5 rounds
    python bench/nougat_decode.py --pages 8 --batch-size 8 --tokens 128 --baseline-pages 2
    python bench/nougat_decode.py --dtype fp32
    python bench/nougat_decode.py --device cuda              # bf16 on a GPU

The last line is the headline: ``nougat decode speedup vs generate: 5.2x``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TOKENS_PER_PAGE = 1400


def build_model(dtype, device):
    """nougat-base's architecture with random weights (a few seconds to initialise on CPU)."""
    import torch
    from transformers import (
        DonutSwinConfig,
        MBartConfig,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
    )

    encoder = DonutSwinConfig(image_size=[896, 672], patch_size=4, num_channels=3, embed_dim=128,
                              depths=[2, 2, 14, 2], num_heads=[4, 8, 16, 32], window_size=7)
    decoder = MBartConfig(vocab_size=50000, d_model=1024, encoder_layers=10, decoder_layers=10,
                          encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
                          decoder_ffn_dim=4096, max_position_embeddings=4096, scale_embedding=True,
                          add_final_layer_norm=True, is_decoder=True, add_cross_attention=True,
                          bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=0)
    config = VisionEncoderDecoderConfig(encoder=encoder.to_dict(), decoder=decoder.to_dict())
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = 0, 1, 2
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config).eval().to(device=device, dtype=dtype)
    model.generation_config.decoder_start_token_id = 0
    model.generation_config.pad_token_id = 1
    model.generation_config.eos_token_id = 2
    return model


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(device, fn):
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return result, time.perf_counter() - start


def docai_encode(model, pixels, batch_size: int, device):
    """(encoder outputs per batch, seconds) for docai's batched encoder (SDPA window attention)."""
    from docai.models.stepper_mbart import encode

    try:
        from docai.models.swin_sdpa import enable_sdpa

        enable_sdpa(model)
    except ImportError:
        pass
    encode(model, pixels[:1])  # warm-up
    batches, seconds = [], 0.0
    for start in range(0, len(pixels), batch_size):
        hidden, spent = timed(device, lambda s=start: encode(model, pixels[s:s + batch_size]))
        batches.append(hidden)
        seconds += spent
    return batches, seconds


def generate_encode(model, pixels, device):
    """(encoder output per page, seconds) for the plain eager encoder at batch 1."""
    import torch

    try:
        from docai.models.swin_sdpa import disable_sdpa

        disable_sdpa(model)
    except ImportError:
        pass
    pages, seconds = [], 0.0
    with torch.inference_mode():
        for i in range(len(pixels)):
            out, spent = timed(device, lambda i=i: model.encoder(pixel_values=pixels[i:i + 1]))
            pages.append(out.last_hidden_state)
            seconds += spent
    return pages, seconds


def docai_decode(model, batches, tokens: int, device) -> tuple[float, int]:
    """(seconds, tokens) for docai's batched greedy decoding of every batch."""
    from docai.engines.nougat.decode import decode_pages, nougat_settings
    from docai.models.stepper_mbart import MBartStepper

    stepper = MBartStepper(model)
    settings = nougat_settings(model, guard=None, max_length=tokens + 1, min_new_tokens=tokens)
    seconds, produced = 0.0, 0
    for hidden in batches:
        generations, spent = timed(device, lambda h=hidden: decode_pages(stepper, h, settings))
        seconds += spent
        produced += sum(len(g.tokens) for g in generations)
    return seconds, produced


def generate_decode(model, pages, tokens: int, device) -> tuple[float, int]:
    """(seconds, tokens) for ``model.generate`` page by page, greedy, the unknown token banned."""
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    kwargs = dict(do_sample=False, num_beams=1, min_new_tokens=tokens, max_new_tokens=tokens, bad_words_ids=[[3]])
    seconds, produced = 0.0, 0
    with torch.inference_mode():
        for hidden in pages:
            memory = BaseModelOutput(last_hidden_state=hidden)
            sequences, spent = timed(device, lambda m=memory: model.generate(encoder_outputs=m, **kwargs))
            seconds += spent
            produced += sequences.shape[1] - 1
    return seconds, produced


def main(argv: list[str] | None = None) -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=0, help="pages for docai's batched path (0: one batch)")
    parser.add_argument("--baseline-pages", type=int, default=2, help="pages for generate at batch 1")
    parser.add_argument("--tokens", type=int, default=64, help="tokens generated per page")
    parser.add_argument("--batch-size", type=int, default=0,
                        help="pages per batch (0: what the nougat engine picks on this CPU, docai.models.device)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="decoding rounds, alternating which side goes first (the median ratio is reported)")
    parser.add_argument("--dtype", default="auto", help="fp32, bf16 or auto (what the nougat engine picks)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads, both sides (0: torch's default); 1 keeps figures steady on a shared machine")
    args = parser.parse_args(argv)

    import torch

    from docai.models.device import batched_decoding_dtype, choose_device, choose_dtype, dtype_name

    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    dtype = choose_dtype(device, args.dtype if args.dtype != "auto" else batched_decoding_dtype(args.device) or "auto")
    model, build_s = timed(device, lambda: build_model(dtype, device))
    if not args.batch_size:
        from docai.engines.nougat.batching import choose_batch_size
        from docai.models.stepper_mbart import MBartStepper

        args.batch_size = choose_batch_size(MBartStepper(model), 4096)  # nougat-base's max_length
    args.pages = args.pages or args.batch_size
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randn(max(args.pages, args.baseline_pages), 3, 896, 672, generator=generator).to(device, dtype)
    print(f"device {device}, dtype {dtype_name(dtype)}, threads {torch.get_num_threads()}, "
          f"model built in {build_s:.1f}s", flush=True)

    base_pages, base_enc_s = generate_encode(model, pixels[:args.baseline_pages], device)
    docai_batches, docai_enc_s = docai_encode(model, pixels[:args.pages], args.batch_size, device)
    base_enc, docai_enc = base_enc_s / args.baseline_pages, docai_enc_s / args.pages
    print(f"encoder: generate path {base_enc:.2f}s/page (batch 1, eager), "
          f"docai {docai_enc:.2f}s/page (batch {args.batch_size}, SDPA)", flush=True)
    generate_decode(model, base_pages[:1], 2, device)  # warm-up both decoders
    docai_decode(model, docai_batches[:1], 2, device)

    rounds = []
    for rep in range(args.repeats):
        sides = {}
        order = ("generate", "docai") if rep % 2 == 0 else ("docai", "generate")
        for side in order:
            if side == "generate":  # one page per round, in turn: rounds stay short
                page = base_pages[rep % len(base_pages)]
                seconds, produced = generate_decode(model, [page], args.tokens, device)
            else:
                seconds, produced = docai_decode(model, docai_batches, args.tokens, device)
            sides[side] = produced / seconds
        rounds.append(sides)
        print(f"round {rep + 1}: generate {sides['generate']:.1f} tokens/s (batch 1, one page), "
              f"docai {sides['docai']:.1f} tokens/s (batch {args.batch_size}, {args.pages} pages): "
              f"{sides['docai'] / sides['generate']:.2f}x", flush=True)

    median = sorted(rounds, key=lambda r: r["docai"] / r["generate"])[len(rounds) // 2]
    base_tps, docai_tps = median["generate"], median["docai"]
    base_pps = 1 / (base_enc + TOKENS_PER_PAGE / base_tps)
    docai_pps = 1 / (docai_enc + TOKENS_PER_PAGE / docai_tps)
    print(f"pages/s at {TOKENS_PER_PAGE} tokens/page (median round): generate {base_pps:.4f}, "
          f"docai {docai_pps:.4f} ({docai_pps / base_pps:.1f}x)")
    print(f"nougat decode speedup vs generate: {docai_tps / base_tps:.1f}x")


if __name__ == "__main__":
    main()

"""Offline tokenizers for tiny checkpoints, shaped like the real Nougat and Donut ones.

Built with the ``tokenizers`` library (no hub access) and saved as a transformers tokenizer, so a tiny
checkpoint loads through ``AutoTokenizer`` exactly like ``facebook/nougat-base`` or
``naver-clova-ix/donut-base-finetuned-cord-v2``. The vocabularies are small but cover printable ASCII,
so a random model can still emit readable text.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

#: The added tokens of facebook/nougat-base, ids 0-22 in this order (nougat/dataset/tokenizer.json).
NOUGAT_SPECIAL_TOKENS: tuple[str, ...] = (
    "<s>", "<pad>", "</s>", "<unk>",
    "[START_REF]", "[END_REF]", "[IMAGE]", "<fragments>", "</fragments>", "<work>", "</work>",
    "[START_SUP]", "[END_SUP]", "[START_SUB]", "[END_SUB]", "[START_DNA]", "[END_DNA]",
    "[START_AMINO]", "[END_AMINO]", "[START_SMILES]", "[END_SMILES]", "[START_I_SMILES]", "[END_I_SMILES]",
)

#: A few frequent merges of the real Nougat BPE, so common words are single tokens.
NOUGAT_MERGES: tuple[tuple[str, str], ...] = (
    ("Ġ", "t"), ("i", "n"), ("Ġ", "a"), ("h", "e"), ("o", "n"), ("r", "e"), ("a", "t"),
    ("Ġt", "he"), ("e", "r"), ("Ġ", "s"), ("Ġ", "o"), ("e", "n"), ("a", "l"), ("Ġ", "c"),
)

#: Donut's base special tokens (XLM-RoBERTa sentencepiece layout: <s>=0, <pad>=1, </s>=2, <unk>=3).
DONUT_BASE_TOKENS: tuple[str, ...] = ("<s>", "<pad>", "</s>", "<unk>")

#: Task and field tokens the Donut fine-tunes add (CORD-v2 receipts, DocVQA, RVL-CDIP classes).
DONUT_TASK_TOKENS: tuple[str, ...] = (
    "<sep/>", "<s_iitcdip>", "<s_synthdog>",
    "<s_cord-v2>", "<s_menu>", "</s_menu>", "<s_nm>", "</s_nm>", "<s_cnt>", "</s_cnt>",
    "<s_price>", "</s_price>", "<s_unitprice>", "</s_unitprice>", "<s_sub_total>", "</s_sub_total>",
    "<s_subtotal_price>", "</s_subtotal_price>", "<s_tax_price>", "</s_tax_price>",
    "<s_total>", "</s_total>", "<s_total_price>", "</s_total_price>", "<s_cashprice>", "</s_cashprice>",
    "<s_changeprice>", "</s_changeprice>",
    "<s_docvqa>", "<s_question>", "</s_question>", "<s_answer>", "</s_answer>",
    "<s_rvlcdip>", "<s_class>", "</s_class>",
    "<advertisement/>", "<budget/>", "<email/>", "<file_folder/>", "<form/>", "<handwritten/>",
    "<invoice/>", "<letter/>", "<memo/>", "<news_article/>", "<presentation/>", "<questionnaire/>",
    "<resume/>", "<scientific_publication/>", "<scientific_report/>", "<specification/>",
)

_PRINTABLE = string.ascii_letters + string.digits + string.punctuation


def write_nougat_tokenizer(directory: Path) -> int:
    """Write a byte-level BPE tokenizer with Nougat's pipeline and special tokens; returns its vocab size."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import BPE

    vocab = {token: i for i, token in enumerate(NOUGAT_SPECIAL_TOKENS)}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):  # the Rust side returns a set: fix the order
        vocab.setdefault(symbol, len(vocab))
    for left, right in NOUGAT_MERGES:
        vocab.setdefault(left + right, len(vocab))
    tok = Tokenizer(BPE(vocab=vocab, merges=list(NOUGAT_MERGES), fuse_unk=False))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("SPL1T-TH1S-Pl3A5E", behavior="removed"),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(
            _regex(r"[\(\)\[\]\{\}]|([!\"#\$%\&'\*\+,\-\./:;<=>\?\\\^_`\|\~])\1*"), behavior="isolated"),
        pre_tokenizers.Split("\n", behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="$A $B:1", special_tokens=[("<s>", 0), ("</s>", 2)])
    _add_special(tok, NOUGAT_SPECIAL_TOKENS)
    _save(tok, directory, "NougatTokenizer", extra={"model_max_length": 3584})
    return tok.get_vocab_size()


def write_donut_tokenizer(directory: Path) -> int:
    """Write a sentencepiece-style Unigram tokenizer with Donut's task tokens; returns its vocab size."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    pieces: list[tuple[str, float]] = [(token, 0.0) for token in DONUT_BASE_TOKENS]
    pieces.append(("▁", -2.0))
    pieces += [("▁" + ch, -3.0) for ch in string.ascii_letters + string.digits]
    pieces += [(ch, -4.0) for ch in _PRINTABLE]
    pieces.append(("<mask>", 0.0))
    tok = Tokenizer(Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    _add_special(tok, (*DONUT_BASE_TOKENS, "<mask>", *DONUT_TASK_TOKENS))
    _save(tok, directory, "XLMRobertaTokenizer", extra={"mask_token": "<mask>", "model_max_length": 512})
    return tok.get_vocab_size()


def _regex(pattern: str):
    from tokenizers import Regex

    return Regex(pattern)


def _add_special(tok, tokens) -> None:
    from tokenizers import AddedToken

    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in tokens])


def _save(tok, directory: Path, tokenizer_class: str, *, extra: dict) -> None:
    """Save ``tok`` as ``tokenizer.json`` plus the ``tokenizer_config.json`` transformers reads."""
    directory.mkdir(parents=True, exist_ok=True)
    tok.save(str(directory / "tokenizer.json"))
    config = {
        "tokenizer_class": tokenizer_class,
        "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
        "clean_up_tokenization_spaces": False,
        **extra,
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")


#: LLaMA's sentencepiece layout: <unk>=0, <s>=1, </s>=2
LLAMA_BASE_TOKENS: tuple[str, ...] = ("<unk>", "<s>", "</s>")


def write_llama_tokenizer(directory: Path, *, special: tuple[str, ...] = (), pad_token: str | None = None,
                          chat_template: str | None = None) -> int:
    """Write a sentencepiece-style tokenizer with LLaMA's layout (``<s>`` prepended, ``▁`` for spaces, every
    printable ASCII character a piece); ``special`` adds one-token specials (``<image>``). Returns the vocab size."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    pieces: list[tuple[str, float]] = [(token, 0.0) for token in LLAMA_BASE_TOKENS]
    pieces.append(("▁", -2.0))
    pieces += [("▁" + ch, -3.0) for ch in string.ascii_letters + string.digits]
    pieces += [(ch, -4.0) for ch in _PRINTABLE]
    tok = Tokenizer(Unigram(pieces, unk_id=0, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    _add_special(tok, (*LLAMA_BASE_TOKENS, *special, *((pad_token,) if pad_token and pad_token not in special else ())))
    extra: dict = {"model_max_length": 4096, "padding_side": "left", "add_bos_token": True}
    if chat_template:
        extra["chat_template"] = chat_template
    _save(tok, directory, "PreTrainedTokenizerFast", extra=extra)
    config = json.loads((directory / "tokenizer_config.json").read_text())
    config["pad_token"] = pad_token or "<unk>"
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return tok.get_vocab_size()

"""The CSC model: a small BERT-style character encoder (transformers' BertConfig) with a per-position
correction head over the character vocabulary (``BertForMaskedLM``: the MLM head, tied to the input embeddings,
is the correction head; stage 1 trains it as a masked LM, stage 2 to output the correct character at every
position).

A model directory is HuggingFace format: ``config.json`` + ``model.safetensors`` + ``vocab.txt`` (one token a line,
the first five ``[PAD] [UNK] [CLS] [SEP] [MASK]``), so a user's own local HF-format CSC checkpoint (e.g. a
MacBERT/BERT-for-CSC directory with a character ``vocab.txt``) also loads. Weights may be stored in fp16 and are
converted to fp32 on load.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # torch is imported where a model is built or loaded: the vocabulary needs none of it
    import torch

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

CONFIGS: Dict[str, dict] = {
    # ~5.5M parameters with an 8k vocabulary: trains on one CPU core
    "cpu-small": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024,
                      max_position_embeddings=130),
    # ~14M parameters: for a GPU
    "gpu-large": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=6, intermediate_size=1536,
                      max_position_embeddings=258),
    # for tests
    "tiny": dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=66),
}


class CharVocab:
    """Character vocabulary: one code point a token, plus BERT special tokens.

    Also reads a BERT ``vocab.txt`` with word pieces (only single-character entries are used for lookup;
    ``##x`` pieces are ignored), so a standard Chinese BERT checkpoint works character by character.
    """

    def __init__(self, tokens: Sequence[str]):
        self.itos: List[str] = list(tokens)
        self.stoi: Dict[str, int] = {}
        for i, t in enumerate(self.itos):
            if t not in self.stoi:
                self.stoi[t] = i
        for name in SPECIAL_TOKENS:
            if name not in self.stoi:
                raise ValueError(f"vocabulary lacks {name}")
        self.pad_id = self.stoi["[PAD]"]
        self.unk_id = self.stoi["[UNK]"]
        self.cls_id = self.stoi["[CLS]"]
        self.sep_id = self.stoi["[SEP]"]
        self.mask_id = self.stoi["[MASK]"]
        self.lowercase = False

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: str) -> bool:
        return ch in self.stoi and ch not in SPECIAL_TOKENS

    def id(self, ch: str) -> int:
        i = self.stoi.get(ch)
        if i is None and self.lowercase:
            i = self.stoi.get(ch.lower())
        return self.unk_id if i is None else i

    def encode(self, text: str, add_special: bool = True) -> List[int]:
        ids = [self.id(c) for c in text]
        return [self.cls_id] + ids + [self.sep_id] if add_special else ids

    @classmethod
    def build(cls, counts, min_count: int = 3, max_size: int = 9000, always: Iterable[str] = ()) -> "CharVocab":
        """From a Counter of characters: special tokens, then ``always`` chars, then frequent chars."""
        toks = list(SPECIAL_TOKENS)
        seen = set(toks)
        for c in always:
            if c not in seen and len(c) == 1 and not c.isspace():
                toks.append(c)
                seen.add(c)
        for c, n in counts.most_common():
            if len(toks) >= max_size or n < min_count:
                break
            if c not in seen and not c.isspace():
                toks.append(c)
                seen.add(c)
        return cls(toks)

    def save(self, path) -> None:
        Path(path).write_text("\n".join(self.itos) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path) -> "CharVocab":
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        v = cls(lines)
        # a standard BERT vocab is lower-case (do_lower_case): look Latin letters up in lower case
        v.lowercase = "a" in v.stoi and "A" not in v.stoi
        return v


def build_model(vocab_size: int, config: str | dict = "cpu-small"):
    """A fresh randomly initialised ``BertForMaskedLM``."""
    from transformers import BertConfig, BertForMaskedLM

    kw = dict(CONFIGS[config]) if isinstance(config, str) else dict(config)
    cfg = BertConfig(vocab_size=vocab_size, type_vocab_size=1, hidden_dropout_prob=0.1,
                     attention_probs_dropout_prob=0.1, pad_token_id=0, tie_word_embeddings=True, **kw)
    return BertForMaskedLM(cfg)


def save_model(model, vocab: CharVocab, out_dir, fp16: bool = True, extra: Optional[dict] = None) -> None:
    """Save as a HuggingFace directory: config.json, model.safetensors, vocab.txt (+ csc.json metadata)."""
    import copy

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = copy.deepcopy(model).cpu()
    if fp16:
        m = m.half()
    m.save_pretrained(str(out), safe_serialization=True)
    vocab.save(out / "vocab.txt")
    if extra is not None:
        (out / "csc.json").write_text(json.dumps(extra, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_model(model_dir, device: str = "cpu") -> Tuple[torch.nn.Module, CharVocab, dict]:
    """Load a HF-format CSC directory -> (model in eval mode, fp32; vocab; metadata from csc.json or {})."""
    import torch
    from transformers import AutoConfig, BertForMaskedLM

    d = Path(model_dir)
    if not (d / "config.json").exists():
        raise FileNotFoundError(f"{d}: not a model directory (no config.json)")
    from transformers.utils import logging as hf_logging

    vocab = CharVocab.load(d / "vocab.txt")
    cfg = AutoConfig.from_pretrained(str(d))
    # transformers draws a "Loading weights" bar for a 9 MB file: it broke into `review batch`'s own progress bar
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        if getattr(cfg, "model_type", "bert") != "bert":
            from transformers import AutoModelForMaskedLM

            model = AutoModelForMaskedLM.from_pretrained(str(d), dtype=torch.float32)
        else:
            model = BertForMaskedLM.from_pretrained(str(d), dtype=torch.float32)
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
    model.float().to(device).eval()
    meta = {}
    if (d / "csc.json").exists():
        meta = json.loads((d / "csc.json").read_text(encoding="utf-8"))
    return model, vocab, meta

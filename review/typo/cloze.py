"""A character cloze model: which of a character's confusables fits a ±5-character window best.

The trigram model (review/typo/ngram.py) sees two characters each side and only n-grams it has counted; about a
third of the training errors' right characters fit no better there than the wrong ones. This small network
reads five characters each side (their embeddings, concatenated, through two layers) and scores every
character of the vocabulary as the one in the middle; it was trained (``review train cloze``,
review/training/cloze.py) to pick the text's own character among that character's confusion-set
neighbours in clean formal text. The reranker (review/typo/rerank.py) uses its scores as features.

Inference is NumPy only: the weights are plain arrays in ``models/cloze/cloze.npz``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

CLOZE_FILE = "cloze.npz"
PAD, UNK = 0, 1
# characters that end a window: context beyond them is padding, so a sentence scores the same alone and
# joined to others by line breaks
BOUNDARY = "\n"


def window_ids(ids: np.ndarray, positions: np.ndarray, width: int) -> np.ndarray:
    """(len(positions), 2 * width) context ids: width characters left (nearest first), then width right
    (nearest first); padding past the text's ends and past the first PAD on each side."""
    padded = np.concatenate([np.zeros(width, ids.dtype), ids, np.zeros(width, ids.dtype)])
    at = positions + width
    offsets = np.r_[-np.arange(1, width + 1), np.arange(1, width + 1)]
    out = padded[at[:, None] + offsets[None, :]]
    # a PAD closes the window on its side
    for side in (slice(0, width), slice(width, 2 * width)):
        part = out[:, side]
        part *= np.cumprod(part != PAD, axis=1).astype(part.dtype)
    return out


class ClozeModel:
    """The trained network as arrays: ids of a window in, a score per vocabulary character out."""

    def __init__(self, arrays: dict, meta: dict) -> None:
        self.meta = meta
        self.width = int(meta["width"])
        self.chars: str = meta["chars"]
        self.embed = arrays["embed"].astype(np.float32)
        self.w1, self.b1 = arrays["w1"].astype(np.float32), arrays["b1"].astype(np.float32)
        self.w2, self.b2 = arrays["w2"].astype(np.float32), arrays["b2"].astype(np.float32)
        self.out, self.out_bias = arrays["out"].astype(np.float32), arrays["out_bias"].astype(np.float32)
        # code point -> id, dense (CJK ends below 0xA000; larger code points read as UNK through a clip)
        codes = np.frombuffer(self.chars.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        self._dense = np.full(max(int(codes.max()) + 2, 0xA000), UNK, dtype=np.int32)
        self._dense[codes] = np.arange(len(codes), dtype=np.int32) + 2
        self._dense[-1] = UNK
        self._dense[ord(BOUNDARY)] = PAD
        # (2 * width * vocabulary, hidden): each window slot's embeddings already through the first layer
        self._slots: Optional[np.ndarray] = None

    def prepare(self) -> None:
        """Precompute the first layer per window slot and character (~0.3 s, 113 MB), so that `hidden` gathers
        and adds ten rows a position instead of a 640 x 512 product; the same values to float32 rounding.
        Long-running processes do it at warm-up; a one-shot command multiplies."""
        if self._slots is None:
            dim = self.embed.shape[1]
            # rows of slot k start at k * vocabulary: one flat gather for a whole batch of windows
            self._slots = np.concatenate([self.embed @ self.w1[k * dim: (k + 1) * dim] for k in range(2 * self.width)])

    @classmethod
    def load(cls, path) -> "ClozeModel":
        """Read ``cloze.npz`` (arrays and a JSON ``meta``)."""
        with np.load(Path(path), allow_pickle=False) as d:
            meta = json.loads(str(d["meta"]))
            arrays = {k: d[k] for k in d.files if k != "meta"}
        return cls(arrays, meta)

    def ids(self, codes: np.ndarray) -> np.ndarray:
        """Vocabulary ids of code points (UNK for unknown characters)."""
        return np.take(self._dense, codes, mode="clip")

    def hidden(self, text_ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """(len(positions), d) query vectors of the windows around `positions` of a text's ids."""
        windows = window_ids(text_ids, positions, self.width)
        if self._slots is not None:
            rows = windows + np.arange(2 * self.width)[None, :] * len(self.embed)
            first = np.take(self._slots, rows.ravel(), axis=0).reshape(len(positions), 2 * self.width,
                                                                       self.w1.shape[1]).sum(1)
        else:
            first = self.embed[windows].reshape(len(positions), self.w1.shape[0]) @ self.w1
        return np.maximum(first + self.b1, 0.0) @ self.w2 + self.b2

    def scores(self, query: np.ndarray, rows: np.ndarray, char_ids: np.ndarray) -> np.ndarray:
        """Score of char_ids[k] at the position of query row rows[k]."""
        return np.einsum("ij,ij->i", query[rows], self.out[char_ids]) + self.out_bias[char_ids]


def limit_blas_threads(threads: int) -> bool:
    """Let NumPy's BLAS use at most `threads` threads in this process (False when threadpoolctl is missing).

    The cloze model's matrix products are small (tens of windows a post): on a busy 2-core machine a second
    BLAS thread fights the other worker process and made them 3x slower, never faster.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # it comes with scikit-learn; without it BLAS keeps its default
        return False
    threadpool_limits(threads, user_api="blas")
    return True


def load_cloze(folder) -> Optional[ClozeModel]:
    """The cloze model of `folder` (None when it holds none)."""
    path = Path(folder) / CLOZE_FILE
    return ClozeModel.load(path) if path.exists() else None

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
import mmap
import threading
from pathlib import Path
from typing import Optional

import numpy as np

from review.resources import open_arrays

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


def zero_pages(shape: tuple[int, int]) -> np.ndarray:
    """A float32 array of zeros in small pages that the system maps on first write.

    Not `np.zeros`: NumPy asks Linux for huge pages for any array over 4 MB, so the first write to each 2 MB
    of a table that is filled a few rows at a time cleared and mapped all 2 MB (100 fills of 5 random characters
    made the cloze table 101 MB resident, and cost 3 ms each); here a character's rows cost their own 20 KB.
    """
    size = int(np.prod(shape)) * np.dtype(np.float32).itemsize
    pages = mmap.mmap(-1, max(size, 1))  # anonymous: zeros, mapped page by page as they are written
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # where the system gives huge pages unasked ("always")
        pages.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(pages, dtype=np.float32, count=int(np.prod(shape))).reshape(shape)


def _narrow(array: np.ndarray) -> np.ndarray:
    """`array` as float16 when it is float16, else as float32."""
    return array if array.dtype == np.float16 else array.astype(np.float32)


def _rows(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The rows `ids` of a float16 or float32 table, as float32."""
    return table[ids].astype(np.float32, copy=False)


class ClozeModel:
    """The trained network as arrays: ids of a window in, a score per vocabulary character out."""

    # Ids (the vocabulary is ordered commonest first) whose first-layer rows the table keeps: 1,500 characters,
    # 30 MB at most. A long-running process filled 2,446 characters' rows (47 MB) over 1,000 service requests,
    # and the rows past the 1,500th served ~3% of what it read; those are computed for the call that reads them.
    TABLE_IDS = 1500

    def __init__(self, arrays: dict, meta: dict, table_ids: int = TABLE_IDS) -> None:
        self.meta = meta
        self.width = int(meta["width"])
        self.chars: str = meta["chars"]
        # the per-character tables stay float16 as the file has them (widened a gathered row at a time: the same
        # float32 values; 2 MB less in every process); the layers' matrices are float32 for the products
        self.embed = _narrow(arrays["embed"])
        self.w1, self.b1 = arrays["w1"].astype(np.float32), arrays["b1"].astype(np.float32)
        self.w2, self.b2 = arrays["w2"].astype(np.float32), arrays["b2"].astype(np.float32)
        self.out, self.out_bias = _narrow(arrays["out"]), _narrow(arrays["out_bias"])
        # code point -> id, dense (CJK ends below 0xA000; larger code points read as UNK through a clip)
        codes = np.frombuffer(self.chars.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        self._dense = np.full(max(int(codes.max()) + 2, 0xA000), UNK, dtype=np.int32)
        self._dense[codes] = np.arange(len(codes), dtype=np.int32) + 2
        self._dense[-1] = UNK
        self._dense[ord(BOUNDARY)] = PAD
        # (table ids * 2 * width, hidden): each common character's embedding through the first layer's part for
        # each window slot (row id * 2 * width + slot), filled a character at a time as texts hold it (`_ready`)
        self._slots: Optional[np.ndarray] = None
        self.table_ids = min(table_ids, len(self.embed))
        self._ready = np.zeros(self.table_ids, dtype=bool)
        self._filling = threading.Lock()

    def prepare(self) -> None:
        """Use the first layer precomputed per window slot and character, so that `hidden` gathers and adds ten
        rows a position instead of a 640 x 512 product (the same values to float32 rounding). Long-running
        processes do it at warm-up; a one-shot command multiplies.

        The table holds the `TABLE_IDS` commonest characters (30 MB; the whole vocabulary's would be 113 MB), as
        zeros the system maps on first write: a character's ten rows are computed the first time a window holds
        it (`_fill`), so a process holds only the characters it has read. A rarer character's rows are computed
        for each call that reads it (`hidden`), so a long-running process stays bounded.
        """
        if self._slots is None:
            self._slots = zero_pages((self.table_ids * 2 * self.width, self.w1.shape[1]))

    def _slot_rows(self, ids: np.ndarray, slots: range) -> list[np.ndarray]:
        """For each window slot k of `slots`, the first layer's part for slot k of each character of `ids`
        (distinct), with the table's bits: a product of two rows or more (see `_fill`)."""
        block = ids if len(ids) > 1 else np.repeat(ids, 2)
        embedded = _rows(self.embed, block)
        dim = self.embed.shape[1]
        return [(embedded @ self.w1[k * dim: (k + 1) * dim])[: len(ids)] for k in slots]

    def _fill(self, ids: np.ndarray) -> None:
        """Compute the table rows of the characters `ids` that have none yet.

        Each slot's rows are one matrix product over the missing characters' embeddings, two rows at least: a
        product of any two or more rows gives every row the bits of the whole-vocabulary product (a one-row
        product is a matrix-vector product, rounded differently; tests/test_typo_footprint.py checks it)."""
        missing = np.unique(ids[~self._ready[ids]])
        if not len(missing):
            return
        with self._filling:
            missing = missing[~self._ready[missing]]
            if not len(missing):
                return
            slots = 2 * self.width
            for k, rows in enumerate(self._slot_rows(missing, range(slots))):
                self._slots[missing * slots + k] = rows
            self._ready[missing] = True

    @classmethod
    def load(cls, path) -> "ClozeModel":
        """Read ``cloze.npz`` (arrays and a JSON ``meta``)."""
        with open_arrays(Path(path)) as d:
            meta = json.loads(str(d["meta"]))
            arrays = {k: d[k] for k in d.files if k != "meta"}
        return cls(arrays, meta)

    def ids(self, codes: np.ndarray) -> np.ndarray:
        """Vocabulary ids of code points (UNK for unknown characters)."""
        return self._dense.take(codes, mode="clip")

    def hidden(self, text_ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """(len(positions), d) query vectors of the windows around `positions` of a text's ids."""
        windows = window_ids(text_ids, positions, self.width)
        if self._slots is not None:
            slots = 2 * self.width
            rare = windows >= self.table_ids
            self._fill(windows[~rare])
            rows = np.where(rare, 0, windows) * slots + np.arange(slots)[None, :]

            def slot(k: int) -> np.ndarray:
                part = self._slots.take(rows[:, k], axis=0)
                rare_here = rare[:, k]
                if rare_here.any():  # characters past the table: their rows for this slot, for this call only
                    ids, which = np.unique(windows[rare_here, k], return_inverse=True)
                    part[rare_here] = self._slot_rows(ids, range(k, k + 1))[0][which.reshape(-1)]
                return part

            # slot by slot into one (positions, hidden) array, in the order the sum over slots adds them (the
            # same bits), without the (positions, slots, hidden) array of every gathered row (~20% faster)
            first = slot(0)
            for k in range(1, slots):
                first += slot(k)
        else:
            first = _rows(self.embed, windows).reshape(len(positions), self.w1.shape[0]) @ self.w1
        return np.maximum(first + self.b1, 0.0) @ self.w2 + self.b2

    def scores(self, query: np.ndarray, rows: np.ndarray, char_ids: np.ndarray) -> np.ndarray:
        """Score of char_ids[k] at the position of query row rows[k]."""
        return np.einsum("ij,ij->i", query[rows], _rows(self.out, char_ids)) + _rows(self.out_bias, char_ids)


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

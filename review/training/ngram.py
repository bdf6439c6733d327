"""Counting the character n-gram model (review/typo/ngram.py) from texts: raw counts that add up, then pruned."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from review.training import corpora
from review.typo.ngram import Counts, NgramModel, bigram_keys, encode, padded, trigram_keys


@dataclass
class RawCounts:
    """Unpruned unigram, bigram and trigram counts (sorted keys, counts): parts that add up before pruning.

    Kept apart so that models over different text sets can be combined exactly, e.g. the clean corpora plus
    all but one fold of the training pairs' targets (the reranker's cross-fitting, review.training.rerank).
    """

    tables: tuple  # ((keys, counts) of unigrams, of bigrams, of trigrams)

    def __add__(self, other: "RawCounts") -> "RawCounts":
        return RawCounts(tuple(_merge([a, b]) for a, b in zip(self.tables, other.tables)))

    def scaled(self, weight: int) -> "RawCounts":
        """These counts as if every text had been seen `weight` times."""
        return RawCounts(tuple((keys, counts * int(weight)) for keys, counts in self.tables))

    def model(self, min_count: int = 2) -> NgramModel:
        """The model of these counts, bi- and trigrams seen fewer than `min_count` times pruned."""
        (uk, uc), (bk, bc), (tk, tc) = self.tables
        # the boundary symbol's unigram count stays: it is the context count of bigrams that start a clause
        unigrams = Counts(uk, uc)
        keep_b, keep_t = bc >= min_count, tc >= min_count
        return NgramModel(unigrams=unigrams, bigrams=Counts(bk[keep_b], bc[keep_b]),
                          trigrams=Counts(tk[keep_t], tc[keep_t]), total=float(uc.sum()), vocab_size=len(uk))


def _merge(parts) -> tuple:
    """Sum (keys, counts) parts into one sorted (keys, counts) pair."""
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.concatenate([k for k, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    merged, inverse = np.unique(keys, return_inverse=True)
    return merged, np.bincount(inverse, weights=counts, minlength=len(merged)).astype(np.int64)


def count_raw(texts, progress=None) -> RawCounts:
    """Count the n-grams of an iterable of texts (batched through numpy), nothing pruned."""
    uni, bi, tri = [], [], []
    buffer: list[np.ndarray] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if not buffer:
            return
        codes = np.concatenate(buffer)
        buffer.clear()
        size = 0
        uni.append(np.unique(codes, return_counts=True))
        bi.append(np.unique(bigram_keys(codes[:-1], codes[1:]), return_counts=True))
        tri.append(np.unique(trigram_keys(codes[:-2], codes[1:-1], codes[2:]), return_counts=True))

    for text in texts:
        codes = padded(encode(text))
        buffer.append(codes)
        size += len(codes)
        if progress is not None:
            progress.update(len(text))
        if size > 2_000_000:
            flush()
    flush()
    return RawCounts((_merge(uni), _merge(bi), _merge(tri)))


def count_texts(texts, min_count: int = 2, progress=None) -> NgramModel:
    """Count n-grams over an iterable of texts and prune rare bi- and trigrams."""
    return count_raw(texts, progress).model(min_count)


def read_stats(folder: Path) -> dict:
    """The stats.json written next to an ngram.npz ({} when there is none)."""
    path = Path(folder) / "stats.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def source_counts(data: Path, sources, pair_weight: int = 1, progress: bool = True):
    """Raw counts of the named sources, the training pairs' targets counted `pair_weight` times; with the
    pairs' counts apart per cross-fitting fold: (counts of the other sources, [counts of fold k's targets])."""
    from tqdm import tqdm

    rest = [name for name in sources if name != "pairs"]
    with tqdm(unit="char", unit_scale=True, desc="counting", disable=None if progress else True) as bar:
        base = count_raw(corpora.source_texts(data, rest), progress=bar)
    folds = []
    if "pairs" in sources:
        folds = [count_raw(corpora.pair_target_texts(data, k)).scaled(pair_weight) for k in range(corpora.FOLDS)]
    return base, folds


def fold_models(data: Path, sources, min_count: int, folds: int, pair_weight: int = 1,
                progress: bool = True) -> list:
    """Per cross-fitting fold k, the model of `sources` with fold k's training-pair targets left out.

    The reranker learns from candidates in those very pairs: with their own corrected sentences counted, the
    right character would always look familiar, which it never is for an unseen sentence.
    """
    base, parts = source_counts(data, sources, pair_weight, progress)
    if not parts:
        model = base.model(min_count)
        return [model] * folds
    models = []
    for k in range(folds):
        total = base
        for j, part in enumerate(parts):
            if j != k:
                total = total + part
        models.append(total.model(min_count))
    return models


def train(data: Path, out: Path, min_count: int = 2, sources=corpora.DEFAULT_SOURCES, pair_weight: int = 3) -> dict:
    """Count, prune and save the model of `sources` under `data` to out/ngram.npz (+ stats.json); its stats."""
    started = time.time()
    base, folds = source_counts(data, sources, pair_weight)
    for part in folds:
        base = base + part
    model = base.model(min_count)
    model.save(out / "ngram.npz")
    stats = {
        "characters": int(model.total),
        "unigrams": len(model.unigrams.keys),
        "bigrams": len(model.bigrams.keys),
        "trigrams": len(model.trigrams.keys),
        "min_count": min_count,
        "sources": list(sources),
        "pair_weight": pair_weight,
        "held_out_from": corpora.HELD_OUT_FROM,
        "tuning_from": corpora.TUNING_FROM,
        "seconds": round(time.time() - started, 1),
        "bytes": (out / "ngram.npz").stat().st_size,
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats

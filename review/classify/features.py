"""Feature extraction shared by training and inference: hashed words and character n-grams, plus signal totals.

Features are named strings hashed into a fixed-size space (scikit-learn's FeatureHasher, MurmurHash3), so a
model needs no vocabulary file: the settings below, saved as JSON beside the weights, rebuild the extractor.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import mmh3
import numpy as np

if TYPE_CHECKING:  # scipy is imported only to build training matrices: a review scores rows without it
    import scipy.sparse as sp

# Runs of digits become one token so that prices, dates and scores share features.
DIGITS = re.compile(r"\d+(?:\.\d+)?")
SKIP_CHARS = frozenset(" \t\r\n\u3000")
SKIP_TABLE = {ord(c): None for c in SKIP_CHARS}
MAX_CACHED_COLUMNS = 500_000  # about 60 MB of names at most; the cache starts again when it is full
WORD_SEPARATOR = "\x00"  # neither a digit nor ".", so DIGITS never matches across it


@dataclass(frozen=True)
class FeatureSettings:
    """How texts become feature vectors; stored in a model's config.json."""

    n_features: int = 2**18
    words: bool = True  # jieba words ("w:")
    char_ngrams: tuple[int, ...] = (1, 2)  # character n-gram sizes ("c1:", "c2:" …)
    max_chars: int = 400  # only the start of long posts is read (the lead carries the topic)
    signals: bool = False  # add lexicon signal totals as "s:<signal>" features
    # Punctuation is a style cue but a topic confound: headline corpora rarely end in "。", government text does.
    punctuation: bool = True

    def to_json(self) -> dict:
        """JSON-ready settings."""
        data = asdict(self)
        data["char_ngrams"] = list(self.char_ngrams)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "FeatureSettings":
        """Rebuild settings saved by `to_json`."""
        data = dict(data)
        data["char_ngrams"] = tuple(data.get("char_ngrams", (1, 2)))
        return cls(**data)


class FeatureExtractor:
    """Turns (text, words, signal totals) into an L2-normalised sparse row; thread-safe (its one cache holds only
    values that any thread would compute the same)."""

    def __init__(self, settings: FeatureSettings) -> None:
        self.settings = settings
        self.n_features = settings.n_features
        # Column of each feature name seen lately: the same characters, bigrams and words recur in every post,
        # and a dictionary look-up is cheaper than hashing the name again. Only ever holds pure results.
        self._columns: dict[str, int] = {}

    def named_features(
        self, text: str, words: list[str] | None = None, signals: dict[str, float] | None = None
    ) -> dict[str, float]:
        """The named, weighted features of one text (before hashing)."""
        settings = self.settings
        text = DIGITS.sub("0", text[: settings.max_chars])
        # Counting runs in C (Counter over key iterators); keys keep their first-seen order (words, then each
        # n-gram size), so the norm below sums in the same order at training and at review time.
        counts: Counter[str] = Counter()
        if settings.words and words:
            kept = [w for w in (word.strip() for word in words) if w]
            if not settings.punctuation:
                kept = [w for w in kept if any(map(str.isalnum, w))]
            if WORD_SEPARATOR not in "".join(kept):  # one substitution pass over all the words
                kept = DIGITS.sub("0", WORD_SEPARATOR.join(kept)).split(WORD_SEPARATOR) if kept else []
            else:
                kept = [DIGITS.sub("0", w) for w in kept]
            counts.update(map("w:".__add__, kept))
        if settings.punctuation:
            chars = text.translate(SKIP_TABLE)
        else:
            chars = "".join(filter(str.isalnum, text))
        for n in settings.char_ngrams:
            grams = chars if n == 1 else map("".join, zip(*(chars[k:] for k in range(n))))
            counts.update(map(f"c{n}:".__add__, grams))
        # Sublinear term frequency, then unit length, so long and short posts are comparable.
        features: dict[str, float] = {}
        if counts:
            # math.log and a running sum in key order: bit for bit what a plain loop gives.
            values = np.fromiter(map(math.log, counts.values()), dtype=np.float64, count=len(counts)) + 1.0
            norm = float(np.add.accumulate(values * values)[-1])
            if norm > 0:
                values *= 1.0 / math.sqrt(norm)
            features = dict(zip(counts, values.tolist()))
        if settings.signals and signals:
            for name, total in signals.items():
                features["s:" + name] = math.log1p(max(total, 0.0))
            features["s:total"] = math.log1p(max(sum(signals.values()), 0.0))
        return features

    def hashed_row(self, named: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """One row of `transform` without scipy: its columns in ascending order and their float32 values."""
        size = self.n_features
        kept = [(name, value) for name, value in named.items() if value]
        cache = self._columns
        if len(cache) > MAX_CACHED_COLUMNS:
            cache.clear()
        found = list(map(cache.get, [name for name, _ in kept]))  # look-ups in C; only new names are hashed
        if None in found:
            for position, column in enumerate(found):
                if column is None:
                    name = kept[position][0]
                    found[position] = cache[name] = abs(mmh3.hash(name, 0, signed=True)) % size
        columns = np.asarray(found, dtype=np.int32)
        values = np.asarray([value for _, value in kept], dtype=np.float32)
        order = np.argsort(columns, kind="stable")
        columns, values = columns[order], values[order]
        if len(columns) > 1:
            starts = np.flatnonzero(np.concatenate(([True], columns[1:] != columns[:-1])))
            if len(starts) < len(columns):  # colliding features: summed, as scipy's sum_duplicates does
                values = np.add.reduceat(values, starts)
                columns = columns[starts]
        return columns, values

    def transform(self, named: list[dict[str, float]]) -> "sp.csr_matrix":
        """Hash many named-feature dicts into a sparse matrix.

        The same hashing as scikit-learn's FeatureHasher(alternate_sign=False): column = |MurmurHash3_32(name,
        seed 0)| mod n_features, colliding values summed. mmh3 computes it without importing scikit-learn,
        which alone cost over a second of every process's start-up.
        """
        import scipy.sparse as sp

        indices: list[int] = []
        values: list[float] = []
        indptr = [0]
        size = self.n_features
        for row in named:
            for name, value in row.items():
                if value:
                    indices.append(abs(mmh3.hash(name, 0, signed=True)) % size)
                    values.append(value)
            indptr.append(len(indices))
        matrix = sp.csr_matrix(
            (
                np.asarray(values, dtype=np.float32),
                np.asarray(indices, dtype=np.int32),
                np.asarray(indptr, dtype=np.int32),
            ),
            shape=(len(named), size),
        )
        matrix.sum_duplicates()
        return matrix

"""Feature extraction shared by training and inference: hashed words and character n-grams, plus signal totals.

Features are named strings hashed into a fixed-size space (scikit-learn's FeatureHasher, MurmurHash3), so a
model needs no vocabulary file: the settings below, saved as JSON beside the weights, rebuild the extractor.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import mmh3

if TYPE_CHECKING:  # scipy is imported only to build training matrices: a review scores rows without it
    import scipy.sparse as sp

# Runs of digits become one token so that prices, dates and scores share features.
DIGITS = re.compile(r"\d+(?:\.\d+)?")
SKIP_CHARS = frozenset(" \t\r\n\u3000")


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
    """Turns (text, words, signal totals) into an L2-normalised sparse row; thread-safe (no mutable state)."""

    def __init__(self, settings: FeatureSettings) -> None:
        self.settings = settings
        self.n_features = settings.n_features

    def named_features(
        self, text: str, words: list[str] | None = None, signals: dict[str, float] | None = None
    ) -> dict[str, float]:
        """The named, weighted features of one text (before hashing)."""
        settings = self.settings
        text = DIGITS.sub("0", text[: settings.max_chars])
        counts: dict[str, float] = {}
        if settings.words and words:
            for word in words:
                word = word.strip()
                if word and (settings.punctuation or any(c.isalnum() for c in word)):
                    key = "w:" + DIGITS.sub("0", word)
                    counts[key] = counts.get(key, 0.0) + 1.0
        if settings.punctuation:
            chars = [c for c in text if c not in SKIP_CHARS]
        else:
            chars = [c for c in text if c.isalnum()]
        for n in settings.char_ngrams:
            prefix = f"c{n}:"
            for i in range(len(chars) - n + 1):
                key = prefix + "".join(chars[i : i + n])
                counts[key] = counts.get(key, 0.0) + 1.0
        # Sublinear term frequency, then unit length, so long and short posts are comparable.
        norm = 0.0
        for key, value in counts.items():
            value = 1.0 + math.log(value)
            counts[key] = value
            norm += value * value
        if norm > 0:
            scale = 1.0 / math.sqrt(norm)
            for key in counts:
                counts[key] *= scale
        if settings.signals and signals:
            for name, total in signals.items():
                counts["s:" + name] = math.log1p(max(total, 0.0))
            counts["s:total"] = math.log1p(max(sum(signals.values()), 0.0))
        return counts

    def hashed_row(self, named: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """One row of `transform` without scipy: its columns in ascending order and their float32 values."""
        size = self.n_features
        kept = [(name, value) for name, value in named.items() if value]
        columns = np.fromiter((abs(mmh3.hash(name, 0, signed=True)) % size for name, _ in kept), np.int32, len(kept))
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
            (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
            shape=(len(named), size),
        )
        matrix.sum_duplicates()
        return matrix

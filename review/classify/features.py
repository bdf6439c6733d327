"""Feature extraction shared by training and inference: hashed words and character n-grams, plus signal totals.

Features are named strings hashed into a fixed-size space (scikit-learn's FeatureHasher, MurmurHash3), so a
model needs no vocabulary file: the settings below, saved as JSON beside the weights, rebuild the extractor.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import compress
from typing import TYPE_CHECKING, Callable, Iterable

import mmh3
import numpy as np

if TYPE_CHECKING:  # scipy is imported only to build training matrices: a review scores rows without it
    import scipy.sparse as sp

# Runs of digits become one token so that prices, dates and scores share features.
DIGITS = re.compile(r"\d+(?:\.\d+)?")
SKIP_CHARS = frozenset(" \t\r\n\u3000")
SKIP_TABLE = {ord(c): None for c in SKIP_CHARS}
# What str.isalnum() refuses: Python's \w is exactly isalnum() plus "_" (re's documentation), so one regex pass
# does what a per-character filter did.
NOT_ALNUM = re.compile(r"[\W_]+")
HAS_ALNUM = re.compile(r"[^\W_]")
WORD_SEPARATOR = "\x00"  # neither a digit nor ".", so DIGITS never matches across it
# 1 + ln(count) for the counts a 400-character text can give, each from math.log as the plain loop computed it
LOG_COUNTS = 1024
ONE_PLUS_LOG = np.array([0.0] + [math.log(count) for count in range(1, LOG_COUNTS)]) + 1.0


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
    """Turns (text, words, signal totals) into an L2-normalised sparse row; thread-safe (it keeps no state).

    It holds no cache of feature columns: hashing a row's names with MurmurHash3 in C is faster than looking them
    up in a dictionary of every name seen, which grew by ~400 names a post (70 MB in a service worker after 1,000
    posts)."""

    def __init__(self, settings: FeatureSettings) -> None:
        self.settings = settings
        self.n_features = settings.n_features

    def named_features(
        self, text: str, words: list[str] | None = None, signals: dict[str, float] | None = None
    ) -> dict[str, float]:
        """The named, weighted features of one text (before hashing)."""
        settings = self.settings
        # Counting runs in C (a Counter over each kind's raw words or grams; only the distinct ones get their
        # prefix). Names keep their first-seen order within each kind, and the kinds come in a fixed order (words,
        # then each n-gram size), so the norm below sums in the same order at training and at review time.
        # Each kind's counts are a pure function of the input: two models reading the same post (the off-topic
        # check's topic and kinds models) count its words, characters and bigrams once (`_recent_counts`).
        names: list[str] = []
        tallies: list[int] = []
        if settings.words and words:
            part = _recent_counts(("w", settings.punctuation, tuple(words)),
                                  lambda: _word_counts(words, settings.punctuation))
            names += part[0]
            tallies += part[1]
        if settings.char_ngrams:
            chars_key = (settings.max_chars, settings.punctuation, text)
            chars: list[str] = []  # computed on the first n-gram size not counted lately
            for n in settings.char_ngrams:
                part = _recent_counts(("c", n, chars_key), lambda: _gram_counts(chars, text, settings, n))
                names += part[0]
                tallies += part[1]
        # Sublinear term frequency, then unit length, so long and short posts are comparable.
        features: dict[str, float] = {}
        if names:
            # 1 + math.log(count) and a running sum in name order: bit for bit what a plain loop gives.
            tally = np.array(tallies, dtype=np.int64)
            if int(tally.max()) < LOG_COUNTS:
                values = ONE_PLUS_LOG[tally]
            else:
                values = np.fromiter(map(math.log, tallies), dtype=np.float64, count=len(tallies)) + 1.0
            norm = float(np.add.accumulate(values * values)[-1])
            if norm > 0:
                values *= 1.0 / math.sqrt(norm)
            features = dict(zip(names, values.tolist()))
        if settings.signals and signals:
            for name, total in signals.items():
                features["s:" + name] = math.log1p(max(total, 0.0))
            features["s:total"] = math.log1p(max(sum(signals.values()), 0.0))
        return features

    def hashed_row(self, named: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """One row of `transform` without scipy: its columns in ascending order and their float32 values."""
        names = list(named)
        values = np.fromiter(named.values(), dtype=np.float64, count=len(names))
        nonzero = values != 0
        if not nonzero.all():
            names = list(compress(names, nonzero.tolist()))
            values = values[nonzero]
        columns = feature_columns(names, self.n_features)
        values = values.astype(np.float32)
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

        names: list[str] = []
        values: list[float] = []
        indptr = [0]
        for row in named:
            for name, value in row.items():
                if value:
                    names.append(name)
                    values.append(value)
            indptr.append(len(names))
        matrix = sp.csr_matrix(
            (
                np.asarray(values, dtype=np.float32),
                feature_columns(names, self.n_features),
                np.asarray(indptr, dtype=np.int32),
            ),
            shape=(len(named), self.n_features),
        )
        matrix.sum_duplicates()
        return matrix


# Counted words and n-grams by input, the last few of each thread (a pure cache: it holds what any call computes)
_recent = threading.local()
RECENT_COUNTS = 8


def _recent_counts(key: tuple, count: Callable[[], tuple[list[str], list[int]]]) -> tuple[list[str], list[int]]:
    """`count()`, or what it gave for `key` among the last few keys counted in this thread."""
    memo: dict[tuple, tuple[list[str], list[int]]] | None = getattr(_recent, "memo", None)
    if memo is None:
        memo = _recent.memo = {}
    found = memo.get(key)
    if found is None:
        if len(memo) >= RECENT_COUNTS:
            memo.clear()
        found = memo[key] = count()
    return found


def _counted(prefix: str, items: Iterable[str]) -> tuple[list[str], list[int]]:
    """Each distinct item of `items`, prefixed (first-seen order), and its count."""
    counts = Counter(items)
    return list(map(prefix.__add__, counts)), list(counts.values())


def _word_counts(words: list[str], punctuation: bool) -> tuple[list[str], list[int]]:
    """The "w:" names and counts of `words`: stripped, empty (and, without punctuation, non-alphanumeric) words
    dropped, runs of digits read as 0."""
    kept = list(filter(None, map(str.strip, words)))
    if not punctuation:
        kept = list(filter(HAS_ALNUM.search, kept))
    if WORD_SEPARATOR not in "".join(kept):  # one substitution pass over all the words
        kept = DIGITS.sub("0", WORD_SEPARATOR.join(kept)).split(WORD_SEPARATOR) if kept else []
    else:
        kept = [DIGITS.sub("0", w) for w in kept]
    return _counted("w:", kept)


def _gram_counts(chars: list[str], text: str, settings: FeatureSettings, n: int) -> tuple[list[str], list[int]]:
    """The "c<n>:" names and counts of the character n-grams of `text` as the settings read it; `chars` holds
    that reading once made (an empty list: not yet)."""
    if not chars:
        clipped = DIGITS.sub("0", text[: settings.max_chars])
        chars.append(clipped.translate(SKIP_TABLE) if settings.punctuation else NOT_ALNUM.sub("", clipped))
    read = chars[0]
    if n == 1:
        grams: Iterable[str] = read
    elif n == 2:
        grams = map(str.__add__, read, read[1:])
    else:
        grams = map("".join, zip(*(read[k:] for k in range(n))))
    return _counted(f"c{n}:", grams)


def feature_columns(names: list[str], n_features: int) -> np.ndarray:
    """The hashed column of each feature name (int32): |MurmurHash3_32(UTF-8 name, seed 0)| mod `n_features`."""
    try:
        "".join(names).encode("utf-8")
    except UnicodeEncodeError:
        # a lone surrogate (a JSON "\ud800" escape) has no UTF-8 form, and mmh3 crashes the process on such a str:
        # hash its surrogate-escaped bytes instead (valid names hash exactly as before)
        names = [name.encode("utf-8", "surrogatepass") for name in names]  # type: ignore[misc]
    hashes = np.fromiter(map(mmh3.hash, names), dtype=np.int64, count=len(names))
    return (np.abs(hashes) % n_features).astype(np.int32)

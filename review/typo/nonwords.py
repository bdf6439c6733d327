"""Non-words: a token of 2–3 characters that is no word, one confusable character away from a common word.

耐新 → 耐心, 锁要 → 索要, 预越 → 预约, 值首 → 值守, 善自 → 擅自. jieba's HMM joins characters it does not know as a
word into one token; such a token is a candidate when one character's sound or shape neighbour makes it a
dictionary word (the masked index of review/typo/word_forms.py). Names are such tokens too, and so are ordinary
pairings the dictionary lacks (送个, 配个), so boosted decision trees decide (models/nonwords/nonword.npz,
trained by `review train nonwords` on errors placed into clean 《新闻联播》 sentences of 2012–2021 against the
candidates of clean posts of the same years), from:

- the trigram gain of the neighbour over the written character, and the written character's own fit;
- the suggested word's dictionary frequency, and both characters' frequency as one-character words;
- how often the written pairs were counted in 45 M characters of formal text (models/nonwords/seen_bigrams.npz);
- which confusion column links the two characters, the window's length and the character's place in it.

The protected spans of the model path (names, places, organisations, protected terms) veto a candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from review.chars import all_han
from review.segment import Token
from review.typo.confusion import ConfusionSet
from review.typo.ngram import NgramModel, encode
from review.typo.trees import TreeEnsemble
from review.typo.word_forms import WordIndex, local_pieces, quoted_spans

FEATURES = (
    "gain",  # trigram log-probability of the suggested character minus the written one's, at the position
    "base",  # trigram log-probability of the written character
    "word_freq",  # log(1 + dictionary frequency) of the suggested word
    "src_single",  # log(1 + dictionary frequency) of the written character as a one-character word
    "cand_single",  # the same of the suggested character
    "seen_pair",  # log(1 + count) of the most frequent written pair through the position, within the window
    "seen_fixed",  # the same with the suggested character in place
    "same_tone", "diff_tone", "shape", "observed",  # the confusion columns that link the two characters
    "length",  # the window's length (2 or 3)
    "first",  # 1 when the character is the window's first
    "n_cands",  # how many candidates the window has
)
COLUMNS = ("same_tone", "diff_tone", "shape", "observed")


class SeenBigrams:
    """Counts (three or more) of the bigrams of Chinese characters in the formal corpora, keyed by both code
    points of the basic CJK block packed into one uint32 (models/nonwords/seen_bigrams.npz)."""

    BASE = 0x4E00
    SPAN = 0x5200  # the basic CJK block: 0x4E00–0x9FFF

    def __init__(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self.keys = keys
        self.counts = counts

    @classmethod
    def load(cls, path: Path) -> "SeenBigrams":
        """The table at `path` (plain arrays, no pickle)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["keys"], data["counts"])

    @classmethod
    def key(cls, a: str, b: str) -> int:
        """The packed key of the pair (-1 outside the block)."""
        x, y = ord(a) - cls.BASE, ord(b) - cls.BASE
        return x * cls.SPAN + y if 0 <= x < cls.SPAN and 0 <= y < cls.SPAN else -1

    def count(self, a: str, b: str) -> int:
        """How often `a` followed by `b` was counted (0 when fewer than three times)."""
        return int(self.lookup([self.key(a, b)])[0])

    def lookup(self, keys: Sequence[int]) -> np.ndarray:
        """The counts of packed keys at once (0 for a key of -1, outside the block)."""
        wanted = np.asarray(keys, dtype=np.int64)
        inside = wanted >= 0
        # searched as the table's own dtype: a mismatched one would copy the whole table every call
        probe = np.where(inside, wanted, 0).astype(self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, probe), len(self.keys) - 1)
        found = inside & (self.keys[at] == probe)
        return np.where(found, self.counts[at], 0).astype(np.int64)


class NonwordModel:
    """Boosted trees over `FEATURES` (review/typo/trees.py) and the probability a candidate must reach."""

    def __init__(self, ensemble: TreeEnsemble, threshold: float) -> None:
        self.ensemble = ensemble
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path) -> "NonwordModel":
        """The model at `path` (plain arrays, no pickle); refused when its features are not ours."""
        ensemble, meta = TreeEnsemble.load(path, FEATURES)
        return cls(ensemble, float(meta["threshold"]))

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(the candidate is the right word) of each row."""
        return self.ensemble.predict(rows)


@dataclass(frozen=True)
class NonwordCandidate:
    """A window [start, end) of normalised text that may be `word` misspelt at `position`."""

    start: int
    end: int
    position: int
    word: str


@dataclass(frozen=True)
class NonwordHit:
    """A decided non-word."""

    start: int
    end: int
    position: int
    word: str
    probability: float


class NonwordDetector:
    """Finds non-words (see the module's docstring)."""

    def __init__(self, word_freq: dict[str, int], index: WordIndex, neighbours: Callable[[str], frozenset[str]],
                 confusion: ConfusionSet, ngram: NgramModel, seen: SeenBigrams, model: NonwordModel | None,
                 blocks: Callable[[str, int, int, str], bool] | None = None, max_seen: int = 0) -> None:
        self.word_freq = word_freq
        self.max_seen = max_seen
        self.index = index
        self.neighbours = neighbours
        self.confusion = confusion
        self.ngram = ngram
        self.seen = seen
        self.model = model
        self.blocks = blocks

    def candidates(self, text: str, tokens: Sequence[Token]) -> list[NonwordCandidate]:
        """Unknown tokens of 2–3 Chinese characters one neighbour away from an indexed word."""
        found = []
        freq = self.word_freq
        unknown = [t for t in tokens if 2 <= t.end - t.start <= 3 and not freq.get(t.word)]
        for token in unknown:
            length = token.end - token.start
            if not all_han(token.word):
                continue
            window = token.word
            for m in range(length):
                for char in self.index.confusable_fills(window, m, self.neighbours):
                    found.append(NonwordCandidate(token.start, token.end, token.start + m,
                                                  window[:m] + char + window[m + 1:]))
        return found

    def written_seen(self, text: str, candidates: Sequence[NonwordCandidate]) -> np.ndarray:
        """The larger pair count, as written, of the pairs through each candidate's position in its window."""
        keys = []
        for c in candidates:
            m = c.position - c.start
            pairs = [(i, i + 1) for i in (m - 1, m) if i >= 0 and i + 1 < c.end - c.start]
            pairs += [pairs[-1]] * (2 - len(pairs))
            keys.extend(SeenBigrams.key(text[c.start + a], text[c.start + b]) for a, b in pairs)
        return self.seen.lookup(keys).reshape(len(candidates), 2).max(axis=1)

    def features(self, text: str, candidates: Sequence[NonwordCandidate]) -> np.ndarray:
        """One row of `FEATURES` a candidate."""
        codes, where = local_pieces(text, [c.position for c in candidates])
        chars = encode("".join(c.word[c.position - c.start] for c in candidates))
        counts = self.ngram.text_counts(codes)
        base = self.ngram.source_logprob(codes, where, counts=counts)
        gain = self.ngram.local_logprob(codes, where, chars, counts=counts) - base
        per_window: dict[tuple[int, int], int] = {}
        for c in candidates:
            per_window[(c.start, c.end)] = per_window.get((c.start, c.end), 0) + 1
        # the pairs through each position within its window, written and fixed, looked up at once
        pair_keys: list[int] = []
        for c in candidates:
            m = c.position - c.start
            for window in (text[c.start:c.end], c.word):
                pairs = [(i, i + 1) for i in (m - 1, m) if i >= 0 and i + 1 < len(window)]
                pairs += [pairs[-1]] * (2 - len(pairs))  # two a window (a repeat changes no maximum)
                pair_keys.extend(SeenBigrams.key(window[a], window[b]) for a, b in pairs)
        seen = self.seen.lookup(pair_keys).reshape(len(candidates), 2, 2).max(axis=2)
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        for k, c in enumerate(candidates):
            m = c.position - c.start
            src, cand = text[c.position], c.word[m]
            rows[k] = (
                gain[k], base[k], math.log1p(self.word_freq.get(c.word, 0)),
                math.log1p(self.word_freq.get(src, 0)), math.log1p(self.word_freq.get(cand, 0)),
                math.log1p(seen[k, 0]), math.log1p(seen[k, 1]),
                *(float(cand in self.confusion.column(src, column)) for column in COLUMNS),
                float(c.end - c.start), float(m == 0), float(per_window[(c.start, c.end)]),
            )
        return rows

    @staticmethod
    def _inside(c: NonwordCandidate, spans: list[tuple[int, int]]) -> bool:
        return any(a <= c.start and c.end <= b for a, b in spans)

    @staticmethod
    def _against_code(text: str, c: NonwordCandidate) -> bool:
        """True when a Latin letter, digit or hyphen touches the window."""
        outside = text[max(0, c.start - 1):c.start] + text[c.end:c.end + 1]
        return any(ch.isascii() and (ch.isalnum() or ch == "-") for ch in outside)

    def find(self, text: str, tokens: Sequence[Token]) -> list[NonwordHit]:
        """Decided non-words of `text` (normalised), the most probable per window."""
        if self.model is None:
            return []
        candidates = self.candidates(text, tokens)
        if candidates:
            # the pair-count veto first (most candidates are names and words the dictionary lacks, counted in
            # formal text): features only for the rest
            seen = self.written_seen(text, candidates)
            candidates = [c for c, count in zip(candidates, seen) if count <= self.max_seen]
        if not candidates:
            return []
        rows = self.features(text, candidates)
        probabilities = self.model.probability(rows)
        quoted = quoted_spans(text)
        best: dict[tuple[int, int], NonwordHit] = {}
        for c, p in zip(candidates, probabilities):
            # a pair counted in formal text is a word the dictionary lacks (专享, 咨政), not a misspelling; a
            # token in a short quotation or title (“民星”, 《千磨万击还坚劲》) is coined, and one against Latin
            # letters or digits is a model name (歼-15)
            if p < self.model.threshold or self._inside(c, quoted) or self._against_code(text, c):
                continue
            kept = best.get((c.start, c.end))
            if kept is None or p > kept.probability:
                best[(c.start, c.end)] = NonwordHit(c.start, c.end, c.position, c.word, float(p))
        hits = sorted(best.values(), key=lambda h: h.start)
        if self.blocks is not None:
            hits = [h for h in hits if not self.blocks(text, h.start, h.end, h.word)]
        return hits

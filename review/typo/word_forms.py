"""Fixed phrases written with one wrong character: 严惩不待 → 严惩不贷, 不则手段 → 不择手段, 于此同时 → 与此同时.

A window of four characters is read when it is made of two or more whole tokens of the segmentation (so a fix
never cuts a word the context makes), is no dictionary word itself, and keeps half of a known phrase
(lexicons/typo/fixed_phrases.tsv, `review train phrases`). Every phrase that differs from it in one character,
where that character is a sound or shape neighbour of the written one (lexicons/confusion), is a candidate; it is
kept when the character trigram model (models/ngram) prefers it by a clear margin and has never counted the
written trigram. A window in a short quotation or a book title (《…》, coined names) is left alone.

The phrase index maps each phrase with one character masked to the characters that fill the mask
(严惩不\0 → 贷 …), built once per process. The same index over two- and three-character words serves the
non-word detector (review/typo/nonwords.py).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from review.chars import all_han, is_han
from review.segment import Token
from review.typo.confusion import ConfusionSet
from review.typo.ngram import NgramModel, bigram_keys, encode, padded, trigram_keys

MASK = "\0"


@dataclass(frozen=True)
class WordFormSettings:
    """Thresholds of the detector (lexicons/typo/typo.toml, [word_forms])."""

    # the least dictionary frequency of a suggested word, by its length
    min_freq: dict[int, int]
    # the least trigram gain (nats) of the suggested character over the written one
    min_gain: float
    # confusion columns that make a character a neighbour (sound and shape; not "fuzzy" syllables)
    columns: tuple[str, ...]
    # a written window seen this often in the dictionary's own counts is a word, not a misspelling
    confidence: float
    severity: str
    # a one-character word at a phrase's edge as frequent as this is the context's own word (给|大多数 is no
    # 绝大多数): never the character replaced
    function_freq: int = 50000
    # ... except at a clause's start, where a phrase this frequent may take it (于此同时 → 与此同时)
    opener_freq: int = 1000

    @classmethod
    def from_table(cls, table: dict) -> "WordFormSettings":
        """Settings from the [word_forms] table."""
        return cls(
            min_freq={int(k): int(v) for k, v in table["min_freq"].items()},
            min_gain=float(table["min_gain"]),
            columns=tuple(table["columns"]),
            confidence=float(table["confidence"]),
            severity=str(table["severity"]),
            function_freq=int(table.get("function_freq", 50000)),
            opener_freq=int(table.get("opener_freq", 1000)),
        )


@dataclass(frozen=True)
class WordFormHit:
    """A misspelt word: the window [start, end) of normalised text should read `word`."""

    start: int
    end: int
    position: int
    word: str
    gain: float


class WordIndex:
    """Dictionary words of two to four Chinese characters, by each form with one character masked."""

    def __init__(self, word_freq: dict[str, int], min_freq: dict[int, int]) -> None:
        fills: dict[str, list[str]] = {}
        lengths = set(min_freq)
        for word, freq in word_freq.items():
            if len(word) in lengths and freq >= min_freq[len(word)] and all_han(word):
                for m in range(len(word)):
                    fills.setdefault(word[:m] + MASK + word[m + 1:], []).append(word[m])
        # one string of filling characters a key: a third of the memory of lists; keys and fills interned (see
        # `load`)
        self.fills: dict[str, str] = {sys.intern(key): sys.intern("".join(chars)) for key, chars in fills.items()}

    def __len__(self) -> int:
        return len(self.fills)

    FILE_MASK = "?"  # the mask as written to a file (keys are Chinese characters only)

    def save(self, path, header: str = "") -> None:
        """Write `masked key<TAB>filling characters` lines (read back by `load`, ~10x faster than building)."""
        with open(path, "w", encoding="utf-8") as out:
            out.write(header)
            out.writelines(f"{key.replace(MASK, self.FILE_MASK)}\t{chars}\n"
                           for key, chars in sorted(self.fills.items()))

    @classmethod
    def load(cls, path) -> "WordIndex":
        """An index written by `save`."""
        index = cls({}, {})
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip() and not line.startswith("#"):
                    key, chars = line.rstrip("\n").split("\t")
                    # interned: a third of the 29,000 fills are distinct, and the word forms' index holds many of
                    # the same keys; one object each saves ~3 MB in every process that runs the typo check
                    index.fills[sys.intern(key.replace(cls.FILE_MASK, MASK))] = sys.intern(chars)
        return index

    def confusable_fills(self, window: str, m: int, neighbours: "Neighbours") -> list[str]:
        """The characters that, put at window[m], make an indexed word and are a neighbour of window[m]."""
        fills = self.fills.get(window[:m] + MASK + window[m + 1:], "")
        if not fills:
            return []
        near = neighbours(window[m])
        return [char for char in fills if char in near]

    def get(self, key: str) -> str:
        """The characters that fill the mask of `key` into a word ("" when none)."""
        return self.fills.get(key, "")


class Neighbours:
    """The sound and shape neighbours of a character in the chosen confusion columns, cached per process as one
    string of distinct characters in code-point order (callers test one character at a time: as frozensets the
    cache grew by ~9 MB over 300 posts)."""

    def __init__(self, confusion: ConfusionSet, columns: tuple[str, ...]) -> None:
        self.confusion = confusion
        self.columns = columns
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, char: str) -> str:
        """The neighbours of `char` (`ch in` the result: whether the one character `ch` is one)."""
        found = self._cache.get(char)
        if found is None:
            found = "".join(sorted(set("".join(self.confusion.column(char, c) for c in self.columns))))
            with self._lock:
                self._cache[char] = found
        return found


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Short spans inside 《…》 or quotation marks: titles, names and coined phrases are left alone."""
    from review.typo.candidates import QUOTED

    return [match.span(1) for match in QUOTED.finditer(text)]


class WordFormDetector:
    """Finds misspelt words (see the module's docstring)."""

    def __init__(self, word_freq: dict[str, int], confusion: ConfusionSet, ngram: NgramModel,
                 settings: WordFormSettings, index_words: dict[str, int] | None = None, blocks=None) -> None:
        self.word_freq = word_freq
        # blocks(text, start, end, replacement) -> True where a protected word (a name …) would be changed
        self.blocks = blocks
        self.confusion = confusion
        self.ngram = ngram
        self.settings = settings
        phrases = index_words if index_words is not None else word_freq
        self.phrase_freq = phrases
        self.index = WordIndex(phrases, settings.min_freq)
        indexed = [w for w, f in phrases.items() if len(w) == 4 and f >= settings.min_freq.get(4, 0)]
        self.heads = frozenset(w[:2] for w in indexed)
        self.tails = frozenset(w[2:] for w in indexed)
        self.neighbours = Neighbours(confusion, settings.columns)

    def windows(self, text: str, tokens: list[Token]) -> list[tuple[int, int]]:
        """Spans of four Chinese characters made of two or more whole tokens (严惩|不|待), no dictionary word
        themselves, whose first or last two characters begin or end a known phrase (with one character wrong,
        one of the halves is intact)."""
        spans = []
        ends = {token.end for token in tokens}
        for token in tokens:
            start = token.start
            # tokens are contiguous: a token end four characters on closes a window of whole tokens, two or
            # more of them when this token ends sooner
            if token.end >= start + 4 or start + 4 not in ends:
                continue
            window = text[start : start + 4]
            if (window[:2] in self.heads or window[2:] in self.tails) and all_han(window) \
                    and self.word_freq.get(window, 0) == 0:
                spans.append((start, start + 4))
        return spans

    def find(self, text: str, tokens: list[Token]) -> list[WordFormHit]:
        """Misspelt phrases of `text` (normalised), one per window at most, windows not overlapping."""
        candidates: list[tuple[int, int, int, str, str]] = []  # start, end, position, character, word
        windows = self.windows(text, tokens)
        if not windows:
            return []
        lone = {t.start for t in tokens if t.end - t.start == 1
                and self.word_freq.get(t.word, 0) >= self.settings.function_freq}
        spans = {(t.start, t.end) for t in tokens}
        for start, end in windows:
            window = text[start:end]
            masked = ((2, 3) if window[:2] in self.heads else ()) + ((0, 1) if window[2:] in self.tails else ())
            # a frequent one-character word at the window's edge belongs to the context (给|大多数) unless the
            # window opens a clause, where no word before it could take it, the rest is no word of its own and
            # the phrase is a frequent one (于|此|同时 → 与此同时; 给|大多数 and 在|田|作物 at a clause's start stay)
            opens = (start == 0 or not is_han(text[start - 1])) and (start + 1, end) not in spans
            for m in masked:
                edge = (m == 0 or m == 3) and start + m in lone
                if edge and (m == 3 or not opens):
                    continue
                for char in self.index.confusable_fills(window, m, self.neighbours):
                    word = window[:m] + char + window[m + 1:]
                    if not edge or self.phrase_freq.get(word, 0) >= self.settings.opener_freq:
                        candidates.append((start, end, start + m, char, word))
        if not candidates:
            return []
        quoted = quoted_spans(text)
        candidates = [c for c in candidates if not any(a <= c[0] and c[1] <= b for a, b in quoted)]
        if not candidates:
            return []
        gains = self.gains(text, [c[2] for c in candidates], [c[3] for c in candidates])
        best: dict[tuple[int, int], WordFormHit] = {}
        for (start, end, position, _char, word), gain in zip(candidates, gains):
            if gain < self.settings.min_gain or self.seen(text, start, end, position):
                continue
            if self.blocks is not None and self.blocks(text, start, end, word):
                continue
            hit = WordFormHit(start, end, position, word, float(gain))
            kept = best.get((start, end))
            if kept is None or gain > kept.gain:
                best[(start, end)] = hit
        hits: list[WordFormHit] = []
        for hit in sorted(best.values(), key=lambda h: -h.gain):
            if all(hit.end <= other.start or other.end <= hit.start for other in hits):
                hits.append(hit)
        return sorted(hits, key=lambda h: h.start)

    def seen(self, text: str, start: int, end: int, position: int) -> bool:
        """Does clean text hold the written characters around `position` (within the window) as they stand?
        A trigram through the position (a bigram in a two-character window) counted by the n-gram model:
        严惩不待 is no formal text, 两周未 is."""
        m = position - start
        codes = encode(text[start:end])
        firsts = [i for i in range(max(0, m - 2), min(m, len(codes) - 3) + 1)]
        if not firsts:
            return bool(self.ngram.bigrams.lookup(bigram_keys(codes[:1], codes[1:2]))[0] > 0)
        keys = trigram_keys(codes[firsts], codes[[i + 1 for i in firsts]], codes[[i + 2 for i in firsts]])
        return bool((self.ngram.trigrams.lookup(keys) > 0).any())

    def gains(self, text: str, positions: list[int], chars: list[str]) -> np.ndarray:
        """Trigram log-probability of each character at its position minus the written character's."""
        return local_gains(self.ngram, text, positions, chars)


def local_pieces(text: str, positions: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The padded codes of each position's neighbourhood text[p-2 : p+3], joined by two boundary symbols (no
    trigram crosses into the next piece), and each position's place among them."""
    pieces, where, at = [], [], 0
    for position in positions:
        start = max(0, position - 2)
        piece = text[start : position + 3]
        pieces.append(piece + "\n\n")
        where.append(at + position - start)
        at += len(piece) + 2
    return padded(encode("".join(pieces))), np.asarray(where, dtype=np.int64)


def local_gains(ngram: NgramModel, text: str, positions: Sequence[int], chars: Sequence[str]) -> np.ndarray:
    """Trigram gain of putting chars[k] at positions[k] of `text`, reading only the two characters each side.

    The three trigrams through a position read text[p-2 : p+3], so the positions' neighbourhoods, joined by
    boundary symbols, score exactly as the whole text would, at the cost of a few characters instead of the
    whole post's n-grams."""
    codes, spots = local_pieces(text, positions)
    counts = ngram.text_counts(codes)
    return (ngram.local_logprob(codes, spots, encode("".join(chars)), counts=counts)
            - ngram.source_logprob(codes, spots, counts=counts))

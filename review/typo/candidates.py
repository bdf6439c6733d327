"""Candidate corrections of a sentence and the numbers that describe them (``FEATURES``).

At every Chinese character, its confusion-set neighbours (lexicons/confusion) are scored by the trigram model; those
that fit at least ``floor`` nats better than the character itself are candidates. Each (position, candidate) is
described by the trigram gain and its parts, ranks, character and dictionary-word frequencies, the confusion
column, the neighbours' fit, quotation, the cloze model's scores and, optionally, the transformer's
log-probabilities. The reranker (review/typo/rerank.py) and the group pass decide from these rows.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from review.typo.cloze import ClozeModel
from review.typo.confusion import COLUMNS, ConfusionSet
from review.typo.groups import GroupModel
from review.typo.ngram import Counts, NgramModel, TextCounts, encode, padded

FEATURES = (
    "gain",  # trigram log-probability of the candidate minus that of the source character, at the position
    "base",  # trigram log-probability of the source character
    "cand",  # trigram log-probability of the candidate
    "rank",  # 0 for the position's best candidate by gain, 1 for the next ...
    "gap",  # gain minus the best other candidate's gain at the position (negative unless best)
    "n_cands",  # how many candidates the position has
    "src_freq",  # log(1 + unigram count) of the source character
    "cand_freq",  # log(1 + unigram count) of the candidate
    *(f"col_{c}" for c in COLUMNS),  # 1 when the candidate is in that confusion column of the source
    "obs_count",  # log(1 + times source -> candidate was the correction in the training pairs)
    "src_word",  # longest dictionary word (2-4 chars) through the position with the source character, 0 if none
    "cand_word",  # the same with the candidate in place
    "src_word_freq",  # log(1 + dictionary frequency) of the best word through the position, source character
    "cand_word_freq",  # the same with the candidate
    "nn_cand",  # transformer log-probability of the candidate at the position (0 without a transformer)
    "nn_src",  # transformer log-probability of the source character
    "nn_ok",  # 1 when the transformer's features are present
    "gain_left",  # the part of `gain` from the trigram ending at the position (left context only)
    "gain_right",  # the part of `gain` from the trigram starting at the position (right context only)
    "near_base",  # the lower trigram log-probability of the two neighbouring characters (0 when not Chinese)
    "near_base2",  # the same two characters away, within the same run of Chinese characters
    "quoted",  # length of the short quoted or titled span (“…”, 《…》; up to 12 characters) holding it, else 0
    "cloze_gain",  # the cloze model's (review/typo/cloze.py) score of the candidate minus the source's
    "cloze_src",  # the cloze model's log-probability of the source among itself and the position's candidates
    "cloze_cand",  # the same of the candidate (the three are 0 without a cloze model)
)
# the group pass's rows (`CandidateGenerator.generate(..., groups_only=True)`) carry two more columns; every row
# has them (-1 outside that pass), and the main reranker reads only the first len(FEATURES)
GROUP_FEATURES = FEATURES + (
    "group_src",  # the confusable group's classifier (review/typo/groups.py): probability of the source character
    "group_cand",  # the same of the candidate (another member of the source character's group)
)
FEATURE_INDEX = {name: i for i, name in enumerate(GROUP_FEATURES)}
# short spans between paired quotation or title marks: coined terms, names and slogans live there
QUOTED = re.compile(r"[“‘「『《]([^“”‘’「」『』《》\n]{1,12})[”’」』》]")


def quoted_lengths(text: str) -> np.ndarray:
    """Per character of `text`: the length of the short quoted span holding it, 0 outside any."""
    out = np.zeros(len(text), dtype=np.float32)
    for match in QUOTED.finditer(text):
        a, b = match.span(1)
        out[a:b] = b - a
    return out


# rows a text may have beyond its per-character caps (`CandidateGenerator.row_caps`): short sentences keep theirs
CAP_SLACK = 64
DICTIONARY_WORDS_FORMAT = 1  # bump when DictionaryWords' arrays change (their cached copies are keyed by it)
NEIGHBOUR_INDEX_FORMAT = 1  # the same for the neighbour index's arrays


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal consecutive `values` starts ([0] for none): np.r_ costs ~30 us a call."""
    return np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))


def _least_fitting(base: np.ndarray, sizes: np.ndarray, budget: int) -> np.ndarray:
    """Indices (in order) of the positions with the lowest `base`, as many as fit `budget` rows of `sizes`."""
    order = np.argsort(base, kind="stable")
    fits = np.cumsum(sizes[order]) <= budget
    return np.sort(order[fits])


@dataclass(frozen=True)
class ScoredText:
    """A text as the n-gram model read it: what a second pass over the same text (the word corrector, the group
    pass) reuses rather than looking its n-grams up again."""

    text: str
    ngram: NgramModel  # the model that read it: a pass with another model reads the text itself
    padded: np.ndarray  # the text's code points, padded (`review.typo.ngram.padded`)
    counts: TextCounts  # the text's n-gram counts (`NgramModel.text_counts`)
    own: np.ndarray  # every character's own trigram log-probability (0 off Chinese)

    def reusable(self, text: str, ngram: NgramModel) -> bool:
        """True when this is `text` as read by `ngram`."""
        return self.ngram is ngram and self.text == text


@dataclass
class Candidates:
    """The candidates of one sentence: position, character and feature row of each."""

    positions: np.ndarray  # (n,) int, code-point offsets in the sentence
    chars: List[str]
    features: np.ndarray  # (n, len(GROUP_FEATURES)) float32
    # the n-gram reading of the text the main pass drew them from (None: the group pass, or no Chinese text)
    scored: Optional[ScoredText] = None


class DictionaryWords:
    """The dictionary's words of 2-4 characters as sorted 64-bit keys, 16 bits a character.

    Answers what `CandidateGenerator._word` answers, for every row of a sentence in a few array operations
    instead of nine string lookups a row (the Python loop was a fifth of the candidate description's time).
    """

    # (length, characters before the position) of every window through a position, as `_word` walks them
    WINDOWS = tuple((length, before) for length in (4, 3, 2) for before in range(length))
    REACH = 3  # characters a window reaches on either side of the position

    def __init__(self, keys: np.ndarray, frequency_ids: np.ndarray, log_freqs: np.ndarray, char_ids: np.ndarray
                 ) -> None:
        """`keys` sorted, `frequency_ids[k]` the row of `log_freqs` (one a distinct frequency) of key k's word."""
        self.log_freqs, self.char_ids, self.size = log_freqs, char_ids, len(keys)
        # key -> 1 + its word's row of log_freqs, through the n-gram model's hash table: two random reads a query
        # instead of a binary search's twenty (ids stay below 2**15, so every key is a non-negative int64). The
        # index holds the keys: no sorted copy and no per-word array of log-frequencies are kept (330,000 words,
        # ~4,000 distinct frequencies: 5 MB less in every warmed process)
        self._index = Counts(keys.view(np.int64), frequency_ids.astype(np.int64) + 1)
        self._index.prepare()
        # every character in no word, and the space around a sentence, share the last id: no key holds it
        self.absent = char_ids[-1]
        self._lengths = np.array([length for length, _ in self.WINDOWS], dtype=np.int64)

    @classmethod
    def build(cls, word_freq: Dict[str, int]) -> Optional["DictionaryWords"]:
        """The index of `word_freq`'s words of 2-4 characters with a positive frequency (None when their
        characters do not fit 16 bits)."""
        arrays = cls._arrays(word_freq)
        return cls(**arrays) if arrays else None

    @classmethod
    def cached(cls, word_freq: Dict[str, int]) -> Optional["DictionaryWords"]:
        """`build(word_freq)`, its arrays kept in the private cache folder between processes when `word_freq` is
        the process tokenizer's dictionary (`review.resources.cached_build`; 0.15 s at every warm-up before)."""
        from review.resources import cached_build
        from review.segment import dictionary_digest

        digest = dictionary_digest(word_freq)
        if digest is None:
            return cls.build(word_freq)
        key = hashlib.sha256(f"{DICTIONARY_WORDS_FORMAT}\n{digest}".encode()).hexdigest()[:24]
        arrays = cached_build("dictionary_words", key, lambda: cls._arrays(word_freq) or {})
        return cls(**arrays) if arrays else None

    @staticmethod
    def _arrays(word_freq: Dict[str, int]) -> Optional[Dict[str, np.ndarray]]:
        """The arrays of `build` (the constructor's arguments), or None."""
        words = [w for w, freq in word_freq.items() if freq > 0 and 2 <= len(w) <= 4]
        codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        used = np.zeros(int(codes.max(initial=0)) + 2, dtype=np.int64)
        used[codes] = 1
        if used.sum() + 1 > 0x7FFF:  # keys must stay non-negative int64 (the hash index)
            return None
        # ids 1.. by code point (0 pads the key of a shorter word); the last entry is the id of the absent
        char_ids = np.where(used > 0, np.cumsum(used), used.sum() + 1).astype(np.uint64)
        char_ids[-1] = used.sum() + 1
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        starts = np.cumsum(lengths) - lengths
        ids = char_ids[codes]
        keys = np.zeros(len(words), dtype=np.uint64)
        for i in range(4):
            longer = lengths > i
            keys[longer] |= ids[starts[longer] + i] << np.uint64(48 - 16 * i)
        # math.log1p, as `_word` computes it: the features stay bit-identical (once a distinct frequency: ~4,000
        # of them among 330,000 words)
        freqs = np.fromiter(map(word_freq.__getitem__, words), dtype=np.int64, count=len(words))
        distinct, which = np.unique(freqs, return_inverse=True)
        log_freqs = np.array([math.log1p(freq) for freq in distinct.tolist()], dtype=np.float64)
        order = np.argsort(keys, kind="stable")
        return {"keys": keys[order], "frequency_ids": which.reshape(-1)[order], "log_freqs": log_freqs,
                "char_ids": char_ids}

    def ids(self, codes: np.ndarray) -> np.ndarray:
        """Character ids of code points `codes`."""
        return self.char_ids[np.minimum(codes, len(self.char_ids) - 1)]

    def best(self, text_ids: np.ndarray, pos: np.ndarray, ids: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Per row k, with character id ids[k] at text position pos[k]: the length of the longest dictionary
        word of 2-4 characters through the position, and the highest log(1 + frequency) of any (0 if none)."""
        reach = self.REACH
        padded_ids = np.concatenate([np.full(reach, self.absent), text_ids, np.full(reach, self.absent)])
        near = padded_ids[pos[:, None] + np.arange(2 * reach + 1)]  # columns: pos - 3 .. pos + 3
        near[:, reach] = ids
        keys = np.empty((len(pos), len(self.WINDOWS)), dtype=np.uint64)
        for j, (length, before) in enumerate(self.WINDOWS):
            first = reach - before
            key = near[:, first] << np.uint64(48)
            for i in range(1, length):
                key |= near[:, first + i] << np.uint64(48 - 16 * i)
            keys[:, j] = key
        if self.size == 0:
            return np.zeros(len(pos), dtype=np.int64), np.zeros(len(pos))
        found = self._index.lookup(keys.reshape(-1).view(np.int64)).astype(np.int64).reshape(keys.shape)
        hit = found > 0
        return (np.where(hit, self._lengths, 0).max(1, initial=0),
                np.where(hit, self.log_freqs[np.maximum(found - 1, 0)], 0.0).max(1, initial=0.0))


def _joined_codes(groups: Sequence) -> Tuple[np.ndarray, np.ndarray]:
    """(the size of each group, all their characters' code points back to back) of groups of characters (strings,
    or sequences of one-character strings)."""
    lengths = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    joined = "".join("".join(group) for group in groups)
    return lengths, np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


class CandidateGenerator:
    """Confusion-set candidates of a sentence, scored by the trigram model and described by ``FEATURES``."""

    def __init__(self, ngram: NgramModel, confusion: ConfusionSet, word_freq: Dict[str, int],
                 floor: float = 2.0, max_candidates: int = 0, observed: Optional[Dict[str, int]] = None,
                 gate: float = math.inf, cloze: Optional[ClozeModel] = None, groups: Optional[GroupModel] = None,
                 group_gate: float = 0.5, group_floor: float = 0.2, row_caps: Tuple[float, float] = (0.0, 0.0)
                 ) -> None:
        self.ngram = ngram
        # bounded work per text (0: no bound): at most row_caps[0] confusion neighbours a character are scored by
        # the trigrams (the least fitting positions first) and at most row_caps[1] candidates a character are
        # described and decided (the highest gains). Clean news has ~11 and ~0.2 (at most 62 and 1.3 in a batch);
        # 的 × 20,000 has 61 and 38, and took 38 s and 8 GB without the second.
        self.row_caps = row_caps
        # the ±5-character cloze network: its scores of the source and the candidates are features
        self.cloze = cloze
        # the confusable groups' context classifiers (的/地/得 …), for the group pass (`generate(groups_only=True)`):
        # a member the classifier gives less than `group_gate` is examined whatever its trigrams say, and the
        # other members it gives at least `group_floor` are candidates whatever their trigram gain (the trigrams
        # cannot tell 跑的很快 from 跑得很快)
        self.groups = groups
        self.group_gate = group_gate
        self.group_floor = group_floor
        # positions whose own trigram log-probability reaches `gate` fit too well to be errors: skipping them
        # spares most of the candidate scoring (on clean news -16 keeps a fifth of the positions and 96% of
        # the training errors' positions)
        self.gate = gate
        # "ab" -> how often a was corrected to b in the training pairs
        self.observed = observed or {}
        self.confusion = confusion
        self.word_freq = word_freq
        self.floor = floor
        self.max_candidates = max_candidates
        self._cands: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        self._words: Optional[DictionaryWords] = None
        # every character's neighbours back to back, indexed by code point (built by `prepare`)
        self._neighbour_index: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = None

    @property
    def observed(self) -> Dict[str, int]:
        """"ab" -> how often a was corrected to b in the training pairs (replace it, don't edit it in place)."""
        return self._observed

    @observed.setter
    def observed(self, value: Dict[str, int]) -> None:
        self._observed = value
        # (sorted source << 21 | candidate code-point keys, log(1 + count)), built on first use
        self._observed_keys: Optional[Tuple[np.ndarray, np.ndarray]] = None

    def prepare(self) -> None:
        """Index the dictionary's words now, so `generate` describes candidates without a Python loop, and
        precompute the cloze model's first layer.

        About 0.15 s + 0.3 s: long-running processes do it at warm-up; a one-shot command keeps the per-word
        loop and the matrix product.
        The index reads `word_freq` as it is now (jieba's dictionary does not change after loading).
        """
        if self._words is None:
            self._words = DictionaryWords.cached(self.word_freq)
        if self._neighbour_index is None:
            self._neighbour_index = self._cached_neighbour_index()
        if self.cloze is not None:
            self.cloze.prepare()
        if self.groups is not None:
            self.groups.prepare()

    def _cached_neighbour_index(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`_build_neighbour_index`, kept in the private cache folder between processes (keyed by the confusion
        set's rows; 0.09 s at every warm-up before). Trimmed rows (`max_candidates`) are built each time."""
        if self.max_candidates:
            return self._build_neighbour_index()
        from review.resources import cached_build

        key = hashlib.sha256(f"{NEIGHBOUR_INDEX_FORMAT}\n{self.confusion.digest()}".encode()).hexdigest()[:24]
        names = ("start", "count", "codes", "flags")
        arrays = cached_build("neighbour_index", key, lambda: dict(zip(names, self._build_neighbour_index())))
        start, count, codes, flags = (arrays[name] for name in names)
        return start, count, codes, flags

    def _build_neighbour_index(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(start, count) by code point and the neighbours' code points and column flags, back to back: the
        rows `_neighbours` gives, gathered for all positions at once. Code points past the table count 0.

        Built from each character's neighbours joined into one string (one array of code points for all, and one
        a column to set the flags), not character by character: 0.23 -> 0.08 s at warm-up, the same arrays.
        The 261,000 rows keep their code points as int32 and their flags as 0/1 bytes (9 bytes a row instead of
        28: 7.6 -> 2.9 MB in every warmed process); `generate` widens the rows it gathers, to the same values.
        """
        chars = sorted(c for c in self.confusion.table if len(c) == 1)
        size = max((ord(c) for c in chars), default=0) + 2
        start, count = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        at = np.array([ord(c) for c in chars], dtype=np.int64)
        if self.max_candidates or not chars:  # the trimmed rows of `_neighbours`, character by character
            found = [self._neighbours(c) for c in chars]
            lengths = np.array([len(codes) for codes, _ in found], dtype=np.int64)
            codes = np.concatenate([codes for codes, _ in found]) if found else np.zeros(0, np.int64)
            flags = np.concatenate([f for _, f in found]) if found else np.zeros((0, len(COLUMNS)), np.float32)
        else:
            # each union is a string in code-point order already: no list of one-character strings a row
            lengths, codes = _joined_codes([self.confusion.candidates(c) for c in chars])
            keys = np.repeat(at, lengths) << 21 | codes  # ascending: characters and their neighbours are sorted
            codes = codes.astype(np.int32)  # code points fit 21 bits
            flags = np.zeros((len(codes), len(COLUMNS)), dtype=np.uint8)
            for j, column in enumerate(COLUMNS if len(keys) else ()):
                column_lengths, column_codes = _joined_codes([self.confusion.table[c].get(column, ()) for c in chars])
                wanted = np.repeat(at, column_lengths) << 21 | column_codes
                found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
                # a column may list the character itself, which is no neighbour
                flags[found[keys[found] == wanted], j] = 1
        count[at] = lengths
        start[at] = np.cumsum(lengths) - lengths
        return start, count, codes, flags

    def _neighbours(self, ch: str) -> Tuple[np.ndarray, np.ndarray]:
        """(code points, column flags) of the confusion-set neighbours of `ch`, cached."""
        found = self._cands.get(ch)
        if found is None:
            row = self.confusion.table.get(ch, {})
            chars = sorted(self.confusion.candidates(ch))
            codes = np.array([ord(c) for c in chars], dtype=np.int64)
            flags = np.array([[1.0 if c in row.get(col, ()) else 0.0 for col in COLUMNS] for c in chars],
                             dtype=np.float32).reshape(len(chars), len(COLUMNS))
            if self.max_candidates and len(codes) > self.max_candidates:
                keep = np.sort(np.argsort(-self.ngram.unigrams.lookup(codes), kind="stable")[: self.max_candidates])
                codes, flags = codes[keep], flags[keep]
            found = (codes, flags)
            self._cands[ch] = found
        return found

    def _word(self, sentence: str, pos: int, ch: str) -> Tuple[int, float]:
        """Through `pos` with `ch` there: the length of the longest dictionary word of 2-4 characters, and the
        highest log(1 + frequency) of any such word (0, 0.0 when there is none)."""
        best_len, best_freq = 0, 0.0
        n = len(sentence)
        for length in (4, 3, 2):
            for a in range(max(0, pos - length + 1), min(pos, n - length) + 1):
                word = sentence[a:pos] + ch + sentence[pos + 1: a + length]
                freq = self.word_freq.get(word, 0)
                if freq > 0:
                    if length > best_len:
                        best_len = length
                    best_freq = max(best_freq, math.log1p(freq))
        return best_len, best_freq

    def generate(self, sentence: str, groups_only: bool = False, scored: Optional[ScoredText] = None
                 ) -> Candidates:
        """Candidates of `sentence` whose trigram gain is at least `floor` (transformer features left at 0);
        their `scored` is the text's n-gram reading, for the passes that read the same text next.

        With `groups_only` (needs `groups`): the group pass instead, whose rows are the other members of a
        confusable group at the positions where the group's classifier doubts the written member, whatever
        their trigrams say (described by the same features, over these rows only, and the two group columns);
        it reuses `scored` (the main pass's reading) when that is of the same text.
        """
        codes = encode(sentence)
        positions = np.nonzero(codes)[0]
        empty = Candidates(np.zeros(0, np.int64), [], np.zeros((0, len(GROUP_FEATURES)), np.float32))
        if len(positions) == 0:
            return empty
        group_probs = None
        if groups_only:
            # only the positions holding a member whose written character the classifier gives < group_gate
            held = codes[positions]
            member = np.flatnonzero(self.groups.keys(held) > 0)
            group_probs = self.groups.probabilities(codes, positions[member])
            written = group_probs[np.arange(len(member)), self.groups.member_index(held[member])]
            doubted = written < self.group_gate
            if not doubted.any():
                return empty
            positions, group_probs = positions[member[doubted]], group_probs[doubted]
        if groups_only and scored is not None and scored.reusable(sentence, self.ngram):
            # the main pass has scored this very text: its n-gram counts and every character's own fit
            cp, counts, own = scored.padded, scored.counts, scored.own
            base_parts = self.ngram.source_logprob(cp, positions, counts, parts=True)
        else:
            # the text's n-grams looked up once: the source characters' scores and every position's context
            # are gathered from them
            cp = padded(codes)
            counts = self.ngram.text_counts(cp)
            every = np.nonzero(codes)[0]
            every_parts = self.ngram.source_logprob(cp, every, counts, parts=True)
            # every character's own fit (0 off Chinese): the neighbours' features
            own = np.zeros(len(codes))
            own[every] = every_parts[0] + every_parts[1] + every_parts[2]
            base_parts = self.ngram.source_logprob(cp, positions, counts, parts=True) if groups_only else every_parts
            if not groups_only:
                # every candidate set of the main pass, empty or not, hands this reading on
                empty = Candidates(empty.positions, empty.chars, empty.features,
                                   ScoredText(sentence, self.ngram, cp, counts, own))
        base = base_parts[0] + base_parts[1] + base_parts[2]
        near = np.zeros(len(codes) + 4)  # two zeros of padding each side
        near[2:-2] = own
        if not groups_only and self.gate < math.inf:
            doubtful = base < self.gate
            positions, base, base_parts = positions[doubtful], base[doubtful], base_parts[:, doubtful]
        if self._neighbour_index is not None:
            start, count, all_codes, all_flags = self._neighbour_index
            held = codes[positions]
            sizes = count.take(held, mode="clip")
            total = int(sizes.sum())
            if total == 0:
                return empty
            if self.row_caps[0] > 0 and total > self.row_caps[0] * len(sentence) + CAP_SLACK:
                keep_at = _least_fitting(base, sizes, int(self.row_caps[0] * len(sentence)) + CAP_SLACK)
                positions, base, base_parts = positions[keep_at], base[keep_at], base_parts[:, keep_at]
                held, sizes = held[keep_at], sizes[keep_at]
                total = int(sizes.sum())
            owners = np.repeat(np.arange(len(positions)), sizes)
            firsts = np.cumsum(sizes) - sizes
            rows = np.repeat(start.take(held, mode="clip") - firsts, sizes) + np.arange(total)
            # the column flags (five 0/1 values a row) are gathered only for the rows kept, at the end; code points
            # widen to int64 here (the n-gram keys shift them past 32 bits)
            chars, flag_source, flag_rows = all_codes[rows].astype(np.int64), all_flags, rows
        else:
            lists = [self._neighbours(sentence[p]) for p in positions.tolist()]
            sizes = np.array([len(c) for c, _ in lists], dtype=np.int64)
            if sizes.sum() == 0:
                return empty
            owners = np.repeat(np.arange(len(positions)), sizes)
            chars = np.concatenate([c for c, _ in lists])
            flag_source, flag_rows = np.concatenate([f for _, f in lists]), np.arange(len(chars))
        if groups_only:
            # only the other members of the written character's group: the rest are the main pass's business
            same = self.groups.keys(chars) == self.groups.keys(codes[positions])[owners]
            if not same.any():
                return empty
            owners, chars, flag_rows = owners[same], chars[same], flag_rows[same]
        # the main pass keeps rows of gain >= floor only: rows that cannot reach it are not scored (they read
        # -inf); the group pass keeps rows whatever their gain
        least = base[owners] + self.floor if group_probs is None else None
        cand_parts = self.ngram.local_logprob(cp, positions, chars, owners, counts, parts=True, least=least)
        cand = cand_parts[0] + cand_parts[1] + cand_parts[2]
        gain = cand - base[owners]
        keep = gain >= self.floor
        group_src = group_cand = None
        if group_probs is not None:
            group_src, group_cand = self._group_columns(codes, positions, group_probs, owners, chars)
            keep = group_cand >= self.group_floor
        if not keep.any():
            return empty
        cap = int(self.row_caps[1] * len(sentence)) + CAP_SLACK
        if self.row_caps[1] > 0 and int(keep.sum()) > cap:
            # only the `cap` highest gains (ties to the earlier row) go on to be described and decided
            kept = np.flatnonzero(keep)
            keep = np.zeros_like(keep)
            keep[kept[np.sort(np.argsort(-gain[kept], kind="stable")[:cap])]] = True
        owners, chars, flag_rows, cand, gain = owners[keep], chars[keep], flag_rows[keep], cand[keep], gain[keep]
        cand_parts = cand_parts[:, keep]
        if group_probs is not None:
            group_src, group_cand = group_src[keep], group_cand[keep]
        # rank and gap within each position (rows are grouped by owner, in order)
        order = np.lexsort((-gain, owners))
        owners, chars, cand, gain = owners[order], chars[order], cand[order], gain[order]
        flags = flag_source[flag_rows[order]]
        cand_parts = cand_parts[:, order]
        if group_probs is not None:
            group_src, group_cand = group_src[order], group_cand[order]
        starts = run_starts(owners)
        counts = np.diff(np.concatenate((starts, [len(owners)])))
        first = np.repeat(starts, counts)
        rank = np.arange(len(owners)) - first
        best = gain[first]
        second = np.where(counts > 1, gain[np.minimum(starts + 1, len(gain) - 1)], gain[starts] - 20.0)
        gap = np.where(rank == 0, gain - np.repeat(second, counts), gain - best)
        pos = positions[owners]
        src_codes = codes[pos]
        feats = np.zeros((len(owners), len(GROUP_FEATURES)), dtype=np.float32)
        f = FEATURE_INDEX
        feats[:, f["gain"]] = gain
        feats[:, f["base"]] = base[owners]
        feats[:, f["cand"]] = cand
        feats[:, f["rank"]] = np.minimum(rank, 10)
        feats[:, f["gap"]] = np.clip(gap, -30, 30)
        feats[:, f["n_cands"]] = np.repeat(counts, counts)
        feats[:, f["src_freq"]] = np.log1p(self.ngram.unigram_counts(src_codes))
        feats[:, f["cand_freq"]] = np.log1p(self.ngram.unigram_counts(chars))
        c0 = f[f"col_{COLUMNS[0]}"]
        feats[:, c0: c0 + len(COLUMNS)] = flags
        if self.observed:
            feats[:, f["obs_count"]] = self._observed_log_counts(src_codes, chars)
        feats[:, f["gain_left"]] = cand_parts[0] - base_parts[0][owners]
        feats[:, f["gain_right"]] = cand_parts[2] - base_parts[2][owners]
        at = pos + 2
        feats[:, f["near_base"]] = np.minimum(near[at - 1], near[at + 1])
        # two away only through a Chinese neighbour: the same in a sentence alone and in `generate_many`'s join
        # [k + 1]: is character k Chinese (False past either end)
        chinese = np.concatenate(([False], codes > 0, [False]))
        feats[:, f["near_base2"]] = np.minimum(np.where(chinese[pos], near[at - 2], 0.0),
                                               np.where(chinese[pos + 2], near[at + 2], 0.0))
        feats[:, f["quoted"]] = quoted_lengths(sentence)[pos]
        feats[:, f["group_src"]] = -1.0 if group_src is None else group_src
        feats[:, f["group_cand"]] = -1.0 if group_cand is None else group_cand
        if self.cloze is not None and not groups_only:  # the group classifier reads the context instead
            self._cloze_features(feats, sentence, positions, owners, chars)
        char_list = list(chars.astype("<u4").tobytes().decode("utf-32-le"))
        if self._words is not None:
            self._word_features(feats, sentence, pos, chars)
        else:
            src_words: Dict[int, Tuple[int, float]] = {}
            for k, (p, ch) in enumerate(zip(pos.tolist(), char_list)):
                if p not in src_words:
                    src_words[p] = self._word(sentence, p, sentence[p])
                feats[k, f["src_word"]], feats[k, f["src_word_freq"]] = src_words[p]
                feats[k, f["cand_word"]], feats[k, f["cand_word_freq"]] = self._word(sentence, p, ch)
        return Candidates(pos.astype(np.int64), char_list, feats, empty.scored)

    def _group_columns(self, codes: np.ndarray, positions: np.ndarray, probs: np.ndarray, owners: np.ndarray,
                       chars: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Per row: the group classifier's probability of the source character (-1 when in no group) and of
        the candidate (-1 when not in the source's group), from `probs` (per position, as `probabilities`)."""
        groups = self.groups
        src = codes[positions][owners]
        key = groups.keys(src)
        src_p = np.where(key > 0, probs[owners, groups.member_index(src)], -1.0)
        same = (key > 0) & (groups.keys(chars) == key)
        cand_p = np.where(same, probs[owners, groups.member_index(chars)], -1.0)
        return src_p, cand_p

    def _cloze_features(self, feats: np.ndarray, sentence: str, positions: np.ndarray, owners: np.ndarray,
                        chars: np.ndarray) -> None:
        """The cloze features of every row: the model reads each position that has candidates once, and its
        scores are normalised over the source character and the position's candidates (rows are grouped by
        position)."""
        cloze = self.cloze
        text_ids = cloze.ids(np.frombuffer(sentence.encode("utf-32-le"), dtype=np.uint32).astype(np.int64))
        starts = run_starts(owners)
        live = owners[starts]
        query = cloze.hidden(text_ids, positions[live])
        src_score = cloze.scores(query, np.arange(len(live)), text_ids[positions[live]])
        row = np.repeat(np.arange(len(live)), np.diff(np.concatenate((starts, [len(owners)]))))
        cand_score = cloze.scores(query, row, cloze.ids(chars))
        top = np.maximum(src_score, np.maximum.reduceat(cand_score, starts))
        total = np.exp(src_score - top) + np.add.reduceat(np.exp(cand_score - top[row]), starts)
        log_norm = np.log(total) + top
        f = FEATURE_INDEX
        feats[:, f["cloze_gain"]] = cand_score - src_score[row]
        feats[:, f["cloze_src"]] = (src_score - log_norm)[row]
        feats[:, f["cloze_cand"]] = cand_score - log_norm[row]

    def _observed_log_counts(self, src: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """log(1 + times src[k] was corrected to cand[k] in the training pairs), per row."""
        if self._observed_keys is None:
            pairs = [(ord(k[0]) << 21 | ord(k[1]), math.log1p(n)) for k, n in self._observed.items() if len(k) == 2]
            pairs.sort()
            self._observed_keys = (np.array([k for k, _ in pairs], dtype=np.int64),
                                   np.array([v for _, v in pairs], dtype=np.float64))
        keys, log_counts = self._observed_keys
        if len(keys) == 0:
            return np.zeros(len(src))
        query = src << 21 | cand
        at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where(keys[at] == query, log_counts[at], 0.0)

    def _word_features(self, feats: np.ndarray, sentence: str, pos: np.ndarray, chars: np.ndarray) -> None:
        """The four dictionary-word features of every row, through the prepared index (same values as `_word`)."""
        words = self._words
        text_ids = words.ids(np.frombuffer(sentence.encode("utf-32-le"), dtype=np.uint32))
        where = np.unique(pos)
        lengths, freqs = words.best(text_ids, np.concatenate([where, pos]),
                                    np.concatenate([text_ids[where], words.ids(chars)]))
        src = np.searchsorted(where, pos)
        f = FEATURE_INDEX
        feats[:, f["src_word"]], feats[:, f["src_word_freq"]] = lengths[src], freqs[src]
        feats[:, f["cand_word"]], feats[:, f["cand_word_freq"]] = lengths[len(where):], freqs[len(where):]

    def generate_many(self, sentences: Sequence[str], groups_only: bool = False) -> List[Candidates]:
        """`generate` for each sentence, computed in one pass over the sentences joined by line breaks.

        Two line breaks read as the two boundary symbols a sentence alone is padded with (one would let the
        trigrams at a sentence's edges see its neighbour's first or last character), they are in no
        dictionary word and they end the cloze model's windows, so the result is the same as sentence by
        sentence, without the per-call overhead.
        """
        joined = self.generate_joined(sentences, groups_only)
        return [joined.sentence(i) for i in range(len(sentences))]

    def generate_joined(self, sentences: Sequence[str], groups_only: bool = False,
                        scored: Optional[ScoredText] = None) -> "JoinedCandidates":
        """`generate_many` left as one block of rows: callers that need few sentences' candidates (the
        corrector decides only sentences with a row at its threshold) skip splitting the others. `scored`
        (the group pass) is the main pass's `JoinedCandidates.scored` of the same sentences."""
        if len(sentences) == 1:
            return JoinedCandidates(self.generate(sentences[0], groups_only, scored), np.zeros(1, np.int64), 1)
        found = self.generate(join_sentences(sentences), groups_only, scored) if sentences else Candidates(
            np.zeros(0, np.int64), [], np.zeros((0, len(GROUP_FEATURES)), np.float32))
        return JoinedCandidates(found, np.cumsum([0] + [len(s) + 2 for s in sentences[:-1]]), len(sentences))


@dataclass
class JoinedCandidates:
    """The candidates of sentences read as one text (joined by two line breaks), and where each sentence is."""

    found: Candidates
    starts: np.ndarray  # each sentence's offset in the joined text
    count: int  # sentences

    def __post_init__(self) -> None:
        owner = np.searchsorted(self.starts, self.found.positions, side="right") - 1
        # rows of sentence i: bounds[i]:bounds[i + 1] (rows are in text order)
        self.bounds = np.searchsorted(owner, np.arange(self.count + 1))

    @property
    def scored(self) -> Optional[ScoredText]:
        """The n-gram reading of the joined text (see `Candidates.scored`)."""
        return self.found.scored

    def sentence(self, i: int) -> Candidates:
        """Sentence i's candidates, with offsets in the sentence."""
        a, b = int(self.bounds[i]), int(self.bounds[i + 1])
        found = self.found
        return Candidates(found.positions[a:b] - self.starts[i], found.chars[a:b], found.features[a:b])


def join_sentences(sentences: Sequence[str]) -> str:
    """Sentences as one text, two line breaks apart (see `CandidateGenerator.generate_many`)."""
    return "\n\n".join(sentences)


def add_neural_features(cands: Candidates, sentence: str, logprobs: np.ndarray, vocab) -> None:
    """Fill the transformer features of `cands` from (length, vocabulary) log-probabilities of `sentence`."""
    if len(cands.chars) == 0:
        return
    f = FEATURE_INDEX
    unk = vocab.stoi.get("[UNK]", 1)
    cand_ids = np.array([vocab.stoi.get(c, unk) for c in cands.chars])
    src_ids = np.array([vocab.stoi.get(sentence[p], unk) for p in cands.positions.tolist()])
    cands.features[:, f["nn_cand"]] = logprobs[cands.positions, cand_ids]
    cands.features[:, f["nn_src"]] = logprobs[cands.positions, src_ids]
    cands.features[:, f["nn_ok"]] = 1.0

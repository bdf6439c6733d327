"""Candidate reranking: the corrector's decision, from n-gram, dictionary and neural evidence together.

The small character transformer (models/csc) trained on a 2-core CPU is a poor corrector on its own: it rarely
dares to change a character. A character trigram model of clean formal text (models/ngram) is a good proposer
but cries wolf on rare names and constructions. Neither alone decides well, so the decision is learnt:

1. **Propose**: at every Chinese character, its confusion-set neighbours (lexicons/confusion) are scored by the
   trigram model; those that fit at least ``floor`` nats better than the character itself are candidates.
2. **Describe** each (position, candidate) with a handful of numbers (``FEATURES``): the trigram gain (and its
   left- and right-context parts) and both local log-probabilities, how the candidate ranks at its position,
   character frequencies, which confusion column links the two characters, whether either makes a dictionary
   word with its neighbours, how well the neighbouring characters fit, whether the position is inside a short
   quoted term, the ±5-character cloze model's scores (review/csc/cloze.py, models/cloze) and, optionally,
   the transformer's log-probabilities of the candidate and of the source character.
3. **Decide**: a small gradient-boosted tree ensemble (trained by ``review.csc.train_rerank`` on the real
   training pairs, stored as plain arrays in ``models/csc/rerank.npz``) turns the numbers into the
   probability that the candidate is the right correction; the best candidate of a position is suggested when
   that probability reaches the threshold tuned for precision.

Everything here runs on NumPy; the transformer is optional (its two features are then zero, and a reranker
trained without them must be used).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..ngram import Counts, NgramModel, encode, padded
from .cloze import CLOZE_FILE, ClozeModel, load_cloze
from .confusion import COLUMNS, ConfusionSet
from .groups import GROUPS_FILE, GroupModel, load_groups

Edit = Tuple[int, str, str, float]
RERANK_FILE = "rerank.npz"

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
    "cloze_gain",  # the cloze model's (review/csc/cloze.py) score of the candidate minus the source's
    "cloze_src",  # the cloze model's log-probability of the source among itself and the position's candidates
    "cloze_cand",  # the same of the candidate (the three are 0 without a cloze model)
)
# the group pass's rows (`CandidateGenerator.generate(..., groups_only=True)`) carry two more columns; every row
# has them (-1 outside that pass), and the main reranker reads only the first len(FEATURES)
GROUP_FEATURES = FEATURES + (
    "group_src",  # the confusable group's classifier (review/csc/groups.py): probability of the source character
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


def _least_fitting(base: np.ndarray, sizes: np.ndarray, budget: int) -> np.ndarray:
    """Indices (in order) of the positions with the lowest `base`, as many as fit `budget` rows of `sizes`."""
    order = np.argsort(base, kind="stable")
    fits = np.cumsum(sizes[order]) <= budget
    return np.sort(order[fits])


@dataclass
class Candidates:
    """The candidates of one sentence: position, character and feature row of each."""

    positions: np.ndarray  # (n,) int, code-point offsets in the sentence
    chars: List[str]
    features: np.ndarray  # (n, len(GROUP_FEATURES)) float32


class DictionaryWords:
    """The dictionary's words of 2-4 characters as sorted 64-bit keys, 16 bits a character.

    Answers what `CandidateGenerator._word` answers, for every row of a sentence in a few array operations
    instead of nine string lookups a row (the Python loop was a fifth of the candidate description's time).
    """

    # (length, characters before the position) of every window through a position, as `_word` walks them
    WINDOWS = tuple((length, before) for length in (4, 3, 2) for before in range(length))
    REACH = 3  # characters a window reaches on either side of the position

    def __init__(self, keys: np.ndarray, log_freq: np.ndarray, char_ids: np.ndarray) -> None:
        self.keys, self.log_freq, self.char_ids = keys, log_freq, char_ids
        # key -> 1 + its index, through the n-gram model's hash table: two random reads a query instead of a
        # binary search's twenty (ids stay below 2**15, so every key is a non-negative int64)
        self._index = Counts(keys.view(np.int64), np.arange(1, len(keys) + 1, dtype=np.int64))
        self._index.prepare()
        # every character in no word, and the space around a sentence, share the last id: no key holds it
        self.absent = char_ids[-1]
        self._lengths = np.array([length for length, _ in self.WINDOWS], dtype=np.int64)

    @classmethod
    def build(cls, word_freq: Dict[str, int]) -> Optional["DictionaryWords"]:
        """The index of `word_freq`'s words of 2-4 characters with a positive frequency (None when their
        characters do not fit 16 bits)."""
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
        # math.log1p, as `_word` computes it: the features stay bit-identical
        log_freq = np.fromiter((math.log1p(word_freq[w]) for w in words), dtype=np.float64, count=len(words))
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], log_freq[order], char_ids)

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
        if len(self.keys) == 0:
            return np.zeros(len(pos), dtype=np.int64), np.zeros(len(pos))
        found = self._index.lookup(keys.reshape(-1).view(np.int64)).astype(np.int64).reshape(keys.shape)
        hit = found > 0
        return (np.where(hit, self._lengths, 0).max(1, initial=0),
                np.where(hit, self.log_freq[np.maximum(found - 1, 0)], 0.0).max(1, initial=0.0))


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
        # (text, padded codes, n-gram counts, every character's own log-probability) of the last text scored:
        # the word corrector (review/csc/words.py) reads the same text next and reuses them
        self.last_scored: Optional[tuple] = None
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
            self._words = DictionaryWords.build(self.word_freq)
        if self._neighbour_index is None:
            self._neighbour_index = self._build_neighbour_index()
        if self.cloze is not None:
            self.cloze.prepare()
        if self.groups is not None:
            self.groups.prepare()

    def _build_neighbour_index(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(start, count) by code point and the neighbours' code points and column flags, back to back: the
        rows `_neighbours` gives, gathered for all positions at once. Code points past the table count 0."""
        chars = sorted(c for c in self.confusion.table if len(c) == 1)
        found = [self._neighbours(c) for c in chars]
        size = max((ord(c) for c in chars), default=0) + 2
        start, count = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        lengths = np.array([len(codes) for codes, _ in found], dtype=np.int64)
        at = np.array([ord(c) for c in chars], dtype=np.int64)
        count[at] = lengths
        start[at] = np.cumsum(lengths) - lengths
        codes = np.concatenate([codes for codes, _ in found]) if found else np.zeros(0, np.int64)
        flags = np.concatenate([f for _, f in found]) if found else np.zeros((0, len(COLUMNS)), np.float32)
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

    def generate(self, sentence: str, groups_only: bool = False) -> Candidates:
        """Candidates of `sentence` whose trigram gain is at least `floor` (transformer features left at 0).

        With `groups_only` (needs `groups`): the group pass instead, whose rows are the other members of a
        confusable group at the positions where the group's classifier doubts the written member, whatever
        their trigrams say (described by the same features, over these rows only, and the two group columns).
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
        last = self.last_scored
        if groups_only and last is not None and last[0] == sentence:
            # the main pass has just scored this very text: its n-gram counts and every character's own fit
            _, cp, counts, own = last
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
                self.last_scored = (sentence, cp, counts, own)
        base = base_parts[0] + base_parts[1] + base_parts[2]
        near = np.zeros(len(codes) + 4)  # two zeros of padding each side
        near[2:-2] = own
        if not groups_only and self.gate < math.inf:
            doubtful = base < self.gate
            positions, base, base_parts = positions[doubtful], base[doubtful], base_parts[:, doubtful]
        if self._neighbour_index is not None:
            start, count, all_codes, all_flags = self._neighbour_index
            held = codes[positions]
            sizes = np.take(count, held, mode="clip")
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
            rows = np.repeat(np.take(start, held, mode="clip") - firsts, sizes) + np.arange(total)
            chars, flags = all_codes[rows], all_flags[rows]
        else:
            lists = [self._neighbours(sentence[p]) for p in positions.tolist()]
            sizes = np.array([len(c) for c, _ in lists], dtype=np.int64)
            if sizes.sum() == 0:
                return empty
            owners = np.repeat(np.arange(len(positions)), sizes)
            chars = np.concatenate([c for c, _ in lists])
            flags = np.concatenate([f for _, f in lists])
        if groups_only:
            # only the other members of the written character's group: the rest are the main pass's business
            same = self.groups.keys(chars) == self.groups.keys(codes[positions])[owners]
            if not same.any():
                return empty
            owners, chars, flags = owners[same], chars[same], flags[same]
        cand_parts = self.ngram.local_logprob(cp, positions, chars, owners, counts, parts=True)
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
        owners, chars, flags, cand, gain = owners[keep], chars[keep], flags[keep], cand[keep], gain[keep]
        cand_parts = cand_parts[:, keep]
        if group_probs is not None:
            group_src, group_cand = group_src[keep], group_cand[keep]
        # rank and gap within each position (rows are grouped by owner, in order)
        order = np.lexsort((-gain, owners))
        owners, chars, flags, cand, gain = owners[order], chars[order], flags[order], cand[order], gain[order]
        cand_parts = cand_parts[:, order]
        if group_probs is not None:
            group_src, group_cand = group_src[order], group_cand[order]
        starts = np.r_[0, np.nonzero(np.diff(owners))[0] + 1]
        counts = np.diff(np.r_[starts, len(owners)])
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
        chinese = np.r_[False, codes > 0, False]  # [k + 1]: is character k Chinese (False past either end)
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
        return Candidates(pos.astype(np.int64), char_list, feats)

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
        starts = np.r_[0, np.flatnonzero(np.diff(owners)) + 1]
        live = owners[starts]
        query = cloze.hidden(text_ids, positions[live])
        src_score = cloze.scores(query, np.arange(len(live)), text_ids[positions[live]])
        row = np.repeat(np.arange(len(live)), np.diff(np.r_[starts, len(owners)]))
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

    def generate_joined(self, sentences: Sequence[str], groups_only: bool = False) -> "JoinedCandidates":
        """`generate_many` left as one block of rows: callers that need few sentences' candidates (the
        corrector decides only sentences with a row at its threshold) skip splitting the others."""
        if len(sentences) == 1:
            return JoinedCandidates(self.generate(sentences[0], groups_only), np.zeros(1, np.int64), 1)
        found = self.generate("\n\n".join(sentences), groups_only) if sentences else Candidates(
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

    def sentence(self, i: int) -> Candidates:
        """Sentence i's candidates, with offsets in the sentence."""
        a, b = int(self.bounds[i]), int(self.bounds[i + 1])
        found = self.found
        return Candidates(found.positions[a:b] - self.starts[i], found.chars[a:b], found.features[a:b])


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


class TreeEnsemble:
    """Gradient-boosted regression trees as flat arrays: P(correct) = sigmoid(bias + sum of leaf values)."""

    COMPACT_AT = 3  # from this level of the walk on, only the pairs not yet at a leaf walk on

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 value: np.ndarray, roots: np.ndarray, bias: float, depth: int, names: Sequence[str]) -> None:
        self.feature, self.threshold, self.left, self.right = feature, threshold, left, right
        self.value, self.roots, self.bias, self.depth = value, roots, float(bias), int(depth)
        self.names = tuple(names)
        self._walk: Optional[tuple] = None

    # rows walked at once: the walk holds a few (rows, trees) arrays, ~8 KB a row with 300 trees, so a block of
    # 2,048 rows needs ~16 MB however many rows a text has (all at once, 的 × 20,000 once needed 8 GB)
    BLOCK_ROWS = 2048

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability that each row of `x` is a correct correction (rows are independent: walked in blocks)."""
        if len(x) <= self.BLOCK_ROWS:
            return self._predict_block(x)
        return np.concatenate([self._predict_block(x[i: i + self.BLOCK_ROWS])
                               for i in range(0, len(x), self.BLOCK_ROWS)])

    def _predict_block(self, x: np.ndarray) -> np.ndarray:
        """`predict` of one block of rows."""
        if len(x) == 0:
            return np.zeros(0)
        if self._walk is None:
            self._walk = self._walk_arrays()
        feature, threshold, children, inner, value, root_feature, root_threshold, roots, steps = self._walk
        n, trees = len(x), len(roots)
        rows = np.ascontiguousarray(x, dtype=np.float32)
        columns = np.ascontiguousarray(rows.T).ravel()  # feature-major: one flat gather per step
        column_at = feature * n
        # the walk's state of each (row, tree) pair: twice its node, plus 1 once it has gone right
        state = np.empty((n, trees), dtype=np.intp)
        state[:] = roots
        if steps:
            # the roots' tests need no gather of node data: one column of `x` per tree
            state += rows[:, root_feature] > root_threshold
            np.take(children, state, out=state, mode="clip")
        # the next levels on every pair, in arrays allocated once (fresh ones each step cost page faults); every
        # index is in range, so the gathers skip their bounds checks (mode="clip")
        full = min(steps, self.COMPACT_AT)
        offsets = np.arange(n)[:, None]
        at, seen = np.empty_like(state), np.empty(state.shape, dtype=np.float32)
        limit, right = np.empty(state.shape, dtype=threshold.dtype), np.empty(state.shape, dtype=bool)
        for _ in range(1, full):
            np.take(column_at, state, out=at, mode="clip")
            at += offsets
            np.take(columns, at, out=seen, mode="clip")
            np.take(threshold, state, out=limit, mode="clip")
            np.greater(seen, limit, out=right)
            state += right
            np.take(children, state, out=state, mode="clip")
        # deeper levels only on the pairs not yet at a leaf (about two thirds at the third level, under half
        # at the fifth); leaves loop back to themselves, so a pair reaching one on the way stays there
        if steps > full:
            flat = state.reshape(-1)
            live = np.flatnonzero(np.take(inner, flat, mode="clip"))
            walking, row = flat[live], live // trees
            for _ in range(full, steps):
                went = np.take(columns, np.take(column_at, walking, mode="clip") + row, mode="clip") > np.take(
                    threshold, walking, mode="clip")
                walking += went
                np.take(children, walking, out=walking, mode="clip")
            flat[live] = walking
        margin = self.bias + value[state].sum(1)
        return 1.0 / (1.0 + np.exp(-margin))

    def _walk_arrays(self) -> tuple:
        """`predict`'s node arrays, indexed by the walk's state (twice the node, plus 1 for its right child), its
        roots' tests, and the number of levels the deepest leaf needs.

        Leaves loop back to themselves (feature 0, threshold +inf), so every pair walks the same number of steps
        with no leaf test.
        """
        leaf = self.feature < 0
        here = np.arange(len(self.feature))
        left, right = np.where(leaf, here, self.left), np.where(leaf, here, self.right)
        feature = np.where(leaf, 0, self.feature).astype(np.intp)
        threshold = np.where(leaf, np.inf, self.threshold)
        # float32 tests where the thresholds are float32 values (a loaded model's): the same answers, less memory
        narrow = threshold.astype(np.float32)
        threshold = narrow if np.array_equal(narrow, threshold) else threshold.astype(np.float64)
        children = (2 * np.stack([left, right], 1).ravel()).astype(np.intp)
        # steps down to the deepest leaf: `depth` may count one more level, which only loops on the leaves
        steps, level = 0, np.asarray(self.roots)
        while steps < self.depth and not leaf[level].all():
            inner = level[~leaf[level]]
            steps, level = steps + 1, np.concatenate([self.left[inner], self.right[inner]])
        return (np.repeat(feature, 2), np.repeat(threshold, 2), children, np.repeat(~leaf, 2),
                np.repeat(self.value, 2), feature[self.roots], threshold[self.roots],
                (2 * np.asarray(self.roots)).astype(np.intp), steps)

    def save(self, path: Path, meta: dict) -> None:
        """Write the arrays and `meta` (settings, metrics) to one .npz file."""
        np.savez_compressed(path, feature=self.feature.astype(np.int16), threshold=self.threshold.astype(np.float32),
                            left=self.left.astype(np.int32), right=self.right.astype(np.int32),
                            value=self.value.astype(np.float32), roots=self.roots.astype(np.int32),
                            bias=np.array([self.bias]), depth=np.array([self.depth]),
                            names=np.array(list(self.names)), meta=np.array(json.dumps(meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path, names: Sequence[str] = FEATURES) -> Tuple["TreeEnsemble", dict]:
        """Read an ensemble written by `save`, with its meta dict; its feature names must be `names`."""
        with np.load(path, allow_pickle=False) as d:
            model = cls(d["feature"].astype(np.int64), d["threshold"].astype(np.float32), d["left"].astype(np.int64),
                        d["right"].astype(np.int64), d["value"].astype(np.float64), d["roots"].astype(np.int64),
                        float(d["bias"][0]), int(d["depth"][0]), [str(n) for n in d["names"]])
            meta = json.loads(str(d["meta"]))
        if model.names != tuple(names):
            raise ValueError(f"{path}: features {model.names} differ from this version's {tuple(names)}: retrain it")
        return model, meta


class RerankCorrector:
    """The corrector used by the typo check and `review eval csc`: propose, describe, decide.

    Same interface as ``Corrector.correct``: per sentence a list of (index, source, suggestion, probability).
    """

    def __init__(self, generator: CandidateGenerator, ensemble: TreeEnsemble, neural=None,
                 threshold: float = 0.5, neural_gate: float = -math.inf) -> None:
        self.generator = generator
        self.ensemble = ensemble
        self.neural = neural
        self.threshold = threshold
        # sentences whose best trigram gain is below this skip the transformer (their nn features stay 0):
        # the cheap first pass that keeps the model off most clean sentences
        self.neural_gate = neural_gate
        self.meta: dict = {}
        self.path: Optional[Path] = None
        # whole-word homophone corrections (review/csc/words.py), merged into the character edits when present
        self.words = None
        # the group pass (`generate(groups_only=True)`): its own ensemble over GROUP_FEATURES and threshold,
        # suggestions at positions no other edit touches (`load_group_pass`)
        self.group_ensemble: Optional[TreeEnsemble] = None
        self.group_threshold = 1.0

    def save_threshold(self, threshold: float, note: dict) -> None:
        """Store a newly tuned threshold (and how it was chosen) in the rerank.npz this corrector came from."""
        self.threshold = float(threshold)
        self.meta.update(threshold=self.threshold, tuned=note)
        if self.path is not None:
            self.ensemble.save(self.path, self.meta)

    def scored(self, sentences: Sequence[str]) -> List[Tuple[Candidates, np.ndarray]]:
        """Per sentence its candidates and their probabilities of being the right correction."""
        joined, probs = self.scored_joined(sentences)
        b = joined.bounds
        return [(joined.sentence(i), probs[b[i]: b[i + 1]]) for i in range(len(sentences))]

    def scored_joined(self, sentences: Sequence[str]) -> Tuple[JoinedCandidates, np.ndarray]:
        """`scored` as one block: the sentences' candidates joined, and every row's probability (one
        prediction over all rows: the per-call overhead dominates for short sentences)."""
        joined = self.generator.generate_joined(sentences)
        if self.neural is not None:
            gain = FEATURE_INDEX["gain"]
            # each sentence's rows are a view of the joined rows: the transformer features land in them
            views = [joined.sentence(i) for i in range(len(sentences))]
            need = [i for i, c in enumerate(views) if len(c.chars) and c.features[:, gain].max() >= self.neural_gate]
            if need:
                logprobs = self.neural.char_logprobs([sentences[i] for i in need])
                for i, lp in zip(need, logprobs):
                    add_neural_features(views[i], sentences[i], lp, self.neural.vocab)
        return joined, self.ensemble.predict(joined.found.features)

    @staticmethod
    def sentences_with(joined: JoinedCandidates, probs: np.ndarray, low: float, high: float = math.inf) -> List[int]:
        """The sentences of `joined` holding a row whose probability is in [low, high)."""
        rows = np.flatnonzero((probs >= low) & (probs < high))
        return np.unique(np.searchsorted(joined.bounds, rows, side="right") - 1).tolist()

    def decide_joined(self, sentences: Sequence[str], joined: JoinedCandidates, probs: np.ndarray, threshold: float,
                      protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None) -> List[List[Edit]]:
        """`decide` for each sentence of a `scored_joined` result; only sentences with a row at the threshold
        are looked at (on clean text a few in a hundred)."""
        out: List[List[Edit]] = [[] for _ in sentences]
        b = joined.bounds
        for si in self.sentences_with(joined, probs, threshold):
            out[si] = self.decide(sentences[si], joined.sentence(si), probs[b[si]: b[si + 1]], threshold,
                                  protected[si] if protected else ())
        return out

    @staticmethod
    def decide(sentence: str, cands: Candidates, prob: np.ndarray, threshold: float,
               protected: Sequence[Tuple[int, int]] = ()) -> List[Edit]:
        """At each position the most probable candidate, when it reaches `threshold` and is not protected."""
        best: Dict[int, Tuple[float, str]] = {}
        for p, ch, pr in zip(cands.positions.tolist(), cands.chars, prob.tolist()):
            if pr >= threshold and pr > best.get(p, (-1.0, ""))[0] and not any(a <= p < b for a, b in protected):
                best[p] = (pr, ch)
        return sorted((p, sentence[p], ch, round(pr, 4)) for p, (pr, ch) in best.items())

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None) -> List[List[Edit]]:
        """Suggest corrections: at each position the most probable candidate, when it reaches the threshold."""
        thr = self.threshold if threshold is None else float(threshold)
        out = self.decide_joined(sentences, *self.scored_joined(sentences), thr, protected)
        return self.add_group_edits(sentences, self.add_word_edits(sentences, out, protected), protected)

    def scored_groups(self, sentences: Sequence[str]) -> List[Tuple[Candidates, np.ndarray]]:
        """Per sentence the group pass's candidates and their probabilities (needs the group pass)."""
        joined = self.generator.generate_joined(sentences, groups_only=True)
        probs, b = self.group_ensemble.predict(joined.found.features), joined.bounds
        return [(joined.sentence(i), probs[b[i]: b[i + 1]]) for i in range(len(sentences))]

    def add_group_edits(self, sentences: Sequence[str], edits: List[List[Edit]],
                        protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None,
                        threshold: Optional[float] = None) -> List[List[Edit]]:
        """`edits` with the group pass's suggestions at the positions no edit touches (unchanged without it).

        The sentences are read as one text, joined as `generate_many` joins them (so the main pass's n-gram
        counts are reused), and only sentences with a row at the threshold are decided one by one: on clean
        text that is almost none.
        """
        if self.group_ensemble is None or not sentences:
            return edits
        thr = self.group_threshold if threshold is None else float(threshold)
        joined = self.generator.generate_joined(sentences, groups_only=True)
        if not len(joined.found.chars):
            return edits
        prob = self.group_ensemble.predict(joined.found.features)
        found = self.decide_joined(sentences, joined, prob, thr, protected)
        out = list(edits)
        for si, new in enumerate(found):
            if not new:
                continue
            taken = {e[0] for e in edits[si]}
            extra = [e for e in new if e[0] not in taken]
            if extra:
                out[si] = sorted(list(edits[si]) + extra)
        return out

    def add_word_edits(self, sentences: Sequence[str], edits: List[List[Edit]],
                       protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None) -> List[List[Edit]]:
        """`edits` with the word corrector's edits merged in (unchanged without a word corrector)."""
        if self.words is None:
            return edits
        from .words import merge_word_edits

        found = self.words.correct_many(sentences, protected=protected)
        return [merge_word_edits(e, w) for e, w in zip(edits, found)]


class HybridCorrector:
    """The reranker's suggestions, plus the transformer's own where the reranker hesitates.

    For a reranker trained without transformer features. The transformer reads only the sentences where the
    reranker's best candidate is plausible but below the threshold (probability in [``hesitant``,
    threshold)): on clean text that is a small share of sentences, so the slow model stays off the hot path.
    Its suggestions at its own tuned threshold fill positions the reranker left alone.
    """

    def __init__(self, rerank: RerankCorrector, neural, hesitant: float) -> None:
        self.rerank = rerank
        self.neural = neural
        self.hesitant = hesitant
        self.generator = rerank.generator
        self.neural_reads = 0  # sentences the transformer has read (for benchmarks)

    @property
    def threshold(self) -> float:
        """The reranker's decision threshold."""
        return self.rerank.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.rerank.threshold = float(value)

    def save_threshold(self, threshold: float, note: dict) -> None:
        """Store a newly tuned reranker threshold in its rerank.npz."""
        self.rerank.save_threshold(threshold, note)

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None) -> List[List[Edit]]:
        """Reranker edits (at `threshold`), then transformer edits at free positions of hesitant sentences."""
        return self.correct_within(sentences, threshold, protected)[0]

    def correct_within(self, sentences: Sequence[str], threshold: Optional[float] = None,
                       protected: Optional[Sequence[Sequence[Tuple[int, int]]]] = None,
                       neural_chars: Optional[int] = None) -> Tuple[List[List[Edit]], int]:
        """`correct`, with the transformer reading hesitant sentences, in order, only while their characters add
        up to at most `neural_chars` (None: no limit); also returns how many characters it read."""
        thr = self.rerank.threshold if threshold is None else float(threshold)
        joined, probs = self.rerank.scored_joined(sentences)
        out = self.rerank.decide_joined(sentences, joined, probs, thr, protected)
        need = self.rerank.sentences_with(joined, probs, self.hesitant, thr)
        if neural_chars is not None:
            within, used = [], 0
            for i in need:
                if used + len(sentences[i]) <= neural_chars:
                    within.append(i)
                    used += len(sentences[i])
            need = within
        read = sum(len(sentences[i]) for i in need)
        if need:
            self.neural_reads += len(need)
            extra = self.neural.correct([sentences[i] for i in need],
                                        protected=[protected[i] for i in need] if protected else None)
            for si, edits in zip(need, extra):
                taken = {e[0] for e in out[si]}
                out[si] = sorted(out[si] + [e for e in edits if e[0] not in taken])
        edits = self.rerank.add_group_edits(sentences, self.rerank.add_word_edits(sentences, out, protected), protected)
        return edits, read


GROUP_PASS_FILE = "rerank_groups.npz"


def load_group_pass(corrector: RerankCorrector, folder: Path) -> None:
    """Give `corrector` the group pass of `folder`'s rerank_groups.npz, with the group classifiers of
    models/groups (nothing when the folder has no such file)."""
    path = Path(folder) / GROUP_PASS_FILE
    if not path.exists():
        return
    from ..resources import model_path

    groups = load_groups(model_path("groups"))
    if groups is None:
        raise FileNotFoundError(f"{path} needs the group classifiers, and {model_path('groups', GROUPS_FILE)} is "
                                "missing (`review train groups`)")
    ensemble, meta = TreeEnsemble.load(path, GROUP_FEATURES)
    generator = corrector.generator
    generator.groups = groups
    generator.group_gate, generator.group_floor = float(meta["group_gate"]), float(meta["group_floor"])
    corrector.group_ensemble, corrector.group_threshold = ensemble, float(meta["threshold"])


def load_rerank_corrector(folder: Path, neural, confusion: ConfusionSet, ngram: Optional[NgramModel] = None,
                          word_freq: Optional[Dict[str, int]] = None,
                          row_caps: Tuple[float, float, float] = (0.0, 0.0, 0.0)):
    """The corrector of checkpoint directory `folder` with its rerank.npz (None when it has none).

    A `RerankCorrector`, or a `HybridCorrector` when the reranker was trained without transformer features.

    `neural` is the folder's transformer (a loaded ``Corrector``); the n-gram model defaults to models/ngram and
    the dictionary to the project's jieba tokenizer; `row_caps` bound the candidates a text may have (the
    character generator's two caps, see `CandidateGenerator`, then the word generator's; the typo check sets
    them, evaluation and training do not).
    """
    path = Path(folder) / RERANK_FILE
    if not path.exists():
        return None
    ensemble, meta = TreeEnsemble.load(path)
    if ngram is None:
        from ..ngram import load_ngram
        from ..resources import model_path

        ngram = load_ngram(str(model_path("ngram", "ngram.npz")))
    if word_freq is None:
        from ..segment import get_tokenizer

        word_freq = get_tokenizer().FREQ
    cloze = None
    if meta.get("cloze"):
        from ..resources import model_path

        cloze = load_cloze(model_path("cloze"))
        if cloze is None:
            raise FileNotFoundError(f"{path} was trained with the cloze model, and {model_path('cloze', CLOZE_FILE)} "
                                    "is missing (`review train cloze`)")
    generator = CandidateGenerator(ngram, confusion, word_freq, floor=float(meta["floor"]),
                                   max_candidates=int(meta.get("max_candidates", 0)), observed=meta.get("observed"),
                                   gate=float(meta.get("gate", math.inf)), cloze=cloze,
                                   row_caps=(row_caps[0], row_caps[1]))
    with_features = bool(meta.get("neural", True))
    corrector = RerankCorrector(generator, ensemble, neural if with_features else None,
                                threshold=float(meta["threshold"]), neural_gate=float(meta.get("neural_gate", -math.inf)))
    corrector.meta = meta
    corrector.path = path
    from .words import load_word_corrector

    corrector.words = load_word_corrector(Path(folder), ngram, word_freq, cloze, row_caps[2])
    load_group_pass(corrector, Path(folder))
    if corrector.words is not None:
        corrector.words.generator.shared = generator
    if with_features or neural is None:
        return corrector
    return HybridCorrector(corrector, neural, float(meta.get("hesitant", 0.1)))

"""Function words written for one another (的/地/得, 在/再, 做/作, 那/哪, 已/以, 即/既): a context classifier per group.

Every occurrence of a group's member in clean formal text is a labelled example of which member that context
wants, so each group gets a multinomial logistic model trained on clean text alone (`review train
function-words`, review/training/function_words.py). Unlike the character classifiers of the group pass
(review/typo/groups.py), it reads the sentence as words: the neighbouring jieba tokens, their dictionary
part-of-speech tags (adverb before 地, verb before 得 …), the characters around and what follows (the length
of the next word, whether the clause ends after it: 跑得快。). The written character itself is never a feature.

Only a member that is a one-character token of the segmentation is read (在 of 现在 is no function word). A
finding is reported only when the model is very sure the written member is wrong: p(written) below
`max_written` and p(best other member) at least `min_best` (per group, lexicons/typo/typo.toml
[function_words]). The features are mixed into 2^bits buckets with integer arithmetic on cached word hashes, so
a 1,000-character post costs well under a millisecond.

Stored as plain arrays in ``models/function_words/function_words.npz`` (float16 weights, float32 biases, the
tag table and a JSON ``meta``); NumPy only at run time.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from review.resources import open_arrays
from review.typo.word_tags import WordTags

MODEL_FILE = "function_words.npz"
BOUNDARY = "\x02"  # the word before the text's start and after its end
# how many tokens each side a position reads (the features below use at most two)
REACH = 2
_MASK32 = 0xFFFFFFFF
_WORD_CACHE_LIMIT = 200_000  # distinct words whose hash is kept (bounded: a post of random words cannot grow it)
DOUBLED_DE = re.compile(r"(.)\1的")  # 悄悄的: see split_reduplicated


@dataclass(frozen=True)
class FunctionWordHit:
    """A member the model doubts: text[start:end] (one character) should read `word`."""

    start: int
    end: int
    written: str
    word: str
    probability: float  # the model's probability of `word` there
    written_probability: float


@dataclass(frozen=True)
class GroupThresholds:
    """When a written member is reported: p(written) < max_written and p(best other member) ≥ min_best."""

    max_written: float
    min_best: float


def tag_of_unknown(word: str) -> str:
    """A tag for a word the dictionary does not tag: punctuation, number, Latin, or unknown."""
    if word == BOUNDARY:
        return "BOS"
    first = word[0]
    if first.isdigit():
        return "m"
    if first.isascii() and first.isalpha():
        return "eng"
    if "\u4e00" <= first <= "\u9fff":
        return "unk"
    return "x:" + first if len(word) == 1 else "x"


class FeatureHasher:
    """Hashed context features of a one-character token: integer mixing of cached word, tag and character
    hashes (one definition for training and run time)."""

    def __init__(self, tags: Mapping[str, str], bits: int) -> None:
        self.tags = tags
        self.bits = bits
        self.mask = (1 << bits) - 1
        self._word_hash: dict[str, int] = {}
        self._tag_hash: dict[str, int] = {}
        self._word_tag_hash: dict[str, int] = {}

    def word_hash(self, word: str) -> int:
        """A stable 32-bit hash of a word (crc32), cached."""
        value = self._word_hash.get(word)
        if value is None:
            value = zlib.crc32(("w" + word).encode("utf-8"))
            if len(self._word_hash) < _WORD_CACHE_LIMIT:
                self._word_hash[word] = value
        return value

    def tag_hash(self, word: str) -> int:
        """A stable 32-bit hash of the word's dictionary tag (or its class when untagged), cached by word."""
        value = self._word_tag_hash.get(word)
        if value is None:
            tag = self.tags.get(word) or tag_of_unknown(word)
            value = self._tag_hash.get(tag)
            if value is None:
                value = self._tag_hash[tag] = zlib.crc32(("t" + tag).encode("utf-8"))
            if len(self._word_tag_hash) < _WORD_CACHE_LIMIT:
                self._word_tag_hash[word] = value
        return value

    def features(self, words: Sequence[str], k: int) -> list[int]:
        """Bucket ids of the context of words[k] (a one-character member; never read itself)."""
        word = self.word_hash
        tag = self.tag_hash
        n = len(words)
        w_2 = words[k - 2] if k >= 2 else BOUNDARY
        w_1 = words[k - 1] if k >= 1 else BOUNDARY
        w1 = words[k + 1] if k + 1 < n else BOUNDARY
        w2 = words[k + 2] if k + 2 < n else BOUNDARY
        hw_2, hw_1, hw1, hw2 = word(w_2), word(w_1), word(w1), word(w2)
        ht_2, ht_1, ht1, ht2 = tag(w_2), tag(w_1), tag(w1), tag(w2)
        c_1, c1 = word(w_1[-1]), word(w1[0])
        length1 = len(w1) if w1 != BOUNDARY else 0
        shape_1 = word_shape(w_1)
        values = (
            1,
            hw_1, hw1, hw_2, hw2,
            ht_1, ht1, ht_2, ht2,
            _pair(ht_1, ht1), _pair(hw_1, ht1), _pair(ht_1, hw1), _pair(hw_1, hw1),
            _pair(ht1, ht2), _pair(hw1, hw2), _pair(ht_2, ht_1), _pair(hw_2, hw_1),
            c_1, c1, _pair(c_1, c1),
            _pair(min(length1, 4), ht2), _pair(_pair(ht_1, ht1), ht2), _pair(_pair(hw1, length1), ht2),
            _pair(c_1, ht1), _pair(shape_1, ht1), _pair(_pair(min(len(w_1), 4), ht_1), ht1),
        )
        mask = self.mask
        return [((v * 0x9E3779B1 + t * 0x85EBCA77) >> 7) & mask for t, v in enumerate(values)]


    def feature_matrix(self, words: Sequence[str], ks: Sequence[int]) -> np.ndarray:
        """`features(words, k)` for every k of `ks` as one (len(ks), FEATURE_COUNT) int64 array: the same ids,
        computed with NumPy on the neighbours' hashes (a few times faster for a post's ~60 members)."""
        n = len(words)
        word, tag = self.word_hash, self.tag_hash
        # the words at offsets -2, -1, +1, +2 of each position (BOUNDARY outside the text)
        around = [[words[k + d] if 0 <= k + d < n else BOUNDARY for k in ks] for d in (-2, -1, 1, 2)]
        hw_2, hw_1, hw1, hw2 = (np.array([word(w) for w in column], dtype=np.uint64) for column in around)
        ht_2, ht_1, ht1, ht2 = (np.array([tag(w) for w in column], dtype=np.uint64) for column in around)
        c_1 = np.array([word(w[-1]) for w in around[1]], dtype=np.uint64)
        c1 = np.array([word(w[0]) for w in around[2]], dtype=np.uint64)
        length1 = np.array([len(w) if w != BOUNDARY else 0 for w in around[2]], dtype=np.uint64)
        shape_1 = np.array([word_shape(w) for w in around[1]], dtype=np.uint64)
        length_1 = np.array([min(len(w), 4) for w in around[1]], dtype=np.uint64)
        pair = _pair_array
        one = np.ones(len(ks), dtype=np.uint64)
        values = (
            one,
            hw_1, hw1, hw_2, hw2,
            ht_1, ht1, ht_2, ht2,
            pair(ht_1, ht1), pair(hw_1, ht1), pair(ht_1, hw1), pair(hw_1, hw1),
            pair(ht1, ht2), pair(hw1, hw2), pair(ht_2, ht_1), pair(hw_2, hw_1),
            c_1, c1, pair(c_1, c1),
            pair(np.minimum(length1, 4), ht2), pair(pair(ht_1, ht1), ht2), pair(pair(hw1, length1), ht2),
            pair(c_1, ht1), pair(shape_1, ht1), pair(pair(length_1, ht_1), ht1),
        )
        out = np.stack(values, axis=1)  # (positions, templates), each value < 2^32
        out = (out * np.uint64(0x9E3779B1) + _TEMPLATE_SALT[None, :]) >> np.uint64(7)
        return (out & np.uint64(self.mask)).astype(np.int64)


FEATURE_COUNT = 26
_TEMPLATE_SALT = np.arange(FEATURE_COUNT, dtype=np.uint64) * np.uint64(0x85EBCA77)


def _pair_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`_pair` on arrays of values below 2^32 (no product leaves 64 bits, so the ids are the same)."""
    return ((a * np.uint64(0x27D4EB2F)) ^ (b + np.uint64(0x165667B1) + (a << np.uint64(6)) + (a >> np.uint64(2)))
            ) & np.uint64(_MASK32)


def word_shape(word: str) -> int:
    """Reduplication shape of a word (慢慢 AA, 认认真真 AABB, 乐呵呵 ABB: adverbs before 地), else 0."""
    n = len(word)
    if n == 2 and word[0] == word[1]:
        return 1
    if n == 4 and word[0] == word[1] and word[2] == word[3]:
        return 2
    if n == 3 and word[1] == word[2]:
        return 3
    return 0


def _pair(a: int, b: int) -> int:
    return ((a * 0x27D4EB2F) ^ (b + 0x165667B1 + (a << 6) + (a >> 2))) & _MASK32


class FunctionWordModel:
    """Per group: weights (members, 2^bits) and biases; p(member | context) by softmax."""

    def __init__(self, groups: list[str], weights: list[np.ndarray], biases: list[np.ndarray],
                 tags: Mapping[str, str], bits: int, meta: dict | None = None) -> None:
        self.groups = groups
        self.weights = weights
        self.biases = biases
        self.bits = bits
        self.meta = meta or {}
        self.hasher = FeatureHasher(tags, bits)
        self.group_of = {ch: g for g, group in enumerate(groups) for ch in group}

    def probabilities(self, group: int, rows: np.ndarray) -> np.ndarray:
        """(n, members) probabilities of the group's members for rows of bucket ids (n, FEATURE_COUNT)."""
        weights = self.weights[group]
        logits = weights[:, rows].astype(np.float32).sum(2).T + self.biases[group][None, :]
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(1, keepdims=True)

    def save(self, path: Path) -> None:
        """Write the model as plain arrays (float16 weights)."""
        words = sorted(self.hasher.tags)
        tag_names = sorted(set(self.hasher.tags.values()))
        tag_index = {t: i for i, t in enumerate(tag_names)}
        arrays = {f"weights_{g}": w.astype(np.float16) for g, w in enumerate(self.weights)}
        arrays.update({f"bias_{g}": b.astype(np.float32) for g, b in enumerate(self.biases)})
        arrays["tag_words"] = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
        arrays["tag_ids"] = np.array([tag_index[self.hasher.tags[w]] for w in words], dtype=np.uint8)
        meta = dict(self.meta, groups=self.groups, bits=self.bits, tag_names=tag_names)
        arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> "FunctionWordModel":
        """Read a model written by `save` (no pickles)."""
        with open_arrays(path) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            groups = list(meta["groups"])
            weights = [data[f"weights_{g}"] for g in range(len(groups))]
            biases = [data[f"bias_{g}"].astype(np.float32) for g in range(len(groups))]
            tags = WordTags(bytes(data["tag_words"]), bytes(data["tag_ids"]), meta["tag_names"])
        return cls(groups, weights, biases, tags, int(meta["bits"]), meta)


def split_reduplicated(tokens: Sequence) -> Sequence:
    """The tokens with a reduplicated word and its 的 that jieba joined (悄悄的, 大大的) cut in two, so that the
    的 is read like the one of 慢慢|的 (悄悄的|走 → 悄悄|的|走)."""
    if not any(len(t.word) == 3 and t.word[2] == "的" and t.word[0] == t.word[1] for t in tokens):
        return tokens
    from review.segment import Token

    out = []
    for t in tokens:
        w = t.word
        if len(w) == 3 and w[2] == "的" and w[0] == w[1]:
            out += [Token(w[:2], t.start, t.start + 2), Token("的", t.start + 2, t.end)]
        else:
            out.append(t)
    return out


def _starts_a_word(word: str) -> bool:
    first = word[0]
    return "\u4e00" <= first <= "\u9fff" or first.isalnum()


def member_positions(words: Sequence[str], group_of: dict[str, int]) -> list[int]:
    """Indexes of the one-character tokens that are members of a group."""
    return [k for k, w in enumerate(words) if w in group_of]  # its keys are single characters


class FunctionWordDetector:
    """Finds function words the context says are the wrong member of their group.

    With a `second` opinion (the character classifiers of the group pass, models/groups: four characters each
    side, trained on other clean text), the two models' probabilities are multiplied and renormalised over the
    group's members before the thresholds apply: the two read different things (words and tags; characters), and
    on the development data their product found 88 of cctc_train's 的 errors at the false-finding rate where this
    model alone found 41 (docs/typo.md)."""

    def __init__(self, model: FunctionWordModel, thresholds: dict[str, GroupThresholds], second=None,
                 second_for: str | None = None, max_hits_per_1000: int = 5) -> None:
        self.model = model
        # keyed by the written member: a member without thresholds is never reported (得 written for 的 is rare
        # in real writing, and formal text has too few 得 complements for the model to be sure of them)
        self.thresholds = thresholds
        self.group_of = {ch: g for ch, g in model.group_of.items() if ch in thresholds}
        self.second = second
        self.max_hits_per_1000 = max_hits_per_1000  # findings per started 1,000 characters, at most
        # the written members whose probabilities are the product (None: all); for the others the two models
        # disagree with writers more often together than this model alone (再, 做, 已, 以 in the tuning news)
        self.second_for = frozenset(second_for) if second_for is not None else None
        # per group of this model: where each member sits in the second model's probability rows (all members in
        # one of its groups), else None (this model decides alone)
        self.second_columns: list[np.ndarray | None] = [_columns_in(group, second) for group in model.groups]

    def find(self, text: str, tokens: Sequence) -> list[FunctionWordHit]:
        """Members (one-character tokens) whose context wants another member, very surely."""
        if DOUBLED_DE.search(text):  # a regular expression over the text is cheaper than a look at every token
            tokens = split_reduplicated(tokens)
        words = [t.word for t in tokens]
        # a function word of these groups is always followed by the word it joins (认真地|学习, 跑得|快): at the
        # end of a text or before punctuation the member is something else (认真的。), so it is not read there
        # ... and a member next to another member (的的, 的在: a doubled word or a hostile text, 的 × 20,000) is no
        # choice between members
        members = self.model.group_of
        positions = [k for k in member_positions(words, self.group_of)
                     if k + 1 < len(words) and _starts_a_word(words[k + 1]) and words[k + 1] not in members
                     and (k == 0 or words[k - 1] not in members)]
        if not positions:
            return []
        hits: list[FunctionWordHit] = []
        # every position's features in one NumPy pass (a call per group costs more than the arithmetic)
        features = self.model.hasher.feature_matrix(words, positions)
        groups = np.array([self.group_of[words[k]] for k in positions])
        second = self._second_opinion(text, tokens, positions) if self.second is not None else None
        for g in np.unique(groups).tolist():
            rows = np.flatnonzero(groups == g)
            p = self.model.probabilities(g, features[rows])
            columns = self.second_columns[g]
            if second is not None and columns is not None:
                joint = p * second[rows][:, columns]
                joint /= np.maximum(joint.sum(1, keepdims=True), 1e-30)
                if self.second_for is None:
                    p = joint
                else:
                    chosen = np.array([words[positions[i]] in self.second_for for i in rows.tolist()])
                    p = np.where(chosen[:, None], joint, p)
            group = self.model.groups[g]
            for row, index in enumerate(rows.tolist()):
                k = positions[index]
                limits = self.thresholds[words[k]]
                written = group.index(words[k])
                p_written = float(p[row, written])
                if p_written >= limits.max_written:
                    continue
                others = p[row].copy()
                others[written] = -1.0
                best = int(others.argmax())
                if others[best] < limits.min_best:
                    continue
                token = tokens[k]
                hits.append(FunctionWordHit(token.start, token.end, words[k], group[best], float(others[best]),
                                            p_written))
        limit = self.max_hits_per_1000 * (1 + len(text) // 1000)
        if len(hits) > limit:  # the most probable; a text that wants more is no ordinary post
            hits = sorted(hits, key=lambda h: -h.probability)[:limit]
        hits.sort(key=lambda h: h.start)
        return hits

    def _second_opinion(self, text: str, tokens: Sequence, positions: list[int]) -> np.ndarray | None:
        """The second model's (positions, widest) member probabilities at the members it is asked about (rows
        of the others are ones), or None when it is asked about none."""
        from review.typo.ngram import encode

        words = [tokens[k].word for k in positions]
        asked = np.array([self.second_columns[self.group_of[w]] is not None
                          and (self.second_for is None or w in self.second_for) for w in words])
        if not asked.any():
            return None
        widest = max(len(g) for g in self.second.groups)
        out = np.ones((len(positions), widest))
        starts = np.array([tokens[k].start for k in positions])[asked]
        out[asked] = self.second.probabilities(encode(text), starts)
        return out


def _columns_in(group: str, second) -> np.ndarray | None:
    """Indexes of `group`'s members in the second model's rows, when one of its groups holds them all."""
    if second is None:
        return None
    for other in second.groups:
        if all(ch in other for ch in group):
            return np.array([other.index(ch) for ch in group])
    return None


def parse_thresholds(table: dict) -> dict[str, GroupThresholds]:
    """{written member: GroupThresholds} of the [function_words.thresholds] table ({"的" = [0.02, 0.95], …})."""
    out = {}
    for member, pair in table.items():
        max_written, min_best = (float(x) for x in pair)
        if len(member) != 1 or not (0.0 <= max_written <= 1.0 and 0.0 <= min_best <= 1.0):
            raise ValueError(f"function-word thresholds: {member!r} = {pair!r} (one character; values in [0, 1])")
        out[member] = GroupThresholds(max_written, min_best)
    return out


__all__ = ["FunctionWordDetector", "FunctionWordModel", "FunctionWordHit", "GroupThresholds", "FeatureHasher",
           "member_positions", "parse_thresholds", "word_shape", "MODEL_FILE", "FEATURE_COUNT"]

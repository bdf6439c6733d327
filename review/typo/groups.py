"""Context classifiers for groups of frequent characters that writers swap (的/地/得, 在/再, 那/哪 …).

Over a quarter of the training pairs' errors never become a candidate of the reranker (review/typo/rerank.py):
the right character fits the trigrams no better than the wrong one (跑的很快 / 跑得很快 both read well one
character each side). For a handful of very frequent characters (lexicons/confusion/groups.tsv) that is most
of their errors. Clean text says which member of a group belongs in a context hundreds of thousands of times,
so each group gets a classifier trained on clean formal text alone (`review train groups`): multinomial
logistic regression over hashed features of the four characters each side (single characters, pairs and
triples at fixed offsets). The character itself is not a feature: the classifier says which member the
context wants.

It does not decide alone (on clean news it disagrees with the writer far too often for that). In the group pass
(`CandidateGenerator.generate(groups_only=True)` in review/typo/rerank.py) a member the classifier doubts is
examined, the group's other members become candidates, and a tree ensemble of their own
(models/csc/rerank_groups.npz) decides from the reranker's features plus the classifier's two probabilities.

Stored as plain arrays in ``models/groups/groups.npz`` (float16 weights, the groups, a JSON ``meta``); NumPy
only at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from review.resources import open_arrays

GROUPS_FILE = "groups.npz"
REACH = 4  # characters read on each side
# the offsets each feature reads (relative to the position); the position's own character is never read
TEMPLATES: Tuple[Tuple[int, ...], ...] = (
    (-1,), (1,), (-2,), (2,), (-3,), (3,), (-4,), (4,),
    (-2, -1), (1, 2), (-1, 1), (-3, -2), (2, 3),
    (-3, -2, -1), (1, 2, 3), (-2, -1, 1), (-1, 1, 2),
)


def _template_multipliers() -> np.ndarray:
    """(window columns, templates) multipliers: odd where the template reads the column, else 0.

    A feature's id is the mixed sum of its characters times their multipliers: all templates of all positions
    in one integer matrix product."""
    out = np.zeros((2 * REACH + 1, len(TEMPLATES)), dtype=np.uint64)
    for t, offsets in enumerate(TEMPLATES):
        for offset in offsets:
            out[REACH + offset, t] = (0x9E3779B97F4A7C15 * (t * 16 + offset + 8) * 2 + 1) & (2**64 - 1)
    return out


_MULTIPLIERS = _template_multipliers()
_TEMPLATE_IDS = np.arange(1, len(TEMPLATES) + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def read_groups(path: Path) -> List[str]:
    """The groups of a groups.tsv file (first column of each non-comment line), checked to be disjoint."""
    groups: List[str] = []
    seen: Dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        group = line.split("\t")[0].strip()
        if len(group) < 2 or len(set(group)) != len(group):
            raise ValueError(f"{path}:{number}: a group needs two or more distinct characters, got {group!r}")
        for ch in group:
            if ch in seen:
                raise ValueError(f"{path}:{number}: {ch} is already in group {seen[ch]}")
            seen[ch] = group
        groups.append(group)
    return groups


def feature_buckets(codes: np.ndarray, positions: np.ndarray, bits: int) -> np.ndarray:
    """(len(positions), len(TEMPLATES)) hashed feature ids of the contexts of `positions` in `codes` (code
    points as `review.typo.ngram.encode` gives them)."""
    padded = np.concatenate([np.zeros(REACH, np.int64), codes, np.zeros(REACH, np.int64)])
    at = positions.astype(np.int64) + REACH
    # the window, columns -REACH..REACH; past a boundary symbol (punctuation, digits, Latin) every character
    # reads as the boundary, so a sentence alone and the same sentence inside a longer text give the same ids
    window = padded[at[:, None] + np.arange(-REACH, REACH + 1)[None, :]]
    window[:, REACH + 1:] *= np.cumprod(window[:, REACH + 1:] != 0, axis=1)
    window[:, :REACH] *= np.cumprod(window[:, REACH - 1::-1] != 0, axis=1)[:, ::-1]
    h = window.astype(np.uint64) @ _MULTIPLIERS + _TEMPLATE_IDS  # (n, T), wrapping modulo 2**64
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return (h >> np.uint64(64 - bits)).astype(np.int64)


@dataclass
class GroupModel:
    """One weight row per group member over the hashed features, and its bias."""

    groups: List[str]
    # (members of all groups, 2**bits): float32 when fitted, float16 as loaded; None once a loaded model has built
    # its run-time table (`prepare`), which is all the run time reads
    weights: np.ndarray | None
    bias: np.ndarray  # (members,)
    bits: int
    meta: dict

    def __post_init__(self) -> None:
        self.first = np.cumsum([0] + [len(g) for g in self.groups])[:-1]
        # code point -> (row of its group's first member + 1, its index in the group); 0 = in no group
        top = max((ord(c) for g in self.groups for c in g), default=0) + 1
        self._start = np.zeros(top + 1, dtype=np.int64)
        self._index = np.zeros(top + 1, dtype=np.int64)
        self._size = np.zeros(top + 1, dtype=np.int64)
        for first, group in zip(self.first, self.groups):
            for k, ch in enumerate(group):
                self._start[ord(ch)], self._index[ord(ch)], self._size[ord(ch)] = first + 1, k, len(group)
        self._table: Optional[np.ndarray] = None

    def prepare(self) -> np.ndarray:
        """The weights laid out for run time: group g's bucket b is row g * 2**bits + b, its members' weights
        side by side (float16, 0 past the group's size), so that a feature costs one cache line, not one per
        member (the float32 rows, 17 MB, slowed the rest of the typo check by evicting its tables). Built on first
        use (~20 ms); long-running processes build it at warm-up (`CandidateGenerator.prepare`)."""
        if self._table is None:
            size = 1 << self.bits
            table = np.zeros((len(self.groups) * size, self.widest), dtype=np.float16)
            for g, (first, group) in enumerate(zip(self.first, self.groups)):
                table[g * size: (g + 1) * size, : len(group)] = self.weights[first: first + len(group)].T
            self._table = table
            if self.weights.dtype == np.float16:
                # a loaded model: the table holds every weight, and the file's rows would be 7.75 MB more in
                # every process (a model being fitted keeps its float32 rows for training and `save`)
                self.weights = None
        return self._table

    @property
    def widest(self) -> int:
        """Members of the largest group."""
        return max((len(g) for g in self.groups), default=1)

    def keys(self, codes: np.ndarray) -> np.ndarray:
        """Per code point: a key of its group (equal keys = same group), 0 for characters in no group."""
        # code points past the table clip to its last entry, which holds no member
        return self._start.take(codes, mode="clip")

    def member_index(self, codes: np.ndarray) -> np.ndarray:
        """Per code point: its index in its group (0 for characters in no group)."""
        return self._index.take(codes, mode="clip")

    def member_positions(self, codes: np.ndarray) -> np.ndarray:
        """Positions of `codes` holding a character of some group."""
        return np.flatnonzero(self.keys(codes))

    def probabilities(self, codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """(len(positions), widest): at each position (each holding a group member) the probabilities of its
        group's members in group order, 0 past the group's size."""
        widest = self.widest
        if not len(positions):
            return np.zeros((0, widest))
        held = codes[positions]
        start, size = self._start[held] - 1, self._size[held]
        group = np.searchsorted(self.first, start)
        buckets = feature_buckets(codes, positions, self.bits) + (group << self.bits)[:, None]  # (n, T)
        rows = np.minimum(start[:, None] + np.arange(widest)[None, :], len(self.bias) - 1)  # (n, widest)
        logits = self.bias[rows] + self.prepare()[buckets].sum(1, dtype=np.float32)
        inside = np.arange(widest)[None, :] < size[:, None]
        logits = np.where(inside, logits, -np.inf)
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(1, keepdims=True)

    def save(self, path: Path) -> None:
        """Write the weights (float16), the groups and the meta to one .npz file."""
        if self.weights is None:
            raise ValueError("a loaded group model keeps only its run-time table once used: save it before that")
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32),
                            groups=np.array(self.groups), bits=np.array([self.bits]),
                            meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path) -> "GroupModel":
        """Read a model written by `save`."""
        with open_arrays(path) as d:
            # float16 as stored: only `prepare`'s table reads the weights at run time
            return cls([str(g) for g in d["groups"]], d["weights"], d["bias"].astype(np.float32),
                       int(d["bits"][0]), json.loads(str(d["meta"])))


def load_groups(folder: Path) -> Optional[GroupModel]:
    """The group classifiers of `folder`'s groups.npz (None when there is none), read once per process and file
    version: the character pass and the function-word detector's second opinion share one (read twice, 0.05 s)."""
    path = Path(folder) / GROUPS_FILE
    if not path.exists():
        return None
    stat = path.stat()
    return _read_groups(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _read_groups(path: Path, mtime_ns: int, size: int) -> GroupModel:
    """`GroupModel.load` of `path`, cached by its version (a rewritten file is read again)."""
    return GroupModel.load(path)

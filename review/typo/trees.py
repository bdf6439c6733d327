"""Gradient-boosted regression trees stored as plain arrays (no pickle): the deciders of the typo model."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np

from review.resources import open_arrays
from review.typo.candidates import FEATURES


class TreeEnsemble:
    """Gradient-boosted regression trees as flat arrays: P(correct) = sigmoid(bias + sum of leaf values)."""

    COMPACT_AT = 3  # from this level of the walk on, only the pairs not yet at a leaf walk on

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 value: np.ndarray, roots: np.ndarray, bias: float, depth: int, names: Sequence[str]) -> None:
        self.feature, self.threshold, self.left, self.right = feature, threshold, left, right
        self.value, self.roots, self.bias, self.depth = value, roots, float(bias), int(depth)
        self.names = tuple(names)
        self._walk: Optional[tuple] = None

    # rows walked at once: the walk holds a few (rows, trees) arrays, ~8 KB a row with 200 trees, so memory stays
    # bounded however many rows a text has (all at once, 的 × 20,000 once needed 8 GB), and blocks of at most 256
    # rows (~2 MB of walk arrays) keep them in the CPU caches: 2.4 against 4.2 ms a call over 120 news and dev
    # texts' rows when blocks were 2,048 rows (the same probabilities, rows are independent)
    BLOCK_ROWS = 256

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability that each row of `x` is a correct correction (rows are independent: walked in blocks of
        equal size, at most BLOCK_ROWS)."""
        if len(x) <= self.BLOCK_ROWS:
            return self._predict_block(x)
        blocks = -(-len(x) // self.BLOCK_ROWS)
        size = -(-len(x) // blocks)
        return np.concatenate([self._predict_block(x[i: i + size]) for i in range(0, len(x), size)])

    def _predict_block(self, x: np.ndarray) -> np.ndarray:
        """`predict` of one block of rows."""
        if len(x) == 0:
            return np.zeros(0)
        if self._walk is None:
            self._walk = self._walk_arrays()
        feature, threshold, children, inner, value, root_feature, root_threshold, roots, steps = self._walk
        n, trees = len(x), len(roots)
        rows = np.ascontiguousarray(x, dtype=np.float32)
        # row-major, as given: a row's features share a few cache lines, which its 200 trees' tests all read, and
        # the node's feature is the offset within the row (no per-call product or transposed copy)
        cells = rows.ravel()
        width = rows.shape[1]
        # the walk's state of each (row, tree) pair: twice its node, plus 1 once it has gone right
        state = np.empty((n, trees), dtype=np.intp)
        state[:] = roots
        if steps:
            # the roots' tests need no gather of node data: one column of `x` per tree
            state += rows[:, root_feature] > root_threshold
            children.take(state, out=state, mode="clip")
        # the next levels on every pair, in arrays allocated once (fresh ones each step cost page faults); every
        # index is in range, so the gathers skip their bounds checks (mode="clip")
        full = min(steps, self.COMPACT_AT)
        offsets = (np.arange(n) * width)[:, None]
        at, seen = np.empty_like(state), np.empty(state.shape, dtype=np.float32)
        limit, right = np.empty(state.shape, dtype=threshold.dtype), np.empty(state.shape, dtype=bool)
        for _ in range(1, full):
            feature.take(state, out=at, mode="clip")
            at += offsets
            cells.take(at, out=seen, mode="clip")
            threshold.take(state, out=limit, mode="clip")
            np.greater(seen, limit, out=right)
            state += right
            children.take(state, out=state, mode="clip")
        # deeper levels only on the pairs not yet at a leaf (about two thirds at the third level, under half
        # at the fifth); leaves loop back to themselves, so a pair reaching one on the way stays there
        if steps > full:
            flat = state.reshape(-1)
            live = inner.take(flat, mode="clip").nonzero()[0]
            walking, row = flat[live], live // trees * width
            for _ in range(full, steps):
                went = cells.take(feature.take(walking, mode="clip") + row, mode="clip") > threshold.take(
                    walking, mode="clip")
                walking += went
                children.take(walking, out=walking, mode="clip")
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
        with open_arrays(path) as d:
            model = cls(d["feature"].astype(np.int64), d["threshold"].astype(np.float32), d["left"].astype(np.int64),
                        d["right"].astype(np.int64), d["value"].astype(np.float64), d["roots"].astype(np.int64),
                        float(d["bias"][0]), int(d["depth"][0]), [str(n) for n in d["names"]])
            meta = json.loads(str(d["meta"]))
        if model.names != tuple(names):
            raise ValueError(f"{path}: features {model.names} differ from this version's {tuple(names)}: retrain it")
        return model, meta

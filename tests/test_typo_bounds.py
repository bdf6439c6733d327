"""The typo check's exact shortcuts (issue 22) give what the plain computation gives.

The n-gram bound that skips confusion neighbours which cannot reach the gain floor (`NgramModel.local_logprob`'s
`least`), the hash index of the non-word detectors' counts, the row-major tree walk, and the counted detector's
features computed only for the candidates that pass its two gates.
"""

from __future__ import annotations

import numpy as np
import pytest

from review.resources import model_path
from review.typo.confusion import shipped_confusion
from review.typo.ngram import BITS, NgramModel, bigram_keys, encode, padded
from review.typo.nonwords import SeenBigrams, TokenCounts
from review.typo.trees import TreeEnsemble

NGRAM = model_path("ngram", "ngram.npz")
RERANK = model_path("csc", "rerank.npz")
SEEN = model_path("nonwords", "seen_bigrams.npz")
TOKENS = model_path("nonwords", "token_counts.npz")
TEXT = ("国务院新闻办公室今天举行新闻发布会，介绍前三季度国民经济运行情况。各地区各部门认真贯彻落实党中央决策部署，"
        "经济运行总体平稳、稳中有进，就业形势基本稳定，居民消费价格温和上涨。会议强调要再接再励，坚持稳中求进工作总基调。"
        "市民反映小区门口的路灯坏了好几天，晚上出行很不方便，希望有关部门尽快维修。")


@pytest.fixture(scope="module")
def ngram() -> NgramModel:
    if not NGRAM.exists():
        pytest.skip("no n-gram model")
    return NgramModel.load(NGRAM)  # its own copy: the shared one may have let its sorted keys go


def test_no_trigram_is_counted_more_often_than_either_of_its_bigrams(ngram):
    """The invariant the bound rests on (one corpus: every a b c is an a b and a b c), over the whole model."""
    keys, counts = ngram.trigrams.keys, ngram.trigrams.counts.astype(np.float64)
    mask = (1 << BITS) - 1
    a, b, c = keys >> (2 * BITS), (keys >> BITS) & mask, keys & mask
    assert (counts <= ngram.bigrams.lookup(bigram_keys(a, b))).all()
    assert (counts <= ngram.bigrams.lookup(bigram_keys(b, c))).all()


def _neighbour_rows(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(padded codes, positions, candidate code points, owners): every confusion neighbour of every Chinese
    character of `text`, as the candidate generator scores them."""
    confusion = shipped_confusion()
    codes = encode(text)
    positions = np.flatnonzero(codes)
    chars, owners = [], []
    for k, p in enumerate(positions.tolist()):
        for ch in sorted(confusion.candidates(text[p])):
            chars.append(ord(ch))
            owners.append(k)
    return padded(codes), positions, np.array(chars, dtype=np.int64), np.array(owners, dtype=np.int64)


def test_rows_that_cannot_reach_the_floor_are_skipped_and_the_rest_keep_their_bits(ngram):
    cp, positions, chars, owners = _neighbour_rows(TEXT)
    counts = ngram.text_counts(cp)
    plain = ngram.local_logprob(cp, positions, chars, owners, counts, parts=True)
    base = ngram.source_logprob(cp, positions, counts)[owners]
    least = base + 2.0  # the candidate generator's floor
    bounded = ngram.local_logprob(cp, positions, chars, owners, counts, parts=True, least=least)
    skipped = np.isneginf(bounded).all(0)
    assert skipped.sum() > len(chars) // 2  # most neighbours are skipped (must fire) ...
    total = plain.sum(0)
    assert (total[skipped] < least[skipped]).all()  # ... and only where the plain value stays below the floor
    reaching = total - base >= 2.0
    assert reaching.any() and not skipped[reaching].any()  # a row that reaches the floor is never skipped
    assert np.array_equal(bounded[:, ~skipped], plain[:, ~skipped])  # the same bits
    # a least each row reaches exactly skips nothing (must not fire); without parts the sums are the same bits
    assert not np.isneginf(ngram.local_logprob(cp, positions, chars, owners, counts, least=total)).any()
    summed = ngram.local_logprob(cp, positions, chars, owners, counts, least=least)
    assert np.array_equal(summed[~skipped], ngram.local_logprob(cp, positions, chars, owners, counts)[~skipped])


@pytest.mark.parametrize("path, kind", [(SEEN, SeenBigrams), (TOKENS, TokenCounts)])
def test_hash_indexed_counts_equal_the_binary_search(path, kind):
    if not path.exists():
        pytest.skip("no non-word counts")
    table = kind.load(path)
    keys = table.keys.astype(np.int64)
    queries = np.concatenate([keys[::50], keys[::70] + 1, [-1, -1, 0, 5]]).astype(np.int64)
    np.random.default_rng(3).shuffle(queries)
    before = table.lookup_keys(queries)
    table.prepare()
    after = table.lookup_keys(queries)
    assert after.dtype == before.dtype == np.int64
    assert np.array_equal(after, before) and before.any() and not before.all()
    assert np.array_equal(table.lookup_keys([]), np.zeros(0, dtype=np.int64))


def _walk(model: TreeEnsemble, row: np.ndarray) -> float:
    """P(correct) of one row, tree by tree from the stored node arrays (the definition the walk speeds up)."""
    margin = model.bias
    for node in model.roots.tolist():
        while model.feature[node] >= 0:
            node = model.right[node] if row[model.feature[node]] > model.threshold[node] else model.left[node]
        margin += model.value[node]
    return 1.0 / (1.0 + np.exp(-margin))


def test_the_tree_walk_gives_each_rows_own_probability():
    if not RERANK.exists():
        pytest.skip("no reranker")
    model, _ = TreeEnsemble.load(RERANK)
    rng = np.random.default_rng(4)
    inner = model.feature >= 0
    # rows of random values and rows sitting exactly on the thresholds the trees test (ties go left)
    rows = rng.normal(0, 6, size=(300, len(model.names))).astype(np.float32)
    rows[::3, model.feature[inner][:100] % len(model.names)] = model.threshold[inner][:100]
    got = model.predict(rows)
    expected = np.array([_walk(model, row) for row in rows])
    assert np.allclose(got, expected, rtol=1e-12, atol=0)
    assert np.array_equal(model.predict(rows[:7]), got[:7])  # a row's probability does not depend on the others

"""The fluency check's spins with words no list holds: word vectors, the neighbour table, the swap test."""

from __future__ import annotations

import numpy as np
import pytest

from review.checks.fluency import NEIGHBOURS_MODEL, FluencyCheck, load_spin_pairs, load_spinner, word_units
from review.resources import model_path
from review.segment import tokenize
from review.training.fluency import (
    NEIGHBOUR_RATIO,
    NO_NEIGHBOUR,
    classifier_posts,
    neighbour_table,
    pair_fold,
    report_split,
    word_vectors,
)


@pytest.fixture(scope="module")
def check() -> FluencyCheck:
    """One check instance (loads the models once)."""
    return FluencyCheck()


def _swaps(check: FluencyCheck, text: str) -> dict[str, tuple[str, float]]:
    """The words of `text` the swap test flags at `swap_margin`: word → (its commoner neighbour, gain)."""
    words = word_units(tokenize(text))
    at, to, gain = check.swaps(words, check.words.ids([word.form for word in words]))
    return {words[k].form: (check.words.vocabulary[j], g)
            for k, j, g in zip(at.tolist(), to.tolist(), gain.tolist()) if g >= check.swap_margin}


def test_word_vectors_group_words_with_the_same_neighbours() -> None:
    """Two words written between the same neighbours get near vectors; a word with other neighbours does not."""
    rng = np.random.default_rng(0)
    pairs: dict[tuple[int, int], int] = {}
    # words 0 and 1 sit between words 10-14 and 15-19; words 2 and 3 between 20-24 and 25-29
    for words, before, after in (((0, 1), range(10, 15), range(15, 20)), ((2, 3), range(20, 25), range(25, 30))):
        for word in words:
            for left in before:
                pairs[left, word] = int(rng.integers(5, 40))
            for right in after:
                pairs[word, right] = int(rng.integers(5, 40))
    keys = np.array([left * 30 + right for left, right in pairs], dtype=np.int64)
    vectors = word_vectors(keys, np.array(list(pairs.values())), 30, size=6)
    assert vectors.shape == (30, 6)
    assert np.allclose(np.linalg.norm(vectors[:4], axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > 0.8 and vectors[2] @ vectors[3] > 0.8
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.5


def test_neighbour_table_on_a_toy_vocabulary() -> None:
    """A word's neighbours are commoner words: those sharing a character first, most similar first, then similar
    others; single characters and rare-enough commoner words get none; rows fill from their first slot."""
    vocab = ["中", "工作", "开展", "开会", "举行", "展开", "作业"]
    counts = np.array([9000, 5000, 1000, 900, 800, 50, 20])
    vectors = np.array([[0, 0, 1.0], [0.8, 0.6, 0], [1.0, 0, 0], [0.6, 0.8, 0], [0.96, 0.28, 0],
                        [0.98, 0.2, 0], [0.7, 0.7, 0]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    table = neighbour_table(vocab, counts, vectors)

    def row(word: str) -> list[str]:
        return [vocab[j] for j in table[vocab.index(word)].tolist() if j != NO_NEIGHBOUR]

    assert row("展开") == ["开展", "开会", "举行", "工作"]  # 开展 and 开会 share a character; 举行, 工作 are similar
    assert row("作业")[0] == "工作"
    assert row("中") == []  # a single character is not tested
    assert row("工作") == []  # nothing three times commoner is similar (中's vector is orthogonal)
    assert "开会" not in row("开展")  # 900 is not three times 1,000


def test_shipped_neighbours_are_commoner_words(check: FluencyCheck) -> None:
    """models/fluency/neighbours.npz: every row of a word, filled from its first slot, names commoner words; a
    single character has none."""
    with np.load(model_path(*NEIGHBOURS_MODEL), allow_pickle=False) as data:
        table = data["neighbours"]
    counts = check.words.counts
    assert table.shape[0] == len(counts) and table.dtype == np.uint16
    filled = table != NO_NEIGHBOUR
    assert (filled[:, 1:] <= filled[:, :-1]).all()  # no gap before a filled slot
    rows, slots = np.nonzero(filled)
    assert (counts[table[rows, slots]] >= NEIGHBOUR_RATIO * counts[rows]).all()
    single = np.array([len(word) == 1 for word in check.words.vocabulary])
    assert not filled[single].any()
    assert filled[:, 0].mean() > 0.5  # most words have a neighbour to compare with


@pytest.mark.parametrize(("original", "spun", "word"), [
    # pairs of no list: the check has never been told of them
    ("今年以来，我市深入贯彻落实党中央决策部署", "今年以来，我市深入贯彻落实党中央决策部属", "部属"),
    ("加快推进城乡一体化建设", "加快推行城乡一体化建设", "推行"),
    ("密切联系群众", "密切联系大众", "大众"),
])
def test_swap_finds_a_rarer_sibling_of_no_list(check: FluencyCheck, original: str, spun: str, word: str) -> None:
    """A word that fits its place far worse than a commoner neighbour is flagged; the original sentence has no
    such word."""
    listed = {spun for spun, _ in load_spinner()} | {spun for half in ("train", "eval")
                                                     for _, spun in load_spin_pairs(half)}
    assert word not in listed
    found = _swaps(check, spun)
    assert word in found and found[word][1] >= check.swap_margin
    assert word not in _swaps(check, original)


def test_swap_is_rare_in_clean_news(check: FluencyCheck) -> None:
    """Clean formal news: hardly a word is flagged (at most one in a hundred), far fewer than in its spun copy."""
    from tests.test_fluency import NEWS

    words = [word for word in word_units(tokenize(NEWS)) if len(word.form) >= 2]
    assert len(_swaps(check, NEWS)) <= len(words) // 100


def test_analysis_counts_swaps_as_features(check: FluencyCheck) -> None:
    """A post with more flagged words has the larger swap features; the flagged words are reported as spins."""
    from tests.test_fluency import NEWS

    spun = NEWS.replace("部署", "部属").replace("服务", "供职")
    clean = check.analyse(NEWS, tokenize(NEWS))
    worse = check.analyse(spun, tokenize(spun))
    assert worse.features["swap_weak_log"] >= clean.features["swap_weak_log"]
    assert worse.features["swap_log"] > clean.features["swap_log"]
    assert "部属" in {spin.spun for spin in worse.spins}


def test_pair_folds_and_report_split() -> None:
    """The train pairs fall in two non-empty folds; a third or so of report titles are the benchmark's, the rest
    split between the detector and the classifier."""
    folds = [pair_fold(original) for original, _ in load_spin_pairs("train")]
    assert 0.25 < sum(folds) / len(folds) < 0.75
    titles = [f"{year}年国务院政府工作报告" for year in range(1954, 2026)]
    splits = [report_split(title) for title in titles]
    assert splits == [report_split(title) for title in titles]
    assert 0.2 < splits.count("eval") / len(splits) < 0.5
    # the rest falls in both training parts, so the classifier meets reports the detector never read
    assert set(splits) == {"eval", "detector", "classifier"}
    assert 0.2 < splits.count("detector") / (len(splits) - splits.count("eval")) < 0.8


def test_training_check_knows_one_fold_and_posts_use_both() -> None:
    """The check training builds knows only the known fold's spun words; spun training posts come in both
    kinds."""
    known = tuple(pair for pair in load_spin_pairs("train") if pair_fold(pair[0]) == 0)
    other = {spun for original, spun in load_spin_pairs("train") if pair_fold(original) == 1}
    trained = FluencyCheck(spin_pairs=known)
    assert not other & set(trained.word_spinner) - {spun for spun, _ in load_spinner()}
    from tests.test_fluency import NEWS

    texts, labels, kinds = classifier_posts([NEWS] * 30, 3, 0.01)
    assert {"clean", "spun", "spun-unknown"} <= set(kinds)
    assert all(label == (kind != "clean") for label, kind in zip(labels, kinds))


def test_each_source_keeps_its_own_clean_posts_under_the_threshold():
    # news and report chunks score differently; the threshold is set per source, so the source whose clean posts
    # score higher (reports) sets it instead of hiding in the other's count
    from review.training.fluency import FEATURES, fit_heads

    rng = np.random.default_rng(3)
    rows, kinds, sources = [], [], []
    for source, shift, count in (("news", 0.0, 1000), ("report", 1.5, 200)):
        for _ in range(count):
            rows.append(rng.normal(shift, 1.0, len(FEATURES)))
            kinds.append("clean")
            sources.append(source)
            rows.append(rng.normal(shift + 3.0, 1.0, len(FEATURES)))
            kinds.append("spun")
            sources.append(source)
    rows = np.array(rows)
    _, pooled = fit_heads(rows, kinds, 0.02)
    _, per_source = fit_heads(rows, kinds, 0.02, sources)
    by_source = per_source["clean_flagged_train_by_source"]
    assert set(by_source) == {"news", "report"}
    # each head flags at most 1% of each source's clean posts, so at most 2% with both heads
    assert all(rate <= 0.02 for rate in by_source.values())
    assert per_source["clean_flagged_train"] <= pooled["clean_flagged_train"]
    assert per_source["recall_train"]["spun"] > 0.5

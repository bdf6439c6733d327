"""The count-evidence non-word detector (review/typo/nonwords.py, CountedNonwordDetector), fixed phrases at a
clause's start, and the non-word and phrase examples of lexicons/typo/word_examples.tsv run through the check."""

from __future__ import annotations

import numpy as np
import pytest

from review.checks.typo import TypoCheck
from review.pipeline import Reviewer, ReviewOptions
from review.resources import lexicon_path
from review.segment import tokenize
from review.typo.nonwords import COUNTED_FEATURES, CountedSettings, TokenCounts, decode_tokens

WORD_RULES = ("typo.nonword", "typo.nonword.counts", "typo.phrase")


@pytest.fixture(scope="module")
def check() -> TypoCheck:
    return TypoCheck()


@pytest.fixture(scope="module")
def reviewer(check) -> Reviewer:
    reviewer = Reviewer(checks=["typo"])
    reviewer._instances["typo"] = check
    return reviewer


def word_findings(reviewer: Reviewer, text: str) -> list[dict]:
    report = reviewer.review_dict({"text": text}, ReviewOptions.make())
    return [f for f in report["findings"] if f["rule"] in WORD_RULES]


def _examples():
    with open(lexicon_path("typo", "word_examples.tsv"), encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                text, wrong, right = (line.rstrip("\n").split("\t") + ["", ""])[:3]
                yield pytest.param(text, wrong, right, id=text[:12])


@pytest.mark.parametrize("text, wrong, right", list(_examples()))
def test_word_examples(reviewer, text, wrong, right):
    """Each example's non-word or phrase is found with its correction; a clean example gets no such finding."""
    found = [(f["text"], f["suggestion"]) for f in word_findings(reviewer, text)]
    if wrong:
        assert (wrong, right) in found, found
    else:
        assert not found


def test_token_keys_round_trip():
    words = ["耐心", "索要", "反洗钱", "国资委", "一一"]
    keys = np.array(sorted(TokenCounts.key(w) for w in words), dtype=np.uint64)
    assert sorted(decode_tokens(keys)) == sorted(words)
    assert TokenCounts.key("A股") == -1 and TokenCounts.key("字") == -1 and TokenCounts.key("四个字词") == -1


def test_token_counts_lookup():
    pairs = sorted((TokenCounts.key(w), n) for w, n in (("值守", 7), ("反洗钱", 9)))
    table = TokenCounts(np.array([k for k, _ in pairs], dtype=np.uint64),
                        np.array([n for _, n in pairs], dtype=np.uint16))
    assert table.count("值守") == 7 and table.count("反洗钱") == 9
    assert table.count("值首") == 0 and table.count("Ab") == 0
    assert list(table.lookup(["反洗钱", "值守", "洗钱"])) == [9, 7, 0]
    assert table.lookup([]).shape == (0,)


def test_anchor_across_jiebas_cut(check):
    """应锁|要: jieba's cut hides the non-word; the correction 索要 crosses it."""
    detector = check.counted_nonwords
    assert detector is not None
    text = "消费者应锁要发票。"
    assert [t.word for t in tokenize(text)][:3] == ["消费者", "应锁", "要"]
    found = detector.candidates(text, tokenize(text))
    crossing = [c for c in found if c.word == "索要"]
    assert crossing and text[crossing[0].start:crossing[0].end] == "锁要" and not crossing[0].same_token
    clean = "消费者应索要发票。"
    assert not [c for c in detector.candidates(clean, tokenize(clean)) if c.start <= 4 < c.end]


def test_pair_joined_by_jieba_is_an_anchor_though_counted_across_words(check):
    """值首 occurs in the corpora only across words (产值|首次); joined into one token it is a non-word."""
    detector = check.counted_nonwords
    text = "加强值班值首工作。"
    found = [c for c in detector.candidates(text, tokenize(text)) if c.word == "值守"]
    assert found and found[0].joined
    assert not [c for c in detector.candidates("产值首次突破万亿元。", tokenize("产值首次突破万亿元。"))
                if c.word == "值守"]


def test_features_have_one_column_each(check):
    detector = check.counted_nonwords
    text = "市民可以通过官方平台预越挂号服务。"
    candidates = detector.candidates(text, tokenize(text))
    rows = detector.features(text, candidates)
    assert rows.shape == (len(candidates), len(COUNTED_FEATURES))
    assert np.isfinite(rows).all()


def test_threshold_is_the_settings(check):
    detector = check.counted_nonwords
    text = "市民可以通过官方平台预越挂号服务。"
    assert detector.find(text, tokenize(text))
    saved = detector.settings
    try:
        detector.settings = CountedSettings(**{**saved.__dict__, "threshold": 1.01})
        assert not detector.find(text, tokenize(text))
    finally:
        detector.settings = saved


def test_a_guessed_name_over_the_whole_window_vetoes_only_below_guessed_name_from(check):
    """申清 is one token jieba's HMM guessed (tagged nr): the protection vetoes it below `guessed_name_from`, and a
    protected term in the window vetoes it whatever the probability."""
    import dataclasses

    detector = check.counted_nonwords
    text = "向镇政府提出申清，经审核。"
    tokens = tokenize(text)
    hits = detector.find(text, tokens)
    assert [(text[h.start:h.end], h.word) for h in hits] == [("申清", "申请")]
    assert detector.blocks(text, hits[0].start, hits[0].end, "申请")  # the name guess that the setting overrides
    saved, terms = detector.settings, detector.protected_terms
    try:
        detector.settings = dataclasses.replace(saved, guessed_name_from=hits[0].probability + 0.001)
        assert not detector.find(text, tokens)
        detector.settings = saved
        detector.protected_terms = terms + ("申清",)
        assert not detector.find(text, tokens)
    finally:
        detector.settings, detector.protected_terms = saved, terms


def test_counted_model_with_other_features_is_refused(check, tmp_path):
    from review.typo.nonwords import build_counted_detector
    from review.typo.trees import TreeEnsemble

    ensemble = TreeEnsemble(np.array([-1]), np.array([0.0], dtype=np.float32), np.array([-1]), np.array([-1]),
                            np.array([0.0]), np.array([0]), 0.0, 1, ["a"])
    ensemble.save(tmp_path / "counted.npz", {"threshold": 0.9})
    keys = np.array([TokenCounts.key("耐心")], dtype=np.uint64)
    np.savez_compressed(tmp_path / "token_counts.npz", keys=keys, counts=np.array([100], dtype=np.uint16))
    table = {"min_fixed": 50, "min_gain": 3.0, "word_freq": 20, "function_freq": 50000, "threshold": 0.9,
             "major_from": 0.97, "severity": "major"}
    base = check.nonwords
    with pytest.raises(ValueError):
        build_counted_detector(table, tmp_path, {}, base)
    assert build_counted_detector(table, tmp_path, {}, base, load_model=False).model is None
    assert build_counted_detector({**table, "enabled": False}, tmp_path, {}, base) is None


def test_token_counting_reads_the_pair_sources_and_packs_their_tokens(tmp_path):
    import json
    import lzma

    from review.training.nonwords import PAIR_SOURCES, count_tokens

    rows = {"formal-laws/laws.jsonl.xz": [{"title": "", "text": "消费者有权索要发票。索要发票是权利。"}]}
    for relative, _keep in PAIR_SOURCES:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with lzma.open(path, "wt", encoding="utf-8") as out:
            for row in rows.get(relative, [{"date": "20130101", "title": "", "text": "加强值班值守。"}]):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    keys, counts = count_tokens(tmp_path)
    table = TokenCounts(keys, counts)
    assert list(keys) == sorted(keys)
    assert table.count("索要") == 2 and table.count("发票") == 2
    assert table.count("值守") >= 1 and table.count("要发") == 0  # a pair across tokens is no token


def test_placed_errors_replace_one_character_of_a_counted_word(check):
    import random

    from review.training.nonwords import corrupt_counted

    detector = check.counted_nonwords
    sentence = "各地要加强值班值守工作，确保安全。"
    made = [corrupt_counted(sentence, detector, random.Random(seed)) for seed in range(20)]
    made = [m for m in made if m is not None]
    assert made
    for text, position, original in made:
        assert len(text) == len(sentence) and sentence[position] == original != text[position]
        assert [i for i, (a, b) in enumerate(zip(text, sentence)) if a != b] == [position]
        assert text[position] in detector.neighbours(original)

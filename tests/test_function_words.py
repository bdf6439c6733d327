"""The function-word detector (的/地/得, 在/再 …): its settings' example sentences, the features, the model file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from review.checks.typo import TypoCheck, build_function_word_detector
from review.pipeline import Reviewer, ReviewOptions
from review.resources import load_toml
from review.segment import tokenize
from review.typo.function_words import (
    FEATURE_COUNT,
    FeatureHasher,
    FunctionWordDetector,
    FunctionWordModel,
    GroupThresholds,
    member_positions,
    parse_thresholds,
    word_shape,
)
from review.typo.word_tags import WordTags

SETTINGS = load_toml("typo", "typo.toml")["function_words"]
MARKED = re.compile(r"(.)\[(.)\]")


def _unmark(sentence: str) -> tuple[str, int, str, str]:
    """`他认真的[地]学习` → (text, index of the marked character, written, right)."""
    match = MARKED.search(sentence)
    assert match, sentence
    text = sentence[: match.start()] + match.group(1) + sentence[match.end():]
    return text, match.start(), match.group(1), match.group(2)


@pytest.fixture(scope="module")
def detector() -> FunctionWordDetector:
    found = build_function_word_detector({"function_words": SETTINGS})
    assert found is not None, "models/function_words is part of the project"
    return found


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    check = TypoCheck()
    check.model_pass = None  # the lexicon, rules, phrases, non-words and function words
    reviewer = Reviewer(checks=["typo"])
    reviewer._instances["typo"] = check
    return reviewer


@pytest.mark.parametrize("sentence", SETTINGS["wrong"])
def test_wrong_examples_are_found(detector, sentence):
    text, index, written, right = _unmark(sentence)
    hits = detector.find(text, tokenize(text))
    assert [(h.start, h.written, h.word) for h in hits] == [(index, written, right)], sentence


@pytest.mark.parametrize("sentence", SETTINGS["right"])
def test_right_examples_are_left_alone(detector, sentence):
    assert detector.find(sentence, tokenize(sentence)) == []


@pytest.mark.parametrize("sentence", SETTINGS["wrong"])
def test_corrected_wrong_examples_are_clean(detector, sentence):
    """The corrected form of each `wrong` example is itself clean."""
    text, index, _, right = _unmark(sentence)
    fixed = text[:index] + right + text[index + 1:]
    assert detector.find(fixed, tokenize(fixed)) == [], fixed


def test_findings_in_the_report_map_to_the_callers_text(reviewer):
    """Offsets are the caller's: a traditional-script, full-width prefix before the function word."""
    text, index, written, right = _unmark(SETTINGS["wrong"][0])
    prefix = "ＡＢ　說明："
    report = reviewer.review_dict({"text": prefix + text}, ReviewOptions.make())
    found = [f for f in report["findings"] if f["rule"] == "typo.function_word"]
    assert len(found) == 1
    finding = found[0]
    assert finding["start"] == len(prefix) + index and finding["end"] == finding["start"] + 1
    assert (prefix + text)[finding["start"]: finding["end"]] == written
    assert finding["suggestion"] == right and finding["severity"] == SETTINGS["severity"]


def test_the_written_character_is_not_a_feature():
    hasher = FeatureHasher({"认真": "a", "学习": "v"}, bits=16)
    words = ["他", "认真", "的", "学习"]
    as_de = hasher.features(words, 2)
    words[2] = "地"
    assert hasher.features(words, 2) == as_de
    words[3] = "文件"
    assert hasher.features(words, 2) != as_de
    assert len(as_de) == FEATURE_COUNT and all(0 <= f < 1 << 16 for f in as_de)


def test_the_feature_matrix_gives_the_training_features(detector):
    """The run-time NumPy path and the per-position path that training uses give the same ids."""
    hasher = detector.model.hasher
    for text in ("他认真的学习每一份文件，在会上发言。", "的", "的在", "已以即既", "大家慢慢的走进了会场"):
        words = [t.word for t in tokenize(text)]
        ks = member_positions(words, detector.model.group_of)
        expected = np.array([hasher.features(words, k) for k in ks], dtype=np.int64).reshape(-1, FEATURE_COUNT)
        np.testing.assert_array_equal(hasher.feature_matrix(words, ks), expected)


def test_only_one_character_tokens_are_members():
    group_of = {"的": 0, "地": 0, "在": 1}
    assert member_positions(["现在", "在", "土地", "的", "地"], group_of) == [1, 3, 4]


def test_reduplicated_adverbs_have_a_shape():
    assert [word_shape(w) for w in ("慢慢", "认认真真", "乐呵呵", "认真", "的")] == [1, 2, 3, 0, 0]


def test_a_member_without_thresholds_is_never_reported():
    """A model that wants 地 everywhere reports 的 only when 的 has thresholds."""
    bits = 8
    weights = np.zeros((2, 1 << bits), dtype=np.float32)
    model = FunctionWordModel(["的地"], [weights], [np.array([-9.0, 9.0], dtype=np.float32)], {}, bits)
    text = "他认真的学习"
    tokens = tokenize(text)
    assert [h.word for h in FunctionWordDetector(model, {"的": GroupThresholds(0.02, 0.95)}).find(text, tokens)] == ["地"]
    assert FunctionWordDetector(model, {"地": GroupThresholds(0.02, 0.95)}).find(text, tokens) == []
    # and only when it is sure enough
    assert FunctionWordDetector(model, {"的": GroupThresholds(0.0, 0.95)}).find(text, tokens) == []


def test_the_model_file_round_trips(tmp_path: Path):
    bits = 6
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 1 << bits)).astype(np.float32), rng.normal(size=(2, 1 << bits)).astype(np.float32)]
    biases = [np.array([0.1, 0.2, 0.3], np.float32), np.array([0.0, -1.0], np.float32)]
    model = FunctionWordModel(["的地得", "在再"], weights, biases, {"认真": "a", "学习": "v"}, bits, {"note": "x"})
    model.save(tmp_path / "m.npz")
    loaded = FunctionWordModel.load(tmp_path / "m.npz")
    assert loaded.groups == model.groups and loaded.hasher.tags == model.hasher.tags and loaded.meta["note"] == "x"
    rows = np.array([model.hasher.features(["他", "认真", "的", "学习"], 2)], dtype=np.int64)
    np.testing.assert_allclose(loaded.probabilities(0, rows), model.probabilities(0, rows), atol=2e-3)


def test_a_loaded_model_keeps_its_tags_compact(tmp_path: Path):
    tags = {f"词{k}": ("n" if k % 2 else "v") for k in range(500)}
    model = FunctionWordModel(["在再"], [np.zeros((2, 1 << 4), np.float32)], [np.zeros(2, np.float32)], tags, 4)
    model.save(tmp_path / "m.npz")
    loaded = FunctionWordModel.load(tmp_path / "m.npz")
    assert isinstance(loaded.hasher.tags, WordTags) and loaded.hasher.tags == tags
    words = ["他", "词7", "在", "词8", "词999"]
    assert loaded.hasher.features(words, 2) == model.hasher.features(words, 2)


def test_thresholds_are_checked():
    assert parse_thresholds({"的": [0.01, 0.97]})["的"] == GroupThresholds(0.01, 0.97)
    with pytest.raises(ValueError):
        parse_thresholds({"的": [0.01, 1.5]})
    with pytest.raises(ValueError):
        parse_thresholds({"的地": [0.01, 0.9]})


def test_cost_grows_with_the_text_not_faster(detector):
    """Bounded work: a post of nothing but members costs per member what a normal post does (same run)."""
    import time

    normal = "他认真的学习每一份文件，在会上发言。" * 50
    members = "的" * len(normal)
    spent = []
    for text in (normal, members):
        tokens = tokenize(text)
        started = time.process_time()
        for _ in range(3):
            detector.find(text, tokens)
        spent.append((time.process_time() - started) / max(1, len(member_positions(
            [t.word for t in tokens], detector.group_of))))
    assert spent[1] < spent[0] * 10


def test_second_opinion_columns():
    """The second model's columns of a group: all members in one of its groups, else this model alone."""
    from types import SimpleNamespace

    from review.typo.function_words import _columns_in

    second = SimpleNamespace(groups=["的地得", "做作坐座", "在再"])
    assert _columns_in("做作", second).tolist() == [0, 1]
    assert _columns_in("再在", second).tolist() == [1, 0]
    assert _columns_in("即既", second) is None
    assert _columns_in("的地", None) is None


def test_the_shipped_detector_takes_a_second_opinion_for_the_configured_members(detector):
    assert detector.second is not None and detector.second_for == frozenset(SETTINGS["second_opinion_for"])
    text = "大家慢慢的走进了会场，在会上即席发言。"
    alone = FunctionWordDetector(detector.model, detector.thresholds)
    tokens = tokenize(text)
    assert [h.start for h in detector.find(text, tokens)] == [4]
    # the product moves the probabilities of the members it is asked about
    assert detector.find(text, tokens)[0].written_probability != alone.find(text, tokens)[0].written_probability


def test_a_reduplicated_word_and_its_de_are_cut_in_two():
    from review.typo.function_words import split_reduplicated

    text = "他悄悄的走了"
    tokens = tokenize(text)
    assert "悄悄的" in [t.word for t in tokens]  # jieba joins them
    cut = split_reduplicated(tokens)
    assert [(t.word, t.start, t.end) for t in cut][1:3] == [("悄悄", 1, 3), ("的", 3, 4)]
    assert all(text[t.start:t.end] == t.word for t in cut)
    plain = tokenize("他认真地走了")
    assert split_reduplicated(plain) is plain


def test_findings_are_bounded_per_thousand_characters(detector):
    text = "他慢慢的走，" * 2000  # 12,000 characters, a finding in every sentence
    hits = detector.find(text, tokenize(text))
    assert len(hits) == detector.max_hits_per_1000 * (1 + len(text) // 1000)
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_members_next_to_members_are_not_read(detector):
    for text in ("的" * 3000, "的地得在再" * 600, "我们的的确确在再次讨论。"):
        assert detector.find(text, tokenize(text)) == []

"""Real-writing precision and recall work of the typo check: lexicon guards, fixed phrases, model evidence, and
the `review eval real` measurements."""

from __future__ import annotations

import tomllib

import pytest

from review.checks.typo import Guard, ModelEvidence, TypoCheck, load_guards, parse_guards
from review.pipeline import Reviewer, ReviewOptions
from review.resources import lexicon_path
from review.segment import tokenize
from review.training import real_eval
from review.typo.model_pass import ModelEdit


@pytest.fixture(scope="module")
def check() -> TypoCheck:
    checker = TypoCheck()
    checker.model_pass = None  # the lexicon, guards and phrases only
    return checker


@pytest.fixture(scope="module")
def reviewer(check) -> Reviewer:
    reviewer = Reviewer(checks=["typo"])
    reviewer._instances["typo"] = check
    return reviewer


def typo_findings(reviewer: Reviewer, text: str) -> list[dict]:
    report = reviewer.review_dict({"text": text}, ReviewOptions.make())
    return [f for f in report["findings"] if f["category"] == "typo"]


# ---- guards ----------------------------------------------------------------------------------------------


def _guard_examples():
    with open(lexicon_path("typo", "guards.toml"), "rb") as handle:
        for table in tomllib.load(handle)["guard"]:
            for sentence in table.get("fires", []):
                yield pytest.param(table["term"], sentence, True, id=f"{table['term']}-fires-{sentence[:6]}")
            for sentence in table.get("clean", []):
                yield pytest.param(table["term"], sentence, False, id=f"{table['term']}-clean-{sentence[:6]}")


@pytest.mark.parametrize("term, sentence, should_fire", list(_guard_examples()))
def test_guard_examples(reviewer, term, sentence, should_fire):
    assert term in sentence
    fired = [f for f in typo_findings(reviewer, sentence) if f["text"] == term and f["rule"].startswith("typo.lexicon")]
    assert bool(fired) == should_fire, (sentence, fired)


def test_every_guard_names_a_lexicon_entry(check):
    terms = set(check.lexicon.entries)
    assert set(load_guards()) <= terms


def test_guard_file_is_validated():
    with pytest.raises(ValueError, match="needs off = true or a context"):
        parse_guards({"guard": [{"term": "周未"}]})
    with pytest.raises(ValueError, match="needs a term of its own"):
        parse_guards({"guard": [{"term": "周未", "off": True}, {"term": "周未", "off": True}]})


def test_a_guard_reads_only_its_neighbourhood():
    guard = parse_guards({"guard": [{"term": "周未", "unless_after": "^更新"}]})["周未"]
    text = "两周未更新，本周未来"
    assert guard.spares(text, 1, 3)
    assert not guard.spares(text, 7, 9)
    assert Guard("x", off=True).spares("x", 0, 1)


# ---- fixed phrases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, wrong, right", [
    ("对违法行为严惩不待。", "严惩不待", "严惩不贷"),
    ("他们越是不则手段，就越让世人看清。", "不则手段", "不择手段"),
])
def test_fixed_phrase_with_one_wrong_character(reviewer, text, wrong, right):
    found = [f for f in typo_findings(reviewer, text) if f["rule"] == "typo.phrase"]
    assert [(f["text"], f["suggestion"]) for f in found] == [(wrong, right)]
    assert text[found[0]["start"]:found[0]["end"]] == wrong


@pytest.mark.parametrize("text", [
    "对违法行为严惩不贷。",
    "与此同时，各地加强值守。",
    "给大多数公务员放假。",  # 给 is the context's own word, not 绝大多数 misspelt
    "谱写了一部气势恢弘的壮丽史诗。",  # an accepted form, protected
    "水岸齐抓、标本共治。",
])
def test_fixed_phrases_leave_correct_text_alone(reviewer, text):
    assert not [f for f in typo_findings(reviewer, text) if f["rule"] == "typo.phrase"]


def test_phrase_windows_never_cut_a_token(check):
    text = "对违法行为严惩不待，决不手软。"
    tokens = tokenize(text)
    edges = {t.start for t in tokens} | {t.end for t in tokens}
    windows = check.word_forms.windows(text, tokens)
    assert windows
    assert all(start in edges and end in edges for start, end in windows)


# ---- what a model suggestion must show -------------------------------------------------------------------


EVIDENCE = ModelEvidence(real_word_confidence=0.8, major_confidence=0.97, major_word_freq=100, major_word_ratio=3)


def test_a_real_word_swap_needs_strong_evidence():
    text = "开展体温检测。"
    edit = ModelEdit(4, 5, "监", 0.75)  # 检测 is a word of the segmentation
    assert EVIDENCE.severity(text, tokenize(text), edit, "major") is None
    assert EVIDENCE.severity(text, tokenize(text), ModelEdit(4, 5, "监", 0.9), "major") == "minor"


def test_major_only_when_the_fix_makes_a_clearly_better_word():
    text = "经过耐新劝说。"
    strong = ModelEdit(3, 4, "心", 0.99)
    assert EVIDENCE.severity(text, tokenize(text), strong, "major") == "major"
    assert EVIDENCE.severity(text, tokenize(text), ModelEdit(3, 4, "心", 0.9), "major") == "minor"
    assert EVIDENCE.severity(text, tokenize(text), ModelEdit(3, 4, "心", 0.5), "minor") == "minor"
    weak_word = ModelEdit(3, 4, "薪", 0.99)  # 耐薪 is no word
    assert EVIDENCE.severity(text, tokenize(text), weak_word, "major") == "minor"


# ---- review eval real ------------------------------------------------------------------------------------


def test_error_kinds():
    freq = {"耐心": 100, "经过": 100, "劝说": 100, "在家": 50}
    assert real_eval.error_kind("经过耐新劝说", "经过耐心劝说", 3, freq) == "nonword"
    assert real_eval.error_kind("他再家", "他在家", 1, freq) == "realword" or \
        real_eval.error_kind("他再家", "他在家", 1, freq) == "nonword"
    assert real_eval.error_kind("好的", "好地", 1, freq) == "single"


def test_posts_are_cut_at_sentence_ends():
    texts = ["甲" * 700 + "。", "乙" * 700 + "。"]
    posts = list(real_eval.as_posts(texts, size=1000))
    assert "".join(posts).replace("\n", "") == "".join(texts)
    assert posts[0].endswith("。") and len(posts[0]) <= 1000


class _FakeRunner:
    def __init__(self, spans):
        self.spans = spans

    def findings(self, text):
        from review.model import Finding

        return [Finding("typo", "typo.model", "major", s, e, text[s:e], sug, 0.9, "")
                for s, e, sug in self.spans.get(text, [])]


def test_error_set_counts():
    pairs = [("经过耐新劝说", "经过耐心劝说"), ("他在家。", "他在家。"), ("好好学习", "好好学习")]
    runner = _FakeRunner({"经过耐新劝说": [(3, 4, "心")], "他在家。": [(1, 2, "再")]})
    result = real_eval.measure_errors(runner, pairs, {"耐心": 10}, show=5)
    figures = result.figures()
    assert figures["recall"] == 1.0
    assert figures["precision"] == 0.5
    assert figures["clean_flagged"] == 0.5
    assert figures["correction"] == 1.0
    assert result.false_alarms and "再" in result.false_alarms[0]


def test_clean_set_counts():
    runner = _FakeRunner({"甲乙丙": [(0, 1, "丁")]})
    figures = real_eval.measure_clean(runner, ["甲乙丙", "戊己庚"], show=0).figures()
    assert figures["flagged"] == 0.5 and figures["flagged_major"] == 0.5
    assert figures["per_10k_by_rule"]["typo.model"] == pytest.approx(10000 / 6, rel=1e-3)


# ---- non-words -------------------------------------------------------------------------------------------


def test_pair_counts_are_looked_up_by_both_characters(tmp_path):
    import numpy as np

    from review.typo.nonwords import SeenBigrams

    keys = np.array(sorted([SeenBigrams.key("专", "享"), SeenBigrams.key("咨", "政")]), dtype=np.uint32)
    seen = SeenBigrams(keys, np.array([5, 7], dtype=np.uint16))
    counted = {("专", "享"): seen.count("专", "享"), ("咨", "政"): seen.count("咨", "政")}
    assert sorted(counted.values()) == [5, 7]
    assert seen.count("享", "专") == 0 and seen.count("a", "专") == 0
    np.savez(tmp_path / "seen.npz", keys=keys, counts=np.array([5, 7], dtype=np.uint16))
    assert SeenBigrams.load(tmp_path / "seen.npz").count("专", "享") == seen.count("专", "享")


def test_non_word_candidates_are_unknown_tokens_one_neighbour_away(check):
    detector = check.nonwords
    assert detector is not None
    text = "国姿委印发通知。"
    found = detector.candidates(text, tokenize(text))
    assert any(c.word == "国资委" and text[c.start:c.end] == "国姿委" for c in found)
    clean = "国资委印发通知。"
    assert not detector.candidates(clean, tokenize(clean))


def test_non_words_reported_with_suggestion_and_left_alone_when_quoted_or_coded(reviewer):
    found = [f for f in typo_findings(reviewer, "国姿委印发通知。") if f["rule"] == "typo.nonword"]
    assert [(f["text"], f["suggestion"]) for f in found] == [("国姿委", "国资委")]
    for text in ("他们把它叫作“国姿委”。", "型号为国姿委-15的设备。"):
        assert not [f for f in typo_findings(reviewer, text) if f["rule"] == "typo.nonword"], text
    # a historical name jieba's dictionary lacks is protected (lexicons/typo/protected_terms.txt), not 辽宁 misspelt
    text = "契丹贵族建立的辽朝、女真贵族建立的金朝和蒙古贵族建立的元朝，都是中国历史上的王朝。"
    assert not [f for f in typo_findings(reviewer, text) if f["rule"].startswith("typo.nonword")]


def test_non_word_model_with_other_features_is_refused(tmp_path):
    import numpy as np

    from review.typo.nonwords import NonwordModel
    from review.typo.trees import TreeEnsemble

    ensemble = TreeEnsemble(np.array([-1]), np.array([0.0], dtype=np.float32), np.array([0]), np.array([0]),
                            np.array([0.5]), np.array([0]), 0.0, 1, ["gain", "other"])
    ensemble.save(tmp_path / "nonword.npz", {"threshold": 0.9})
    with pytest.raises(ValueError, match="retrain"):
        NonwordModel.load(tmp_path / "nonword.npz")


def test_worst_false_alarms_come_first():
    from review.model import Finding

    class Runner:
        def findings(self, text):
            return [Finding("typo", "typo.model", "minor", 0, 1, text[0], "甲", 0.99, ""),
                    Finding("typo", "typo.phrase", "major", 1, 2, text[1], "乙", 0.5, "")]

    result = real_eval.measure_clean(Runner(), ["丙丁戊"], show=1)
    assert len(result.false_alarms) == 1 and result.false_alarms[0].startswith("typo.phrase major")
    assert result.figures()["items_with_major_by_rule"] == {"typo.phrase": 1.0}


def test_model_guesses_inside_short_quotations_are_left_alone():
    from review.document import Document
    from review.model import Post

    checker = TypoCheck()
    checker.evidence = EVIDENCE

    def model_findings(text: str, edit: ModelEdit) -> list:
        doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
        return checker._model_findings(doc, [edit], [])

    quoted = "正如“岂曰无衣，与子同袍”所说。"
    at = quoted.index("同袍")
    assert model_findings(quoted, ModelEdit(at, at + 2, "通报", 0.9)) == []
    plain = "岂曰无衣，与子同袍，共同抗疫。"
    at = plain.index("同袍")
    assert [f.severity for f in model_findings(plain, ModelEdit(at, at + 2, "通报", 0.9))] == ["minor"]


def test_shipped_non_word_index_matches_the_dictionary():
    """models/nonwords/index.tsv is what `review train nonwords` builds from today's dictionaries."""
    from review.resources import load_toml, model_path
    from review.segment import get_tokenizer
    from review.typo.word_forms import WordIndex

    table = load_toml("typo", "typo.toml")["nonwords"]
    built = WordIndex(get_tokenizer().FREQ, {int(k): int(v) for k, v in table["min_freq"].items()})
    shipped = WordIndex.load(model_path(table["model_dir"]) / "index.tsv")
    assert shipped.fills == built.fills


def test_lexicon_sweep_lists_what_fires_on_clean_text_and_respects_guards():
    texts = [("news", "这个周未我们去公园。栏目超2周未更新。"), ("laws", "隔离期未满的，依法处理。")]
    swept = real_eval.lexicon_sweep(texts)
    keys = [key for _, key, _ in swept]
    assert any(key.startswith("typo.lexicon.word 周未 → 周末") for key in keys)
    assert sum(count for count, key, _ in swept if "周未" in key) == 1  # the guarded one is not counted
    assert not any("期未" in key for key in keys)

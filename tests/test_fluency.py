"""The fluency check: spinner evidence, sentence scores, the whole-post judgement and its score once enabled."""

from __future__ import annotations

import numpy as np
import pytest

from review.checks.fluency import (
    FEATURES,
    FluencyCheck,
    comma_ends,
    load_spin_pairs,
    load_spinner,
    pack_strings,
    word_units,
)
from review.model import Post
from review.options import ReviewOptions
from review.pipeline import Reviewer
from review.segment import Token, tokenize

# the content-farm copy of a real notice (a synonym spinner's output) and the notice as it was written
SPUN = (
    "湖南省政务管束供职局关于全省当局网站与政务新媒体查验情状的传达。\n"
    "经省国民当局允诺，现将全省当局网站和政务新媒体查验情状传达如下。\n"
    "今年以来，各地各部门认真贯彻落实国务院办公厅有关约束要求，当局网站与政务新媒体供职能力不断晋升。\n"
    "省政务管束供职局组织对全省当局网站和政务新媒体举行了查验，共查验网站一百二十个。\n"
    "查验发现，部分单位约束职责不落实，信息添加不及时，互动回应品质不高。\n"
    "各市州国民当局要对查验中发现的问题立即整改，切实晋升供职国民群众的能力。\n"
)
CLEAN = (
    "湖南省政务管理服务局关于全省政府网站与政务新媒体检查情况的通报。\n"
    "经省人民政府批准，现将全省政府网站和政务新媒体检查情况通报如下。\n"
    "今年以来，各地各部门认真贯彻落实国务院办公厅有关管理要求，政府网站与政务新媒体服务能力不断提升。\n"
    "省政务管理服务局组织对全省政府网站和政务新媒体开展了检查，共检查网站一百二十个。\n"
    "检查发现，部分单位管理职责不落实，信息更新不及时，互动回应质量不高。\n"
    "各市州人民政府要对检查中发现的问题立即整改，切实提升服务人民群众的能力。\n"
)

# spinner words that must count as evidence in their context, and the same words where they are right
MUST_FIRE = [
    ("省政务管束服务局发布通知", "管束"),
    ("省政务管理供职局发布通知", "供职"),
    ("经省国民当局允诺后实施", "当局"),
    ("经省国民当局允诺后实施", "允诺"),
    ("网站与政务新媒体查验情况", "查验"),
    ("切实晋升服务能力", "晋升"),
    # per-entry context rules (lexicons/fluency/spinner.tsv): 情状 is no word of formal Chinese outside 病情状况;
    # 传达 closing a notice's title, or 传达如下, stands for 通报
    ("关于全省网站检查情状的通报", "情状"),
    ("关于全省网站检查情况的传达", "传达"),
    ("现将检查情况传达如下", "传达"),
    # words nearly absent from formal news are evidence on their own outside their `unless` contexts
    ("经研究，同意并允诺该项目立项", "允诺"),
    ("加强对网站的约束和管束", "管束"),
]
MUST_NOT_FIRE = [
    "乌克兰当局与东部地区举行对话",
    "提升国民道德素养和社会文明程度",
    "会上传达学习了中央精神",
    "强化纪律约束，切实解决执纪问题",
    "要保证百姓生产生活正常进行",
    # the `unless` rules: where the spinner word is right, though the trigrams prefer the commoner word
    "海关与检验检疫部门联合查验进口货物",
    "他长期在基层供职，深受群众信赖",
    "为返乡青年提供职业技能培训",
    "疫情状况总体平稳",
    "食堂可供职工就餐",
    "家长对未成年子女应当严加管束",
    "民营建筑企业稳步发展",
]


# a clean state-news report written for the tests (formal register, several paragraphs)
NEWS = (
    "今年以来，我市深入贯彻落实党中央、国务院决策部署，坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。\n"
    "前三季度，全市地区生产总值同比增长百分之五点六，规模以上工业增加值增长百分之六点二，社会消费品零售总额增长百分之七。"
    "固定资产投资保持较快增长，高技术制造业投资增长明显，新动能加快成长。\n"
    "在民生保障方面，全市新增城镇就业人数超过五万人，城乡居民人均可支配收入稳步提高。"
    "各级各部门持续加大基本公共服务投入，教育、医疗、养老等领域的短板加快补齐，人民群众的获得感不断增强。\n"
    "下一步，我市将继续坚持以人民为中心的发展思想，统筹发展和安全，着力扩大有效需求，推动经济持续回升向好，"
    "为全面建设社会主义现代化国家作出新的贡献。\n"
)


@pytest.fixture(scope="module")
def check() -> FluencyCheck:
    """One check instance (loads the models once)."""
    return FluencyCheck()


def analyse(check: FluencyCheck, text: str):
    """The check's analysis of `text` with the pipeline's tokens."""
    return check.analyse(text, tokenize(text))


def test_off_by_default_and_registered() -> None:
    """The check is registered but not run unless enabled (its figures are reviewed first)."""
    assert FluencyCheck.enabled_by_default is False
    assert "fluency" in Reviewer().available_checks
    assert "fluency" not in Reviewer().default_checks


def test_word_units_symbols() -> None:
    """Numbers, Latin runs and line breaks become the word model's symbols; other whitespace is dropped."""
    tokens = [Token("2024", 0, 4), Token("年", 4, 5), Token(" ", 5, 6), Token("\n", 6, 7), Token("GDP", 7, 10),
              Token("增长", 10, 12)]
    assert [word.form for word in word_units(tokens)] == ["<num>", "年", "<p>", "<lat>", "增长"]
    assert [(word.start, word.end) for word in word_units(tokens)][-1] == (10, 12)


@pytest.mark.parametrize(("text", "expected"), [
    ("第一句，第二句。\n第三句，\n第四句。", 1),  # a paragraph ends in a comma
    ("标题没有句号\n第一句，第二句。\n第三句，\n第四句。", 1),  # a title line does not hide it
    ("第一句，第二句。\n第三句，第四句。", 0),
    ("一行被截断的文\n字，\n下一行被截\n断了。", 0),  # hard-wrapped text (lines end mid-word): commas say nothing
])
def test_comma_ends(text: str, expected: int) -> None:
    """Paragraphs ending in a comma count, except in hard-wrapped text."""
    assert comma_ends(word_units(tokenize(text))) == expected


def test_pack_strings_round_trip() -> None:
    """The model files store strings as line-joined UTF-8 bytes."""
    from review.checks.fluency import _strings

    words = ["人民", "<p>", "，", "发展"]
    assert _strings(pack_strings(words)) == words


def test_check_knows_only_the_train_half_of_the_pairs(check: FluencyCheck) -> None:
    """The check's spinner words are spinner.tsv's and the train half's: the eval half stays unseen, so the
    benchmark's held-out figures measure spins the check never saw."""
    allowed = {spun for spun, _ in load_spinner()} | {spun for _, spun in load_spin_pairs("train")}
    assert set(check.word_spinner) == allowed
    unseen = {spun for _, spun in load_spin_pairs("eval")} - allowed
    assert unseen and not unseen & set(check.word_spinner)
    assert not {original for original, _ in load_spin_pairs("train")} & {o for o, _ in load_spin_pairs("eval")}


def test_features_are_complete_and_finite(check: FluencyCheck) -> None:
    """The analysis gives every feature the classifier reads, each a finite number."""
    result = analyse(check, NEWS)
    assert set(result.features) == set(FEATURES)
    assert all(np.isfinite(value) for value in result.features.values())
    assert result.probability is not None


@pytest.mark.parametrize("text", ["", "。", "\n\n", "2024", "，\n", "中"])
def test_empty_or_wordless_text_is_not_judged(check: FluencyCheck, text: str) -> None:
    """Texts with no words to read give no judgement and no error."""
    result = analyse(check, text)
    assert result.probability is None and not result.flagged and not result.spins


def test_short_post_is_not_judged(check: FluencyCheck) -> None:
    """A post with too few words gets no whole-post judgement, whatever it says."""
    result = analyse(check, "经省国民当局允诺，现将情状传达如下。")
    assert result.probability is None and not result.flagged


def test_spinner_lexicon_pairs() -> None:
    """Every spinner entry names a spun word and a different original word."""
    pairs = load_spinner()
    assert len(pairs) >= 10
    for spun, original in pairs:
        assert spun and original and spun != original


@pytest.mark.parametrize(("text", "word"), MUST_FIRE)
def test_spinner_word_fires(check: FluencyCheck, text: str, word: str) -> None:
    """A spinner word where its original reads better is evidence."""
    assert word in {spin.spun for spin in check.spins(text)}


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_spinner_word_in_its_own_place_is_quiet(check: FluencyCheck, text: str) -> None:
    """A spinner word used rightly (foreign authorities, customs inspection, 传达 a document) is no evidence."""
    assert check.spins(text) == []


def test_spun_notice_is_flagged_clean_is_not(check: FluencyCheck) -> None:
    """The spun notice is judged as a whole, with its spinner words as evidence; the original is not."""
    spun = analyse(check, SPUN)
    assert spun.flagged
    assert {"当局", "国民", "供职", "情状"} <= {spin.spun for spin in spun.spins}
    clean = analyse(check, CLEAN)
    # the original has no spinner word of a list and no neighbour swap; the replaced-word detector may pass a word
    # or two of any clean text (its threshold lets 0.5% of clean words through: here 经省, 全省 of 经省人民政府同意),
    # which no judgement reports, far fewer than the spun copy's
    assert not clean.flagged and not [spin for spin in clean.spins if spin.original]
    assert len(clean.spins) <= 2 < len(spun.spins)
    assert spun.probability > clean.probability


@pytest.mark.parametrize(("original", "spun"), [
    ("切实解决百姓关心的问题", "切实解决庶民关心的问题"),
    ("不断增加农民收入", "不断增加农夫收入"),
    ("双方就两国关系交换了意见", "两边就两国干系交换了意见"),
])
def test_word_spinner_fires_where_the_original_fits(check: FluencyCheck, original: str, spun: str) -> None:
    """A train-half spinner word whose original fits its neighbours far better is evidence; the original text
    has none."""
    spun_words = {spin.spun for spin in check.word_spins(spun, *_ids(check, spun))}
    assert spun_words and spun_words <= set(check.word_spinner)
    assert check.word_spins(original, *_ids(check, original)) == []


@pytest.mark.parametrize("text", ["这家商场周末客流明显增加", "他是一名普通的农夫", "公司依法维持正常经营秩序"])
def test_word_spinner_quiet_where_the_word_fits(check: FluencyCheck, text: str) -> None:
    """A spinner word that fits its neighbours (a real shopping mall, a farmer) is no evidence."""
    assert check.word_spins(text, *_ids(check, text)) == []


def _ids(check: FluencyCheck, text: str):
    """The word units of `text` and their ids, as `analyse` reads them."""
    words = word_units(tokenize(text))
    return words, check.words.ids([word.form for word in words])


def test_garbled_news_is_flagged_clean_news_is_not(check: FluencyCheck) -> None:
    """Clean formal news is not judged; the same news with its clauses shuffled and characters dropped is, and
    either garble alone scores above the clean text (alone they are judged less often since clean report chunks
    became negatives: docs/fluency.md)."""
    import random

    from review.training.fluency import garble

    clean = analyse(check, NEWS)
    assert not clean.flagged
    dropped = analyse(check, garble(NEWS, random.Random(3), False, 0.08))
    shuffled = analyse(check, garble(NEWS, random.Random(3), True, 0.0))
    assert dropped.probability > clean.probability and shuffled.probability > clean.probability
    assert analyse(check, garble(NEWS, random.Random(3), True, 0.08)).flagged


def test_shuffled_characters_are_unlikely(check: FluencyCheck) -> None:
    """A sentence of scrambled characters scores far below the original under the character trigrams."""
    sentence = "各市州人民政府要对检查中发现的问题立即整改，切实提升服务人民群众的能力。"
    scrambled = "整群市民要立对检各州人政府查中的问题发现即改，众切实能提升服务人民的力。"
    (clean,) = check.sentences(sentence)
    (bad,) = check.sentences(scrambled)
    assert bad.mean < clean.mean - 2


def test_judged_post_reports_its_worst_sentences(check: FluencyCheck) -> None:
    """A judged post gets one whole-post finding and at most `report_sentences` sentence findings, each the
    exact span of a sentence of the caller's text."""
    reviewer = Reviewer()
    report = reviewer.review(Post(text=SPUN), ReviewOptions.make(enable=["fluency"]))
    fluency = [f for f in report.findings if f.category == "fluency"]
    sentences = [f for f in fluency if f.start is not None]
    assert len([f for f in fluency if f.rule == "fluency.post"]) == 1
    assert 1 <= len(sentences) <= check.report_sentences
    for finding in sentences:
        assert SPUN[finding.start : finding.end] == finding.text
        assert finding.severity == "major"
    assert any(f.rule == "fluency.spinner" for f in sentences)


def test_enabled_spun_post_scores_below_60() -> None:
    """With the check enabled beside the default checks, a post made mostly of spun sentences scores under 60
    and its whole-post finding has null offsets; the original notice keeps a fluency-free report."""
    reviewer = Reviewer()
    options = ReviewOptions.make(enable=[*reviewer.default_checks, "fluency"])
    # 当局 for one's own government is the expression check's critical finding already: without it, the spun
    # notice passes the default checks, and only this check takes it under 60
    spun = SPUN.replace("当局", "政府")
    assert reviewer.review(Post(text=spun)).score >= 90
    report = reviewer.review(Post(text=spun), options)
    fluency = [f for f in report.findings if f.category == "fluency"]
    post = [f for f in fluency if f.rule == "fluency.post"]
    assert post and post[0].start is None and post[0].end is None and post[0].severity == "major"
    assert report.score < 60
    for finding in fluency:
        if finding.start is not None:
            assert spun[finding.start : finding.end] == finding.text
    clean = reviewer.review(Post(text=CLEAN), options)
    assert not [f for f in clean.findings if f.category == "fluency"]
    # off by default: the same spun post without enabling it has no fluency finding
    assert not [f for f in reviewer.review(Post(text=SPUN)).findings if f.category == "fluency"]

"""The fluency check: spinner evidence, sentence scores, the whole-post judgement and its score once enabled."""

from __future__ import annotations

import pytest

from review.checks.fluency import FluencyCheck, load_spinner
from review.model import Post
from review.options import ReviewOptions
from review.pipeline import Reviewer

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


@pytest.fixture(scope="module")
def check() -> FluencyCheck:
    """One check instance (loads the n-gram model once)."""
    return FluencyCheck()


def test_off_by_default_and_registered() -> None:
    """The check is registered but not run unless enabled (its figures are reviewed first)."""
    assert FluencyCheck.enabled_by_default is False
    assert "fluency" in Reviewer().available_checks
    assert "fluency" not in Reviewer().default_checks


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
    """The spun notice gets sentence findings and a whole-post finding; the original gets nothing."""
    scored, post_mean = check.judge(SPUN)
    assert check.post_flagged(scored, post_mean)
    assert sum(1 for s in scored if s.severity) >= len(scored) // 2
    scored, post_mean = check.judge(CLEAN)
    assert not check.post_flagged(scored, post_mean)
    assert not any(s.severity for s in scored)


def test_shuffled_characters_are_unlikely(check: FluencyCheck) -> None:
    """A sentence of scrambled characters scores far below the original."""
    sentence = "各市州人民政府要对检查中发现的问题立即整改，切实提升服务人民群众的能力。"
    scrambled = "整群市民要立对检各州人政府查中的问题发现即改，众切实能提升服务人民的力。"
    (clean,), _ = check.judge(sentence)
    (bad,), _ = check.judge(scrambled)
    assert bad.mean < clean.mean - 2


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

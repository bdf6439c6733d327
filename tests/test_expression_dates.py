"""The `expression` check by date (renamed terms, leaders' terms of office) and 当局 for one's own government."""

from __future__ import annotations

import pytest

from review.checks.expression import OwnAuthority
from review.pipeline import Reviewer


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["expression"])


def findings(reviewer: Reviewer, text: str, rule: str, published: str | None = None, checked: str | None = None):
    post: dict = {"text": text}
    if published:
        post["published_at"] = published
    if checked:
        post["checked_at"] = checked
    report = reviewer.review(post)
    for finding in report.findings:
        assert text[finding.start : finding.end] == finding.text
    return [finding for finding in report.findings if finding.rule == rule]


AUTHORITY_EXAMPLES = OwnAuthority().examples


@pytest.mark.parametrize("example", AUTHORITY_EXAMPLES, ids=[e["text"][:12] for e in AUTHORITY_EXAMPLES])
def test_authority_examples_of_the_lexicon(reviewer, example):
    hits = findings(reviewer, example["text"], "expression.own_authority")
    assert [[f.text, f.suggestion] for f in hits] == example["fires"]
    assert all(f.severity == "critical" for f in hits)


def test_the_spun_notice_of_the_issue_is_rejected(reviewer):
    text = "湖南省政务管束供职局关于全省当服务局网站与政务新媒体查验情状的传达。经省国民当局允诺，现将当局网站查验情况传达如下。"
    report = reviewer.review({"text": text})
    hits = [(f.text, f.suggestion) for f in report.findings if f.rule == "expression.own_authority"]
    assert hits == [("国民当局", "人民政府"), ("当局网站", "政府网站")]
    assert report.verdict == "reject"


@pytest.mark.parametrize(
    ("text", "since"),
    [("抗击新冠肺炎疫情。", "2022-12-26"), ("国家卫生计生委发布通知。", "2018-03-27"), ("县环保局开展检查。", "2019-03-31")],
)
def test_a_renamed_term_is_wrong_from_its_date(reviewer, text, since):
    year, month, day = map(int, since.split("-"))
    before = f"{year}-{month:02d}-{day - 1:02d}"
    assert not findings(reviewer, text, "expression.formulation", before) + findings(
        reviewer, text, "expression.institution", before
    )
    after = findings(reviewer, text, "expression.formulation", since) + findings(
        reviewer, text, "expression.institution", since
    )
    assert len(after) == 1 and since in after[0].message


def test_a_term_that_was_always_wrong_has_no_date(reviewer):
    assert findings(reviewer, "所谓武汉肺炎的说法。", "expression.sovereignty", "2020-02-01")


def test_an_undated_post_is_judged_as_of_its_monitoring_time_else_now(reviewer):
    text = "抗击新冠肺炎疫情。"
    assert not findings(reviewer, text, "expression.formulation", checked="2021-06-01T10:00:00+08:00")
    assert findings(reviewer, text, "expression.formulation", checked="2023-06-01T10:00:00+08:00")
    assert findings(reviewer, text, "expression.formulation")  # now
    # the publication date wins over the monitoring time
    assert not findings(reviewer, text, "expression.formulation", "2021-06-01", "2026-06-01")


@pytest.mark.parametrize(
    ("text", "right_on", "wrong_on"),
    [
        ("国务院副总理韩正出席会议。", "2022-03-01", "2024-03-01"),
        ("国家副主席韩正会见外宾。", "2023-03-10", "2022-03-01"),
        ("中央书记处书记王沪宁出席。", "2022-03-01", "2023-06-01"),
        ("全国政协主席王沪宁出席。", "2023-06-01", "2022-03-01"),
        ("中央纪委书记赵乐际出席。", "2022-03-01", "2024-03-01"),
        ("国务委员王毅会见外宾。", "2022-03-01", "2024-03-01"),
        ("外交部长王毅会见外宾。", "2024-03-01", "2023-05-01"),  # 秦刚 was foreign minister from 2022-12-30 to 2023-07-25
        ("最高人民检察院检察长张军作报告。", "2022-03-08", "2024-03-08"),
        ("北京市委书记蔡奇主持会议。", "2022-05-01", "2023-05-01"),
        ("中央组织部部长李干杰出席。", "2024-05-01", "2025-06-01"),
        ("中央统战部部长李干杰出席。", "2025-06-01", "2024-05-01"),
        ("上海市委书记李强调研。", "2022-05-01", "2023-05-01"),
    ],
)
def test_a_leaders_post_is_judged_as_of_the_posts_date(reviewer, text, right_on, wrong_on):
    assert not findings(reviewer, text, "expression.leader_post", right_on)
    [finding] = findings(reviewer, text, "expression.leader_post", wrong_on)
    assert finding.severity == "critical" and wrong_on in finding.message


def test_a_former_post_is_right_with_shiren_and_wrong_without(reviewer):
    assert not findings(reviewer, "时任国务院副总理韩正出席会议。", "expression.leader_post", "2024-03-01")
    [finding] = findings(reviewer, "国务院副总理韩正出席会议。", "expression.leader_post", "2024-03-01")
    assert "时任" in finding.message and "国家副主席" in finding.message


def test_a_post_never_held_is_wrong_on_any_date_the_terms_cover(reviewer):
    assert findings(reviewer, "国家主席李强出席。", "expression.leader_post", "2020-01-01")
    assert findings(reviewer, "国家主席李强出席。", "expression.leader_post", "2024-01-01")
    # before the terms are listed (the 19th Party Congress) only misspelt names are checked
    assert not findings(reviewer, "中央组织部部长赵乐际出席。", "expression.leader_post", "2015-01-01")
    assert findings(reviewer, "国务院总理李墙出席。", "expression.leader_name", "2015-01-01")


def test_an_old_name_after_yuan_or_shiren_names_the_old_body(reviewer):
    for text in ("原国家食品药品监督管理总局副局长吴某被查。", "时任环保局局长张某被问责。", "不再保留国务院法制办公室。"):
        assert not findings(reviewer, text, "expression.institution", "2020-01-01"), text
    assert findings(reviewer, "县环保局开展检查。", "expression.institution", "2020-01-01")


def test_foreign_ministries_and_second_names_are_not_renamed_bodies(reviewer):
    assert not findings(reviewer, "美国农业部24日称，金砖国家农业部长会议在京召开。", "expression.institution", "2024-05-25")
    # 国家海洋局 is still a second name of 自然资源部; 国家外国专家局 was one until 2023
    assert not findings(reviewer, "国家海洋局局长应邀作讲座。", "expression.institution", "2025-08-26")
    assert not findings(reviewer, "国家外国专家局发布通知。", "expression.institution", "2020-01-01")
    assert findings(reviewer, "国家外国专家局发布通知。", "expression.institution", "2024-01-01")
    assert findings(reviewer, "中国农业部发布通知。", "expression.institution", "2020-01-01")


def test_the_wuhan_institute_of_virology_is_not_the_slur(reviewer):
    assert not findings(reviewer, "专家组考察了武汉病毒研究所，武汉病毒所研究员介绍情况。", "expression.sovereignty")
    assert findings(reviewer, "所谓武汉病毒的说法是污名化。", "expression.sovereignty")

"""The punctuation, numbers and format checks: the issue's seven cases, offsets into the caller's text, quiet on
clean government writing, off by default, rule files refused when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.checks._norms import load_norm_rules
from review.checks.base import REGISTRY
from review.checks.numbers import chinese_to_arabic, chinese_to_int
from review.lexicon import LexiconError
from review.pipeline import Reviewer

NORMS = ["punctuation", "numbers", "format"]
NORMAL_POST = Path(__file__).resolve().parent / "fixtures" / "normal_post.txt"


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=NORMS)


def findings_of(reviewer: Reviewer, text: str):
    findings = reviewer.review({"text": text}).findings
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text, finding
    return findings


@pytest.mark.parametrize(
    ("text", "rule", "span", "suggestion"),
    [
        ("会议强调，要坚持“四个意识”,做到“两个维护”。。", "punctuation.halfwidth", ",", "，"),
        ("会议强调，要坚持“四个意识”,做到“两个维护”。。", "punctuation.doubled_end", "。。", "。"),
        ("《关于进一步加强政务新媒体管理的通知》》", "punctuation.unbalanced", "》", ""),
        ("２０２５年１１月", "numbers.fullwidth_digit", "２０２５", "2025"),
        ("共有一百二十三点五万人参加。去年同期为123.5万人。", "numbers.mixed_forms", "一百二十三点五", "123.5"),
        ("工作分三步：1、摸底排查，2、集中整治，3、总结验收。", "punctuation.dunhao_list_number", "2、", "（2）"),
        ("活动时间为8月8日-8月10日。", "numbers.range", "8月8日-8月10日", "8月8日—10日"),
        ("北京市人民政府办公厅关于做好冬季供暖工作的通知\n各区人民政府：\n现将有关事项通知如下。\n"
         "北京市人民政府办公厅\n二〇二五年十一月三十一日", "numbers.impossible_date", "二〇二五年十一月三十一日",
         "二〇二五年十一月三十日"),
        # a real date in Chinese numerals as the 成文日期 (an impossible one gets the major finding above, which
        # the report keeps in place of this minor one: overlapping findings of one category merge)
        ("北京市人民政府办公厅关于做好冬季供暖工作的通知\n各区人民政府：\n现将有关事项通知如下。\n"
         "北京市人民政府办公厅\n二〇二五年十一月三十日", "format.date_form", "二〇二五年十一月三十日", "2025年11月30日"),
        ("2025年11月27日（星期三）", "numbers.weekday", "星期三", "星期四"),
    ],
    ids=["halfwidth-comma", "doubled-stop", "book-title", "fullwidth-digits", "mixed-numbers", "list-numbers",
         "hyphen-range", "impossible-date", "date-line-form", "weekday"],
)
def test_the_issues_cases_get_a_finding(reviewer, text, rule, span, suggestion):
    hits = [f for f in findings_of(reviewer, text) if f.rule == rule]
    assert (span, suggestion) in [(f.text, f.suggestion) for f in hits], hits


def test_a_weekday_without_its_year_is_read_in_the_year_of_publication(reviewer):
    text = "定于11月27日（星期三）召开会议。"
    report = reviewer.review({"text": text, "published_at": "2025-11-20T09:00:00+08:00"})
    assert [(f.rule, f.text, f.suggestion) for f in report.findings] == [("numbers.weekday", "星期三", "星期四")]
    # a January post about the last days of December reads them in the year before
    report = reviewer.review({"text": "12月30日（星期二）召开会议。", "published_at": "2026-01-02T09:00:00+08:00"})
    assert report.findings == []  # 2025-12-30 was a Tuesday
    assert findings_of(reviewer, text) == []  # no publication date, no year: not checked


def test_the_impossible_date_is_major(reviewer):
    [finding] = [f for f in findings_of(reviewer, "截至11月31日。") if f.rule == "numbers.impossible_date"]
    assert finding.severity == "major"


@pytest.mark.parametrize(
    "text",
    [
        "會議強調，要堅持“四個意識”,做到“兩個維護”。。",  # traditional script: normalised to simplified
        "会议\u200b强调，要坚持“四个\u200d意识”,做到“两个维护”。。\ufeff",  # invisible characters removed
        "２０２５年１１月３１日，会议强调，要坚持“四个意识”,做到“两个维护”。。",  # full-width digits widened back
        "８月８日-８月１０日举行，增长３％－５％。",
        "他说:\"要坚持\u200b‘四个意识’。\" 开局之年 奋进有我（2021-2025年",
    ],
)
def test_offsets_map_back_to_the_callers_text(reviewer, text):
    findings = findings_of(reviewer, text)
    assert findings
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text


def test_traditional_text_gets_the_same_findings_as_simplified(reviewer):
    simplified = [f.rule for f in findings_of(reviewer, "会议强调，要坚持“四个意识”,做到“两个维护”。。")]
    traditional = [f.rule for f in findings_of(reviewer, "會議強調，要堅持“四個意識”,做到“兩個維護”。。")]
    assert simplified == traditional == ["punctuation.halfwidth", "punctuation.doubled_end"]


def test_a_date_in_full_width_digits_is_read_and_spanned_in_the_callers_form(reviewer):
    # the major finding keeps the place of the minor full-width ones it overlaps (one category merges)
    [date] = findings_of(reviewer, "２０２５年１１月３１日")
    assert date.rule == "numbers.impossible_date" and date.text == "２０２５年１１月３１日"
    assert [f.rule for f in findings_of(reviewer, "２０２５年１１月")] == ["numbers.fullwidth_digit"] * 2


def test_clean_government_writing_gets_no_finding(reviewer):
    text = NORMAL_POST.read_text(encoding="utf-8")
    assert findings_of(reviewer, text) == []


def test_a_quotation_that_runs_over_paragraphs_is_balanced(reviewer):
    text = "他指出：\n“第一，坚持稳中求进。\n“第二，坚持深化改革。\n“第三，坚持扩大开放。”"
    assert findings_of(reviewer, text) == []


def test_the_checks_run_by_default():
    for name in NORMS:
        assert REGISTRY[name].enabled_by_default is True
    assert set(NORMS) <= set(Reviewer().default_checks)


def test_chinese_numerals():
    assert chinese_to_int("二〇二五") == 2025 and chinese_to_int("三十一") == 31 and chinese_to_int("十一") == 11
    assert chinese_to_arabic("一百二十三点五") == "123.5" and chinese_to_arabic("百分之六点二") == "6.2%"


def test_a_malformed_rule_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "norms").mkdir()
    (tmp_path / "norms" / "numbers.toml").write_text(
        '[[rule]]\nid = "numbers.range"\nclause = "x"\nseverity = "grave"\nmessage = "m"\nsuggestion = ""\n'
        "pattern = '(a+)+b'\nfire = []\n", encoding="utf-8")
    monkeypatch.setenv("REVIEW_LEXICONS", str(tmp_path))
    load_norm_rules.cache_clear()
    try:
        with pytest.raises(LexiconError):
            load_norm_rules("numbers")
    finally:
        load_norm_rules.cache_clear()


@pytest.mark.parametrize(
    "unit",
    ["《", "》", "“", "”", "（\na", "中 ", "1,", "1,2", "。", "？。", "a\n", "“a\n", "1、中", "三、四个", "、等", "２", "2月30日",
     "2025年11月27日（星期三）", "京政办发[2025]12号", "附件1\n", "关于\n", "中 中中：", "百分之六点二1.5%", "3%-5%", "(中)", '"中'],
)
def test_long_pathological_runs_cost_a_small_multiple_of_a_normal_post(reviewer, unit):
    # each detector walks the text once: a 20,000-character run of any unit costs what clean text of that length does
    import time

    normal = (NORMAL_POST.read_text(encoding="utf-8") * 20)[:20_000]
    hostile = (unit * (20_000 // len(unit) + 1))[:20_000]

    def best(text: str) -> float:
        times = []
        for _ in range(2):
            started = time.process_time()
            reviewer.review({"text": text})
            times.append(time.process_time() - started)
        return min(times)

    baseline = best(normal)
    assert best(hostile) <= 20 * baseline + 0.05

"""Timeliness: future-dated posts and future dates narrated as past events."""

from __future__ import annotations

import pytest


def _timeliness(reviewer, **post):
    return [f for f in reviewer.review(post).findings if f.category == "timeliness"]


def test_post_after_monitoring_time_is_future(core_reviewer):
    (finding,) = _timeliness(core_reviewer, text="通知", published_at="2025-06-01T10:00:00", checked_at="2025-05-20")
    assert finding.rule == "timeliness.future_post" and finding.start is None and finding.severity == "major"


def test_post_within_tolerance_is_fine(core_reviewer):
    assert _timeliness(core_reviewer, text="通知", published_at="2025-05-20T10:05", checked_at="2025-05-20T10:00") == []


def test_past_tense_report_of_later_date(core_reviewer):
    text = "2025年6月30日上午，市政府召开了全市安全生产工作会议。"
    (finding,) = _timeliness(core_reviewer, text=text, published_at="2025-05-18", checked_at="2025-05-20")
    assert finding.text == "2025年6月30日" and text[finding.start : finding.end] == finding.text


@pytest.mark.parametrize(
    "text",
    [
        "市政府将于2025年6月30日召开全市安全生产工作会议。",
        "报名截止时间为6月30日。",
        "2025年5月10日，市政府召开了全市安全生产工作会议。",
        "活动时间：2025年6月1日至6月30日，欢迎参加。",
        "预计2025年7月1日起正式实施。",
    ],
)
def test_announcements_and_earlier_dates_are_fine(core_reviewer, text):
    assert _timeliness(core_reviewer, text=text, published_at="2025-05-18", checked_at="2025-05-20") == []


def test_month_day_uses_publication_year_and_iso_dates(core_reviewer):
    findings = _timeliness(
        core_reviewer, text="6月10日，会议顺利召开。2025-07-02，检查组完成了验收。", published_at="2025-05-18", checked_at="2025-05-20"
    )
    assert [f.text for f in findings] == ["6月10日", "2025-07-02"]


def test_month_day_far_after_publication_means_last_year(core_reviewer):
    text = "11月3日，代表团圆满结束了访问。"
    assert _timeliness(core_reviewer, text=text, published_at="2025-05-18", checked_at="2025-05-20") == []


def test_traditional_text_maps_back(core_reviewer):
    text = "2025年6月30日，市政府召開了會議。"
    (finding,) = _timeliness(core_reviewer, text=text, published_at="2025-05-18", checked_at="2025-05-20")
    assert text[finding.start : finding.end] == "2025年6月30日"

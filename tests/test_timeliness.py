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


@pytest.mark.parametrize(
    "text, date",
    [
        ("记者11月25日从市政府获悉，明年1月1日起新规施行。", "11月25日"),  # a news lede without 了
        ("11月26日，全市召开安全生产工作会议。", "11月26日"),
        ("本报讯 11月30日上午，市委书记到企业调研。", "11月30日"),
        ("国家卫生健康委今天（11月27日）通报最新情况，将继续做好防控。", "11月27日"),  # the writer's today
    ],
)
def test_news_narration_of_a_later_date_is_reported(core_reviewer, text, date):
    found = _timeliness(core_reviewer, text=text, published_at="2026-11-24T09:00", checked_at="2026-11-24T10:00")
    assert [f.text for f in found] == [date]


@pytest.mark.parametrize(
    "text",
    [
        "中国人民银行决定明天（11月25日）下调金融机构存款准备金率。",
        "全国人大常委会决定，十四届全国人大五次会议于2026年12月5日在北京召开。",
        "大会定于12月5日上午开幕，会期7天。",
        "据预报，11月26日至28日我市将有降温。",
    ],
)
def test_announcements_in_news_are_not_reported(core_reviewer, text):
    assert _timeliness(core_reviewer, text=text, published_at="2026-11-24T09:00", checked_at="2026-11-24T10:00") == []


def test_month_day_is_read_in_the_year_nearest_the_publication(core_reviewer):
    # 1月1日 in a post of 29 December is the coming 1 January
    (finding,) = _timeliness(core_reviewer, text="今天（1月1日）出版的人民日报发表社论。",
                             published_at="2026-12-29T09:00", checked_at="2026-12-29T10:00")
    assert finding.text == "1月1日" and "2027-01-01" in finding.message
    # in a post of 24 November it is last January: nothing to report
    assert _timeliness(core_reviewer, text="1月5日，全市召开了安全生产工作会议。",
                       published_at="2026-11-24T09:00", checked_at="2026-11-24T10:00") == []

"""时效: a post dated after the monitoring time, and past-tense reports of dates after publication."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from review.checks.base import Check, register
from review.document import Document
from review.model import CHINA_TZ, Finding
from review.resources import load_toml

FULL_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
CLAUSE_END = re.compile(r"[。！？!?；;\n]")


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@register
class TimelinessCheck(Check):
    """发稿出现未来时间 (published_at after checked_at) and future dates reported as past events."""

    name = "timeliness"
    category = "timeliness"

    def __init__(self) -> None:
        config = load_toml("timeliness.toml")
        self.future_post = config["future_post"]
        in_text = config["future_date_in_text"]
        self.in_text_severity = in_text["severity"]
        self.window = int(in_text["window"])
        self.before_window = int(in_text.get("before_window", 12))
        self.month_day_horizon = timedelta(days=int(in_text["month_day_horizon_days"]))
        self.past_markers = tuple(sorted(in_text["past_markers"], key=len, reverse=True))
        self.future_markers = tuple(sorted(in_text["future_markers"], key=len, reverse=True))
        self.today_markers = tuple(in_text.get("today_markers", ()))
        self.range_markers = tuple(in_text.get("range_markers", ()))
        self.lede_markers = tuple(in_text.get("lede_markers", ()))
        self.stale_days = int(config["stale"]["info_after_days"])

    def check(self, doc: Document) -> list[Finding]:
        """Findings for the post's dates."""
        findings: list[Finding] = []
        post = doc.post
        checked = post.checked_at or datetime.now(CHINA_TZ)
        if doc.is_body and post.published_at is not None:
            tolerance = timedelta(minutes=float(self.future_post["tolerance_minutes"]))
            if post.published_at > checked + tolerance:
                findings.append(
                    self.finding(
                        doc,
                        None,
                        None,
                        rule="timeliness.future_post",
                        severity=self.future_post["severity"],
                        message=(
                            f"发稿时间 {post.published_at.isoformat()} 晚于监测时间 {checked.isoformat()}"
                            "（发稿出现未来时间）"
                        ),
                        confidence=1.0,
                    )
                )
            elif checked - post.published_at > timedelta(days=self.stale_days):
                findings.append(
                    self.finding(
                        doc,
                        None,
                        None,
                        rule="timeliness.stale_post",
                        severity="info",
                        message=f"发稿时间距监测时间已超过 {self.stale_days} 天，内容可能已过时",
                        confidence=1.0,
                    )
                )
        if post.published_at is not None:
            findings.extend(self._future_dates(doc, post.published_at.astimezone(CHINA_TZ).date()))
        return findings

    def _future_dates(self, doc: Document, published: date) -> list[Finding]:
        text = doc.text
        if "月" not in text and "-" not in text and "/" not in text and "." not in text:
            return []
        found: list[tuple[int, int, date]] = []
        taken: list[tuple[int, int]] = []
        for pattern in (FULL_DATE, ISO_DATE):
            for match in pattern.finditer(text):
                value = _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                if value is not None:
                    found.append((match.start(), match.end(), value))
                    taken.append(match.span())
        for match in MONTH_DAY.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            readings = [_date(year, int(match.group(1)), int(match.group(2)))
                        for year in (published.year - 1, published.year, published.year + 1)]
            readings = [value for value in readings if value is not None]
            value = min(readings, key=lambda day: abs(day - published)) if readings else None
            if value is not None and value - published <= self.month_day_horizon:
                found.append((match.start(), match.end(), value))
        findings = []
        for start, end, value in found:
            if value <= published or not self._reported_as_past(text, start, end):
                continue
            findings.append(
                self.finding(
                    doc,
                    start,
                    end,
                    rule="timeliness.future_date_in_text",
                    severity=self.in_text_severity,
                    message=(
                        f"文中以过去时叙述的日期 {value.isoformat()} 晚于发稿日期 {published.isoformat()}，"
                        "请核对日期"
                    ),
                    confidence=0.85,
                )
            )
        return findings

    def _reported_as_past(self, text: str, start: int, end: int) -> bool:
        """True when the clause around a date narrates a finished event and announces nothing."""
        clause_start = start
        while (clause_start > 0 and not CLAUSE_END.match(text[clause_start - 1])
               and start - clause_start < self.before_window):
            clause_start -= 1
        after = text[end : end + self.window]
        stop = CLAUSE_END.search(after)
        if stop:
            after = after[: stop.start()]
        before = text[clause_start:start]
        if self.today_markers and before.rstrip("（( ").endswith(self.today_markers):
            return True  # 今天（1月8日）: the writer's today, later than the publication date
        if any(marker in before for marker in self.future_markers):
            return False
        if after.lstrip(" （()）上下午晚早中凌晨").startswith(self.range_markers) \
                or before.rstrip(" （(").endswith(self.range_markers):
            return False  # 6月1日至6月30日: either end of a range (an event still running is no error)
        # a news lede (记者11月25日从市政府获悉，明年1月1日起…) narrates, whatever the next clause announces
        first_clause = re.split("[，,]", after, maxsplit=1)[0]
        if any(marker in first_clause for marker in self.lede_markers):
            return True
        if any(marker in after for marker in self.future_markers):
            return False
        return any(marker in after for marker in self.past_markers)

"""The account-check interface and its registry, in the pattern of review/checks/base.py.

An account check reads one account's posts and their reports and says what the inspection notice would list
for it (存在的突出问题). Its thresholds are the section of lexicons/inspection.toml named like the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from review.model import SEVERITY_RANK
from review.registry import Registry


@dataclass(frozen=True)
class Evidence:
    """One item backing an account problem: a post, its link and an excerpt."""

    post_id: str | None
    url: str | None = None
    excerpt: str | None = None

    def to_dict(self) -> dict:
        """The evidence as JSON."""
        return {"post_id": self.post_id, "url": self.url, "excerpt": self.excerpt}


@dataclass
class AccountPost:
    """What the account checks know of one post: its date, link and its report."""

    key: str
    id: str | None
    published_at: datetime | None
    url: str | None
    title: str | None
    text: str | None
    report: dict

    @property
    def reviewed(self) -> bool:
        """True when the engine reviewed the post (no input error)."""
        return "error" not in self.report

    @property
    def findings(self) -> list[dict]:
        """The report's findings."""
        return self.report.get("findings") or []


@dataclass
class Account:
    """One inspected account and its posts in feed order."""

    key: str
    id: str | None
    name: str | None
    type: str | None
    platform: str | None
    unit: str | None
    posts: list[AccountPost] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """The inspection's settings: monitoring point, stale window and the config sections."""

    checked_at: datetime
    window_days: int
    config: dict


@dataclass
class AccountProblem:
    """One problem of an account, as the annex table lists it."""

    check: str
    severity: str
    problem: str  # 存在的突出问题, in Chinese
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The problem as JSON."""
        return {
            "check": self.check,
            "severity": self.severity,
            "problem": self.problem,
            "evidence": [item.to_dict() for item in self.evidence],
        }


class AccountCheck:
    """Turns an account into problems. Subclasses set `name`, `label` and implement `check`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""  # the notice's wording, for the chart and docs
    enabled_by_default: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.context = context
        self.config: dict = context.config.get(self.name, {})
        self.severity: str = self.config.get("severity", "major")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"inspection.toml [{self.name}] severity {self.severity!r} is not a severity")
        report = context.config.get("report", {})
        self.max_evidence = int(report.get("max_evidence", 3))  # evidence items per problem in the table
        self.excerpt_chars = int(report.get("excerpt_chars", 30))

    def check(self, account: Account) -> list[AccountProblem]:
        """Return the account's problems (empty when it passes this check)."""
        raise NotImplementedError


def finding_excerpt(post: AccountPost, finding: dict, chars: int) -> str:
    """A short excerpt for the annex table: the flagged words in context, or the finding's message."""
    source = post.text if finding.get("field", "text") == "text" else post.title
    start, end = finding.get("start"), finding.get("end")
    if source and isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(source):
        half = max(0, (chars - (end - start)) // 2)
        before = source[max(0, start - half) : start]
        after = source[end : end + half]
        lead = "…" if start - half > 0 else ""
        tail = "…" if end + half < len(source) else ""
        text = f"{lead}{before}【{source[start:end]}】{after}{tail}"
        if finding.get("suggestion"):
            text += f"（建议：{finding['suggestion']}）"
        return text.replace("\n", " ")
    return str(finding.get("message") or "")


ACCOUNT_REGISTRY: Registry[AccountCheck] = Registry("account check")


def register(cls: type[AccountCheck]) -> type[AccountCheck]:
    """Class decorator: add an account check to the registry under its `name`."""
    return ACCOUNT_REGISTRY.register(cls)

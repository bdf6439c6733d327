"""What an inspection produced: per account its problems, and the whole run, for the writers (outputs, HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from review.inspect.checks.base import Account, AccountProblem
from review.inspect.feed import Problem


@dataclass
class AccountResult:
    """An account, its posts with reports, and what the inspection found."""

    account: Account
    problems: list[AccountProblem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when any account check listed a problem (不合格)."""
        return bool(self.problems)


@dataclass
class Inspection:
    """Everything an inspection produced, for the writers."""

    feed_path: str
    checked_at: datetime
    window_days: int
    checks: list[str]  # post checks that ran
    account_checks: list[str]
    accounts: list[AccountResult]
    problems: list[Problem]
    posts: int
    reviewed_now: int  # posts reviewed in this run (the rest came from an earlier run)

    @property
    def failing(self) -> list[AccountResult]:
        """The accounts with problems, in feed order."""
        return [result for result in self.accounts if result.failed]

    @property
    def pass_rate(self) -> float | None:
        """Share of accounts without problems (None for an empty feed)."""
        if not self.accounts:
            return None
        return (len(self.accounts) - len(self.failing)) / len(self.accounts)

    @property
    def pass_rate_text(self) -> str:
        """The pass rate as the notices state it, e.g. 合格率94.8%."""
        rate = self.pass_rate
        return "合格率—" if rate is None else f"合格率{rate * 100:.1f}%"

"""监测时间点前2周内无更新: no post in the window up to the monitoring point."""

from __future__ import annotations

from datetime import timedelta

from review.inspect.checks.base import Account, AccountCheck, AccountProblem, Evidence, register


def period_words(days: int) -> str:
    """The notices' wording of a period: 14 → 2周, 10 → 10天."""
    return f"{days // 7}周" if days % 7 == 0 else f"{days}天"


@register
class StaleAccount(AccountCheck):
    """The account published nothing in the `window_days` days up to `checked_at`."""

    name = "stale"
    label = "监测时间点前2周内无更新"

    def check(self, account: Account) -> list[AccountProblem]:
        """One problem when no dated post falls in the window."""
        checked = self.context.checked_at
        start = checked - timedelta(days=self.context.window_days)
        dated = [post for post in account.posts if post.published_at is not None and post.published_at <= checked]
        if any(post.published_at >= start for post in dated):  # type: ignore[operator]
            return []
        period = period_words(self.context.window_days)
        if not dated:
            why = "未发现监测时间点前的稿件" if any(p.published_at for p in account.posts) else "未发现有效发布时间的稿件"
            return [AccountProblem(self.name, self.severity, f"监测时间点前{period}内无更新（{why}）")]
        latest = max(dated, key=lambda post: post.published_at)  # type: ignore[arg-type, return-value]
        when = latest.published_at.strftime("%Y-%m-%d")  # type: ignore[union-attr]
        return [
            AccountProblem(
                self.name,
                self.severity,
                f"监测时间点前{period}内无更新（最近一次更新：{when}）",
                [Evidence(latest.id, latest.url, f"{when}《{latest.title}》" if latest.title else when)],
            )
        ]

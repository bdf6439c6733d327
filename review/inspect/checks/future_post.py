"""发稿出现未来时间: a post dated after the monitoring point."""

from __future__ import annotations

from datetime import timedelta

from review.inspect.checks.base import Account, AccountCheck, AccountProblem, Evidence, register


@register
class FuturePost(AccountCheck):
    """Posts whose publication time lies after `checked_at` (beyond a small tolerance)."""

    name = "future_post"
    label = "发稿出现未来时间"

    def check(self, account: Account) -> list[AccountProblem]:
        """One problem listing the future-dated posts."""
        limit = self.context.checked_at + timedelta(minutes=float(self.config.get("tolerance_minutes", 0)))
        future = [post for post in account.posts if post.published_at is not None and post.published_at > limit]
        if not future:
            return []
        evidence = []
        for post in future:
            when = post.published_at.strftime("%Y-%m-%d %H:%M")  # type: ignore[union-attr]
            evidence.append(Evidence(post.id, post.url, f"发布时间 {when}" + (f"《{post.title}》" if post.title else "")))
        return [AccountProblem(self.name, self.severity, f"发稿出现未来时间（{len(future)}篇）", evidence)]

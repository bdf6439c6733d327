"""内容问题稿件占比过高: too many posts with typos, sensitive wording, expression, off-topic or entertainment."""

from __future__ import annotations

from collections import Counter

from review.inspect.checks.base import (
    Account,
    AccountCheck,
    AccountProblem,
    Context,
    Evidence,
    finding_excerpt,
    register,
)
from review.model import SEVERITY_RANK


@register
class ContentShare(AccountCheck):
    """The share of reviewed posts with a content finding exceeds `max_share`."""

    name = "content_share"
    label = "内容问题稿件占比过高"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.categories = frozenset(self.config.get("categories", ()))
        self.min_rank = SEVERITY_RANK[self.config.get("min_severity", "minor")]
        self.max_share = float(self.config.get("max_share", 0.2))
        self.min_posts = int(self.config.get("min_posts", 1))
        self.labels: dict[str, str] = context.config.get("labels", {})

    def _counts(self, finding: dict) -> bool:
        rank = SEVERITY_RANK.get(finding.get("severity", ""), -1)
        return finding.get("category") in self.categories and rank >= self.min_rank

    def check(self, account: Account) -> list[AccountProblem]:
        """One problem with the share and the most frequent categories, backed by excerpts."""
        reviewed = [post for post in account.posts if post.reviewed]
        if len(reviewed) < self.min_posts or not reviewed:
            return []
        flagged = [(post, [f for f in post.findings if self._counts(f)]) for post in reviewed]
        flagged = [(post, found) for post, found in flagged if found]
        share = len(flagged) / len(reviewed)
        if share <= self.max_share:
            return []
        by_category = Counter(f["category"] for _, found in flagged for f in found)
        kinds = "、".join(f"{self.labels.get(name, name)}{count}处" for name, count in by_category.most_common())
        evidence = []
        for post, found in flagged[: self.max_evidence]:
            worst = max(found, key=lambda f: SEVERITY_RANK.get(f.get("severity", ""), -1))
            evidence.append(Evidence(post.id, post.url, finding_excerpt(post, worst, self.excerpt_chars)))
        problem = f"内容问题稿件占比{share:.0%}（{len(reviewed)}篇中{len(flagged)}篇：{kinds}）"
        return [AccountProblem(self.name, self.severity, problem, evidence)]

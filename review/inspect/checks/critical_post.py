"""单项否决: a post with a critical finding fails the account."""

from __future__ import annotations

from review.inspect.checks.base import Account, AccountCheck, AccountProblem, Evidence, finding_excerpt, register


@register
class CriticalPost(AccountCheck):
    """Any post with a `critical` finding (严重表述错误等) fails the account on its own."""

    name = "critical_post"
    label = "存在严重问题（单项否决）"

    def check(self, account: Account) -> list[AccountProblem]:
        """One problem listing the posts with critical findings."""
        hits = [(post, f) for post in account.posts for f in post.findings if f.get("severity") == "critical"]
        if not hits:
            return []
        posts = {post.key for post, _ in hits}
        evidence = [Evidence(post.id, post.url, finding_excerpt(post, f, self.excerpt_chars))
                    for post, f in hits[: self.max_evidence]]
        messages = "；".join(dict.fromkeys(str(f.get("message", "")) for _, f in hits[: self.max_evidence]))
        return [AccountProblem(self.name, self.severity, f"存在严重问题（单项否决，{len(posts)}篇）：{messages}", evidence)]

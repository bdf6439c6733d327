"""A generated inspection feed with known stale, future-dated and problematic accounts, and its expected result."""

from __future__ import annotations

import json
from pathlib import Path

from review.checks import REGISTRY
from review.checks.base import Check, register

CHECKED_AT = "2025-06-30T12:00:00+08:00"
TYPO = "再接再励"  # the marker check below reports it as a minor typo
VETO = "严重错误标记"  # ... and this as a critical sensitive finding
MARKER_CHECK = "inspect_test_marker"
# the checks the tests run: deterministic whatever model-based checks other modules add
TEST_CHECKS = ["timeliness", "garbled", MARKER_CHECK]
CLEAN = "市政府召开常务会议，研究部署近期重点工作，要求各部门狠抓落实。"

# account id -> (name, type, platform, unit)
ACCOUNTS = {
    "ok": ("某市发布", "government", "wechat", "某市人民政府办公室"),
    "stale": ("某县卫健", "health", "weibo", "某县卫生健康局"),
    "future": ("某区教育", "education", "toutiao", "某区教育局"),
    "typos": ("某市交通", "transport", "wechat", "某市交通运输局"),
    "veto": ("某市应急", "emergency", "weibo", "某市应急管理局"),
    "low_share": ("某市文旅", "culture_tourism", "douyin", "某市文化广电旅游局"),
}
EXPECTED_PROBLEMS = {"stale": ["stale"], "future": ["future_post"], "typos": ["content_share"],
                     "veto": ["critical_post"]}
EXPECTED_PASS_RATE = "合格率33.3%"


class InspectMarkerCheck(Check):
    """A test-only check with fixed markers, so the expected problem list does not depend on model checks."""

    name = MARKER_CHECK
    category = "typo"
    enabled_by_default = False

    def check(self, doc):
        found = []
        for marker, category, severity in ((TYPO, "typo", "minor"), (VETO, "sensitive", "critical")):
            start = doc.text.find(marker)
            if start >= 0:
                found.append(
                    doc.finding(start, start + len(marker), category=category, rule=f"test.{category}",
                                severity=severity, message=f"测试：{marker}")
                )
        return found


def register_marker_check() -> None:
    """Add the marker check to the registry (remove it with `unregister_marker_check`)."""
    register(InspectMarkerCheck)


def unregister_marker_check() -> None:
    """Take the marker check out of the registry again."""
    REGISTRY.pop(MARKER_CHECK, None)


def _post(post_id: str, account: str, published_at: str, text: str = CLEAN, **extra) -> dict:
    name, account_type, platform, unit = ACCOUNTS[account]
    return {
        "id": post_id,
        "account": {"id": account, "name": name, "type": account_type, "platform": platform, "unit": unit},
        "published_at": published_at,
        "url": f"https://example.gov.cn/{account}/{post_id}",
        "title": f"{name}动态",
        "text": text,
        **extra,
    }


def feed_posts() -> list[dict]:
    """The generated feed: six accounts, four of them failing one check each."""
    posts = [_post(f"ok-{i}", "ok", f"2025-06-2{i}T09:00:00") for i in range(4)]
    posts += [_post(f"stale-{i}", "stale", f"2025-06-0{i + 1}T09:00:00") for i in range(3)]
    posts += [_post("future-0", "future", "2025-06-25T09:00:00"), _post("future-1", "future", "2025-07-03T09:00:00")]
    posts += [_post(f"typos-{i}", "typos", "2025-06-26T10:00:00", CLEAN + (TYPO if i < 2 else "")) for i in range(4)]
    posts += [_post(f"veto-{i}", "veto", "2025-06-27T10:00:00", CLEAN + (VETO if i == 0 else "")) for i in range(6)]
    posts += [_post(f"low-{i}", "low_share", "2025-06-28T10:00:00", CLEAN + (TYPO if i == 0 else ""))
              for i in range(10)]
    return posts


def write_jsonl(path: Path, posts: list[dict]) -> Path:
    """Write posts as a JSONL feed."""
    path.write_text("".join(json.dumps(post, ensure_ascii=False) + "\n" for post in posts), encoding="utf-8")
    return path

"""Inspection speed: generate a feed of N posts over many accounts and time `review inspect` per worker count.

    python benchmarks/inspect_feed.py                       # 100,000 posts, --workers 1 and 2
    python benchmarks/inspect_feed.py --posts 5000 --workers 1 2 4

Prints posts/second for each worker count and the post checks that ran (the figure falls as model-based
checks are added, so always quote both). The feed is synthetic: sentences assembled at random from the
fragments below, some accounts stale, some with future-dated posts, a few posts with typos.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from review.inspect import inspect_feed, local_backend  # noqa: E402
from review.model import CHINA_TZ  # noqa: E402
from review.pipeline import ReviewOptions, get_reviewer  # noqa: E402

SUBJECTS = ["市政府", "区委区政府", "市卫生健康委", "县教育局", "市交通运输局", "市应急管理局", "市场监管局", "街道办事处"]
ACTIONS = ["召开专题会议", "部署推进", "开展专项检查", "印发实施方案", "组织集中培训", "举行新闻发布会", "深入基层调研"]
TOPICS = ["安全生产工作", "优化营商环境", "秋冬季疫病防控", "义务教育招生", "城市道路改造", "食品安全监管", "乡村振兴重点任务"]
TAILS = ["要求各部门压实责任、狠抓落实。", "确保各项措施落到实处。", "切实保障人民群众生命财产安全。",
         "进一步提升群众满意度和获得感。", "推动高质量发展取得新成效。"]
TYPO_SENTENCES = ["全体干部要再接再励，", "各单位要认真贯切落实，", "以迫在眉捷的紧迫感，"]
PLATFORMS = ["wechat", "weibo", "toutiao", "douyin", "website"]
TYPES = ["government", "health", "education", "transport", "emergency", "market_regulation", "other"]


def generate_feed(path: str, posts: int, checked_at: datetime, seed: int = 7) -> None:
    """Write `posts` synthetic posts over posts/50 accounts to a JSONL file."""
    rng = random.Random(seed)
    accounts = max(1, posts // 50)
    with open(path, "w", encoding="utf-8") as out:
        for number in range(posts):
            account = number % accounts
            stale = account % 20 == 0  # 5 % of accounts last posted long ago
            days_back = rng.uniform(20, 90) if stale else rng.uniform(0, 30)
            published = checked_at - timedelta(days=days_back)
            if account % 50 == 1 and number // accounts == 0:
                published = checked_at + timedelta(days=2)  # 发稿出现未来时间
            sentences = []
            for _ in range(rng.randint(4, 12)):
                sentence = f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}，聚焦{rng.choice(TOPICS)}，{rng.choice(TAILS)}"
                if rng.random() < 0.02:
                    sentence = rng.choice(TYPO_SENTENCES) + sentence
                sentences.append(sentence)
            post = {
                "id": f"p{number}",
                "account": {"id": f"a{account}", "name": f"政务账号{account}", "type": TYPES[account % len(TYPES)],
                            "platform": PLATFORMS[account % len(PLATFORMS)], "unit": f"单位{account % 37}"},
                "published_at": published.isoformat(timespec="seconds"),
                "url": f"https://example.gov.cn/a{account}/p{number}",
                "title": f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}",
                "text": "".join(sentences),
            }
            out.write(json.dumps(post, ensure_ascii=False) + "\n")


def main() -> int:
    """Generate the feed, run the inspection per worker count, print posts/second."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--enable", help="comma-separated post checks (default: the engine's defaults)")
    parser.add_argument("--keep", help="write the feed and outputs here instead of a temporary folder")
    args = parser.parse_args()

    options = ReviewOptions.make(enable=args.enable.split(",") if args.enable else None)
    checks = get_reviewer().selected(options)
    checked_at = datetime(2025, 6, 30, 12, 0, tzinfo=CHINA_TZ)
    folder = args.keep or tempfile.mkdtemp(prefix="inspect-bench-")
    os.makedirs(folder, exist_ok=True)
    feed = os.path.join(folder, "feed.jsonl")
    began = time.perf_counter()
    generate_feed(feed, args.posts, checked_at)
    size = os.path.getsize(feed) / 1e6
    print(f"feed: {args.posts} posts, {size:.1f} MB, generated in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    print(f"post checks: {', '.join(checks)}  (cpus: {os.cpu_count()})")
    for workers in args.workers:
        outdir = os.path.join(folder, f"out-w{workers}")
        shutil.rmtree(outdir, ignore_errors=True)  # a leftover folder would resume and skip every post
        began = time.perf_counter()
        inspection = inspect_feed(feed, outdir, checked_at, options=options, backend=local_backend(workers),
                                  progress=True)
        elapsed = time.perf_counter() - began
        load = os.getloadavg()[0]  # the machine may be shared: quote the load with the figure
        print(
            f"--workers {workers}: {args.posts} posts in {elapsed:.1f} s = {args.posts / elapsed:,.0f} posts/s "
            f"(load average {load:.1f}); "
            f"(reviewed {inspection.reviewed_now}); {len(inspection.accounts)} accounts, "
            f"{len(inspection.failing)} failing, {inspection.pass_rate_text}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scraper noise the garbled check should catch and repair: simulated on held-out state news.

Usage: python benchmarks/garbled_noise.py [--data ../shared/data] [--posts 200] [--seed 0]

Each post (about 400 characters of held-out 《新闻联播》 text, dated from 2026-06) gets one span of 4-11
characters spoilt in one of these ways, and the garbled check runs on it:
- `utf8-as-gbk`: the span's UTF-8 bytes decoded as GBK (鍙戝竷), only where that decodes without loss;
- `utf8-as-cp1252`: the same as cp1252 (æ”¿åºœ), only where that decodes without loss;
- `lost`: every character replaced by "?" (a page saved in a code page without Chinese);
- `annotation`: an inline pinyin reading after the span, 持续(xù).
The check "detects" when a finding overlaps the spoilt span, and "repairs" when applying the suggestions of those
findings gives back the clean post exactly (a lost character cannot be repaired: its finding deletes the
question marks and asks for the original). Findings elsewhere in the post are counted as false alarms. Figures are
printed, not asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def spoil(kind: str, span: str) -> str | None:
    """`span` spoilt the given way, or None where that way cannot spoil it without loss."""
    try:
        if kind == "utf8-as-gbk":
            return span.encode("utf-8").decode("gbk")
        if kind == "utf8-as-cp1252":
            return span.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return None
    if kind == "lost":
        return "?" * len(span)
    return span + "(xù)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from typo_speed import clean_posts

    from review.pipeline import Reviewer, ReviewOptions

    reviewer = Reviewer()
    options = ReviewOptions(enable=frozenset(["garbled"]))
    posts = clean_posts(Path(args.data), args.posts, size=400)
    clean_alarms = sum(len(reviewer.review({"text": post}, options).findings) for post in posts)
    print(f"{len(posts)} clean posts: {clean_alarms} garbled findings")
    print("| noise | posts | detected | repaired exactly | findings elsewhere |")
    print("|---|---|---|---|---|")
    for kind in ("utf8-as-gbk", "utf8-as-cp1252", "lost", "annotation"):
        rng = random.Random(args.seed)
        tried = detected = repaired = elsewhere = 0
        for post in posts:
            at = rng.randrange(50, 300)
            span = post[at: at + rng.randrange(4, 12)]
            bad = spoil(kind, span)
            if bad is None:
                continue
            text = post[:at] + bad + post[at + len(span):]
            tried += 1
            findings = reviewer.review({"text": text}, options).findings
            hits = [f for f in findings if f.start is not None and f.start < at + len(bad) and at < f.end]
            elsewhere += len(findings) - len(hits)
            if not hits:
                continue
            detected += 1
            fixed = text
            for finding in sorted(hits, key=lambda f: -f.start):
                if finding.suggestion is not None:
                    fixed = fixed[: finding.start] + finding.suggestion + fixed[finding.end:]
            repaired += fixed == post
        print(f"| {kind} | {tried} | {detected / max(tried, 1):.2f} | {repaired / max(tried, 1):.2f} | {elsewhere} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

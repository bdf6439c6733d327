"""Misspelt leaders' names (单项否决): how many one-character misspellings the expression check finds beside the
leader's own title, and how many leader findings it raises on real news.

Usage: python benchmarks/leader_names.py [--data ../shared/data] [--seed 0] [--news-from 20230315]

1. Recall: for every leader of lexicons/expression/leaders.tsv, every character of the name, and each column
   of the confusion set (same tone, other tone, fuzzy sound, shape), one neighbour is drawn at random and written
   in place of the character: "{first title}{misspelt name}出席会议并讲话。". Found = an `expression.leader_name`
   finding on that name whose suggestion is the right name.
2. False alarms: `expression.leader_name` and `expression.leader_post` findings on the 《新闻联播》 articles
   since the current leadership took office (--news-from), each reviewed as of its date (published_at), so posts
   that changed since an article was written are judged by the terms in leaders.tsv.
Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--news-from", default="20230315")
    args = ap.parse_args(argv)

    from review.lexicon import parse_entries
    from review.pipeline import Reviewer, ReviewOptions
    from review.resources import lexicon_path
    from review.typo.confusion import ConfusionSet

    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    leaders = parse_entries([lexicon_path("expression", "leaders.tsv")], ("leader",))
    reviewer = Reviewer()
    options = ReviewOptions(enable=frozenset(["expression"]))
    rng = random.Random(args.seed)
    print("| confusion column | misspellings | found with the right name |")
    print("|---|---|---|")
    for column in ("same_tone", "diff_tone", "fuzzy", "shape"):
        tried = found = 0
        for leader in leaders:
            name, title = leader.term, (leader.get("posts") or "").split("|")[0].partition("@")[0]
            for index, char in enumerate(name):
                neighbours = sorted(confusion.column(char, column))
                if not neighbours:
                    continue
                wrong = name[:index] + rng.choice(neighbours) + name[index + 1:]
                tried += 1
                findings = reviewer.review({"text": f"{title}{wrong}出席会议并讲话。"}, options).findings
                found += any(f.rule == "expression.leader_name" and f.text == wrong and f.suggestion == name
                             for f in findings)
        print(f"| {column} | {tried} | {found / max(tried, 1):.2f} |")
    counts: Counter = Counter()
    articles = 0
    news = Path(args.data) / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"
    with lzma.open(news, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("date", "") < args.news_from:
                continue
            articles += 1
            day = row["date"]
            # judged as of its date
            post = {"text": row["text"][:6000], "published_at": f"{day[:4]}-{day[4:6]}-{day[6:8]}"}
            for finding in reviewer.review(post, options).findings:
                if finding.rule.startswith("expression.leader"):
                    counts[(finding.rule, finding.text)] += 1
    print(f"news articles since {args.news_from}: {articles}; leader findings: {sum(counts.values())}")
    for (rule, text), count in counts.most_common(10):
        print(f"  {rule} {text}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

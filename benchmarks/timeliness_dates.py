"""Future dates narrated as past events: false alarms and recall of the timeliness check on dated state news.

Usage: python benchmarks/timeliness_dates.py [--data ../shared/data] [--part 2] [--shift 3] [--examples 8]

Every 《新闻联播》 article of formal-xinwenlianbo carries its broadcast date, and its dates are right. So:
- false alarms: the article reviewed with `published_at` = its own date; any `timeliness.future_date_in_text`
  finding is wrong;
- recall: an article that names its own date as a month-day (``11月24日``) reviewed as if published --shift days
  earlier; that date, narrated as today's news, now lies after publication and should be reported.
Articles are every fourth one, starting at --part (0: the share the markers in lexicons/timeliness.toml were
tuned on; 2, the default: a share they were not). Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEWS = Path("formal-xinwenlianbo") / "xinwenlianbo_2022-2026.jsonl.xz"
RULE = "timeliness.future_date_in_text"


def articles(data: Path, part: int):
    """(broadcast date, text) of every fourth article from index `part`."""
    with lzma.open(data / NEWS, "rt", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index % 4 != part:
                continue
            row = json.loads(line)
            day = row["date"]
            yield date(int(day[:4]), int(day[4:6]), int(day[6:])), row["text"][:3000]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--part", type=int, default=2, choices=range(4))
    ap.add_argument("--shift", type=int, default=3, help="days the recall posts are dated too early")
    ap.add_argument("--examples", type=int, default=8)
    args = ap.parse_args(argv)

    from review.pipeline import Reviewer, ReviewOptions

    reviewer = Reviewer()
    options = ReviewOptions(enable=frozenset(["timeliness"]))

    def flagged(text: str, published: date, checked: date) -> list:
        post = {"text": text, "published_at": f"{published.isoformat()}T20:00:00+08:00",
                "checked_at": f"{checked.isoformat()}T23:00:00+08:00"}
        return [f for f in reviewer.review(post, options).findings if f.rule == RULE]

    total = wrong = named = found = 0
    wrong_examples, missed_examples = [], []
    for day, text in articles(Path(args.data), args.part):
        total += 1
        hits = flagged(text, day, day)
        if hits:
            wrong += 1
            if len(wrong_examples) < args.examples:
                wrong_examples.append(text[max(0, hits[0].start - 15): hits[0].start + 30])
        own = f"{day.month}月{day.day}日"
        if own in text:
            named += 1
            if flagged(text, day - timedelta(days=args.shift), day):
                found += 1
            elif len(missed_examples) < args.examples:
                at = text.index(own)
                missed_examples.append(text[max(0, at - 15): at + 30])
    print(f"articles {total} (part {args.part} of 4): with a false future-date finding {wrong} "
          f"({wrong / max(total, 1):.2%})")
    print(f"articles naming their own date {named}: reported when dated {args.shift} days early {found} "
          f"({found / max(named, 1):.1%})")
    for title, examples in (("false alarms", wrong_examples), ("missed", missed_examples)):
        print(f"{title}:")
        for example in examples:
            print("  " + example.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())

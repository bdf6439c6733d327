"""Expressions and leaders' posts judged by date: `expression` findings on clean 《新闻联播》 articles and government
reports, each reviewed as of its own date, by year and rule.

Usage: python benchmarks/expression_dates.py [--data ../shared/data] [--years 2020,2022] [--undated] [--list RULE]

Every article of the chosen years (formal-xinwenlianbo-2012-2021 and formal-xinwenlianbo 2022-2026) is reviewed with
the `expression` check only, with published_at = the article's date (--undated: without it, so judged as of now).
Government work reports and congress reports (formal-gov-reports) are reviewed with published_at = their year's
1 March when --reports is given. Prints, per year: articles, articles with a finding at critical, and articles with a
finding per rule (leader_post, own_authority, the 新冠肺炎 entry …); --list RULE prints each hit of that rule with its
context. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEWS = (
    "formal-xinwenlianbo-2012-2021/xinwenlianbo_2012-2021.jsonl.xz",
    "formal-xinwenlianbo/xinwenlianbo_2022-2026.jsonl.xz",
)
REPORTS = ("formal-gov-reports/government_work_reports.jsonl.xz", "formal-gov-reports/cpc_congress_reports.jsonl.xz")


def articles(data: Path, years: set[str], reports: bool):
    """(year, iso date, text) of every article of `years`, then of the reports when asked."""
    for name in NEWS:
        with lzma.open(data / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                day = item["date"].replace("-", "")
                if day[:4] in years:
                    yield day[:4], f"{day[:4]}-{day[4:6]}-{day[6:8]}", item["text"]
    if reports:
        for name in REPORTS:
            with lzma.open(data / name, "rt", encoding="utf-8") as handle:
                for line in handle:
                    item = json.loads(line)
                    year = item.get("year")
                    # an undated report (the early congresses) is judged as of 1949, before any renamed term
                    yield "reports", f"{year or 1949}-03-01", item["text"]


def main(argv: list[str] | None = None) -> int:
    """Review the articles and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--years", default="2020,2022")
    ap.add_argument("--undated", action="store_true", help="review without published_at (as of now)")
    ap.add_argument("--reports", action="store_true", help="also the government and congress reports")
    ap.add_argument("--list", default="", help="print each hit of this rule (e.g. expression.own_authority)")
    args = ap.parse_args(argv)

    from review.pipeline import Reviewer

    reviewer = Reviewer(checks=["expression"])
    totals: Counter[str] = Counter()
    critical: Counter[str] = Counter()
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for year, day, text in articles(Path(args.data), set(args.years.split(",")), args.reports):
        for start in range(0, len(text), 20_000):  # reports exceed the contract's 20,000 characters
            chunk = text[start : start + 20_000]
            post = {"text": chunk} if args.undated else {"text": chunk, "published_at": day}
            findings = reviewer.review(post).findings
            totals[year] += 1
            critical[year] += any(f.severity == "critical" for f in findings)
            for rule in {f.rule if f.text not in ("新冠肺炎", "新型冠状病毒肺炎") else "新冠肺炎" for f in findings}:
                per_rule[year][rule] += 1
            for finding in findings:
                if finding.rule == args.list and finding.start is not None:
                    context = chunk[max(0, finding.start - 15) : finding.end + 10].replace("\n", " ")
                    print(f"  {day} {finding.severity} {finding.text} | {context} | {finding.suggestion}")
    for year in sorted(totals):
        rules = ", ".join(f"{rule} {count}" for rule, count in per_rule[year].most_common())
        print(f"{year}: {totals[year]} texts, {critical[year]} with a critical finding; {rules}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Glaring typos in a county office's register: the whole default review on one-error sentences and clean traps.

    python benchmarks/typo_glaring.py [--set tests/fixtures/typo/glaring_blind.jsonl] [--misses]

Each row of the set is `{"id", "text", "kind"}`, and for an error row also `"wrong"`, `"right"` and `"offset"` (the
wrong character's index). An error row counts as detected when a `typo` finding covers the wrong character; a
`clean` row counts as a false alarm when it gets any `typo` finding. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from review.pipeline import Reviewer

ROOT = Path(__file__).resolve().parents[1]


def typo_findings(reviewer: Reviewer, text: str) -> list[dict]:
    """The `typo` findings of the default review of `text`."""
    return [f for f in reviewer.review_dict({"text": text})["findings"] if f["category"] == "typo"]


def main(argv: list[str] | None = None) -> int:
    """Print detection by kind, error rows with a finding elsewhere, and clean rows flagged."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "fixtures" / "typo" / "glaring_blind.jsonl")
    parser.add_argument("--misses", action="store_true", help="also list the misses and false alarms")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    reviewer = Reviewer()
    found, total = Counter(), Counter()
    elsewhere = flagged = clean = 0
    notes: list[str] = []
    for row in rows:
        findings = typo_findings(reviewer, row["text"])
        if row["kind"] == "clean":
            clean += 1
            if findings:
                flagged += 1
                notes.append(f"false alarm  {row['text']}  {[(f['text'], f['suggestion']) for f in findings]}")
            continue
        total[row["kind"]] += 1
        offset = row["offset"]
        over = [f for f in findings if f["start"] is not None and f["start"] <= offset < f["end"]]
        found[row["kind"]] += bool(over)
        elsewhere += any(f not in over for f in findings)
        if not over:
            notes.append(f"miss  {row['kind']}  {row['text'][max(0, offset - 6):offset + 6]}  "
                         f"{row['wrong']} → {row['right']}")
    for kind in sorted(total):
        print(f"{kind:14s} {found[kind]:3d} / {total[kind]:3d}")
    print(f"{'all':14s} {sum(found.values()):3d} / {sum(total.values()):3d}")
    print(f"error sentences with a typo finding elsewhere: {elsewhere}")
    print(f"clean sentences flagged: {flagged} / {clean}")
    if args.misses:
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

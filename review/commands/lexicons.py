"""`review lexicons`: validate the curated word lists and show how many entries each category holds."""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `lexicons` sub-command."""
    parser = sub.add_parser(
        "lexicons",
        help="校验词表并统计条目 / validate the word lists and count entries",
        description="Load every lexicon under lexicons/sensitive and lexicons/expression the way the checks do; "
        "problems are printed as file:line and the exit status is 1.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build both checks (which validates every list) and print entry counts per category."""
    from review.lexicon import LexiconError, load_entries

    try:
        from review.checks.expression import ExpressionCheck
        from review.checks.sensitive import SensitiveCheck

        sensitive = SensitiveCheck()
        expression = ExpressionCheck()
    except LexiconError as error:
        print("词表有误 / lexicon problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, OSError) as error:
        # a file that does not parse (TOML), a required table missing (KeyError names it), a missing file or folder
        detail = f"missing table or key {error}" if isinstance(error, KeyError) else str(error)
        print(f"词表有误 / lexicon problems:\n  {type(error).__name__}: {detail}", file=sys.stderr)
        return 1
    counts = Counter(f"sensitive/{entry.category}" for entry in sensitive.matcher.entries)
    counts.update(f"expression/{entry.category}" for entry in load_entries("expression", "banned.tsv"))
    counts["expression/leaders.tsv"] = len(expression.leaders)
    counts["expression/formulations.toml"] = len(expression.formulations)
    for name, count in sorted(counts.items()):
        print(f"{name:32} {count:5}")
    print(f"{'total':32} {sum(counts.values()):5}")
    print(f"sensitive patterns with evasion spellings: {sensitive.matcher.pattern_count}")
    return 0

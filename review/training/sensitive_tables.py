"""Rebuild lexicons/sensitive/matcher_tables.npz, the sensitive matcher's prebuilt keys, from the lists.

    python -m review.training.sensitive_tables           # rebuild after editing lexicons/sensitive or lexicons/pinyin
    python -m review.training.sensitive_tables --check   # exit 1 when the shipped file differs from a rebuild

The check derives the same keys itself when the file was built from other lists (slower start-up), so a stale file
never changes findings; tests/test_sensitive_tables.py fails until it is rebuilt.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from review.checks.sensitive import FOLDER, TABLES_FILE, SensitiveCheck, matcher_sources_digest
from review.lexicon_match import MatcherTables
from review.resources import lexicon_path


def rebuilt_tables() -> MatcherTables:
    """The matcher tables derived from the lists as they are now, named by their sources' digest."""
    tables = SensitiveCheck(prebuilt=False, keep_tables=True).matcher.tables
    assert tables is not None
    return replace(tables, digest=matcher_sources_digest())


def main(argv: list[str] | None = None) -> int:
    """Rebuild (or, with --check, compare) the shipped tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    path = lexicon_path(FOLDER, TABLES_FILE)
    tables = rebuilt_tables()
    if args.check:
        same = MatcherTables.load(path) == tables
        print(f"{path}: {'up to date' if same else 'stale: rebuild with python -m review.training.sensitive_tables'}")
        return 0 if same else 1
    tables.save(path)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB): {len(tables.keys)} keys, "
          f"{len(tables.homophone_keys)} reading-class keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())

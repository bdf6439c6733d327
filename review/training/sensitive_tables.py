"""Rebuild lexicons/sensitive/matcher_tables.npz, the sensitive matcher's prebuilt keys, from the lists.

    python -m review.training.sensitive_tables           # rebuild after editing lexicons/sensitive or lexicons/pinyin
    python -m review.training.sensitive_tables --check   # exit 1 when the shipped file differs from a rebuild

The check derives the same keys itself when the file was built from other lists (slower start-up), so a stale file
never changes findings; tests/test_sensitive_tables.py fails until it is rebuilt.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from review.checks.sensitive import FOLDER, TABLES_FILE, SensitiveCheck, matcher_sources_digest
from review.lexicon_match import MatcherTables
from review.resources import lexicon_path
from review.training.prebuilt_tables import rebuild_or_check


def rebuilt_tables() -> MatcherTables:
    """The matcher tables derived from the lists as they are now, named by their sources' digest."""
    tables = SensitiveCheck(prebuilt=False, keep_tables=True).matcher.tables
    assert tables is not None
    return replace(tables, digest=matcher_sources_digest())


def main(argv: list[str] | None = None) -> int:
    """Rebuild (or, with --check, compare) the shipped tables."""
    return rebuild_or_check(
        argv, __doc__ or "", lexicon_path(FOLDER, TABLES_FILE), rebuilt_tables,
        lambda path, tables: MatcherTables.load(path) == tables,
        lambda t: f"{len(t.keys)} keys, {len(t.homophone_keys)} reading-class keys",
        "review.training.sensitive_tables")

if __name__ == "__main__":
    sys.exit(main())

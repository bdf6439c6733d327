"""Rebuild lexicons/typo/homophone_tables.npz, the whole-word homophone generator's pinyin arrays, prebuilt.

    python -m review.training.homophone_tables           # rebuild after editing lexicons/pinyin or retraining words
    python -m review.training.homophone_tables --check   # exit 1 when the shipped file differs from a rebuild

The typo check derives the same arrays itself when the file was built from other pinyin tables or settings (slower
start-up, ~0.15 s), so a stale file never changes findings; tests/test_homophone_tables.py fails until it is rebuilt.
"""

from __future__ import annotations

import sys
from pathlib import Path

from review.resources import load_toml, model_path
from review.training.prebuilt_tables import rebuild_or_check
from review.typo.trees import TreeEnsemble
from review.typo.words import (
    WORD_FEATURES,
    WORDS_FILE,
    HomophoneTables,
    HomophoneWordGenerator,
    build_homophone_tables,
    homophone_tables_path,
)


def check_settings() -> tuple[int, int]:
    """(max_readings, words_per_key) of the generator the typo check builds (the words model's meta)."""
    folder = load_toml("typo", "typo.toml")["model"]["model_dir"]  # the checkpoint the typo check's model path loads
    _, meta = TreeEnsemble.load(model_path(folder, WORDS_FILE), WORD_FEATURES)
    generator = HomophoneWordGenerator(None, {}, words_per_key=int(meta.get("words_per_key", 0)))  # type: ignore
    return generator.max_readings, generator.words_per_key


def rebuilt_tables() -> HomophoneTables:
    """The arrays derived from the pinyin tables as they are now, with the typo check's settings."""
    return build_homophone_tables(*check_settings())


def main(argv: list[str] | None = None) -> int:
    """Rebuild (or, with --check, compare) the shipped tables."""

    def matches(path: Path, tables: HomophoneTables) -> bool:
        shipped = HomophoneTables.load(path)
        return shipped is not None and shipped.same_as(tables)

    return rebuild_or_check(
        argv, __doc__ or "", homophone_tables_path(), rebuilt_tables, matches,
        lambda t: f"{len(t.keys)} reading keys, {len(t.word_codes)} words, {t.n_readings} readings",
        "review.training.homophone_tables")

if __name__ == "__main__":
    sys.exit(main())

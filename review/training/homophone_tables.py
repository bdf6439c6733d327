"""Rebuild lexicons/typo/homophone_tables.npz, the whole-word homophone generator's pinyin arrays, prebuilt.

    python -m review.training.homophone_tables           # rebuild after editing lexicons/pinyin or retraining words
    python -m review.training.homophone_tables --check   # exit 1 when the shipped file differs from a rebuild

The typo check derives the same arrays itself when the file was built from other pinyin tables or settings (slower
start-up, ~0.15 s), so a stale file never changes findings; tests/test_homophone_tables.py fails until it is rebuilt.
"""

from __future__ import annotations

import argparse
import sys

from review.resources import load_toml, model_path
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    path = homophone_tables_path()
    tables = rebuilt_tables()
    if args.check:
        shipped = HomophoneTables.load(path)
        same = shipped is not None and shipped.same_as(tables)
        print(f"{path}: {'up to date' if same else 'stale: rebuild with python -m review.training.homophone_tables'}")
        return 0 if same else 1
    tables.save(path)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB): {len(tables.keys)} reading keys, "
          f"{len(tables.word_codes)} words, {tables.n_readings} readings")
    return 0


if __name__ == "__main__":
    sys.exit(main())

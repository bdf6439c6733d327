"""The command line shared by the builders of prebuilt tables (lexicons/*/…_tables.npz): rebuild, or --check."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Tables = TypeVar("Tables")


def rebuild_or_check(argv: list[str] | None, description: str, path: Path, rebuild: Callable[[], Tables],
                     matches: Callable[[Path, Tables], bool], summary: Callable[[Tables], str], module: str) -> int:
    """Write the rebuilt tables to `path`, or with --check say whether the shipped file matches them (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    tables = rebuild()
    if args.check:
        same = matches(path, tables)
        print(f"{path}: {'up to date' if same else f'stale: rebuild with python -m {module}'}")
        return 0 if same else 1
    tables.save(path)  # type: ignore[attr-defined]  # every table type here has save(path)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB): {summary(tables)}")
    return 0

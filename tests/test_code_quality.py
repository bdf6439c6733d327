"""The architecture and the style hold: import-linter's contracts (pyproject.toml), ruff's rules, lines of at most
120 characters, and every module of review/ named in the contracts as library, training or CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("review", "service", "tests", "benchmarks")
MAX_LINE = 120


def _tool(name: str) -> str:
    """The console script installed beside this interpreter (the dev extra installs both tools)."""
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'")
    return path


def test_import_contracts_are_kept():
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", *SOURCES], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_lines_are_at_most_120_characters():
    long = [f"{path.relative_to(ROOT)}:{number}" for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > MAX_LINE]
    assert not long, f"{len(long)} lines over {MAX_LINE} characters: {', '.join(long[:20])}"


def test_every_module_of_the_library_is_in_a_contract():
    """A new top-level module of review/ must be placed: library (source of the 'library' contract), training or
    the CLI; otherwise the contracts would not look at it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    library = next(c for c in config["contracts"] if c["id"] == "library")
    placed = set(library["source_modules"]) | {"review.cli", "review.commands", "review.training"}
    modules = {f"review.{path.stem}" for path in (ROOT / "review").glob("*.py") if path.stem != "__init__"}
    modules |= {f"review.{path.name}" for path in (ROOT / "review").iterdir() if (path / "__init__.py").exists()}
    assert modules - placed == set()
    assert placed - modules == set()

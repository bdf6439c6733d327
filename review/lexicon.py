"""Curated word lists: load and validate TSV (or TOML) lexicons and plain phrase lists, once per process.

A lexicon file is a tab-separated table whose first non-comment line is a header naming its columns.
`term`, `category` and `severity` are required; `suggestion` and `note` are optional; any further column a
caller declares (e.g. `posts` for leaders, `context` for ad-law terms) is kept in `Entry.extra`. Lines
starting with `#` and blank lines are ignored; an empty cell or `-` means "none". Problems (a missing
column, an unknown severity or category, a duplicated term) are collected and raised together as one
`LexiconError` whose lines say `file:line: problem`, so an editor of the data can fix everything in one go.

A TOML lexicon holds the same fields as `[[entry]]` tables. A phrase list (allow-lists, cue lists) is a
`.txt` file with one phrase a line.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from review.model import SEVERITIES
from review.resources import lexicon_path

REQUIRED_COLUMNS = ("term", "category", "severity")
OPTIONAL_COLUMNS = ("suggestion", "note")
EMPTY_CELLS = ("", "-")


class LexiconError(ValueError):
    """One or more malformed or duplicated lexicon entries; `problems` are `file:line: message` strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("lexicon problems:\n" + "\n".join(problems))


@dataclass(frozen=True)
class Entry:
    """One curated term with its category, severity, optional replacement and note."""

    term: str
    category: str
    severity: str
    suggestion: str | None = None
    note: str | None = None
    source: str = ""  # "file:line", for messages and for finding an entry in the data
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def get(self, column: str, default: str | None = None) -> str | None:
        """An extra column's value, or `default` when it is empty or absent."""
        return self.extra.get(column) or default


def _cell(value: str) -> str | None:
    value = value.strip()
    return None if value in EMPTY_CELLS else value


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(lexicon_path()))
    except ValueError:
        return str(path)


def _validate(
    term: str | None,
    category: str | None,
    severity: str | None,
    where: str,
    categories: frozenset[str] | None,
    problems: list[str],
) -> bool:
    ok = True
    if not term:
        problems.append(f"{where}: empty term")
        ok = False
    if not category:
        problems.append(f"{where}: empty category")
        ok = False
    elif categories is not None and category not in categories:
        problems.append(f"{where}: unknown category {category!r} (expected one of {', '.join(sorted(categories))})")
        ok = False
    if severity not in SEVERITIES:
        problems.append(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        ok = False
    return ok


def _read_tsv(path: Path, categories: frozenset[str] | None, problems: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    header: list[str] | None = None
    name = _display(path)
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = line.split("\t")
            where = f"{name}:{number}"
            if header is None:
                header = [cell.strip() for cell in cells]
                missing = [column for column in REQUIRED_COLUMNS if column not in header]
                if missing:
                    problems.append(f"{where}: header lacks column(s) {', '.join(missing)}")
                    return []
                continue
            if len(cells) > len(header):
                problems.append(f"{where}: {len(cells)} cells but the header has {len(header)} columns")
                continue
            row = {column: _cell(cells[i]) if i < len(cells) else None for i, column in enumerate(header)}
            term, category, severity = row["term"], row["category"], row["severity"]
            if not _validate(term, category, severity, where, categories, problems):
                continue
            extra = {k: v for k, v in row.items() if k not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS and v is not None}
            entries.append(
                Entry(
                    term=term,  # type: ignore[arg-type]
                    category=category,  # type: ignore[arg-type]
                    severity=severity,  # type: ignore[arg-type]
                    suggestion=row.get("suggestion"),
                    note=row.get("note"),
                    source=where,
                    extra=extra,
                )
            )
    if header is None:
        problems.append(f"{name}:1: no header line")
    return entries


def _read_toml(path: Path, categories: frozenset[str] | None, problems: list[str]) -> list[Entry]:
    name = _display(path)
    with open(path, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            problems.append(f"{name}: {error}")
            return []
    entries = []
    for index, table in enumerate(data.get("entry", []), 1):
        where = f"{name}:entry[{index}]"
        term, category, severity = table.get("term"), table.get("category"), table.get("severity")
        if not _validate(term, category, severity, where, categories, problems):
            continue
        extra = {k: str(v) for k, v in table.items() if k not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
        entries.append(
            Entry(term, category, severity, table.get("suggestion"), table.get("note"), where, extra)
        )
    return entries


def parse_entries(paths: Iterable[Path], categories: Iterable[str] | None = None) -> list[Entry]:
    """Read and validate lexicon files; raise LexiconError listing every problem with file:line."""
    allowed = None if categories is None else frozenset(categories)
    problems: list[str] = []
    entries: list[Entry] = []
    for path in paths:
        reader = _read_toml if path.suffix == ".toml" else _read_tsv
        entries.extend(reader(path, allowed, problems))
    seen: dict[str, Entry] = {}
    unique = []
    for entry in entries:
        first = seen.get(entry.term)
        if first is not None:
            problems.append(f"{entry.source}: duplicate term {entry.term!r} (first at {first.source})")
            continue
        seen[entry.term] = entry
        unique.append(entry)
    if problems:
        raise LexiconError(problems)
    return unique


def parse_phrases(path: Path) -> list[str]:
    """Read a one-phrase-a-line list (`#` comments); duplicates are reported with file:line."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    name = _display(path)
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            phrase = raw.split("#", 1)[0].strip()
            if not phrase:
                continue
            if phrase in seen:
                problems.append(f"{name}:{number}: duplicate phrase {phrase!r} (first at line {seen[phrase]})")
                continue
            seen[phrase] = number
    if problems:
        raise LexiconError(problems)
    return list(seen)


def lexicon_files(folder: str, pattern: str = "*.tsv") -> tuple[Path, ...]:
    """The files under lexicons/<folder>/ matching `pattern`, in name order."""
    return tuple(sorted(lexicon_path(folder).glob(pattern)))


@lru_cache(maxsize=None)
def load_entries(folder: str, pattern: str = "*.tsv", categories: tuple[str, ...] | None = None) -> tuple[Entry, ...]:
    """Entries of every lexicons/<folder>/<pattern> file, validated, loaded once per process."""
    return tuple(parse_entries(lexicon_files(folder, pattern), categories))


@lru_cache(maxsize=None)
def load_phrases(*parts: str) -> tuple[str, ...]:
    """A phrase list under lexicons/ (e.g. an allow-list), loaded once per process."""
    return tuple(parse_phrases(lexicon_path(*parts)))

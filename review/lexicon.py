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

import re
import time
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
    try:
        # line breaks as text mode reads them ("\r\n" and "\r" are "\n"), so line numbers stay those of an editor
        lines = path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    except UnicodeDecodeError as error:  # a list saved in GBK: named with its byte, as any other problem
        problems.append(f"{name}: not UTF-8 at byte {error.start} (save the file as UTF-8)")
        return []
    for number, line in enumerate(lines, 1):
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


# --- Regexes from lexicon files: refused at load time when they backtrack super-linearly --------------------------
#
# A lexicon regex runs on whatever a caller sends, titles included: `\d+\s*元` tried at every position of a
# 20,000-digit title re-reads the rest of the run each time (quadratic, 11 s). Each regex is timed once on runs an
# attacker would send, at n and 4n characters; a linear scan costs about 4× as much on 4n, a quadratic one 16×.

# Repeated units of the probe strings: digit runs and number-like runs, one repeated character, spaces, emoji, letters.
PROBE_UNITS: dict[str, str] = {
    "digits": "1",
    "digits and dots": "1.",
    "digits and colons": "1:",
    "digits and spaces": "1 ",
    "spaces": " ",
    "one Han character": "啊",
    "的": "的",
    "emoji": "\U0001f600",
    "Latin letters": "a",
    "punctuation": "！",
    "tilde": "~",
    "mixed": "1a啊 .:~",
}
PROBE_LENGTH = 100  # n: the guard scans 4n characters per probe (n again only when that is slow)
GROWTH_LIMIT = 9.0  # time(4n) / time(n): about 4 when linear, 16 when quadratic
NOISE_FLOOR_NS = 50_000  # a scan of 4n characters this fast is not worth a second look
TINY_LENGTHS = (12, 24)  # exponential backtracking shows on runs this short (2^24 steps take seconds)
TINY_LIMIT_NS = 250_000  # a linear scan of 24 characters takes a few microseconds
CONFIRM_REPEATS = 7  # a growth seen twice is timed once more, the fastest of this many scans, before a refusal


def probe_text(unit: str, length: int, prefix: str = "") -> str:
    """`prefix` followed by `unit` repeated to `length` characters."""
    return prefix + (unit * (length // len(unit) + 1))[:length]


def leading_literal(pattern: str, flags: int = 0) -> str:
    """The literal text a pattern starts with (its first branch's, through groups), so a probe can reach the part
    after it (`微信\\s*…` is only slow on 微信 followed by spaces); '' when it starts with a class or a repeat."""
    # private, but the only way to read a pattern's shape
    from re import _constants as c  # noqa: PLC0415
    from re import _parser  # noqa: PLC0415

    try:
        items = list(_parser.parse(pattern, flags))
    except Exception:  # noqa: BLE001 - a pattern re.compile accepted; an odd shape just gets no prefix
        return ""
    out: list[str] = []

    def walk(seq: list) -> bool:
        for op, arg in seq:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.SUBPATTERN:
                if not walk(list(arg[-1])):
                    return False
            elif op is c.BRANCH:
                walk(list(arg[1][0]))
                return False
            elif op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue  # zero-width: the text after it is what the probe must reach
            else:
                return False
        return True

    walk(items)
    return "".join(out)


def _scan_ns(regex: re.Pattern[str], text: str, repeats: int = 2) -> int:
    """Fastest of `repeats` full finditer scans of `text`, in nanoseconds of this thread's CPU time (a scheduler
    pause on a busy machine is not counted, so it cannot make a good pattern look slow)."""
    best = None
    for _ in range(repeats):
        began = time.thread_time_ns()
        for _match in regex.finditer(text):
            pass
        spent = time.thread_time_ns() - began
        best = spent if best is None else min(best, spent)
    return best or 0


def superlinear_probe(regex: re.Pattern[str], length: int = PROBE_LENGTH) -> str | None:
    """A description of the first probe on which `regex` takes super-linear time, or None when it scales linearly.
    Only a slow scan is timed again (min of several), so a good pattern costs one short scan per probe and size,
    and noise alone (a scheduler pause) does not refuse it."""
    prefixes = dict.fromkeys(("", leading_literal(regex.pattern, regex.flags)))
    for name, unit in PROBE_UNITS.items():
        for prefix in prefixes:
            shown = f"{prefix}+{name}" if prefix else name
            # Nested repeats ((\d+)+x) grow exponentially: caught on tiny runs, before a long one could hang.
            for tiny in TINY_LENGTHS:
                text = probe_text(unit, tiny, prefix)
                if _scan_ns(regex, text, 1) > TINY_LIMIT_NS and (spent := _scan_ns(regex, text, 3)) > TINY_LIMIT_NS:
                    return f"{shown}: {spent / 1e6:.2f} ms on {tiny} characters (exponential)"
            small_text, large_text = probe_text(unit, length, prefix), probe_text(unit, 4 * length, prefix)
            first = _scan_ns(regex, large_text, repeats=1)
            if first < NOISE_FLOOR_NS:
                continue
            # Always timed again, however slow the first scan was: on a loaded virtual machine a thread's CPU clock
            # also runs while the host has taken its core away (steal time), and one such scan of a linear pattern
            # once read 3.6 ms instead of ~10 µs and refused a shipped guard, so no check could start. A slow
            # pattern is refused only when the growth holds again on a second, longer measurement.
            large = min(first, _scan_ns(regex, large_text, repeats=3))
            small = _scan_ns(regex, small_text, repeats=3)
            if large > GROWTH_LIMIT * max(small, 1):
                large = min(large, _scan_ns(regex, large_text, repeats=CONFIRM_REPEATS))
                small = max(small, 1)
                if large > GROWTH_LIMIT * small:
                    return (f"{shown}: {small / 1e6:.2f} ms on {length} characters, {large / 1e6:.2f} ms on "
                            f"{4 * length}")
    return None


@lru_cache(maxsize=None)
def _guarded(pattern: str, flags: int) -> tuple[re.Pattern[str], str | None]:
    regex = re.compile(pattern, flags)
    return regex, superlinear_probe(regex)


def compile_lexicon_regex(pattern: str, where: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a regex read from a lexicon file (`where` is file:line) and refuse it with a LexiconError when its
    time grows super-linearly on a pathological run: write `(?<!\\d)\\d++` or `\\d{1,12}`, not a bare `\\d+`."""
    try:
        regex, slow = _guarded(pattern, flags)
    except re.error as error:
        raise LexiconError([f"{where}: bad regex {pattern!r}: {error}"]) from None
    if slow is not None:
        raise LexiconError(
            [f"{where}: regex {pattern!r} takes super-linear time ({slow}); anchor repeats with a lookbehind "
             "such as (?<!\\d), make them possessive (\\d++) or bound them (\\d{1,12}), see docs/lexicons.md"]
        )
    return regex

"""Weighted signal lexicons (literal phrases and regular expressions) and the hits they find in a text."""

from __future__ import annotations

import csv
import re
import re._constants as regex_ops  # the parsed form of a pattern, to find the characters every match holds
import re._parser as regex_parser
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from review.lexicon import compile_lexicon_regex
from review.model import SEVERITY_RANK
from review.normalise import normalise


@dataclass(frozen=True)
class Hit:
    """One signal found in a text: a half-open span of the searched text, the signal it counts for, its weight."""

    start: int
    end: int
    signal: str
    weight: float
    severity: str
    name: str


@dataclass(frozen=True)
class Entry:
    """One line of a signal lexicon."""

    pattern: str
    kind: str  # "phrase" or "regex"
    signal: str
    weight: float
    severity: str = "info"
    where: str = ""  # file:line, for errors about the entry


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a tab-separated data file, without comments and blank lines."""
    return [row for _where, row in read_tsv_lines(path)]


def read_tsv_lines(path: Path) -> list[tuple[str, list[str]]]:
    """(`file:line`, row) for each row of a tab-separated data file, without comments and blank lines."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            rows.append((f"{path.parent.name}/{path.name}:{reader.line_num}", [cell.strip() for cell in row]))
    return rows


# A character class this small is read as its characters (a larger one, or \\d, \\s, a negated one, is no filter).
MAX_CLASS_CHARS = 64


def required_pieces(regex: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Sets of strings such that every match of `regex` holds at least one string of each set: a text that holds
    none of a set cannot match, and its scan is skipped (most of the lexicons' 200 regexes name words a post
    rarely holds: 全年好运, 斤装, 包邮). Empty when nothing is known; a construct it cannot read only weakens it."""
    ignorecase = bool(regex.flags & re.IGNORECASE)
    return tuple(_sequence_requirements(regex_parser.parse(regex.pattern, regex.flags), ignorecase))


def _sequence_requirements(items, ignorecase: bool) -> list[frozenset[str]]:
    """The sets a match of a sequence must hit: each item's own, and each run of literal characters as one string."""
    required: list[frozenset[str]] = []
    run = ""
    for op, value in items:
        if op is regex_ops.LITERAL and _usable(chr(value), ignorecase):
            run += chr(value)
            continue
        if run:
            required.append(frozenset((run,)))
            run = ""
        if op is regex_ops.LITERAL and ignorecase and chr(value).isascii() and chr(value).isalpha():
            required.append(frozenset(ascii_letter_cases(chr(value))))  # b: b or B, k: k, K or the Kelvin sign
            continue
        required += _item_requirements(op, value, ignorecase)
    if run:
        required.append(frozenset((run,)))
    return required


def _item_requirements(op, value, ignorecase: bool) -> list[frozenset[str]]:
    if op is regex_ops.IN:
        chars: set[str] = set()
        for kind, item in value:
            if kind is regex_ops.LITERAL:
                chars.add(chr(item))
            elif kind is regex_ops.RANGE and item[1] - item[0] < MAX_CLASS_CHARS:
                chars.update(chr(code) for code in range(item[0], item[1] + 1))
            else:  # NEGATE, a category (\\d, \\s, \\w), a wide range: any character may do
                return []
        usable = len(chars) <= MAX_CLASS_CHARS and all(_usable(char, ignorecase) for char in chars)
        return [frozenset(chars)] if usable else []
    if op is regex_ops.SUBPATTERN:
        _group, add_flags, _del_flags, inner = value
        return _sequence_requirements(inner, ignorecase or bool(add_flags & re.IGNORECASE))
    if op is regex_ops.ATOMIC_GROUP:
        return _sequence_requirements(value, ignorecase)
    if op in (regex_ops.MAX_REPEAT, regex_ops.MIN_REPEAT, regex_ops.POSSESSIVE_REPEAT):
        low, _high, inner = value
        return _sequence_requirements(inner, ignorecase) if low >= 1 else []
    if op is regex_ops.BRANCH:
        # one branch or another matches: the union of each branch's most telling set (its longest strings, then
        # its fewest); a branch with none: no filter
        union: set[str] = set()
        for branch in value[1]:
            options = _sequence_requirements(branch, ignorecase)
            if not options:
                return []
            union |= min(options, key=lambda option: (-min(map(len, option)), len(option)))
        return [frozenset(union)] if len(union) <= MAX_CLASS_CHARS else []
    return []  # lookarounds and anchors hold no character of the match; anything else: unknown


# The characters other than its two ASCII cases that an ASCII letter matches under re.IGNORECASE (Python's re, from
# its case-folding tables; tests/test_signal_prefilter.py checks every code point).
IGNORECASE_EXTRA = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}


def ascii_letter_cases(letter: str) -> str:
    """Every character that the ASCII letter `letter` matches under re.IGNORECASE."""
    lower = letter.lower()
    return lower + lower.upper() + IGNORECASE_EXTRA.get(lower, "")


def _usable(char: str, ignorecase: bool) -> bool:
    """Whether a match must hold `char` itself: always, except under IGNORECASE for a character with another case
    (A, k: K and the Kelvin sign)."""
    return not ignorecase or (char.lower() == char == char.upper() and not (char.isascii() and char.isalpha()))


class SignalLexicon:
    """Finds weighted phrases (Aho-Corasick, case-insensitive) and regexes; overlapping hits keep the heavier."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._automaton = ahocorasick.Automaton()
        for entry in entries:
            if entry.kind == "phrase":
                # Terms go through the same normaliser as the text, so list entries match however they are written.
                key = normalise(entry.pattern).text.lower()
                previous = self._automaton.get(key, None)
                if previous is None or abs(entry.weight) > abs(previous[1].weight):
                    self._automaton.add_word(key, (len(key), entry))
        self._has_phrases = len(self._automaton) > 0
        if self._has_phrases:
            self._automaton.make_automaton()
        # IGNORECASE slows every scan, so only patterns with Latin letters get it. Each regex is refused at load
        # time if it backtracks super-linearly (titles and bodies reach it untruncated).
        self._regexes = [
            (
                compile_lexicon_regex(
                    e.pattern, e.where or e.signal, re.IGNORECASE if re.search(r"[A-Za-z]", e.pattern) else 0
                ),
                e,
            )
            for e in entries
            if e.kind == "regex"
        ]
        # per regex, the strings a match cannot do without: a text without them is not scanned
        self._required = [required_pieces(regex) for regex, _entry in self._regexes]
        self._index_requirements()

    def _index_requirements(self) -> None:
        """Number the required sets: per regex the numbers of its sets, per string the sets it belongs to, so that a
        text's strings give the sets it meets in one pass, and a regex runs when it needs no set the text missed."""
        numbers: dict[frozenset[str], int] = {}
        self._needs = [frozenset(numbers.setdefault(pieces, len(numbers)) for pieces in required)
                       for required in self._required]
        self._sets_of: dict[str, list[int]] = {}
        for pieces, number in numbers.items():
            for piece in pieces:
                self._sets_of.setdefault(piece, []).append(number)
        # the required strings of two characters or more, found in one pass (single characters: the text's set)
        self._pieces = ahocorasick.Automaton()
        for piece in sorted(self._sets_of):
            if len(piece) > 1:
                self._pieces.add_word(piece, piece)
        if len(self._pieces):
            self._pieces.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Non-overlapping hits in `text`, heavier (then longer, then earlier) hits first, returned in text order."""
        found: list[Hit] = []
        if self._has_phrases:
            for end_index, (length, entry) in self._automaton.iter(text.lower()):
                end = end_index + 1
                found.append(Hit(end - length, end, entry.signal, entry.weight, entry.severity, entry.pattern))
        met: set[int] = set()
        if self._regexes:
            present = self._sets_of.keys() & set(text)
            if len(self._pieces):
                present.update(piece for _end, piece in self._pieces.iter(text))
            for piece in present:
                met.update(self._sets_of[piece])
        for (regex, entry), needs in zip(self._regexes, self._needs):
            if not needs <= met:
                continue  # no match can be in this text: it lacks every string of a set that each match holds
            for match in regex.finditer(text):
                if match.end() > match.start():
                    found.append(
                        Hit(match.start(), match.end(), entry.signal, entry.weight, entry.severity, entry.pattern)
                    )
        if len(found) <= 1:
            return found
        found.sort(key=lambda h: (-abs(h.weight), -(h.end - h.start), h.start))
        taken = bytearray(len(text))
        kept = []
        for hit in found:
            if any(taken[hit.start : hit.end]):
                continue
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
            kept.append(hit)
        kept.sort(key=lambda h: h.start)
        return kept


def load_entertainment_lexicon(folder: Path) -> SignalLexicon:
    """lexicons/entertainment/: *.tsv of `term signal weight severity`, patterns.tsv of
    `name regex signal weight severity`."""
    entries: list[Entry] = []
    for path in sorted(folder.glob("*.tsv")):
        for where, row in read_tsv_lines(path):
            if path.name == "patterns.tsv":
                _name, regex, signal, weight, severity = row[:5]
                entries.append(Entry(regex, "regex", signal, float(weight), _severity(severity, path), where))
            else:
                term, signal, weight, severity = row[:4]
                entries.append(Entry(term, "phrase", signal, float(weight), _severity(severity, path), where))
    return SignalLexicon(entries)


def load_promotion_lexicon(path: Path) -> SignalLexicon:
    """lexicons/promotion.tsv: `pattern kind weight [note]`, all counting for the signal `commerce`."""
    rows = read_tsv_lines(path)
    return SignalLexicon([Entry(row[0], row[1], "commerce", float(row[2]), where=where) for where, row in rows])


def load_topic_signal_lexicon(path: Path) -> SignalLexicon:
    """lexicons/offtopic_signals.tsv: `topic pattern kind weight`; the signal of a hit is its topic."""
    rows = read_tsv_lines(path)
    return SignalLexicon([Entry(row[1], row[2], row[0], float(row[3]), where=where) for where, row in rows])


def _severity(value: str, path: Path) -> str:
    if value not in SEVERITY_RANK:
        raise ValueError(f"{path}: unknown severity {value!r}")
    return value


# Per-signal totals are capped so one repeated signal cannot carry a post alone (training and inference alike).
SIGNAL_CAP = 3.0


def signal_totals(hits: list[Hit], cap: float | None = None) -> dict[str, float]:
    """Summed weight per signal, each capped at `cap` so one repeated particle cannot dominate."""
    totals: dict[str, float] = {}
    for hit in hits:
        totals[hit.signal] = totals.get(hit.signal, 0.0) + hit.weight
    if cap is not None:
        totals = {k: min(v, cap) for k, v in totals.items()}
    return totals

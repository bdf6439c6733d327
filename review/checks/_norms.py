"""Writing-standard rules as data (lexicons/norms/*.toml): the clause each follows, its message, suggestion,
severity, optional regex and the examples that must and must not fire. The checks in review/checks/punctuation.py,
numbers.py and format.py hold one detector per rule id; the data says what a finding reads like."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from review.checks.base import Check
from review.lexicon import LexiconError, compile_lexicon_regex
from review.resources import lexicon_path

if TYPE_CHECKING:
    from review.document import Document
    from review.model import Finding

SEVERITIES = frozenset({"info", "minor", "major", "critical"})
NORMS_CATEGORY = "norms"


@dataclass(frozen=True)
class NormRule:
    """One rule of a writing standard: what to say, what to suggest, and examples that test it."""

    id: str
    clause: str
    severity: str
    message: str
    suggestion: str
    pattern: re.Pattern[str] | None
    fire: tuple[str, ...]
    quiet: tuple[str, ...]
    confidence: float = 0.9

    def say(self, **details: object) -> str:
        """The message with `{name}` fields filled from `details`."""
        return self.message.format_map(details)

    def suggest(self, **details: object) -> str | None:
        """The suggestion (a replacement for the span) with `{name}` fields filled from `details`; None when the
        detector has no replacement to offer (a detail it would be filled with is None)."""
        if any(value is None for value in details.values()):
            return None
        return self.suggestion.format_map(details)


def norms_file(check: str) -> Path:
    """The rule file of one check."""
    return lexicon_path("norms", f"{check}.toml")


@lru_cache(maxsize=None)
def load_norm_rules(check: str) -> dict[str, NormRule]:
    """Rules of one check (`punctuation`, `numbers`, `format`) by id, validated; LexiconError names file and rule."""
    path = norms_file(check)
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    rules: dict[str, NormRule] = {}
    problems: list[str] = []
    for index, raw in enumerate(data.get("rule", [])):
        where = f"{path.name}: rule {index + 1} ({raw.get('id', '?')})"
        missing = [key for key in ("id", "clause", "severity", "message", "suggestion", "fire") if key not in raw]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        if not str(raw["id"]).startswith(f"{check}."):
            problems.append(f"{where}: id must start with '{check}.'")
        if raw["severity"] not in SEVERITIES:
            problems.append(f"{where}: unknown severity {raw['severity']!r}")
        if not raw["fire"]:
            problems.append(f"{where}: a rule needs at least one example that fires")
        pattern = compile_lexicon_regex(raw["pattern"], where) if raw.get("pattern") else None
        if raw["id"] in rules:
            problems.append(f"{where}: duplicate id")
        rules[raw["id"]] = NormRule(
            id=raw["id"], clause=raw["clause"], severity=raw["severity"], message=raw["message"],
            suggestion=raw["suggestion"], pattern=pattern, fire=tuple(raw["fire"]), quiet=tuple(raw.get("quiet", ())),
            confidence=float(raw.get("confidence", 0.9)),
        )
    if problems:
        raise LexiconError(problems)
    return rules


def require_detectors(check: str, rules: dict[str, NormRule], detectors: set[str]) -> None:
    """Refuse a rule file whose rules and the check's detectors differ (a rule without code never fires)."""
    extra, missing = sorted(set(rules) - detectors), sorted(detectors - set(rules))
    if extra or missing:
        raise LexiconError([f"{norms_file(check).name}: rules without a detector {extra}, detectors without a rule "
                            f"{missing}"])


@dataclass(frozen=True)
class Hit:
    """One place a rule fires: a span and the fields its message and suggestion are filled with."""

    start: int
    end: int
    details: dict[str, str | None] = field(default_factory=dict)
    # True when start/end are offsets into the caller's original text (full-width digits, which normalising hides)
    original: bool = False


Detector = Callable[["Document", NormRule], Iterator[Hit]]


class NormsCheck(Check):
    """A check made of one detector per rule of lexicons/norms/<name>.toml; findings read as the data says."""

    category: ClassVar[str] = NORMS_CATEGORY
    fields: ClassVar[tuple[str, ...]] = ("text",)

    def __init__(self) -> None:
        self.rules = load_norm_rules(self.name)
        self.detectors = self.detector_table()
        require_detectors(self.name, self.rules, set(self.detectors))

    def detector_table(self) -> dict[str, Detector]:
        """Rule id -> the method that finds its breaches."""
        raise NotImplementedError

    def applies(self, doc: "Document") -> bool:
        """Whether the post is of a kind this check reads at all (every post, unless a check says otherwise)."""
        return True

    def check(self, doc: "Document") -> list["Finding"]:
        """Every rule's findings, in text order."""
        if not self.applies(doc):
            return []
        findings = []
        for rule_id, detect in self.detectors.items():
            rule = self.rules[rule_id]
            # A run of one mark (20,000 “) makes the same message and suggestion at every place: fill them once.
            worded: dict[tuple, tuple[str, str | None]] = {}
            for hit in detect(doc, rule):
                key = tuple(hit.details.items())
                if key not in worded:  # details are strings (Hit.details), so always a key
                    worded[key] = (rule.say(**hit.details), rule.suggest(**hit.details))
                message, suggestion = worded[key]
                make = doc.original_finding if hit.original else doc.finding
                findings.append(make(
                    hit.start, hit.end, category=self.category, rule=rule.id, severity=rule.severity,
                    message=message, suggestion=suggestion, confidence=rule.confidence,
                ))
        findings.sort(key=lambda f: (f.start or 0, f.end or 0))
        return findings

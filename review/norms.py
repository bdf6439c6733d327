"""Writing-standard rules as data (lexicons/norms/*.toml): the clause each follows, its message, suggestion,
severity, optional regex and the examples that must and must not fire. The checks in review/checks/punctuation.py,
numbers.py and format.py hold one detector per rule id; the data says what a finding reads like."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from review.lexicon import LexiconError, compile_lexicon_regex
from review.resources import lexicon_path

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

    def suggest(self, **details: object) -> str:
        """The suggestion (a replacement for the span) with `{name}` fields filled from `details`."""
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

"""Every rule in lexicons/norms/*.toml: each `fire` example gets a finding of that rule, each `quiet` example gets
no finding of that check at all. Parametrized over the files, so a rule added with examples adds its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.checks._norms import NORMS_CATEGORY, load_norm_rules
from review.pipeline import Reviewer
from review.resources import lexicon_path

CHECKS = sorted(path.stem for path in Path(lexicon_path("norms")).glob("*.toml"))
EXAMPLES = [
    pytest.param(check, rule.id, kind, text, id=f"{rule.id}-{kind}-{index}")
    for check in CHECKS
    for rule in load_norm_rules(check).values()
    for kind, texts in (("fire", rule.fire), ("quiet", rule.quiet))
    for index, text in enumerate(texts)
]


@pytest.fixture(scope="module")
def reviewers() -> dict[str, Reviewer]:
    return {check: Reviewer(checks=[check]) for check in CHECKS}


def test_the_three_checks_have_rule_files():
    assert CHECKS == ["format", "numbers", "punctuation"]


@pytest.mark.parametrize(("check", "rule_id", "kind", "text"), EXAMPLES)
def test_rule_example(reviewers, check, rule_id, kind, text):
    findings = reviewers[check].review({"text": text}).findings
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
        assert finding.category == NORMS_CATEGORY
    if kind == "fire":
        hits = [f for f in findings if f.rule == rule_id]
        assert hits, f"{rule_id} did not fire on {text!r}: {findings}"
        rule = load_norm_rules(check)[rule_id]
        assert all(f.severity == rule.severity and f.message and "{" not in f.message for f in hits)
    else:
        assert not findings, f"{text!r} got {[(f.rule, f.text) for f in findings]}"


@pytest.mark.parametrize("check", CHECKS)
def test_every_rule_names_its_clause(check):
    for rule in load_norm_rules(check).values():
        assert rule.clause.strip() and rule.message.strip(), rule.id

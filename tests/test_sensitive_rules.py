"""The `sensitive` check's rules added for issue 21: word-boundary evidence, stances, advertising-law claims, evasions
and the curated lists. Examples live with the rules in lexicons/sensitive/ and run here."""

from __future__ import annotations

import pytest

from review.pipeline import Reviewer, ReviewOptions


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["sensitive"])


def found(reviewer: Reviewer, text: str) -> dict[str, str]:
    """rule → the highest severity reported, with the offset promise checked."""
    report = reviewer.review({"text": text}, ReviewOptions.make())
    out: dict[str, str] = {}
    order = ("info", "minor", "major", "critical")
    for finding in report.findings:
        assert text[finding.start : finding.end] == finding.text
        if finding.rule not in out or order.index(finding.severity) > order.index(out[finding.rule]):
            out[finding.rule] = finding.severity
    return out


@pytest.mark.parametrize("text", ["爸妈的叮嘱要记牢。", "听妈的话。", "宝妈的心声", "大妈的广场舞", "节日你好，朋友们。",
                                  "姑妈的家在乡下。"])
def test_a_vulgar_word_across_a_word_boundary_is_no_finding(reviewer, text):
    assert "sensitive.vulgar" not in found(reviewer, text)


@pytest.mark.parametrize("text", ["妈的，真烦人。", "他妈的真烦", "日你先人"])
def test_the_vulgar_word_itself_is_still_found(reviewer, text):
    assert found(reviewer, text).get("sensitive.vulgar") == "major"


def _examples(name: str) -> list[tuple[str, str]]:
    from review.resources import load_toml

    return [(example["text"], example["severity"]) for example in load_toml("sensitive", name)["example"]]


@pytest.mark.parametrize(("text", "severity"), _examples("stances.toml"))
def test_stance_examples(reviewer, text, severity):
    rules = found(reviewer, text)
    if severity == "none":
        # criticism, enforcement and negation: no political finding above info
        assert rules.get("sensitive.political") in (None, "info", "minor"), rules
    else:
        assert rules.get("sensitive.political") == severity, rules


def test_the_issue_separatist_statement_is_rejected(reviewer):
    report = reviewer.review({"text": "我们坚决支持台湾独立，反对统一。"}, ReviewOptions.make())
    assert report.verdict == "reject"
    assert sum(f.severity == "critical" for f in report.findings) == 2  # the stance and 反对统一


@pytest.mark.parametrize(("text", "severity"), _examples("context.toml"))
def test_advertising_law_examples(reviewer, text, severity):
    rules = found(reviewer, text)
    if severity == "none":
        assert rules.get("sensitive.ad_law") in (None, "info"), rules
    else:
        assert rules.get("sensitive.ad_law") == severity, rules

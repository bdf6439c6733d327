"""Verdict rules as data (issue 25, item 1): whole-post judgements force `revise`, repeats of a rule weigh less."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from review.model import Finding, Report
from review.pipeline import Reviewer, Scorer
from review.report import group_findings, render_text
from review.resources import load_toml

# inline pinyin a scraper left in a notice: the normaliser reports each as `garbled.annotation`
STATIC = Path(__file__).resolve().parent.parent / "service" / "static"
ANNOTATED = ["持續(xù)", "推動(dòng)", "建設(shè)", "網(wǎng)站", "發(fā)展"]


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    """One reviewer with the fast checks (the typo model is not needed here)."""
    return Reviewer(checks=["entertainment", "offtopic", "garbled", "sensitive"])


def _finding(rule: str = "x.y", severity: str = "minor", start: int | None = 0, category: str = "typo",
             message: str = "m", confidence: float = 1.0) -> Finding:
    """A finding for the scorer alone."""
    end = None if start is None else start + 1
    return Finding(category, rule, severity, start, end, None if start is None else "a", None, confidence, message)


def test_the_rules_are_data() -> None:
    verdict = load_toml("scoring.toml")["verdict"]
    assert set(verdict["revise_on_whole_post"]) == {"entertainment", "offtopic"}
    assert 0 < load_toml("scoring.toml")["repeats"]["decay"] < 1
    scorer = Scorer({"severity_penalty": {"minor": 3}, "category_weight": {}, "verdict": {
        "revise_min_severity": "major", "revise_below": 90, "revise_on_whole_post": []}})
    whole = [_finding("entertainment.post", start=None, category="entertainment")]
    assert scorer.verdict(whole, scorer.score(whole)) == "pass", "no category named, no forced revise"


@pytest.mark.parametrize("text", [
    "家人们谁懂啊！小编加班到凌晨三点…呜呜呜，求大家点个赞",
    "小编心里苦，天天加班没人疼，家人们给小编点个赞吧～",
    "宝宝们早上好呀～今天也是元气满满的一天，小编给大家比心啦！",
])
def test_an_over_entertaining_post_is_revised(reviewer: Reviewer, text: str) -> None:
    report = reviewer.review({"text": text})
    assert any(f.rule == "entertainment.post" for f in report.findings)
    assert report.verdict == "revise"


@pytest.mark.parametrize("text", [
    "市博物馆推出“古城记忆”主题展览，展出文物200余件，免费向公众开放😊",
    "本周六上午9时，市政务服务中心将开展“周末不打烊”延时服务，欢迎前来办事！",
])
def test_a_normal_post_with_one_emoji_passes(reviewer: Reviewer, text: str) -> None:
    report = reviewer.review({"text": text, "account": {"type": "government"}})
    assert report.verdict == "pass", [(f.rule, f.severity) for f in report.findings]


def test_an_offtopic_post_is_revised_and_another_departments_topic_is_not(reviewer: Reviewer) -> None:
    lottery = reviewer.review({"text": "双色球第2025128期开奖，红球02、07、15、21、28、31，蓝球09。"})
    assert any(f.rule.startswith("offtopic.") and f.start is None for f in lottery.findings)
    assert lottery.verdict == "revise"
    scorer = reviewer.scorer
    minor = [_finding("offtopic.car", start=None, category="offtopic", confidence=0.7)]
    assert scorer.score(minor) > scorer.revise_below and scorer.verdict(minor, scorer.score(minor)) == "revise"
    info = [_finding("offtopic.education", severity="info", start=None, category="offtopic")]
    assert scorer.verdict(info, scorer.score(info)) == "pass", "跨部门政务话题 is advice, not a fault"


def test_entertainment_spans_alone_follow_the_score() -> None:
    scorer = Scorer()
    spans = [_finding("entertainment.emoji", category="entertainment")]
    assert scorer.verdict(spans, scorer.score(spans)) == "pass"


def test_critical_still_rejects_and_repeats_never_do() -> None:
    scorer = Scorer()
    one = [_finding("sensitive.x", severity="critical", confidence=0.1, category="sensitive")]
    assert scorer.verdict(one, scorer.score(one)) == "reject"
    majors = [_finding("garbled.annotation", severity="major", start=i, category="garbled") for i in range(500)]
    assert scorer.verdict(majors, scorer.score(majors)) == "revise"


def test_repeats_cost_less_than_distinct_findings() -> None:
    scorer = Scorer()
    repeats = [_finding("garbled.annotation", severity="major", start=i) for i in range(10)]
    distinct = [_finding(f"rule.{i}", severity="major", start=i) for i in range(10)]
    assert 100 - scorer.score(repeats) < 100 - scorer.score(distinct)
    one = scorer.score(repeats[:1])
    assert scorer.score(repeats[:2]) < one, "a repeat still costs something"
    bound = (100 - one) / (1 - scorer.repeat_decay)
    assert 100 - scorer.score(repeats * 50) <= bound + 0.1


def test_the_score_does_not_depend_on_order() -> None:
    scorer = Scorer()
    findings = [_finding("a.b", severity=s, start=i, confidence=c)
                for i, (s, c) in enumerate([("major", 0.6), ("minor", 0.9), ("major", 0.95), ("minor", 0.3)] * 5)]
    findings += [_finding("c.d", severity="major", start=i, confidence=0.8) for i in range(3)]
    expected = scorer.score(findings)
    shuffled = list(findings)
    for seed in range(20):
        random.Random(seed).shuffle(shuffled)
        assert scorer.score(shuffled) == expected


def test_85_annotations_are_not_85_faults(reviewer: Reviewer) -> None:
    text = "，".join(ANNOTATED[i % 5] + "工作" for i in range(85)) + "。"
    report = reviewer.review({"text": text})
    assert [f.rule for f in report.findings] == ["garbled.annotation"] * 85, "every place keeps its own finding"
    assert all(text[f.start : f.end] == f.text for f in report.findings)
    assert report.score >= 50, "was 0.0 when each annotation cost in full"
    assert report.verdict == "revise", "annotations are major: fix them first"
    assert reviewer.review({"text": text}).score == report.score


def test_grouping_keeps_every_place_in_order() -> None:
    findings = [
        _finding("garbled.annotation", severity="major", start=0, message="注音"),
        _finding("entertainment.emoji", start=3, message="表情"),
        _finding("garbled.annotation", severity="major", start=9, message="注音"),
        _finding("garbled.annotation", severity="major", start=12, message="另一注音"),
    ]
    groups = group_findings(findings)
    assert [[f.start for f in g.findings] for g in groups] == [[0, 9], [3], [12]]
    assert sum(len(g.findings) for g in groups) == len(findings)


def test_terminal_view_shows_repeats_once_with_every_place(reviewer: Reviewer) -> None:
    text = "，".join(ANNOTATED[0] + "工作" for _ in range(4)) + "。"
    report = reviewer.review({"text": text})
    assert len(report.findings) == 4
    shown = render_text(report, text)
    assert shown.count("正文夹杂注音") == 1 and "4 处" in shown and "（1 类）" in shown
    for finding in report.findings:
        assert f"1:{finding.start + 1} " in shown, "each place is listed by line:column"
    single = render_text(Report(id=None, score=97.0, verdict="pass", findings=[_finding(start=1)], meta={}), "xa")
    assert "1:2 “a”" in single and "处 “" not in single


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_editor_page_groups_as_the_terminal_does() -> None:
    findings = [
        _finding("garbled.annotation", severity="major", start=0, message="注音"),
        _finding("entertainment.emoji", start=3, message="表情"),
        _finding("garbled.annotation", severity="major", start=9, message="注音"),
        _finding("entertainment.post", start=None, category="entertainment", message="全文"),
        _finding("garbled.annotation", severity="major", start=12, message="另一注音"),
    ]
    script = (STATIC / "editor.js").read_text(encoding="utf-8")
    # the page's script with a stand-in document; prints the groups as lists of finding indices
    harness = (
        "const document = { addEventListener() {} };\n" + script
        + "\nconst findings = JSON.parse(process.argv[1]).map((f, index) => ({ ...f, index }));"
        + "\nconsole.log(JSON.stringify(groupFindings(findings).map((g) => g.map((f) => f.index))));"
    )
    data = json.dumps([f.to_dict() for f in findings], ensure_ascii=False)
    result = subprocess.run(["node", "-e", harness, data], capture_output=True, text=True, timeout=60, check=True)
    expected = [[findings.index(f) for f in group.findings] for group in group_findings(findings)]
    assert json.loads(result.stdout) == expected == [[0, 2], [1], [3], [4]]


def test_a_report_says_why_its_post_did_not_pass(reviewer):
    gambling = reviewer.review({"text": "网上赌博开户首充返水，再接再励。"})
    assert gambling.verdict == "reject"
    assert gambling.meta["verdict_reasons"][0] == "critical:sensitive.gambling"
    cute = reviewer.review({"text": "家人们谁懂啊！小编加班到凌晨三点…呜呜呜，求大家点个赞"})
    assert cute.verdict == "revise" and "whole_post:entertainment.post" in cute.meta["verdict_reasons"]
    assert "原因：全文判断 entertainment.post" in render_text(cute, "家人们谁懂啊！小编加班到凌晨三点…呜呜呜，求大家点个赞")
    clean = reviewer.review({"text": "市政府召开常务会议，研究部署近期重点工作。"})
    assert clean.verdict == "pass" and "verdict_reasons" not in clean.meta


def test_the_reasons_follow_the_verdict_rules():
    scorer = Scorer()
    major = Finding("typo", "typo.lexicon.idiom", "major", 0, 2, "ab", "ac", 0.5, "m")
    minor = Finding("norms", "numbers.range", "minor", 3, 5, "cd", "ce", 0.9, "m")
    assert scorer.reasons([minor], scorer.score([minor])) == []
    assert scorer.reasons([major, minor], scorer.score([major, minor])) == ["serious:typo.lexicon.idiom"]
    many = [Finding("norms", f"r{i}", "minor", i, i + 1, "x", "y", 1.0, "m") for i in range(5)]
    assert scorer.reasons(many, scorer.score(many)) == [f"score_below:{scorer.revise_below:g}"]

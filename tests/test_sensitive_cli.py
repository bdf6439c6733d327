"""`review check` and `review batch` with the sensitive and expression checks, per-call --allow/--deny."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["--enable", "sensitive,expression"]


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "review.cli", *args], input=stdin, capture_output=True, text=True, cwd=ROOT,
        env=env, timeout=300,
    )


def test_check_json_with_deny_and_allow():
    text = "出售仿真枪，私聊。国家主席李强会见外宾。活动现场禁止携带打火机。"
    result = run_cli("check", "-", "--json", *CHECKS, "--deny", "打火机", stdin=text)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    assert {"sensitive.weapons", "expression.leader_post", "sensitive.deny"} <= rules
    assert report["verdict"] == "reject"
    for finding in report["findings"]:
        assert text[finding["start"] : finding["end"]] == finding["text"]
    allowed = json.loads(run_cli("check", "-", "--json", *CHECKS, "--allow", "仿真枪", stdin=text).stdout)
    assert "sensitive.weapons" not in {finding["rule"] for finding in allowed["findings"]}


def test_batch_reports_every_category():
    posts = [
        {"id": "gambling", "text": "澳门赌场线上开户，首充送88元，加微信abc12345"},
        {"id": "enforcement", "text": "全市公安机关依法打击网络赌博，破获案件12起。"},
        {"id": "expression", "text": "台湾总统发表讲话，我们要坚定“五个自信”。"},
    ]
    stdin = "\n".join(json.dumps(post, ensure_ascii=False) for post in posts) + "\n"
    result = run_cli("batch", "-", "-o", "-", *CHECKS, stdin=stdin)
    assert result.returncode == 0, result.stderr
    reports = {report["id"]: report for report in map(json.loads, result.stdout.splitlines())}
    assert reports["gambling"]["verdict"] == "reject"
    assert reports["enforcement"]["verdict"] == "pass"
    assert {f["rule"] for f in reports["expression"]["findings"]} >= {
        "expression.sovereignty",
        "expression.formulation_number",
    }

"""Exit statuses and warnings of the commands: batch fails when a line failed, unknown check names list the valid
ones, an unknown account type warns in every command."""

from __future__ import annotations

import json

import pytest

from review.checks import REGISTRY
from review.cli import main
from review.model import known_account_types
from review.pipeline import get_reviewer

CORE = ["--enable", "garbled,timeliness"]


def _jsonl(path, rows: list) -> str:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n"
                            for row in rows), encoding="utf-8")
    return str(path)


def test_batch_exit_status_follows_the_failed_lines(tmp_path, capsys):
    good = {"id": "ok", "text": "市政府召开常务会议。"}
    clean = _jsonl(tmp_path / "clean.jsonl", [good, good])
    assert main(["batch", clean, "-o", str(tmp_path / "a.jsonl"), "--progress", "never", *CORE]) == 0
    failing = _jsonl(tmp_path / "failing.jsonl", [good, "{not json", {"id": "empty", "text": ""}])
    out = tmp_path / "b.jsonl"
    assert main(["batch", failing, "-o", str(out), "--progress", "never", *CORE]) == 1
    assert "2 lines had errors" in capsys.readouterr().err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3  # the run went on past the bad lines
    assert main(["batch", failing, "-o", str(out), "--progress", "never", "--allow-errors", *CORE]) == 0


def test_resumed_batch_counts_the_errors_of_the_whole_output(tmp_path, capsys):
    rows = ["{not json"] + [{"id": str(i), "text": "市政府召开常务会议。"} for i in range(4)]
    source = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    assert main(["batch", source, "-o", str(out), "--progress", "never", *CORE]) == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # stopped after two lines, the bad one first
    capsys.readouterr()
    # only good lines are reviewed now; the bad line of the first run still makes the output a failed one
    assert main(["batch", source, "-o", str(out), "--resume", "--progress", "never", *CORE]) == 1
    err = capsys.readouterr().err
    assert "1 lines had errors (1 of them before --resume)" in err
    assert [json.loads(line).get("id") for line in out.read_text(encoding="utf-8").splitlines()] == [
        None, "0", "1", "2", "3"]
    out.write_text(lines[1] + "\n", encoding="utf-8")  # a clean beginning: nothing failed in the whole output
    clean_source = _jsonl(tmp_path / "clean.jsonl", rows[1:])
    assert main(["batch", clean_source, "-o", str(out), "--resume", "--progress", "never", *CORE]) == 0


@pytest.mark.parametrize("command", ["check", "batch", "inspect"])
def test_unknown_check_names_list_the_valid_ones(tmp_path, capsys, command):
    post = tmp_path / "post.txt"
    post.write_text("市政府召开常务会议。", encoding="utf-8")
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "1", "text": "好"}])
    argv = {"check": ["check", str(post)], "batch": ["batch", feed, "-o", str(tmp_path / "o.jsonl")],
            "inspect": ["inspect", feed, "-o", str(tmp_path / "out")]}[command]
    assert main([*argv, "--enable", "typos"]) == 2
    err = capsys.readouterr().err
    assert "未知的检查项" in err and "unknown checks" in err and "typos" in err
    assert "did you mean typo?" in err
    assert all(name in err for name in REGISTRY), err  # every valid name is listed


def test_unknown_account_type_warns_in_the_report_and_every_command(tmp_path, capsys):
    if not known_account_types():
        pytest.skip("lexicons/account_types.toml is absent: every type is accepted")
    report = get_reviewer().review({"text": "好", "account": {"type": "卫健"}}).to_dict()
    (warning,) = report["meta"]["warnings"]
    assert warning["code"] == "unknown_account_type" and "卫健" in warning["message"]
    assert "did you mean health?" in warning["message"] and "未知的账号类型" in warning["message"]
    assert "warnings" not in get_reviewer().review({"text": "好", "account": {"type": "health"}}).meta

    post = tmp_path / "post.txt"
    post.write_text("市政府召开常务会议。", encoding="utf-8")
    assert main(["check", str(post), "--account-type", "卫健", *CORE]) == 0
    err = capsys.readouterr().err
    assert "警告 / warning" in err and "未知的账号类型“卫健”" in err and "unknown account type" in err
    assert main(["check", str(post), "--account-type", "health", *CORE]) == 0
    assert "warning" not in capsys.readouterr().err

    rows = [{"id": "a", "text": "好", "account": {"type": "health"}},
            {"id": "b", "text": "好", "account": {"type": "卫健"}}]
    assert main(["batch", _jsonl(tmp_path / "in.jsonl", rows), "-o", str(tmp_path / "out.jsonl"),
                 "--progress", "never", *CORE]) == 0
    err = capsys.readouterr().err
    assert "line 2" in err and "卫健" in err and "line 1:" not in err


def test_the_service_report_carries_the_unknown_account_type_warning(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.config import ServiceConfig

    if not known_account_types():
        pytest.skip("lexicons/account_types.toml is absent: every type is accepted")
    with TestClient(create_app(ServiceConfig(db_path=str(tmp_path / "settings.sqlite3")))) as client:
        post = {"text": "市政府召开常务会议。", "account": {"type": "卫健"}}
        report = client.post("/v1/review", json=post).json()
        assert report["meta"]["warnings"][0]["code"] == "unknown_account_type"
        post["account"]["type"] = "health"
        assert "warnings" not in client.post("/v1/review", json=post).json()["meta"]

"""End-to-end CLI: `review check` and `review batch` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["--enable", "garbled,timeliness"]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "review.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_check_json_on_example():
    result = run_cli("check", "examples/post.txt", "--json", *CORE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    text = (ROOT / "examples/post.txt").read_text(encoding="utf-8")
    assert {"id", "score", "verdict", "findings", "meta"} <= set(report)
    assert report["findings"], "the example carries scraper annotations"
    for finding in report["findings"]:
        if finding["start"] is not None:
            assert text[finding["start"] : finding["end"]] == finding["text"]


def test_check_readable_from_stdin_and_fail_on():
    result = run_cli("check", "-", "--color", "never", "--fail-on", "revise", *CORE, stdin="持續(xù)推動工作")
    assert result.returncode == 1
    assert "乱码" in result.stdout and "(xù)" in result.stdout and "建议" in result.stdout


def test_check_errors_are_clear():
    missing = run_cli("check", "no/such/file.txt")
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    empty = run_cli("check", "-", stdin="  ")
    assert empty.returncode == 2 and "empty" in empty.stderr
    bad_date = run_cli("check", "-", "--published-at", "soon", stdin="好")
    assert bad_date.returncode == 2 and "ISO 8601" in bad_date.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_keeps_order_and_reports_bad_lines(tmp_path, workers):
    lines = []
    for i in range(30):
        if i == 5:
            lines.append("{not json")
        elif i == 9:
            lines.append(json.dumps({"id": "p9", "text": ""}))
        elif i == 13:
            lines.append(json.dumps({"id": "p13", "text": "好", "published_at": "tomorrow"}))
        elif i == 17:  # a placeholder date and an integer past 4,300 digits each stopped the whole run
            lines.append(json.dumps({"id": "p17", "text": "好", "published_at": "0001-01-01T00:00:00"}))
        elif i == 21:
            lines.append('{"id": ' + "9" * 5000 + ', "text": "好"}')
        else:
            lines.append(json.dumps({"id": f"p{i}", "text": f"第{i}条：持續(xù)推動工作"}, ensure_ascii=False))
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(source), "-o", str(out), "--workers", workers, *CORE)
    assert result.returncode == 1, result.stderr  # some lines failed: the run went on, the exit status says so
    assert "5 lines had errors" in result.stderr
    reports = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(reports) == 30
    assert reports[5]["error"]["code"] == "invalid_json" and reports[5]["meta"]["line"] == 6
    assert reports[9]["error"]["code"] == "empty_text" and reports[9]["id"] == "p9"
    assert reports[13]["error"]["code"] == "invalid_date"
    assert reports[17]["error"]["code"] == "invalid_date" and reports[17]["id"] == "p17"
    assert reports[21]["error"]["code"] == "invalid_json"
    bad = (5, 9, 13, 17, 21)
    good = [r for i, r in enumerate(reports) if i not in bad]
    assert [r["id"] for r in good] == [f"p{i}" for i in range(30) if i not in bad]
    assert all(r["findings"][0]["text"] == "(xù)" for r in good)


def test_batch_reports_lone_surrogates_and_refuses_them_in_ids(tmp_path):
    # JSON "\\ud83d" escapes (an emoji a JavaScript scraper cut in two) decode to text UTF-8 cannot hold
    lines = ['{"id": "cut", "text": "今天发布\\ud83d通知"}', '{"id": "bad\\ud800", "text": "通知"}',
             '{"id": "ok", "text": "通知"}']
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(source), "-o", str(out), "--allow-errors", *CORE)
    assert result.returncode == 0, result.stderr
    cut, bad, ok = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    finding = cut["findings"][0]
    assert (finding["category"], finding["start"], finding["end"], finding["text"]) == ("garbled", 4, 5, "\ud83d")
    assert cut["verdict"] == "revise"
    assert bad["error"]["code"] == "invalid_text" and bad["id"] == "bad\ud800"
    assert ok["verdict"] == "pass"


def test_batch_resume_skips_done_lines_and_drops_half_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps({"id": str(i), "text": "工作"}) for i in range(10)) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = run_cli("batch", str(source), "-o", str(out), *CORE)
    assert first.returncode == 0
    complete = out.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(complete[:4]) + "\n" + complete[4][:10], encoding="utf-8")  # a crash mid-line
    second = run_cli("batch", str(source), "-o", str(out), "--resume", *CORE)
    assert second.returncode == 0, second.stderr
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [str(i) for i in range(10)]


# Characters that universal newlines (a bare CR) or str.splitlines (all of them) would take for a line end; inside a
# JSONL line they belong to the post. A raw CR or \x0b inside a JSON string is not strict JSON but is kept.
INLINE_BREAKS = ["\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def _jsonl_with_inline_breaks() -> bytes:
    """One post a line with each inline break inside its text, a bad line between them, CRLF and LF endings."""
    lines = []
    for i, char in enumerate(INLINE_BREAKS):
        lines.append(f'{{"id": "p{i}", "text": "第{i}条{char}持續(xù)推動工作"}}')
    lines.insert(4, '{"id": "bad",\r "text": }')  # invalid JSON on line 5 (a CR between tokens is whitespace)
    lines.insert(7, json.dumps({"id": "escaped", "text": "前\r后持續(xù)推動"}, ensure_ascii=False))
    return "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines)).encode("utf-8")


def _check_inline_break_reports(reports: list[dict]) -> None:
    assert len(reports) == len(INLINE_BREAKS) + 2  # one report per input line, in order
    assert [r["meta"]["line"] for r in reports] == list(range(1, len(reports) + 1))
    assert reports[4]["error"]["code"] == "invalid_json" and "line 5" in reports[4]["error"]["message"]
    good = [r for r in reports if "error" not in r]
    assert [r["id"] for r in good] == ["p0", "p1", "p2", "p3", "p4", "p5", "escaped", "p6", "p7", "p8"]
    for report in good:
        (finding,) = report["findings"]
        assert finding["text"] == "(xù)"
        # the offset counts the break character: the text reached the reviewer whole
        assert finding["start"] == (5 if report["id"] == "escaped" else 6)


def _report_lines(data: bytes) -> list[dict]:
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.split(b"\n")[:-1]]  # "\n" only: reports may hold U+2028 raw


def test_batch_counts_only_newline_as_a_line_end(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(_jsonl_with_inline_breaks())
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(source), "-o", str(out), "--progress", "always", *CORE)
    assert result.returncode == 1, result.stderr  # line 5 is not JSON
    _check_inline_break_reports(_report_lines(out.read_bytes()))
    assert f"{len(INLINE_BREAKS) + 2}/{len(INLINE_BREAKS) + 2}" in result.stderr  # the bar's total counts alike


def test_batch_from_stdin_counts_only_newline_as_a_line_end():
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, "-m", "review.cli", "batch", "-", "-o", "-", *CORE],
                            input=_jsonl_with_inline_breaks(), capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 1, result.stderr.decode()  # line 5 is not JSON
    _check_inline_break_reports(_report_lines(result.stdout))


def test_batch_resume_with_inline_breaks(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(_jsonl_with_inline_breaks())
    out = tmp_path / "out.jsonl"
    assert run_cli("batch", str(source), "-o", str(out), *CORE).returncode == 1  # line 5 is not JSON
    complete = out.read_bytes().split(b"\n")
    out.write_bytes(b"\n".join(complete[:6]) + b"\n" + complete[6][:12])  # a crash in the middle of line 7
    second = run_cli("batch", str(source), "-o", str(out), "--resume", *CORE)
    # the failed line 5 was reviewed before the crash: the resumed run still counts it and exits 1
    assert second.returncode == 1, second.stderr
    assert "1 lines had errors (1 of them before --resume)" in second.stderr
    _check_inline_break_reports(_report_lines(out.read_bytes()))


def test_jsonl_lines_splits_at_newline_only():
    import io

    from review.batch import jsonl_lines

    data = "\ufeff一\r二\r\n三\u2028四\x85\n\n五".encode() + b"\xe5\x85\n\xe5"
    assert list(jsonl_lines(io.BytesIO(data))) == [(1, "一\r二"), (2, "三\u2028四\x85"), (3, ""), (4, "五\ufffd"),
                                                   (5, "\ufffd")]
    assert list(jsonl_lines(io.BytesIO("甲\r\n乙".encode("gb18030")), "gb18030")) == [(1, "甲"), (2, "乙")]


def test_batch_missing_input_and_unknown_check(tmp_path):
    missing = run_cli("batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "好"}\n', encoding="utf-8")
    unknown = run_cli("batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--enable", "nonsense")
    assert unknown.returncode == 2 and "unknown checks" in unknown.stderr


def test_batch_one_worker_warms_up_once_after_enough_input(monkeypatch):
    """One worker builds the checks' lookup tables once it has read WARM_UP_AFTER characters, and only once."""
    from review import batch
    from review.pipeline import ReviewOptions

    calls = []
    monkeypatch.setattr(batch, "WARM_UP_AFTER", 100)
    monkeypatch.setattr(batch, "warm_up", lambda options, typo_backend=None: calls.append(len(reports)))
    line = json.dumps({"text": "持續(xù)推動工作" * 3}, ensure_ascii=False)  # 42 characters
    options = ReviewOptions.make(enable=["garbled"])
    reports = []
    for report in batch.reviewed_lines([(i + 1, line) for i in range(3)], options):
        reports.append(report)
    assert calls == []  # 126 characters read, but no line came after them
    for report in batch.reviewed_lines([(i + 1, line) for i in range(8)], options):
        reports.append(report)
    assert calls == [3 + 3] and len(reports) == 11  # the fourth line is the first one reviewed warm
    calls.clear()
    reports.clear()
    for report in batch.reviewed_lines([(i + 1, line) for i in range(3)], options, expected_chars=126):
        reports.append(report)
    assert calls == [0] and len(reports) == 3  # counted ahead: warm from the first line
    calls.clear()
    reports.clear()
    for report in batch.reviewed_lines([(i + 1, line) for i in range(2)], options, expected_chars=84):
        reports.append(report)
    assert calls == []  # too little ahead: as from a pipe


def test_batch_of_a_file_counts_its_characters_ahead(tmp_path):
    from review.commands.batch import _count_lines

    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({"text": "市政府召开会议"}, ensure_ascii=False), "", json.dumps({"text": "abc"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _count_lines(str(path)) == (2, len(lines[0]) + len(lines[2]))
    assert _count_lines("-") == (None, None)


def test_file_sources_print_a_lone_surrogate_as_a_replacement_character(monkeypatch):
    # a second hostile trial: a PDF whose text held a lone surrogate crashed `review check` after the report
    import io
    import types

    from review.commands.check import _print_sources
    from review.inputs.types import Extracted

    finding = types.SimpleNamespace(text="支\ud800持", source={"kind": "page", "index": 1})
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # strict, as a terminal's encoding is
    monkeypatch.setattr("sys.stdout", out)
    _print_sources(types.SimpleNamespace(findings=[finding]), Extracted(text="支\ud800持", format="pdf", name="a.pdf"))
    out.flush()
    assert "“支\ufffd持” 第 1 页" in out.buffer.getvalue().decode("utf-8")


def test_a_defect_on_one_line_costs_that_line_only(tmp_path, monkeypatch):
    # a third hostile trial: an exception inside a check stopped `review batch` at that line with a traceback
    from review import batch
    from review.pipeline import Reviewer

    real = Reviewer.review_dict

    def review_dict(self, data, options=None):
        if isinstance(data, dict) and data.get("id") == "2":
            raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")
        return real(self, data, options)

    monkeypatch.setattr(Reviewer, "review_dict", review_dict)
    reports = [batch.review_line(n, json.dumps({"id": str(n), "text": "再接再励"}), None) for n in (1, 2, 3)]
    assert [r.get("error", {}).get("code") for r in reports] == [None, "internal_error", None]
    assert reports[1]["id"] == "2" and reports[1]["meta"]["line"] == 2 and reports[2]["findings"]


def test_the_terminal_view_shows_control_sequences_from_a_post_as_replacement_characters():
    # a third hostile trial: colour, window-title and reset sequences, a carriage return and a bidi override in a
    # post reached the terminal live through `review check`'s readable view
    from review.pipeline import get_reviewer
    from review.report import render_text

    text = "我们要再接再励\x1b[31m红\x1b]0;PWNED\x07，然后\r覆盖\u202e民生\u202c工作\x1bc\x1b[2J。"
    report = get_reviewer().review({"text": text, "title": "标题\x1b[2J"})
    assert any(f.text == "再接再励" for f in report.findings)  # offsets hold: the view still finds its places
    for color in (False, True):
        shown = render_text(report, text, "标题\x1b[2J", color=color)
        for control in ("\x1b]", "\x1b[31m红", "\x1b[2J", "\x1bc", "\x07", "\r", "\u202e"):
            assert control not in shown, (color, control)
        assert "再接再励" in shown and ("\x1b[" in shown) == color  # our own colours only when asked for


@pytest.mark.parametrize("argv, message", [
    (["eval", "typo", "--limit", "-5", "dev"], "must not be negative"),
    (["eval", "typo", "no_such_set"], "cannot read the set 'no_such_set'"),
    (["eval", "classifiers", "--dev", "/no/such/dev.jsonl"], "no dev set at /no/such/dev.jsonl"),
])
def test_eval_refuses_bad_arguments_in_words(argv, message, capsys):
    # a third hostile trial: a negative limit quietly left out the last sentences; a missing set was a traceback
    from review.cli import main

    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusal
        code = stop.code
    assert code == 2 and message in capsys.readouterr().err

"""`review inspect`: the expected problem list from a generated feed, outputs, resume and bad input."""

from __future__ import annotations

import csv
import json

import pytest
from inspect_helpers import (
    ACCOUNTS,
    CHECKED_AT,
    EXPECTED_PASS_RATE,
    EXPECTED_PROBLEMS,
    TEST_CHECKS,
    feed_posts,
    register_marker_check,
    unregister_marker_check,
    write_jsonl,
)

from review.cli import main
from review.inspect import inspect_feed, local_backend
from review.inspect.checks import ACCOUNT_REGISTRY, discover
from review.inspect.checks.stale import period_words
from review.inspect.feed import read_feed
from review.model import parse_datetime
from review.pipeline import ReviewOptions

OPTIONS = ReviewOptions.make(enable=TEST_CHECKS)


@pytest.fixture(scope="module", autouse=True)
def marker_check():
    register_marker_check()
    yield
    unregister_marker_check()


def _inspect(feed, outdir, **kwargs):
    kwargs.setdefault("checked_at", parse_datetime(CHECKED_AT, "checked_at"))
    kwargs.setdefault("options", OPTIONS)
    return inspect_feed(str(feed), str(outdir), **kwargs)


def _problems_by_account(inspection) -> dict[str, list[str]]:
    return {r.account.id: [p.check for p in r.problems] for r in inspection.accounts if r.problems}


def _reports(outdir) -> list[dict]:
    return [json.loads(line) for line in (outdir / "reports.jsonl").read_text(encoding="utf-8").splitlines()]


def test_account_checks_are_registered_in_their_own_registry():
    assert {"stale", "future_post", "content_share", "critical_post"} <= set(discover())
    assert set(ACCOUNT_REGISTRY) == set(discover())
    assert period_words(14) == "2周" and period_words(10) == "10天"


def test_generated_feed_reproduces_the_expected_problem_list(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    inspection = _inspect(feed, tmp_path / "out")
    assert _problems_by_account(inspection) == EXPECTED_PROBLEMS
    assert inspection.pass_rate_text == EXPECTED_PASS_RATE
    assert inspection.problems == []
    by_id = {r.account.id: r for r in inspection.accounts}
    assert by_id["stale"].problems[0].problem == "监测时间点前2周内无更新（最近一次更新：2025-06-03）"
    assert by_id["future"].problems[0].problem == "发稿出现未来时间（1篇）"
    assert by_id["future"].problems[0].evidence[0].url == "https://example.gov.cn/future/future-1"
    assert by_id["typos"].problems[0].problem.startswith("内容问题稿件占比50%（4篇中2篇：错别字2处")
    assert "【再接再励】" in by_id["typos"].problems[0].evidence[0].excerpt
    assert "单项否决" in by_id["veto"].problems[0].problem


def test_outputs_have_the_annex_table_shape(tmp_path):
    from openpyxl import load_workbook

    posts = feed_posts()
    out = tmp_path / "out"
    _inspect(write_jsonl(tmp_path / "feed.jsonl", posts), out)
    reports = _reports(out)
    assert [r["id"] for r in reports] == [p["id"] for p in posts]
    assert [r["meta"]["line"] for r in reports] == list(range(1, len(posts) + 1))

    with open(out / "accounts.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["序号", "账号名称", "类型/平台", "主办单位", "存在的突出问题", "佐证（链接或摘录）"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    assert [row[1] for row in rows[1:]] == [ACCOUNTS[a][0] for a in ("stale", "future", "typos", "veto")]
    assert rows[1][2] == "微博" and rows[1][3] == "某县卫生健康局"
    assert "https://example.gov.cn/future/future-1" in rows[2][5]

    book = load_workbook(out / "accounts.xlsx")
    values = [[cell.value for cell in row] for row in book["问题清单"].iter_rows(min_row=2)]
    assert values[0] == rows[0]
    assert [[str(v) for v in row] for row in values[1:]] == rows[1:]
    everyone = [[cell.value for cell in row] for row in book["全部账号"].iter_rows(min_row=2)]
    assert [row[5] for row in everyone] == ["合格", "不合格", "不合格", "不合格", "不合格", "合格"]
    assert [row[4] for row in everyone] == [4, 3, 2, 4, 6, 10]

    html = (out / "report.html").read_text(encoding="utf-8")
    assert EXPECTED_PASS_RATE in html and html.count("data:image/png;base64,") == 2
    assert "<script" not in html and "http://" not in html.replace("https://example.gov.cn", "")

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"posts": 29, "reviewed_now": 29, "accounts": 6, "failing": 4,
                                 "pass_rate": 0.3333, "pass_rate_text": EXPECTED_PASS_RATE}


def test_csv_feed_gives_the_same_result(tmp_path):
    posts = feed_posts()
    path = tmp_path / "feed.csv"
    # contract names, the account_ form and the Chinese headers of lexicons/inspection.toml mixed
    headers = ["id", "account.id", "account_name", "account.type", "平台", "主办单位", "发布时间", "链接", "title", "正文"]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for p in posts:
            a = p["account"]
            writer.writerow([p["id"], a["id"], a["name"], a["type"], a["platform"], a["unit"], p["published_at"],
                             p["url"], p["title"], p["text"]])
    inspection = _inspect(path, tmp_path / "out")
    assert _problems_by_account(inspection) == EXPECTED_PROBLEMS and inspection.problems == []


def test_csv_feed_saved_by_excel_in_gbk_with_a_long_cell_and_a_formula_name(tmp_path):
    # Excel on Chinese Windows saves CSV as GBK; a whole article may pass the csv module's 131,072-character limit;
    # an account name a third party chose may be a formula, which the tables must show as text
    path = tmp_path / "feed.csv"
    rows = [["id", "账号名称", "主办单位", "发布时间", "正文"],
            ["g1", '=HYPERLINK("http://evil.example","点击")', "@SUM(1+1)", "2025-05-01T09:00:00",
             "市政府召开会议，部署防汛工作。"],
            ["g2", "某市发布", "某市政府", "2025-06-29T10:00:00", "政" * 200_000]]
    with open(path, "w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "out"
    inspection = _inspect(path, out)
    assert [(p.code, p.line) for p in inspection.problems] == [("text_too_long", 3)]
    with open(out / "accounts.csv", encoding="utf-8-sig", newline="") as handle:
        annex = list(csv.reader(handle))
    assert annex[1][1] == '\'=HYPERLINK("http://evil.example","点击")' and annex[1][3] == "'@SUM(1+1)"
    assert "2周内无更新" in annex[1][4] and len(annex) == 2  # the stale account only: g2 was posted in time
    from openpyxl import load_workbook

    for sheet in load_workbook(out / "accounts.xlsx"):
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_jsonl_feed_counts_only_newline_as_a_line_end(tmp_path):
    # a bare CR, U+2028/U+2029, U+0085, \x0b, \x0c, \x1c-\x1e inside a line belong to the post (universal
    # newlines or str.splitlines would split the line there, lose the post and shift every later line number)
    breaks = ["\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
    posts = feed_posts()
    for post, char in zip(posts[::3], breaks):
        post["text"] = post["text"].replace("，", "，" + char, 1)
    lines = [json.dumps(post, ensure_ascii=False) for post in posts]
    for char in breaks:  # raw, as a careless writer leaves them (json.dumps escapes the control characters)
        lines = [line.replace(json.dumps(char)[1:-1], char) for line in lines]
    assert "\r" in lines[0] and "\x0b" in lines[12]
    lines.insert(6, '{"id": "broken",\r')  # invalid JSON on line 7: the lines after it keep their numbers
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes("".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines)).encode("utf-8"))
    out = tmp_path / "out"
    inspection = _inspect(feed, out)
    assert [(p.code, p.line) for p in inspection.problems] == [("invalid_json", 7)]
    assert _problems_by_account(inspection) == EXPECTED_PROBLEMS
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_bytes().split(b"\n")[:-1]]
    assert [(r["meta"]["line"], r["id"]) for r in reports] == [
        (number, post["id"]) for number, post in zip([*range(1, 7), *range(8, len(lines) + 1)], posts)
    ]
    texts = {post.id: post.post["text"] for post in read_feed(str(feed)).posts}
    assert texts == {post["id"]: post["text"] for post in posts}  # every break character kept in its text
    before = len(reports)
    assert _inspect(feed, out, checked_at=None).reviewed_now == 0  # resume reads reports holding U+2028 raw
    assert len((out / "reports.jsonl").read_bytes().split(b"\n")[:-1]) == before


def test_csv_cells_keep_quoted_line_breaks(tmp_path):
    # CSV has its own quoting: a quoted cell may hold a newline or a CR, and the row number counts rows, not lines
    path = tmp_path / "feed.csv"
    rows = [["id", "账号名称", "发布时间", "正文"],
            ["c1", "某市发布", "2025-06-29T10:00:00", "第一段。\n第二段\r\n第三段\r第四段\u2028完。"],
            ["c2", "某市发布", "not a date", "正文。"]]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    feed = read_feed(str(path))
    assert [(post.line, post.id, post.post["text"]) for post in feed.posts] == [(2, "c1", rows[1][3]), (3, "c2", "正文。")]
    assert [(p.code, p.line) for p in feed.problems] == [("invalid_date", 3)]


def test_window_is_a_parameter(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    inspection = _inspect(feed, tmp_path / "out", window_days=30)
    assert "stale" not in _problems_by_account(inspection)
    inspection = _inspect(feed, tmp_path / "out2", window_days=3)  # ok's last post is 06-23
    assert _problems_by_account(inspection)["ok"] == ["stale"]
    assert inspection.accounts[0].problems[0].problem.startswith("监测时间点前3天内无更新")


def test_two_workers_give_the_same_reports(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    one = _inspect(feed, tmp_path / "one")
    two = _inspect(feed, tmp_path / "two", backend=local_backend(2))
    assert _problems_by_account(two) == _problems_by_account(one) == EXPECTED_PROBLEMS

    def strip(reports):
        return [{k: v for k, v in r.items() if k != "meta"} for r in reports]

    assert strip(_reports(tmp_path / "two")) == strip(_reports(tmp_path / "one"))


def test_resume_skips_posts_already_reviewed(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    out = tmp_path / "out"

    def interrupted(pending, options):
        for number, report in enumerate(local_backend(1)(pending, options)):
            if number == 10:
                raise KeyboardInterrupt
            yield report

    with pytest.raises(KeyboardInterrupt):
        _inspect(feed, out, backend=interrupted)
    assert len(_reports(out)) == 10
    with open(out / "reports.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"id": "half-writ')  # a line cut off mid-write is dropped and reviewed again

    reviewed = []

    def counting(pending, options):
        reviewed.extend(post.key for post in pending)
        return local_backend(1)(pending, options)

    inspection = _inspect(feed, out, checked_at=None, backend=counting)  # resume keeps the monitoring point
    assert len(reviewed) == 19 and inspection.reviewed_now == 19
    assert _problems_by_account(inspection) == EXPECTED_PROBLEMS
    assert sorted(r["id"] for r in _reports(out)) == sorted(p["id"] for p in feed_posts())

    reviewed.clear()
    _inspect(feed, out, backend=counting)
    assert reviewed == []  # everything is done: nothing reviewed again
    _inspect(feed, out, checked_at=parse_datetime("2025-07-01T12:00:00+08:00", "x"), backend=counting)
    assert len(reviewed) == 29  # another monitoring point: the reports are redone
    reviewed.clear()
    options = ReviewOptions.make(enable=TEST_CHECKS, deny_terms=["狠抓落实"])
    _inspect(feed, out, checked_at=None, options=options, backend=counting)
    assert len(reviewed) == 29  # other deny terms: redone too


def test_bad_input_is_reported_never_crashes_and_keeps_valid_posts(tmp_path, capsys):
    posts = feed_posts()[:4]
    posts[1]["published_at"] = "昨天上午"
    posts[2]["account"]["type"] = "police_dept"
    posts[3]["id"] = posts[0]["id"]
    del posts[0]["published_at"]
    extra = {"id": "no-text", "account": {"name": "某镇"}, "published_at": "2025-06-29"}
    feed = tmp_path / "feed.jsonl"
    write_jsonl(feed, posts + [extra])
    with open(feed, "a", encoding="utf-8") as handle:
        handle.write("{not json\n[1, 2]\n")
    inspection = _inspect(feed, tmp_path / "out")
    codes = [(p.code, p.line) for p in inspection.problems]
    expected = [("missing_date", 1), ("invalid_date", 2), ("duplicate_id", 4), ("missing_text", 5),
                ("invalid_json", 6), ("invalid_post", 7)]
    from review.inspect.feed import known_account_types

    if known_account_types() is not None:
        expected.insert(2, ("unknown_account_type", 3))
    assert sorted(codes, key=lambda c: c[1]) == sorted(expected, key=lambda c: c[1])
    reports = _reports(tmp_path / "out")
    assert len(reports) == 5  # every post, the duplicate and the one without text included
    assert [(r["meta"]["line"], r["id"]) for r in reports] == [
        (1, "ok-0"), (2, "ok-1"), (3, "ok-2"), (4, "ok-0"), (5, "no-text")]
    assert all("error" not in r for r in reports[:4]) and reports[4]["error"]["code"] == "missing_text"
    err = capsys.readouterr().err
    assert "duplicate_id" in err and "昨天上午" in err
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "id='problems'" in html and "invalid_date" in html
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["problems"]) == len(expected)


def test_empty_feed_writes_outputs_with_a_problem(tmp_path):
    feed = tmp_path / "empty.jsonl"
    feed.write_text("\n", encoding="utf-8")
    inspection = _inspect(feed, tmp_path / "out")
    assert [p.code for p in inspection.problems] == ["empty_feed"]
    assert inspection.pass_rate_text == "合格率—"
    for name in ("reports.jsonl", "accounts.csv", "accounts.xlsx", "summary.json", "report.html"):
        assert (tmp_path / "out" / name).exists()


def test_cli_inspect(tmp_path, capsys):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    out = tmp_path / "out"
    argv = ["inspect", str(feed), "-o", str(out), "--checked-at", CHECKED_AT, "--window", "14",
            "--workers", "1", "--enable", ",".join(TEST_CHECKS), "--progress", "never"]
    assert main(argv) == 0
    assert EXPECTED_PASS_RATE in capsys.readouterr().err
    assert json.loads((out / "inspection.json").read_text(encoding="utf-8"))["checked_at"] == CHECKED_AT
    assert main(["inspect", str(tmp_path / "missing.jsonl"), "-o", str(out)]) == 2
    assert main(["inspect", str(feed), "-o", str(out), "--checked-at", "not a date"]) == 2
    assert main(["inspect", str(feed), "-o", str(out), "--enable", "no_such_check"]) == 2


def test_charts_fall_back_to_ascii_labels_without_a_cjk_font(tmp_path, monkeypatch):
    from review.inspect import html

    inspection = _inspect(write_jsonl(tmp_path / "feed.jsonl", feed_posts()), tmp_path / "out")
    monkeypatch.setattr(html, "cjk_font", lambda: None)
    images = html.charts(inspection, {})
    assert len(images) == 2 and all(len(png) > 1000 for _, png in images)


def test_a_feed_mixing_gb18030_and_utf8_rows_is_read_row_by_row(tmp_path):
    # a second hostile trial: one 70 KB GB18030 cell at the start set the encoding of a whole UTF-8 file, and no
    # row (the header neither) was read right
    path = tmp_path / "feed.csv"
    header = "id,账号名称,主办单位,发布时间,正文\n".encode("utf-8")
    first = ("m1,某市发布,某市政府,2025-06-29T10:00:00," + "政" * 35_000 + "\n").encode("gb18030")
    rest = "".join(f"m{n},某县发布{n},某县政府,2025-06-29T10:00:00,县政府召开会议，部署防汛工作。\n"
                   for n in range(2, 5)).encode("utf-8")
    path.write_bytes(header + first + rest)
    feed = read_feed(str(path))
    assert [post.post["account"]["name"] for post in feed.posts] == ["某市发布", "某县发布2", "某县发布3", "某县发布4"]
    assert not [p for p in feed.problems if p.code in ("missing_account", "missing_date", "missing_text")]


def test_a_file_named_outside_the_feeds_folder_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "inside.txt").write_text("县政府召开会议，部署防汛工作。", encoding="utf-8")
    account = {"id": "a1", "name": "某县发布"}
    feed_path = write_jsonl(folder / "feed.jsonl", [
        {"id": "p1", "file": "../secret.txt", "account": account, "published_at": "2025-06-29T10:00:00+08:00"},
        {"id": "p2", "file": str(secret), "account": account, "published_at": "2025-06-29T10:00:00+08:00"},
        {"id": "p3", "file": "inside.txt", "account": account, "published_at": "2025-06-29T10:00:00+08:00"}])
    feed = read_feed(str(feed_path))
    assert [(p.code, p.line) for p in feed.problems] == [("file_outside_feed", 1), ("file_outside_feed", 2)]
    assert [post.post.get("file", "").endswith("inside.txt") for post in feed.posts] == [False, False, True]


def test_control_characters_in_a_name_do_not_stop_the_workbook(tmp_path):
    # a second hostile trial: an account name with \x01 made openpyxl refuse the cell, and no output was written
    posts = [{"id": "c1", "text": "县政府召开会议，部署防汛工作。", "published_at": "2025-06-29T10:00:00+08:00",
              "account": {"id": "c", "name": "某县\x01卫健", "unit": "某县\x00卫健局"}}]
    out = tmp_path / "out"
    _inspect(write_jsonl(tmp_path / "feed.jsonl", posts), out)
    from openpyxl import load_workbook

    names = [cell.value for sheet in load_workbook(out / "accounts.xlsx") for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str) and "卫健" in cell.value]
    assert names and all("\x01" not in name and "\x00" not in name for name in names)
    assert (out / "summary.json").exists() and (out / "report.html").exists()

"""The batch engine: JSONL lines in, report JSON lines out, in input order, in one or more processes.

`review batch` and `review inspect` read their input and resume through it; it is library code, so that the
inspection (and any caller) can use it without the CLI.
"""

from __future__ import annotations

import codecs
import json
import logging
import multiprocessing
import os
import sys
from typing import BinaryIO, Iterable, Iterator

from review.errors import InputError
from review.model import Report
from review.options import ReviewOptions
from review.report import report_json

log = logging.getLogger("review.batch")

_worker_options: ReviewOptions | None = None
_worker_typo_backend: str | None = None
# Warming up builds the typo model's n-gram hash tables and dictionary-word index (~0.55 s once; the POS tables
# it also loads the first suggestion loads anyway) and makes the typo check ~5 us a character faster (11.3 ->
# 6.1 ms a 1,000-character post), so it pays after ~110k characters. How much input will come is unknown up
# front from a pipe, so one worker warms up once it has read this many characters of input lines: at most about
# twice the best choice's cost, nothing for small inputs that end before it. A file is counted ahead (the progress
# bar counts its lines anyway): one that holds this much is reviewed warm from its first line.
WARM_UP_AFTER = 100_000


def review_line(line_number: int, line: str, options: ReviewOptions, typo_backend: str | None = None) -> dict:
    """Review one JSONL line (with the default Reviewer of `typo_backend`); any bad input becomes a report with an
    `error` field."""
    from review.pipeline import get_reviewer

    meta = {"line": line_number}
    try:
        # strict=False: a raw control character inside a string (a bare CR, a tab, which JSON wants escaped) is
        # kept in the text and the post reviewed; the line is unambiguous, and refusing the post helps nobody
        data = json.loads(line, strict=False)
    except (ValueError, RecursionError) as error:  # syntax, an integer past 4,300 digits, absurd nesting
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error) or "nested too deeply"
        err = InputError("invalid_json",
                         f"第 {line_number} 行不是有效的 JSON / line {line_number} is not valid JSON: {reason}")
        return Report.from_error(err, None, meta).to_dict()
    try:
        if isinstance(data, dict) and "file" in data and "text" not in data:
            report = review_file_post(data, options, typo_backend)
        else:
            report = get_reviewer(typo_backend).review_dict(data, options)
    except Exception:  # noqa: BLE001 - a defect in a check must cost one line, not the rest of the file
        # (a lone surrogate once made OpenCC raise, and `review batch` and `review inspect` stopped at that line
        # with a traceback); the traceback goes to the log for a bug report, the line gets an error report
        log.exception("internal error reviewing line %d", line_number)
        post_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        error = InputError("internal_error", f"审校第 {line_number} 行时出现内部错误（程序缺陷），已跳过此稿件，请报告 / "
                           f"an internal error occurred reviewing line {line_number} (a defect): the post was skipped; "
                           "please report it")
        report = Report.from_error(error, post_id).to_dict()
    report.setdefault("meta", {}).update(meta)
    return report


def review_file_post(data: dict, options: ReviewOptions, typo_backend: str | None = None) -> dict:
    """Review a post whose `file` field names a file (.docx, PDF, HTML, image, text) read by review.inputs; its
    other fields are the contract's. A file that cannot be read becomes a report with `error`."""
    from review.inputs import extract_path, review_extracted
    from review.pipeline import get_reviewer

    post_id = data.get("id") if isinstance(data.get("id"), str) else None
    try:
        if not isinstance(data["file"], str) or not data["file"].strip():
            raise InputError("invalid_type", "file 应为文件路径字符串 / file must be a path string", "file")
        extracted = extract_path(data["file"])
        return review_extracted(get_reviewer(typo_backend), extracted, data, options).to_dict()
    except InputError as error:
        return Report.from_error(error, post_id).to_dict()


def warm_up(options: ReviewOptions, typo_backend: str | None = None) -> None:
    """Build the selected checks' lookup structures now (a no-op for those already built)."""
    from review.pipeline import get_reviewer

    reviewer = get_reviewer(typo_backend)
    reviewer.warm_up(reviewer.selected(options))


def _init_worker(options: ReviewOptions, typo_backend: str | None) -> None:
    global _worker_options, _worker_typo_backend
    _worker_options, _worker_typo_backend = options, typo_backend
    warm_up(options, typo_backend)


def _work(item: tuple[int, str]) -> str:
    assert _worker_options is not None
    return report_json(review_line(item[0], item[1], _worker_options, _worker_typo_backend))


def reviewed_lines(items: Iterable[tuple[int, str]], options: ReviewOptions, workers: int = 1,
                   typo_backend: str | None = None, expected_chars: int | None = None) -> Iterator[str]:
    """Review (line number, JSON line) pairs in `workers` processes; yield report JSON lines in input order.

    `typo_backend`: the typo transformer's backend (see `review.pipeline.get_reviewer`; None: the default, numpy).
    `expected_chars`: the characters of the lines to come, when known (a file counted ahead): one worker then
    warms up before the first line if they reach WARM_UP_AFTER, rather than after reading that much.
    """
    if workers > 1:
        context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
        with context.Pool(workers, initializer=_init_worker, initargs=(options, typo_backend)) as pool:
            yield from pool.imap(_work, items, chunksize=16)
            # Let the workers exit on their own: terminate() (the `with` exit) relies on SIGTERM, which a
            # worker forked from a process that changed its SIGTERM handler may ignore, hanging the join.
            pool.close()
            pool.join()
    else:
        read, warm = 0, False
        enough_ahead = expected_chars is not None and expected_chars >= WARM_UP_AFTER
        for number, line in items:
            if not warm and (read >= WARM_UP_AFTER or enough_ahead):
                warm_up(options, typo_backend)
                warm = True
            yield report_json(review_line(number, line, options, typo_backend))
            read += len(line)


def complete_lines(path: str) -> int:
    """Count complete lines in `path` and cut off a half-written last line."""
    if not os.path.exists(path):
        return 0
    with open(path, "rb+") as handle:
        data = handle.read()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            handle.truncate(keep)
        return data.count(b"\n", 0, keep)


def jsonl_lines(handle: BinaryIO, encoding: str = "utf-8-sig") -> Iterator[tuple[int, str]]:
    """(line number, text without its line ending) for every line of a binary JSONL stream.

    Only b"\\n" ends a line (with one CR before it dropped): a bare CR, U+2028/U+2029, U+0085, \\x0b, \\x0c or
    \\x1c-\\x1e inside a line stays part of it. Text-mode reading (universal newlines) would split a line at a bare
    CR and `str.splitlines` at all of them, so a post would never be reviewed and later line numbers would shift.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")  # one decoder: a BOM only at the start
    for number, raw in enumerate(handle, 1):  # binary iteration splits at b"\n" only
        # each piece ends with b"\n" but the last, and no UTF-8 or GB18030 character holds that byte, so no
        # character spans two lines; a damaged sequence at the line's end becomes U+FFFD as in text mode
        line = decoder.decode(raw, final=not raw.endswith(b"\n"))
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        yield number, line

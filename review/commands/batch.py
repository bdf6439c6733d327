"""`review batch IN.jsonl -o OUT.jsonl`: one report per input line, in input order."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from typing import Iterator

from review.batch import complete_lines, jsonl_lines, reviewed_lines
from review.commands._common import add_review_options, print_warnings, review_options
from review.errors import InputError
from review.report import terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `batch` sub-command."""
    parser = sub.add_parser(
        "batch",
        help="批量审校 JSONL / review a JSONL file of posts",
        description="每行一篇稿件，每行一份报告，顺序不变；出错的行得到带 error 字段的报告，其余照常审校。"
        "退出码：0 全部成功；1 有行出错（--allow-errors 时为 0，续跑时统计整个输出）；2 无法开始（找不到输入、未知检查项）。"
        " / One post a line in, one report a line out, in order; a bad line gets a report with an `error` field and "
        "the run goes on. Exit status: 0 all lines reviewed; 1 some line failed (0 with --allow-errors; after "
        "--resume the whole output counts); 2 the run could not start (no input file, unknown checks).",
    )
    parser.add_argument("input", help="输入 JSONL，每行一篇（可用 file 字段指向 .docx/PDF/HTML/图片），或一个文件夹 / input "
                        "JSONL, one post a line (a `file` field may name a .docx, PDF, HTML or image file), - for "
                        "stdin, or a folder of such files")
    parser.add_argument("-o", "--output", required=True, help="输出 JSONL / output JSONL (- for stdout)")
    parser.add_argument("--workers", type=int, default=1, help="进程数 / worker processes (default 1)")
    parser.add_argument("--resume", action="store_true", help="续跑：跳过输出中已完成的行 / skip lines already in OUTPUT")
    parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                        help="进度条（stderr；auto：终端上显示）/ progress bar on stderr (auto: on a terminal)")
    parser.add_argument("--allow-errors", action="store_true",
                        help="有行出错（报告带 error 字段）时仍以 0 退出 / exit 0 even when lines failed")
    add_review_options(parser)
    parser.set_defaults(handler=run)


def _input_lines(path: str) -> Iterator[tuple[int, str]]:
    if os.path.isdir(path):  # a folder: one post per file review.inputs reads, its id the file's relative path
        from review.inputs import folder_files

        for number, file in enumerate(folder_files(path), 1):
            yield number, json.dumps({"id": os.path.relpath(file, path), "file": str(file.resolve())},
                                     ensure_ascii=False)
        return
    base = None if path == "-" else os.path.dirname(os.path.abspath(path))
    handle = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        for number, line in jsonl_lines(handle):
            if line.strip():
                yield number, _file_from(line, base)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _file_from(line: str, base: str | None) -> str:
    """The line with a relative `file` field made relative to the input file's folder (stdin: the working one)."""
    if base is None or '"file"' not in line:
        return line
    try:
        post = json.loads(line, strict=False)
    except (ValueError, RecursionError):
        return line  # the review reports the bad line
    if not isinstance(post, dict) or not isinstance(post.get("file"), str) or os.path.isabs(post["file"]):
        return line
    post["file"] = os.path.join(base, post["file"])
    return json.dumps(post, ensure_ascii=False)


def _count_lines(path: str) -> tuple[int | None, int | None]:
    """The lines `_input_lines` will yield and their characters, when known ahead (not from stdin; a folder's
    files are counted, their text is not)."""
    if path == "-":
        return None, None
    if os.path.isdir(path):
        from review.inputs import folder_files

        return len(folder_files(path)), None
    lines = chars = 0
    with open(path, "rb") as handle:
        for _, line in jsonl_lines(handle):
            if line.strip():  # the lines _input_lines yields
                lines += 1
                chars += len(line)
    return lines, chars


MAX_SHOWN_WARNINGS = 20  # printed one by one; the rest are only counted (a feed may repeat one a million times)


def _has_error(line: str) -> bool:
    """Whether a report line carries an `error` (the key is unescaped JSON only where it is a key)."""
    return '"error": {' in line


def _earlier_errors(path: str, lines: int) -> int:
    """The failed reports among the first `lines` lines of an output that a resumed run keeps."""
    with open(path, "rb") as handle:
        return sum(_has_error(line) for _, line in itertools.islice(jsonl_lines(handle), lines))


def _warn(line: str, warned: int) -> int:
    """Print the warnings of one report line (while fewer than MAX_SHOWN_WARNINGS were printed); returns how many
    it had."""
    if '"warnings": [' not in line:
        return 0
    meta = json.loads(line).get("meta") or {}
    where = f" 第 {meta.get('line')} 行 / line {meta.get('line')}"
    if warned >= MAX_SHOWN_WARNINGS:
        return len(meta.get("warnings") or [])
    return print_warnings(meta, where)


def run(args: argparse.Namespace) -> int:
    """Review every line of the input and write the reports in order; exit 1 when any report of the output
    carries an error (unless --allow-errors)."""
    if args.input != "-" and not os.path.exists(args.input):
        print(f"错误 / error: 找不到输入文件 / no such file: {args.input}", file=sys.stderr)
        return 2
    try:
        options = review_options(args)
        from review.pipeline import get_reviewer

        get_reviewer().selected(options)
    except InputError as error:
        print(terminal_safe(f"错误 / error: {error.message}"), file=sys.stderr)
        return 2
    done = complete_lines(args.output) if args.resume and args.output != "-" else 0
    total, chars = _count_lines(args.input)
    items = _input_lines(args.input)
    skipped = 0
    if done:
        for _ in range(done):
            _, line = next(items, (0, ""))
            skipped += 1
            chars = None if chars is None else chars - len(line)
    show = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    from tqdm import tqdm

    bar = tqdm(total=total, initial=skipped, disable=not show, unit="篇", desc="审校", file=sys.stderr)
    out = sys.stdout if args.output == "-" else open(args.output, "a" if done else "w", encoding="utf-8")
    earlier = _earlier_errors(args.output, done) if done else 0
    errors = warnings = 0
    try:
        for line in reviewed_lines(items, options, args.workers, expected_chars=chars):
            errors += _has_error(line)
            warnings += _warn(line, warnings)
            out.write(line + "\n")
            bar.update(1)
    finally:
        bar.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    if warnings > MAX_SHOWN_WARNINGS:
        print(f"警告 / warning: 共 {warnings} 条警告，只显示前 {MAX_SHOWN_WARNINGS} 条（见 meta.warnings）/ "
              f"{warnings} warnings, the first {MAX_SHOWN_WARNINGS} shown", file=sys.stderr)
    total_errors = earlier + errors
    if total_errors:
        resumed = f"（其中续跑前 {earlier} 行）" if earlier else ""
        resumed_en = f" ({earlier} of them before --resume)" if earlier else ""
        print(f"完成，{total_errors} 行有错误{resumed}（见 error 字段）/ done, {total_errors} lines had errors"
              f"{resumed_en}", file=sys.stderr)
    return 1 if total_errors and not args.allow_errors else 0

"""`review batch IN.jsonl -o OUT.jsonl`: one report per input line, in input order."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterator

from review.batch import complete_lines, jsonl_lines, reviewed_lines
from review.commands._common import add_review_options, review_options
from review.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `batch` sub-command."""
    parser = sub.add_parser("batch", help="批量审校 JSONL / review a JSONL file of posts")
    parser.add_argument("input", help="输入 JSONL，每行一篇 / input JSONL, one post a line (- for stdin)")
    parser.add_argument("-o", "--output", required=True, help="输出 JSONL / output JSONL (- for stdout)")
    parser.add_argument("--workers", type=int, default=1, help="进程数 / worker processes (default 1)")
    parser.add_argument("--resume", action="store_true", help="续跑：跳过输出中已完成的行 / skip lines already in OUTPUT")
    parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto")
    add_review_options(parser)
    parser.set_defaults(handler=run)


def _input_lines(path: str) -> Iterator[tuple[int, str]]:
    handle = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        for number, line in jsonl_lines(handle):
            if line.strip():
                yield number, line
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with open(path, "rb") as handle:
        return sum(1 for _, line in jsonl_lines(handle) if line.strip())  # the lines _input_lines yields


def run(args: argparse.Namespace) -> int:
    """Review every line of the input and write the reports in order."""
    if args.input != "-" and not os.path.exists(args.input):
        print(f"错误 / error: 找不到输入文件 / no such file: {args.input}", file=sys.stderr)
        return 2
    try:
        options = review_options(args)
        from review.pipeline import get_reviewer

        get_reviewer().selected(options)
    except InputError as error:
        print(f"错误 / error: {error.message}", file=sys.stderr)
        return 2
    done = complete_lines(args.output) if args.resume and args.output != "-" else 0
    total = _count_lines(args.input)
    items = _input_lines(args.input)
    skipped = 0
    if done:
        for _ in range(done):
            next(items, None)
            skipped += 1
    show = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    from tqdm import tqdm

    bar = tqdm(total=total, initial=skipped, disable=not show, unit="篇", desc="审校", file=sys.stderr)
    out = sys.stdout if args.output == "-" else open(args.output, "a" if done else "w", encoding="utf-8")
    errors = 0
    try:
        # bulk work: the typo transformer's per-post speed (torch) beats its start-up (numpy)
        for line in reviewed_lines(items, options, args.workers, typo_backend="torch"):
            errors += '"error": {' in line
            out.write(line + "\n")
            bar.update(1)
    finally:
        bar.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    if errors:
        print(f"完成，{errors} 行有错误（见 error 字段）/ done, {errors} lines had errors", file=sys.stderr)
    return 0

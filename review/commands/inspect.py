"""`review inspect FEED -o OUTDIR`: inspect many accounts' posts and write the notices' problem lists."""

from __future__ import annotations

import argparse
import os
import sys

from review.commands._common import add_review_options, review_options
from review.errors import InputError
from review.model import parse_datetime
from review.report import terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `inspect` sub-command."""
    parser = sub.add_parser("inspect", help="账号巡检：按账号输出问题清单 / inspect account feeds")
    parser.add_argument("feed", help="稿件 JSONL 或 CSV / feed of posts, JSONL or CSV")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                        help="输出目录（可续跑）/ output folder (rerun resumes)")
    parser.add_argument("--checked-at", metavar="ISO",
                        help="监测时间点 ISO 8601（默认现在；续跑时沿用上次）/ monitoring time point")
    parser.add_argument("--window", type=int, metavar="DAYS",
                        help="无更新检查周期（天，默认 14）/ days without posts that make an account stale")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="进程数 / worker processes (default 1)")
    parser.add_argument("--spark", metavar="MASTER",
                        help="用 PySpark 审校，如 local[2] / review with PySpark on this master")
    parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto", help="进度条 / progress bar")
    add_review_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the inspection and print the totals."""
    from review.inspect.run import inspect_feed, local_backend

    try:
        options = review_options(args)
        checked_at = parse_datetime(args.checked_at, "checked_at") if args.checked_at else None
    except InputError as error:
        print(terminal_safe(f"错误 / error: {error.message}"), file=sys.stderr)
        return 2
    if not os.path.exists(args.feed):
        print(f"错误 / error: 找不到输入文件 / no such file: {args.feed}", file=sys.stderr)
        return 2
    if args.window is not None and args.window < 1:
        print("错误 / error: --window 应为正整数 / --window must be a positive number of days", file=sys.stderr)
        return 2
    if args.spark:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            print("错误 / error: --spark 需要 PySpark：pip install -e '.[spark]' / --spark needs the spark extra",
                  file=sys.stderr)
            return 2
        from review.inspect.spark import spark_backend

        backend = spark_backend(args.spark)
    else:
        backend = local_backend(max(1, args.workers))
    show = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    try:
        inspection = inspect_feed(args.feed, args.output, checked_at, args.window, options, backend, progress=show)
    except InputError as error:
        print(terminal_safe(f"错误 / error: {error.message}"), file=sys.stderr)
        return 2
    print(
        f"检查账号 {len(inspection.accounts)} 个，问题账号 {len(inspection.failing)} 个，{inspection.pass_rate_text}；"
        f"稿件 {inspection.posts} 篇（本次审校 {inspection.reviewed_now} 篇），输入问题 {len(inspection.problems)} 项。"
        f"输出：{args.output}",
        file=sys.stderr,
    )
    from review.inspect.html import NO_FONT_NOTE, cjk_font

    if cjk_font() is None:
        print(f"注意 / note: {NO_FONT_NOTE}", file=sys.stderr)
    return 0

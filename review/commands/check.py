"""`review check [FILE|-]`: review one plain-text post."""

from __future__ import annotations

import argparse
import sys

from review.commands._common import add_review_options, print_warnings, review_options
from review.errors import InputError
from review.inputs.types import Extracted
from review.report import render_text, report_json, terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `check` sub-command."""
    parser = sub.add_parser(
        "check",
        help="审校一篇文稿 / review one plain-text post",
        description="审校一篇文稿，终端上输出可读报告，--json 输出合同规定的 JSON 报告。日期相关的检查以 --checked-at 为"
        "监测时间（默认现在）。退出码：0 完成；1 结论达到 --fail-on；2 输入有误。 / Review one post: a readable report, "
        "or the contract's JSON with --json. Date checks measure from --checked-at (default now). Exit status: "
        "0 done; 1 the verdict reached --fail-on; 2 bad input.",
    )
    parser.add_argument("file", nargs="?", default="-", help="文稿文件，- 为标准输入 / post file, - for stdin")
    parser.add_argument("--json", action="store_true", help="输出 JSON 报告 / print the JSON report")
    parser.add_argument("--title", help="标题 / headline")
    parser.add_argument("--id", help="稿件编号 / post id")
    parser.add_argument("--account-type", help="账号类型，如 government, health / account type")
    parser.add_argument("--platform", help="平台，如 wechat, weibo / platform")
    parser.add_argument("--published-at", help="发布时间 ISO 8601 / publication time")
    parser.add_argument("--checked-at", help="监测时间 ISO 8601（默认现在）/ monitoring time (default now)")
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                        help="彩色输出（auto：终端上彩色）/ coloured report (auto: on a terminal)")
    parser.add_argument(
        "--fail-on",
        choices=["never", "revise", "reject"],
        default="never",
        help="结论达到该级别时退出码为 1 / exit 1 when the verdict is at least this",
    )
    add_review_options(parser)
    parser.set_defaults(handler=run)


def _read(path: str) -> Extracted:
    """The file (or stdin) read by review.inputs: .docx, PDF, HTML, images, UTF-8/UTF-16/GB18030 text."""
    from review.inputs import extract, extract_path

    if path == "-":
        return extract(sys.stdin.buffer.read(), None)
    return extract_path(path)


def _print_sources(report, extracted: Extracted) -> None:
    """For a file other than plain text: where each finding's text is in the file (paragraph, page, image …)."""
    from review.inputs.types import describe_source

    placed = [f for f in report.findings if f.source]
    if extracted.format == "text" or not placed:
        return
    print(terminal_safe(f"\n出处 / where in {extracted.name or extracted.format}:"))
    for finding in placed:
        # printable: a PDF's text may hold a lone surrogate, which no terminal encoding can write
        print(terminal_safe(f"  “{finding.text}” {describe_source(finding.source)}"))


def run(args: argparse.Namespace) -> int:
    """Review the file and print the report."""
    from review.inputs import review_extracted
    from review.pipeline import get_reviewer

    try:
        extracted = _read(args.file)
    except OSError as error:
        print(f"错误 / error: 无法读取文件 / cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except InputError as error:
        print(terminal_safe(f"错误 / error: {error.message}"), file=sys.stderr)
        return 2
    text = extracted.text
    post: dict = {}
    for key in ("id", "title", "published_at", "checked_at"):
        if getattr(args, key):
            post[key] = getattr(args, key)
    account = {k: v for k, v in {"type": args.account_type, "platform": args.platform}.items() if v}
    if account:
        post["account"] = account
    try:
        # long texts are reviewed section by section; offsets are into the extracted text (docs/inputs.md)
        report = review_extracted(get_reviewer(), extracted, post, review_options(args))
    except InputError as error:
        print(terminal_safe(f"错误 / error: {error.message}"), file=sys.stderr)
        return 2
    print_warnings(report.meta)
    if args.json:
        print(report_json(report.to_dict(), indent=2))
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        print(render_text(report, text, post.get("title") or extracted.title, color=color))
        _print_sources(report, extracted)
    order = {"pass": 0, "revise": 1, "reject": 2}
    if args.fail_on != "never" and order[report.verdict or "pass"] >= order[args.fail_on]:
        return 1
    return 0

"""Options shared by the sub-commands that review posts."""

from __future__ import annotations

import argparse
import sys

from review.pipeline import ReviewOptions
from review.report import terminal_safe


def _split(values: list[str] | None) -> list[str]:
    items: list[str] = []
    for value in values or []:
        items.extend(part.strip() for part in value.split(",") if part.strip())
    return items


def add_review_options(parser: argparse.ArgumentParser) -> None:
    """Options that choose checks and per-account terms."""
    parser.add_argument("--enable", action="append", metavar="CHECKS", help="只运行这些检查（逗号分隔）/ run only these checks")
    parser.add_argument("--disable", action="append", metavar="CHECKS", help="不运行这些检查 / skip these checks")
    parser.add_argument("--allow", action="append", metavar="TERMS", help="本账号允许的词（逗号分隔）/ allow-list terms")
    parser.add_argument("--deny", action="append", metavar="TERMS", help="本账号禁用的词（逗号分隔）/ deny-list terms")


def review_options(args: argparse.Namespace) -> ReviewOptions:
    """ReviewOptions from parsed arguments."""
    enable = _split(args.enable)
    return ReviewOptions.make(
        enable=enable or None,
        disable=_split(args.disable),
        allow_terms=_split(args.allow),
        deny_terms=_split(args.deny),
    )


def print_warnings(meta: dict, where: str = "") -> int:
    """Print a report's `meta.warnings` (an unknown account type …) on stderr; returns how many there were."""
    warnings = meta.get("warnings") or []
    for warning in warnings:
        print(terminal_safe(f"警告 / warning{where}: {warning.get('message', warning.get('code'))}"), file=sys.stderr)
    return len(warnings)


def count_argument(value: str) -> int:
    """argparse type of a count (0 or more): a negative one is refused, not read as "all but the last N"."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数 / not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"不能为负数 / must not be negative: {number}")
    return number

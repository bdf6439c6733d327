"""`review train …` and `review eval …`: command groups that trainer modules join without editing this file.

A module under review/commands/ adds its own sub-sub-command from its `register(sub)`:

    from review.commands.train import command_group

    def register(sub):
        parser = command_group(sub, "train").add_parser("topic", help="…")
        parser.set_defaults(handler=run)

The group is created on first use, so the order in which modules register does not matter.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# where the shared data sets sit next to a checkout (../shared/data)
DEFAULT_DATA = str(Path("..") / "shared" / "data")

GROUP_HELP = {
    "train": "训练模型 / train a model",
    "eval": "评测模型 / evaluate a model",
}


def command_group(sub: argparse._SubParsersAction, name: str) -> argparse._SubParsersAction:
    """The sub-parsers of the top-level command `name` (`train`, `eval`), created on first use."""
    parser = sub.choices.get(name)
    if parser is not None and not hasattr(parser, "group_subparsers"):
        # Created by another module the plain argparse way: reuse its sub-parsers if it has any.
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser.group_subparsers = found[0] if found else parser.add_subparsers(dest=f"{name}_command")
    if parser is None:
        parser = sub.add_parser(name, help=GROUP_HELP.get(name, name))
        # Stored on the parser so that a later module finds the same group.
        parser.group_subparsers = parser.add_subparsers(dest=f"{name}_command", metavar="WHAT")
        parser.set_defaults(handler=lambda args, p=parser: p.print_help() or 2)
    return parser.group_subparsers


def add_data_and_out(parser: argparse.ArgumentParser, model_folder: str | None = None) -> None:
    """`--data` (the shared data folder) and, for a trainer, `--out` (its model folder by default)."""
    parser.add_argument("--data", default=DEFAULT_DATA, help="共享数据目录 / shared data folder")
    if model_folder is not None:
        parser.add_argument("--out", default=None, help=f"输出目录（默认 models/{model_folder}）/ output folder")


def register(sub: argparse._SubParsersAction) -> None:
    """Make sure `review train` and `review eval` exist even before any trainer joins."""
    for name in GROUP_HELP:
        command_group(sub, name)

"""The `review` command line: every module in review/commands adds its sub-commands."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from review import __version__, commands

HELP_TEXT = "显示帮助并退出 / show this help and exit"


class BilingualParser(argparse.ArgumentParser):
    """An argument parser whose -h/--help says what it does in Chinese and English; sub-commands get the same
    class (argparse makes sub-parsers of the parent's class)."""

    def __init__(self, *args, **kwargs) -> None:
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_TEXT)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = BilingualParser(
        prog="review",
        description="政务新媒体内容审校 / review Chinese government new-media posts, offline. "
        "`review COMMAND -h` 显示各命令的选项 / shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"review {__version__}",
                        help="显示版本并退出 / show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `review` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted / 已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

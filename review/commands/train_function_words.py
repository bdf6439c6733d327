"""`review train function-words`: the typo check's function-word detector (的/地/得, 在/再 …).

Its options belong to review/training/function_words.py; this entry hands every argument through, so
`review train function-words --help` shows the trainer's own help.
"""

from __future__ import annotations

import argparse

from review.commands.train import command_group


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train function-words` to the `train` group."""
    parser = command_group(sub, "train").add_parser(
        "function-words", help="错别字检查的虚词（的/地/得、在/再…）检测模型 / the typo check's function-word detector",
        add_help=False, prefix_chars="\0")
    parser.add_argument("argv", nargs=argparse.REMAINDER,
                        help="交给训练模块的参数，--help 显示其选项 / arguments for the trainer; --help lists them")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Import the trainer only now (other commands stay light) and run it."""
    import sys

    from review.training.function_words import main

    sys.argv[0] = "review train function-words"
    return int(main(args.argv) or 0)

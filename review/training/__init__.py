"""Training and evaluation: corpora and splits (`corpora`), the trainers of every shipped model, the builders of
the confusion set and term variants, and the evaluations behind `review eval`.

Training imports the runtime (`review.typo`, `review.classify`); the runtime never imports training, and neither
imports the CLI (import-linter contracts in pyproject.toml keep it so).
"""

from __future__ import annotations

import argparse

HELP_TEXT = "显示帮助并退出 / show this help and exit"


def command_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A trainer's argument parser whose -h/--help, like the rest of `review`, is in Chinese and English."""
    parser = argparse.ArgumentParser(prog=prog, description=description, add_help=False)
    parser.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_TEXT)
    return parser

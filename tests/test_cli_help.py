"""Every command and option of `review` says what it does in Chinese and in English, the pass-through training
commands (whose parsers live in review/training) included."""

from __future__ import annotations

import argparse
import importlib
import re

import pytest

from review.cli import build_parser
from review.commands.csc import COMMANDS

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
BUILTIN_HELP = argparse.ArgumentParser()._actions[0].help


def _bilingual(text: str | None) -> bool:
    return bool(text) and bool(HAN.search(text)) and bool(LATIN_WORD.search(text))


def _walk(parser: argparse.ArgumentParser, path: str, builtin_help: bool = False):
    """(where, help text) for every option, positional and sub-command under `parser`; `builtin_help`: leave out
    -h when it is argparse's own (a trainer built with argparse.ArgumentParser rather than
    review.training.command_parser: nobody forgot to describe it)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                yield f"{path} {name}", helps.get(name)
                yield from _walk(child, f"{path} {name}", builtin_help)
        elif not (builtin_help and isinstance(action, argparse._HelpAction) and action.help == BUILTIN_HELP):
            name = "/".join(action.option_strings) or action.dest
            yield f"{path} {name}", action.help


class _Parsed(Exception):
    """Raised instead of parsing: carries the parser a trainer's main() built."""


def _grab(parser: argparse.ArgumentParser, *args, **kwargs):
    raise _Parsed(parser)


def _pass_through_parsers(monkeypatch):
    """The parser each pass-through command's module builds, taken at its parse_args (nothing is trained)."""
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", _grab)
    for group, name, target, _ in COMMANDS:
        module_name, function = target.split(":")
        with pytest.raises(_Parsed) as parsed:
            getattr(importlib.import_module(module_name), function)([])
        yield f"review {group} {name}", parsed.value.args[0]


def test_every_command_and_option_has_a_chinese_and_english_help_text(monkeypatch):
    found = list(_walk(build_parser(), "review"))
    for prog, parser in _pass_through_parsers(monkeypatch):
        found += list(_walk(parser, prog, builtin_help=True))
    assert len(found) > 150  # the walk reached the sub-commands and the trainers' options
    missing = [where for where, text in found if not _bilingual(text)]
    assert not missing, f"{len(missing)} without a Chinese and English help text: {missing}"


@pytest.mark.parametrize("argv", [["serve", "--help"], ["check", "--help"], ["train", "csc", "--help"]])
def test_help_is_printed_in_both_languages(argv, capsys):
    from review.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert _bilingual(out) and "--" in out
    assert "显示帮助并退出 / show this help and exit" in out

"""`review train csc|rerank|cloze|words|groups` and `review eval csc`: the spelling corrector's own commands.

Their options belong to the modules that implement them (review/training/transformer.py, train_rerank.py,
train_cloze.py, train_words.py, train_groups.py, evaluate.py);
these entries hand every argument through, so `review train csc --help` shows the trainer's own help.
"""

from __future__ import annotations

import argparse

from review.commands.train import command_group

COMMANDS = (
    ("train", "csc", "review.training.transformer:train_main",
     "纠错模型（字符级 BERT）/ the character transformer of the typo check"),
    ("train", "rerank", "review.training.rerank:main", "纠错候选重排序模型 / the typo corrector's candidate reranker"),
    ("train", "cloze", "review.training.cloze:main", "字符完形填空模型 / the reranker's ±5-character cloze model"),
    ("train", "words", "review.training.words:main", "整词同音纠错模型 / the whole-word homophone corrector"),
    ("train", "groups", "review.training.groups:main", "易混字组上下文分类器 / the confusable groups' context classifiers"),
    ("eval", "csc", "review.training.csc_eval:eval_main", "评测纠错模型（句级 P/R/F1）/ sentence-level CSC evaluation"),
    ("train", "phrases", "review.training.fixed_phrases:main",
     "错别字检查的四字固定短语表 / the typo check's list of four-character fixed phrases"),
    ("train", "nonwords", "review.training.nonwords:main",
     "错别字检查的非词检测模型 / the typo check's non-word detector (pair counts and logistic model)"),
    ("eval", "real", "review.training.real_eval:main",
     "在真实文本上评测错别字检查 / the whole typo check on real writing (error sets, clean text)"),
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the pass-through commands to the `train` and `eval` groups."""
    for group, name, target, text in COMMANDS:
        parser = command_group(sub, group).add_parser(name, help=text, add_help=False, prefix_chars="\0")
        parser.add_argument("argv", nargs=argparse.REMAINDER,
                            help="交给实现模块的参数，--help 显示其选项 / arguments for the module; --help lists them")
        parser.set_defaults(
            handler=lambda args, target=target, prog=f"review {group} {name}": _run(target, prog, args.argv)
        )


def _run(target: str, prog: str, argv: list[str]) -> int:
    """Import the implementing module only now (torch and friends stay out of other commands) and run it."""
    import importlib
    import sys

    module_name, function = target.split(":")
    sys.argv[0] = prog
    return int(getattr(importlib.import_module(module_name), function)(argv) or 0)

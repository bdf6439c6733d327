"""`review train ngram`: count the character n-gram model of clean formal text (the typo check's first pass)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from review.commands.train import add_data_and_out, command_group
from review.training.corpora import DEFAULT_SOURCES, SOURCES


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train ngram` to the `train` group."""
    group = command_group(sub, "train")
    parser = group.add_parser("ngram", help="字符 n 元模型（错别字初筛）/ character n-gram model for the typo first pass")
    add_data_and_out(parser, "ngram")
    parser.add_argument("--min-count", type=int, default=2, help="二元、三元组最少出现次数 / prune rarer bi/trigrams")
    parser.add_argument("--pair-weight", type=int, default=3,
                        help="训练句对的正确句计数倍数 / times the training pairs' targets are counted")
    parser.add_argument("--sources", default=",".join(DEFAULT_SOURCES),
                        help="计数的文本（逗号分隔）/ texts to count, comma-separated: " + ", ".join(SOURCES))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Count, prune and save the model."""
    from review.resources import model_path
    from review.training.ngram import train

    data = Path(args.data)
    if not (data / "formal-xinwenlianbo").exists():
        print(f"错误 / error: {data} 下没有 formal-xinwenlianbo / not found", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else model_path("ngram")
    sources = [name.strip() for name in args.sources.split(",") if name.strip()]
    try:
        stats = train(data, out, args.min_count, sources, args.pair_weight)
    except ValueError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(stats))
    return 0

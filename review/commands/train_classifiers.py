"""`review train topic`, `review train style`, `review train kinds` and `review eval classifiers`: the models of
the off-topic and entertainment checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from review.commands._common import count_argument
from review.commands.train import add_data_and_out, command_group
from review.resources import model_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train topic` and `train style` to the `train` group."""
    group = command_group(sub, "train")
    for name, help_text in (
        ("topic", "话题模型（无关信息检查）/ topic model of the off-topic check"),
        ("style", "文风模型（过度娱乐化检查）/ style model of the entertainment check"),
        ("kinds", "荐股/广告/彩票模型（无关信息检查）/ tips, adverts and lottery model of the off-topic check"),
    ):
        parser = group.add_parser(name, help=help_text)
        add_data_and_out(parser, name)
        parser.add_argument("--max-per-label", type=int, default=None, help="每类训练样本上限 / cap per label")
        parser.add_argument("--c", type=float, default=None, help="正则化系数 C / regularisation C")
        parser.add_argument("--max-iter", type=int, default=300, help="最大迭代次数 / optimiser iterations")
        parser.set_defaults(handler=run, model_name=name)
    register_eval(sub)


def run(args: argparse.Namespace) -> int:
    """Train one model and write it with its model card."""
    from review.training.classifiers import train_kinds, train_style, train_topic

    data = Path(args.data)
    if not data.is_dir():
        print(f"错误 / error: 数据目录不存在 / no data folder {data}")
        return 2
    # the kinds model lives beside the topic model it backs
    default = model_path("topic", "kinds") if args.model_name == "kinds" else model_path(args.model_name)
    out = Path(args.out) if args.out else default
    kwargs = {"max_iter": args.max_iter}
    if args.max_per_label and args.model_name != "kinds":
        kwargs["max_per_label"] = args.max_per_label
    if args.c:
        kwargs["c_value"] = args.c
    trainer = {"topic": train_topic, "style": train_style, "kinds": train_kinds}[args.model_name]
    trainer(data, out, **kwargs)
    return 0


def register_eval(sub: argparse._SubParsersAction) -> None:
    """Add `eval classifiers` to the `eval` group."""
    parser = command_group(sub, "eval").add_parser(
        "classifiers", help="评测无关信息与过度娱乐化检查 / evaluate the offtopic and entertainment checks"
    )
    add_data_and_out(parser)
    parser.add_argument("--dev", default=str(Path("..") / "shared" / "dev" / "review_dev.jsonl"), help="开发集 / dev set")
    parser.add_argument("--heldout-limit", type=count_argument, default=1500, help="每个留出集最多评测条数 / cap per held-out set")
    parser.add_argument("--json", default=None, help="把结果写入 JSON 文件 / write the figures to a JSON file")
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Print (and optionally save) the check-level figures."""
    import json

    from review.training.classifier_eval import evaluate

    if not Path(args.dev).is_file():
        print(f"错误 / error: 找不到开发集 / no dev set at {args.dev}", file=sys.stderr)
        return 2
    results = evaluate(Path(args.data), Path(args.dev), args.heldout_limit)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0

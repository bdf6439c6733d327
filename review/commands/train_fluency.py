"""`review train fluency`: count the fluency check's word model and fit its whole-post classifier (models/fluency)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from review.commands.train import add_data_and_out, command_group


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train fluency` to the `train` group."""
    group = command_group(sub, "train")
    parser = group.add_parser("fluency", help="语句通顺/洗稿检测的词模型与分类器 / fluency word model and classifier")
    add_data_and_out(parser, "fluency")
    parser.add_argument("--vocabulary", type=int, default=60000, help="词表大小 / vocabulary size (at most 65,535)")
    parser.add_argument("--posts", type=int, default=3000, help="分类器训练文章数 / clean posts the classifier learns from")
    parser.add_argument("--min-spun", type=float, default=0.04,
                        help="洗稿样本最少替换词比例 / least share of words a spun training post has replaced")
    parser.add_argument("--max-clean-flagged", type=float, default=0.001,
                        help="训练集正常文章最多误判比例 / most clean training posts the threshold may flag")
    parser.add_argument("--seed", type=int, default=13, help="随机种子 / random seed")
    parser.add_argument("--keep-counts", action="store_true",
                        help="沿用输出目录已有的词频模型，只训练分类器 / refit the classifier on the word model in --out")
    parser.add_argument("--rows", default=None, metavar="FILE",
                        help="分类器特征行的缓存文件（存在则读取，否则计算后写入） / the classifier's feature rows: read "
                             "from FILE when it exists, else computed and written there")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Train and save the model."""
    from review.resources import model_path
    from review.training.fluency import NEWS_2012, train

    data = Path(args.data)
    if not data.joinpath(*NEWS_2012).exists():
        print(f"错误 / error: {data} 下没有 {NEWS_2012[0]} / not found", file=sys.stderr)
        return 2
    if not 0 < args.vocabulary <= 65535:
        print("错误 / error: --vocabulary 须在 1 到 65535 之间 / must be 1 to 65,535", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else model_path("fluency")
    stats = train(data, out, args.vocabulary, args.posts, args.min_spun, args.max_clean_flagged, args.seed,
                  args.keep_counts, Path(args.rows) if args.rows else None)
    print(json.dumps(stats, ensure_ascii=False))
    return 0

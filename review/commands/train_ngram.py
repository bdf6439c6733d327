"""`review train ngram`: count the character n-gram model of clean formal text (the typo check's first pass)."""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import time
from pathlib import Path
from typing import Iterator

from review.commands.train import command_group

# 《新闻联播》 articles from this date on are held out: the typo first pass is tuned on them, never counted
HELD_OUT_FROM = "20260601"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train ngram` to the `train` group."""
    group = command_group(sub, "train")
    parser = group.add_parser("ngram", help="字符 n 元模型（错别字初筛）/ character n-gram model for the typo first pass")
    parser.add_argument("--data", default=str(Path("..") / "shared" / "data"), help="共享数据目录 / shared data folder")
    parser.add_argument("--out", default=None, help="输出目录（默认 models/ngram）/ output folder")
    parser.add_argument("--min-count", type=int, default=2, help="二元、三元组最少出现次数 / prune rarer bi/trigrams")
    parser.set_defaults(handler=run)


def _jsonl_xz(path: Path, keep=lambda row: True) -> Iterator[str]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if keep(row):
                yield (row.get("title") or "") + "\n" + row.get("text", "")


def _eval_sentences(data: Path) -> set[str]:
    """Sentences of the false-alarm evaluation sets, which must not be counted."""
    found: set[str] = set()
    for name in ("acc_rmrb_test.jsonl", "acc_xxqg_test.jsonl"):
        path = data / "csc-macro-correct" / name
        if path.exists():
            with open(path, encoding="utf-8") as handle:
                found.update(json.loads(line)["tgt"].strip() for line in handle if line.strip())
    return found


def clean_texts(data: Path) -> Iterator[str]:
    """Every clean formal text the model counts (held-out news and evaluation sentences excluded)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") < HELD_OUT_FROM)
    for name in ("government_work_reports.jsonl.xz", "cpc_congress_reports.jsonl.xz"):
        # a few early reports are traditional; they are converted like every input is
        from review.normalise import normalise

        for text in _jsonl_xz(data / "formal-gov-reports" / name):
            yield normalise(text).text
    for name in ("cnews.train.txt", "cnews.val.txt"):
        with open(data / "admin-litigation-cases" / name, encoding="utf-8") as handle:
            for line in handle:
                yield line.split("\t", 1)[-1]
    excluded = _eval_sentences(data)
    with open(data / "news-msra" / "msra_sentences.txt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip() not in excluded:
                yield line


def held_out_texts(data: Path) -> Iterator[str]:
    """The held-out 《新闻联播》 articles (for tuning the first pass)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") >= HELD_OUT_FROM)


def run(args: argparse.Namespace) -> int:
    """Count, prune and save the model."""
    from tqdm import tqdm

    from review.ngram import count_texts
    from review.resources import model_path

    data = Path(args.data)
    if not (data / "formal-xinwenlianbo").exists():
        print(f"错误 / error: {data} 下没有 formal-xinwenlianbo / not found", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else model_path("ngram")
    started = time.time()
    with tqdm(unit="char", unit_scale=True, desc="counting", disable=None) as bar:
        model = count_texts(clean_texts(data), min_count=args.min_count, progress=bar)
    model.save(out / "ngram.npz")
    stats = {
        "characters": int(model.total),
        "unigrams": len(model.unigrams.keys),
        "bigrams": len(model.bigrams.keys),
        "trigrams": len(model.trigrams.keys),
        "min_count": args.min_count,
        "held_out_from": HELD_OUT_FROM,
        "seconds": round(time.time() - started, 1),
        "bytes": (out / "ngram.npz").stat().st_size,
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats))
    return 0

"""`review train ngram`: count the character n-gram model of clean formal text (the typo check's first pass)."""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import sys
import time
from pathlib import Path
from typing import Iterator

from review.commands.train import command_group

# 《新闻联播》 articles from HELD_OUT_FROM on are never counted: those from TUNING_FROM on tune the typo
# corrector's threshold and feed the benchmarks; the earlier ones are the reranker's error-free news rows
HELD_OUT_FROM = "20260301"
TUNING_FROM = "20260601"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train ngram` to the `train` group."""
    group = command_group(sub, "train")
    parser = group.add_parser("ngram", help="字符 n 元模型（错别字初筛）/ character n-gram model for the typo first pass")
    parser.add_argument("--data", default=str(Path("..") / "shared" / "data"), help="共享数据目录 / shared data folder")
    parser.add_argument("--out", default=None, help="输出目录（默认 models/ngram）/ output folder")
    parser.add_argument("--min-count", type=int, default=2, help="二元、三元组最少出现次数 / prune rarer bi/trigrams")
    parser.add_argument("--pair-weight", type=int, default=3,
                        help="训练句对的正确句计数倍数 / times the training pairs' targets are counted")
    parser.add_argument("--sources", default=",".join(DEFAULT_SOURCES),
                        help="计数的文本（逗号分隔）/ texts to count, comma-separated: " + ", ".join(SOURCES))
    parser.set_defaults(handler=run)


def _jsonl_xz(path: Path, keep=lambda row: True) -> Iterator[str]:
    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as handle:  # only "\n" ends a JSONL line
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
            with open(path, encoding="utf-8", newline="\n") as handle:  # only "\n" ends a JSONL line
                found.update(json.loads(line)["tgt"].strip() for line in handle if line.strip())
    return found


def counted_news_texts(data: Path) -> Iterator[str]:
    """The 《新闻联播》 articles the model counts (dated before HELD_OUT_FROM)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") < HELD_OUT_FROM)


def clean_texts(data: Path) -> Iterator[str]:
    """Every clean formal text the model counts (held-out news and evaluation sentences excluded)."""
    yield from counted_news_texts(data)
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


def informal_texts(data: Path) -> Iterator[str]:
    """Everyday written Chinese: Weibo posts (train splits only) and consumer reviews.

    The state-news counts alone take first-person, everyday phrasing (我昨天…, 逛街) for errors and miss the
    errors in it; these texts carry that register. They hold typos of their own, which pruning (n-grams seen
    at least twice) mostly drops.
    """
    for name in ("usual_train.jsonl", "virus_train.jsonl"):
        path = data / "weibo-smp2020-ewect" / name
        if path.exists():
            with open(path, encoding="utf-8", newline="\n") as handle:  # only "\n" ends a JSONL line
                for line in handle:
                    yield json.loads(line).get("text", "")
    for name in ("ChnSentiCorp_htl_all.csv", "waimai_10k.csv", "online_shopping_10_cats.csv"):
        path = data / "informal-reviews" / name
        if path.exists():
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    yield row.get("review") or ""


def pair_target_texts(data: Path, fold: int | None = None) -> Iterator[str]:
    """Corrected sentences of the CSC training pairs (the reranker's held-out tenth and the odw dev split
    excluded); only those of cross-fitting fold `fold` when it is given."""
    from review.csc import data as csc_data
    from review.csc.train_rerank import fold_of, holdout

    for pair in csc_data.load_train_pairs(data):
        if not holdout(pair) and (fold is None or fold_of(pair) == fold):
            yield pair.tgt


SOURCES = {"formal": clean_texts, "informal": informal_texts, "pairs": pair_target_texts}
# "informal" is left out by default: with it the reranker changed more held-out news sentences at the same
# recall (models/ngram/README.md)
DEFAULT_SOURCES = ("formal", "pairs")


def source_texts(data: Path, sources) -> Iterator[str]:
    """The texts of the named sources, one after another."""
    for name in sources:
        if name not in SOURCES:
            raise ValueError(f"unknown n-gram source {name!r}; known: {', '.join(SOURCES)}")
        yield from SOURCES[name](data)


def read_stats(folder: Path) -> dict:
    """The stats.json written next to an ngram.npz ({} when there is none)."""
    path = Path(folder) / "stats.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def source_counts(data: Path, sources, pair_weight: int = 1, progress: bool = True):
    """Raw counts of the named sources, the training pairs' targets counted `pair_weight` times; with the
    pairs' counts apart per cross-fitting fold: (counts of the other sources, [counts of fold k's targets])."""
    from tqdm import tqdm

    from review.csc.train_rerank import FOLDS
    from review.ngram import count_raw

    rest = [name for name in sources if name != "pairs"]
    with tqdm(unit="char", unit_scale=True, desc="counting", disable=None if progress else True) as bar:
        base = count_raw(source_texts(data, rest), progress=bar)
    folds = []
    if "pairs" in sources:
        folds = [count_raw(pair_target_texts(data, k)).scaled(pair_weight) for k in range(FOLDS)]
    return base, folds


def fold_models(data: Path, sources, min_count: int, folds: int, pair_weight: int = 1,
                progress: bool = True) -> list:
    """Per cross-fitting fold k, the model of `sources` with fold k's training-pair targets left out.

    The reranker learns from candidates in those very pairs: with their own corrected sentences counted, the
    right character would always look familiar, which it never is for an unseen sentence.
    """
    base, parts = source_counts(data, sources, pair_weight, progress)
    if not parts:
        model = base.model(min_count)
        return [model] * folds
    models = []
    for k in range(folds):
        total = base
        for j, part in enumerate(parts):
            if j != k:
                total = total + part
        models.append(total.model(min_count))
    return models


def held_out_texts(data: Path) -> Iterator[str]:
    """The held-out 《新闻联播》 articles for tuning and benchmarks (dated from TUNING_FROM on)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") >= TUNING_FROM)


def negative_texts(data: Path) -> Iterator[str]:
    """The held-out 《新闻联播》 articles the reranker learns from as error-free text (HELD_OUT_FROM to
    TUNING_FROM): never counted, never used for tuning."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: HELD_OUT_FROM <= row.get("date", "") < TUNING_FROM)


def run(args: argparse.Namespace) -> int:
    """Count, prune and save the model."""
    from review.resources import model_path

    data = Path(args.data)
    if not (data / "formal-xinwenlianbo").exists():
        print(f"错误 / error: {data} 下没有 formal-xinwenlianbo / not found", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else model_path("ngram")
    started = time.time()
    sources = [name.strip() for name in args.sources.split(",") if name.strip()]
    try:
        base, folds = source_counts(data, sources, args.pair_weight)
    except ValueError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return 2
    for part in folds:
        base = base + part
    model = base.model(args.min_count)
    model.save(out / "ngram.npz")
    stats = {
        "characters": int(model.total),
        "unigrams": len(model.unigrams.keys),
        "bigrams": len(model.bigrams.keys),
        "trigrams": len(model.trigrams.keys),
        "min_count": args.min_count,
        "sources": sources,
        "pair_weight": args.pair_weight,
        "held_out_from": HELD_OUT_FROM,
        "tuning_from": TUNING_FROM,
        "seconds": round(time.time() - started, 1),
        "bytes": (out / "ngram.npz").stat().st_size,
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats))
    return 0

"""The corpora the typo models learn from, and the splits that keep evaluation honest: one place for the paths
under ../shared/data and the split dates and hashes every trainer, builder and benchmark reads.

- 《新闻联播》 articles before HELD_OUT_FROM are counted (n-gram model, cloze model, group classifiers); those from
  HELD_OUT_FROM to TUNING_FROM are the reranker's error-free rows; those from TUNING_FROM on tune thresholds and
  feed the benchmarks.
- The training pairs' deterministic tenth (`holdout`) is never fitted; `fold_of` gives the cross-fitting folds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import lzma
from collections.abc import Iterator
from pathlib import Path

from review.training import csc_data as D

# 《新闻联播》 articles from HELD_OUT_FROM on are never counted: those from TUNING_FROM on tune the typo
# corrector's threshold and feed the benchmarks; the earlier ones are the reranker's error-free news rows
HELD_OUT_FROM = "20260301"
TUNING_FROM = "20260601"


def holdout(pair: D.Pair, percent: int = 10) -> bool:
    """True for the deterministic `percent`% of training pairs kept out of the reranker's fit."""
    digest = hashlib.sha1(("review-rerank-holdout-v1\0" + pair.tgt).encode("utf-8")).digest()
    return digest[0] * 100 // 256 < percent


FOLDS = 5


def fold_of(pair: D.Pair) -> int:
    """The cross-fitting fold (0..FOLDS-1) of a training pair, by a hash of its target."""
    return hashlib.sha1(("review-rerank-fold-v1\0" + pair.tgt).encode("utf-8")).digest()[0] % FOLDS


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


def held_out_texts(data: Path) -> Iterator[str]:
    """The held-out 《新闻联播》 articles for tuning and benchmarks (dated from TUNING_FROM on)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") >= TUNING_FROM)


def negative_texts(data: Path) -> Iterator[str]:
    """The held-out 《新闻联播》 articles the reranker learns from as error-free text (HELD_OUT_FROM to
    TUNING_FROM): never counted, never used for tuning."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: HELD_OUT_FROM <= row.get("date", "") < TUNING_FROM)


def pair_target_texts(data: Path, fold: int | None = None) -> Iterator[str]:
    """Corrected sentences of the CSC training pairs (the reranker's held-out tenth and the odw dev split
    excluded); only those of cross-fitting fold `fold` when it is given."""
    for pair in D.load_train_pairs(data):
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

"""Training and evaluation corpora read from ../shared/data (never copied into the repository).

Every sample gets a split that depends only on its text (or, for 《新闻联播》, its date), so retraining and
evaluation agree on what is held out: `train`, `calib` (temperature fitting) and `heldout` (evaluation only).
"""

from __future__ import annotations

import csv
import json
import lzma
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from review.resources import lexicon_path, load_toml

EXAMPLES = "classifier_examples"
# 《新闻联播》 articles from this date on are held out.
HELD_OUT_FROM = "20260101"
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
BROADCAST_PREFIX = re.compile(r"^(?:央视网消息|新华社[^：:]{0,12}电)[^：:]{0,16}[：:]")


@dataclass(frozen=True)
class Sample:
    """One labelled text."""

    text: str
    label: str
    source: str
    split: str
    weight: float = 1.0


def split_of(text: str) -> str:
    """Stable split from a hash of the text: 80% train, 10% calib, 10% heldout."""
    bucket = zlib.crc32(text.encode("utf-8")) % 100
    return "train" if bucket < 80 else "calib" if bucket < 90 else "heldout"


def _jsonl(path: Path) -> Iterator[dict]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8", newline="\n") as handle:  # only "\n" ends a line, not a bare CR
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _sentences(text: str, low: int = 12, high: int = 120) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if low <= len(s.strip()) <= high]


def example_lines(name: str) -> list[str]:
    """Lines of a hand-written example file under lexicons/classifier_examples/."""
    path = lexicon_path(EXAMPLES, name)
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def headline_samples(data: Path) -> list[Sample]:
    """Toutiao, TNEWS and THUCNews headlines with their labels mapped onto project topics (deduplicated)."""
    mapping: dict[str, str] = load_toml("classifiers.toml")["training"]["topic_labels"]
    seen: set[str] = set()
    samples: list[Sample] = []

    def add(text: str, label: str, source: str) -> None:
        text = text.strip()
        topic = mapping.get(label)
        if topic and text and text not in seen:
            seen.add(text)
            samples.append(Sample(text, topic, source, split_of(text)))

    for name in ("toutiao_cat_data.dev.txt", "toutiao_cat_data.test.txt"):
        path = data / "topic-toutiao" / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                parts = line.split("_!_")
                if len(parts) >= 4:
                    add(parts[3], parts[2], "toutiao")
    for name in ("tnews_dev.jsonl", "tnews_test.jsonl"):
        path = data / "topic-tnews" / name
        if path.exists():
            for row in _jsonl(path):
                add(row["text"], row["label"], "tnews")
    for name in ("thucnews_titles_dev.jsonl", "thucnews_titles_test.jsonl"):
        path = data / "topic-thucnews-titles" / name
        if path.exists():
            for row in _jsonl(path):
                add(row["text"], row["label"], "thucnews")
    return samples


def government_samples(data: Path, limit: int = 9000, seed: int = 13) -> list[Sample]:
    """Formal government text cut to post-sized pieces: 《新闻联播》 headlines and leads, work-report and
    congress-report sentences, administrative-litigation openings, and the hand-written posts."""
    rng = random.Random(seed)
    found: list[Sample] = []
    path = data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"
    if path.exists():
        for row in _jsonl(path):
            held = row.get("date", "") >= HELD_OUT_FROM
            pieces = []
            if row.get("title"):
                pieces.append(row["title"].strip())
            lead = BROADCAST_PREFIX.sub("", row.get("text", "").split("\n", 1)[0])
            pieces.extend(_sentences(lead)[:2])
            for piece in pieces:
                split = "heldout" if held else ("calib" if split_of(piece) == "calib" else "train")
                found.append(Sample(piece, "government", "xinwenlianbo", split))
    for name in ("government_work_reports.jsonl.xz", "cpc_congress_reports.jsonl.xz"):
        path = data / "formal-gov-reports" / name
        if path.exists():
            for row in _jsonl(path):
                if row.get("script") == "traditional":
                    continue
                for sentence in _sentences(row.get("text", ""), 15, 100):
                    found.append(Sample(sentence, "government", "gov-reports", split_of(sentence)))
    for name in ("cnews.train.txt", "cnews.val.txt", "cnews.test.txt"):
        path = data / "admin-litigation-cases" / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                _label, _, text = line.partition("\t")
                sentences = _sentences(text, 15, 150)
                if sentences:
                    found.append(Sample(sentences[0], "government", "admin-litigation", split_of(sentences[0])))
    rng.shuffle(found)
    by_split: dict[str, list[Sample]] = {"train": [], "calib": [], "heldout": []}
    for sample in found:
        by_split[sample.split].append(sample)
    kept = by_split["train"][:limit] + by_split["calib"][: limit // 8] + by_split["heldout"][: limit // 8]
    kept += [Sample(text, "government", "handwritten", "train", 3.0) for text in example_lines("gov_posts.txt")]
    return kept


def held_out_articles(data: Path, limit: int) -> list[dict]:
    """Whole 《新闻联播》 articles from the held-out period (title, text), at most `limit`, text cut to 20,000 chars."""
    path = data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"
    articles: list[dict] = []
    if path.exists():
        for row in _jsonl(path):
            if row.get("date", "") >= HELD_OUT_FROM and row.get("text"):
                articles.append({"title": row.get("title") or "", "text": row["text"][:20000]})
                if len(articles) >= limit:
                    break
    return articles


def informal_samples(data: Path, limit: int = 14000, seed: int = 17) -> list[Sample]:
    """Informal text (label `informal`): Weibo posts (train splits to train, eval splits held out) and reviews."""
    rng = random.Random(seed)
    found: list[Sample] = []
    folder = data / "weibo-smp2020-ewect"
    for name, split in (
        ("usual_train.jsonl", None),
        ("virus_train.jsonl", None),
        ("usual_eval.jsonl", "heldout"),
        ("virus_eval.jsonl", "heldout"),
    ):
        path = folder / name
        if path.exists():
            for row in _jsonl(path):
                text = row.get("text", "").strip()
                if len(text) >= 6:
                    chosen = split or ("calib" if split_of(text) == "calib" else "train")
                    found.append(Sample(text, "informal", "weibo", chosen))
    folder = data / "informal-reviews"
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv", "online_shopping_10_cats.csv"):
        path = folder / name
        if path.exists():
            with open(path, encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    text = (row.get("review") or "").strip()
                    if len(text) >= 6:
                        found.append(Sample(text[:300], "informal", "reviews", split_of(text)))
    rng.shuffle(found)
    by_split: dict[str, list[Sample]] = {"train": [], "calib": [], "heldout": []}
    for sample in found:
        by_split[sample.split].append(sample)
    kept = by_split["train"][:limit] + by_split["calib"][: limit // 8] + by_split["heldout"][: limit // 8]
    kept += [Sample(text, "informal", "handwritten", "train", 5.0) for text in example_lines("overdone_posts.txt")]
    return kept


# Product and food-delivery reviews speak of goods as adverts do (价格, 包邮, 质量, 好用, 回购); hotel and book
# reviews are left out: a culture-and-tourism account recommends hotels and books in its own right.
PRODUCT_REVIEW_SKIP = ("酒店", "书籍")


def product_review_samples(data: Path, limit: int = 8000, seed: int = 19) -> list[Sample]:
    """Consumer reviews of goods and takeaway food (informal-reviews) as `commerce` samples, text cut to 300
    characters: at most `limit` of the train split, and every held-out one (calib joins train: no temperature)."""
    rng = random.Random(seed)
    found: list[Sample] = []
    folder = data / "informal-reviews"
    for name in ("online_shopping_10_cats.csv", "waimai_10k.csv"):
        path = folder / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                text = (row.get("review") or "").strip()
                if len(text) >= 8 and row.get("cat") not in PRODUCT_REVIEW_SKIP:
                    split = "heldout" if split_of(text) == "heldout" else "train"
                    found.append(Sample(text[:300], "commerce", "reviews", split))
    rng.shuffle(found)
    train = [s for s in found if s.split == "train"][:limit]
    return train + [s for s in found if s.split == "heldout"][: limit // 8]


def cap_per_label(samples: list[Sample], limit: int, seed: int = 7) -> list[Sample]:
    """At most `limit` training samples per label (calib and heldout samples are all kept)."""
    rng = random.Random(seed)
    shuffled = samples[:]
    rng.shuffle(shuffled)
    counts: dict[str, int] = {}
    kept = []
    for sample in shuffled:
        if sample.split == "train" and sample.source != "handwritten":
            if counts.get(sample.label, 0) >= limit:
                continue
            counts[sample.label] = counts.get(sample.label, 0) + 1
        kept.append(sample)
    return kept

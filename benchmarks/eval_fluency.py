"""The fluency check on spun, garbled and clean posts: post-level recall, false alarms and speed.

    python benchmarks/eval_fluency.py [--data ../shared/data] [--posts 400] [--calibrate]

Spun posts come from a synonym spinner (formal word → near-synonym, at 5/10/20/30% of the eligible words; its
dictionary holds the lexicon's pairs and as many words the lexicon does not list, so the n-gram score has to
carry part of the recall), garbled ones from shuffled clauses and dropped characters. Evaluation text is
《新闻联播》 dated from 2026-03-01 (never counted by the n-gram model) and 政府工作报告 chunks (counted by it:
its figures are optimistic). `--calibrate` prints the score percentiles on 《新闻联播》 2012-2021 (the training
slice the thresholds were set on, also never counted by the model).
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from review.checks.fluency import FluencyCheck

HELD_OUT_FROM = "20260301"
# formal word → near-synonym, as spinners write them; the first block is lexicons/fluency/spinner.tsv reversed
SPIN = {
    "政府": "当局", "人民": "国民", "服务": "供职", "检查": "查验", "情况": "情状", "通报": "传达", "管理": "管束",
    "批准": "允诺", "群众": "民众", "工作": "作业", "建设": "建造", "质量": "品质", "提升": "晋升", "增加": "添加",
    "营造": "营建", "保障": "保证",
    # not in the lexicon
    "发展": "开展", "推进": "推动", "加强": "增强", "落实": "执行", "重要": "紧要", "经济": "财经", "企业": "公司",
    "社会": "社区", "国家": "国度", "全面": "周全", "坚持": "坚守", "积极": "踊跃", "领导": "带领", "会议": "集会",
    "提高": "进步", "实施": "施行", "要求": "请求", "问题": "疑问", "活动": "运动", "举行": "实行", "稳定": "安稳",
    "安全": "平安", "环境": "情况", "合作": "协作", "创新": "立异", "改革": "变革", "农村": "乡下", "完善": "完满",
}
LEXICON_WORDS = 16  # the first entries of SPIN: lexicons/fluency/spinner.tsv reversed
_SPIN_RE = re.compile("|".join(sorted(SPIN, key=len, reverse=True)))
_LEXICON_RE = re.compile("|".join(sorted(list(SPIN)[:LEXICON_WORDS], key=len, reverse=True)))
_CLAUSE = re.compile(r"(?<=[，,])")
_SENTENCE = re.compile(r"(?<=[。！？；\n])")


def spin(text: str, rate: float, rng: random.Random, words: re.Pattern[str] = _SPIN_RE) -> tuple[str, float]:
    """`text` with `rate` of its eligible words (`words`) replaced by their near-synonyms, and the share replaced."""
    hits = list(words.finditer(text))
    if not hits:
        return text, 0.0
    chosen = set(rng.sample(range(len(hits)), max(1, round(rate * len(hits)))))
    out, last = [], 0
    for k, hit in enumerate(hits):
        if k in chosen:
            out.append(text[last : hit.start()])
            out.append(SPIN[hit.group()])
            last = hit.end()
    out.append(text[last:])
    return "".join(out), len(chosen) / len(hits)


def garble(text: str, rng: random.Random, shuffle: bool, drop: float) -> str:
    """`text` with the clauses of each sentence shuffled and/or `drop` of its characters dropped."""
    if shuffle:
        sentences = []
        for sentence in _SENTENCE.split(text):
            clauses = _CLAUSE.split(sentence)
            body, end = clauses[:-1], clauses[-1]
            if len(body) >= 1:
                parts = body + [end]
                rng.shuffle(parts)
                sentence = "".join(parts)
            sentences.append(sentence)
        text = "".join(sentences)
    if drop:
        text = "".join(ch for ch in text if ch in "。\n" or rng.random() >= drop)
    return text


def chunks(text: str, size: int = 1000) -> list[str]:
    """`text` cut at line breaks into pieces of about `size` characters."""
    out, current = [], ""
    for line in text.splitlines(keepends=True):
        current += line
        if len(current) >= size:
            out.append(current)
            current = ""
    if len(current) >= size // 2:
        out.append(current)
    return out


def load_news(data: Path, held_out: bool) -> list[str]:
    """《新闻联播》 articles of 2022-2026 from 2026-03-01 (held out), or of 2012-2021 (the training slice)."""
    if held_out:
        path = data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"
    else:
        path = data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz"
    texts = []
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if held_out and row.get("date", "") < HELD_OUT_FROM:
                continue
            if len(row["text"]) >= 300:
                texts.append(row["text"])
    return texts


def load_reports(data: Path) -> list[str]:
    """Simplified-script government work reports cut into 1,000-character chunks."""
    texts = []
    with lzma.open(data / "formal-gov-reports" / "government_work_reports.jsonl.xz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("script", "simplified") == "simplified":
                texts += chunks(row["text"])
    return texts


def flagged(check: FluencyCheck, text: str) -> bool:
    """Whether the check judges the whole post (its `fluency.post` finding)."""
    scored, post_mean = check.judge(text)
    return check.post_flagged(scored, post_mean)


def evaluate(check: FluencyCheck, name: str, posts: list[str], rng: random.Random) -> list[tuple]:
    """Rows (source, variant, posts, flagged share) for clean, spun and garbled versions of `posts`."""
    rows = [(name, "clean", len(posts), np.mean([flagged(check, p) for p in posts]))]
    for rate in (0.05, 0.10, 0.20, 0.30):
        spun = [spin(p, rate, rng) for p in posts]
        spun = [text for text, share in spun if share >= rate - 1e-9]
        rows.append((name, f"spun {rate:.0%}", len(spun), np.mean([flagged(check, p) for p in spun])))
    for rate in (0.10, 0.30):
        spun = [spin(p, rate, rng, _LEXICON_RE) for p in posts]
        spun = [text for text, share in spun if share >= rate - 1e-9]
        rows.append((name, f"spun {rate:.0%}, lexicon words only", len(spun),
                     np.mean([flagged(check, p) for p in spun])))
    for label, shuffle, drop in (("clauses shuffled", True, 0.0), ("5% characters dropped", False, 0.05),
                                 ("shuffled + 5% dropped", True, 0.05)):
        garbled = [garble(p, rng, shuffle, drop) for p in posts]
        rows.append((name, label, len(garbled), np.mean([flagged(check, p) for p in garbled])))
    return rows


def calibrate(check: FluencyCheck, posts: list[str]) -> None:
    """Percentiles of sentence and post scores on clean training-slice news."""
    sentences, posts_mean, spins = [], [], []
    for post in posts:
        scored, post_mean = check.judge(post)
        sentences += [s.mean for s in scored]
        spins.append(sum(len(s.spins) for s in scored))
        if post_mean is not None:
            posts_mean.append(post_mean)
    qs = [0.1, 0.5, 1, 5, 50]
    print("sentence mean log-prob percentiles", qs, np.round(np.percentile(sentences, qs), 3))
    print("post mean log-prob percentiles", qs, np.round(np.percentile(posts_mean, qs), 3))
    print("posts with >= 1/2/3 spinner words", [float(np.mean(np.array(spins) >= k)) for k in (1, 2, 3)])
    print("posts judged spun/garbled", float(np.mean([flagged(check, post) for post in posts])))


def speed(check: FluencyCheck, posts: list[str]) -> float:
    """Milliseconds per 1,000 characters of `check.judge` (model loaded, in-process)."""
    check.judge(posts[0])
    start = time.perf_counter()
    for post in posts:
        check.judge(post)
    return (time.perf_counter() - start) * 1000 / (sum(map(len, posts)) / 1000)


def main(argv: list[str] | None = None) -> int:
    """Print the recall / false-alarm table as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    check = FluencyCheck()
    if args.calibrate:
        posts = load_news(args.data, held_out=False)
        calibrate(check, rng.sample(posts, min(len(posts), 4000)))
        return 0
    news = load_news(args.data, held_out=True)
    news = rng.sample(news, min(len(news), args.posts))
    reports = load_reports(args.data)
    reports = rng.sample(reports, min(len(reports), args.posts))
    print("| source | variant | posts | judged spun/garbled |")
    print("|---|---|---|---|")
    for row in evaluate(check, "新闻联播 ≥ 2026-03-01", news, rng) + evaluate(check, "政府工作报告", reports, rng):
        print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.3f} |")
    long_posts = [p for p in news + reports if len(p) >= 800]
    print(f"\n{speed(check, long_posts):.2f} ms per 1,000 characters ({len(long_posts)} posts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

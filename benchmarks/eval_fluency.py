"""The fluency check on spun, garbled and clean posts: post-level recall, false alarms and speed.

    python benchmarks/eval_fluency.py [--data ../shared/data] [--posts 300] [--calibrate] [--speed-only]
                                      [--models DIR]   # another models/fluency (the figures before a retrain)

Evaluation text: 《新闻联播》 dated from 2026-03-01 (never counted by the n-gram or word models, never seen by the
classifier) and 政府工作报告 chunks of 1,000 characters of the reports' "eval" part (a third of the reports by a CRC-32 of the
title, `review.training.fluency.report_split`: never read by the word model, the detector or the classifier,
which read the "detector" and "classifier" parts; counted by the character n-gram model, one of the classifier's
features). A post counts as detected when it gets the
whole-post `fluency.post` judgement.

Spinners (a share of the post's Chinese words replaced by near-synonyms):
- **held-out pairs**: the `eval` half of lexicons/fluency/spin_pairs.tsv, never read by training or the check;
- **benchmark table**: SPIN below, the first benchmark's table (16 pairs are lexicons/fluency/spinner.tsv
  reversed, 30 are in no list of the check);
- **train pairs**: the `train` half, which spun the classifier's training posts and is among the check's words
  (in-lexicon recall, optimistic by construction).
"Spun 10% of words" replaces exactly ceil(10% of the post's Chinese words) occurrences; posts with too few eligible
words are left out of that row (the row says how many remain). The first benchmark's rows ("10% of eligible words":
of the table's occurrences) are kept for comparison. Garbled: clauses of each sentence shuffled, 5% of the
characters dropped, or both. `--calibrate` prints the classifier's probability on 《新闻联播》 2012-2021 articles
of the classifier's tenth that it did not learn from (clean, never counted by the word model).
"""

from __future__ import annotations

import argparse
import json
import lzma
import math
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from review.checks.fluency import (
    CLASSIFIER,
    DETECTOR_MODEL,
    NEIGHBOURS_MODEL,
    WORDS_MODEL,
    FluencyCheck,
    load_classifier,
    load_detector,
    load_neighbours,
    load_spin_pairs,
    load_word_counts,
    word_units,
)
from review.normalise import normalise
from review.resources import lexicon_path
from review.segment import tokenize
from review.training.fluency import classifier_split, garble, han_words, report_chunks, spin_text

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
                texts.append(normalise(row["text"]).text)
    return texts


def flagged(check: FluencyCheck, text: str) -> bool:
    """Whether the check judges the whole post (its `fluency.post` finding)."""
    return check.analyse(text, tokenize(text)).flagged


def spun_share(text: str, table: dict[str, str], share: float, rng: random.Random) -> str | None:
    """`text` with ceil(`share` of its Chinese words) occurrences of `table`'s words spun (None: too few)."""
    pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    hits = len(pattern.findall(text))
    needed = math.ceil(share * han_words(text))
    if hits < needed or not hits:
        return None
    spun, _ = spin_text(text, table, needed / hits, rng)
    return spun


def rate(check: FluencyCheck, posts: list[str]) -> float:
    """The share of `posts` judged spun or garbled."""
    return float(np.mean([flagged(check, p) for p in posts])) if posts else float("nan")


def unknown_pairs(path: Path) -> dict[str, str]:
    """A TSV of (original, spun) pairs minus those the check is given (spin_pairs.tsv's train half, spinner.tsv)."""
    known = dict(load_spin_pairs("train"))
    spinner_words = {line.split("\t")[0] for line in lexicon_path("fluency", "spinner.tsv").read_text(
        encoding="utf-8").splitlines() if line and not line.startswith("#")}
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        original, _, spun = line.partition("\t")
        if spun and known.get(original) != spun and spun not in spinner_words:
            pairs[original] = spun
    return pairs


def evaluate_pairs(check: FluencyCheck, name: str, posts: list[str], label: str, table: dict[str, str],
                   rng: random.Random) -> list[tuple]:
    """Rows for `posts` spun at 5/10/20% of their words with `table` (its own random stream: the other rows keep
    theirs)."""
    rows = []
    for share in (0.05, 0.10, 0.20):
        spun = [text for text in (spun_share(p, table, share, rng) for p in posts) if text is not None]
        rows.append((name, f"spun {share:.0%} of words, {label}", len(spun), rate(check, spun)))
    return rows


def evaluate(check: FluencyCheck, name: str, posts: list[str], rng: random.Random) -> list[tuple]:
    """Rows (source, variant, posts, flagged share) for clean, spun and garbled versions of `posts`."""
    rows = [(name, "clean (false alarms)", len(posts), rate(check, posts))]
    tables = {
        "held-out pairs": dict(load_spin_pairs("eval")),
        "benchmark table": SPIN,
        "benchmark table, lexicon words only": dict(list(SPIN.items())[:LEXICON_WORDS]),
        "train pairs (in the check's words)": dict(load_spin_pairs("train")),
    }
    for label, table in tables.items():
        for share in (0.05, 0.10, 0.20):
            spun = [text for text in (spun_share(p, table, share, rng) for p in posts) if text is not None]
            rows.append((name, f"spun {share:.0%} of words, {label}", len(spun), rate(check, spun)))
    for share in (0.05, 0.10, 0.20, 0.30):
        spun = [spin_text(p, SPIN, share, rng) for p in posts]
        spun = [text for text, replaced in spun if replaced]
        rows.append((name, f"spun {share:.0%} of eligible words, benchmark table", len(spun), rate(check, spun)))
    for label, shuffle, drop in (("clauses shuffled", True, 0.0), ("5% characters dropped", False, 0.05),
                                 ("shuffled + 5% dropped", True, 0.05)):
        garbled = [garble(p, rng, shuffle, drop) for p in posts]
        rows.append((name, label, len(garbled), rate(check, garbled)))
    return rows


def evaluate_quick(check: FluencyCheck, name: str, posts: list[str], extra: dict[str, str],
                   rng: random.Random) -> list[tuple]:
    """The target rows only (clean posts, 10% of words spun with the held-out pairs and with `extra`), on a random
    stream of their own: about a sixth of the full table's work (its spins differ from the full table's)."""
    rows = [(name, "clean (false alarms)", len(posts), rate(check, posts))]
    tables = {"held-out pairs": dict(load_spin_pairs("eval"))}
    if extra:
        tables["blind pairs"] = extra
    for label, table in tables.items():
        spun = [text for text in (spun_share(p, table, 0.10, rng) for p in posts) if text is not None]
        rows.append((name, f"spun 10% of words, {label}", len(spun), rate(check, spun)))
    return rows


def speed(check: FluencyCheck, posts: list[str]) -> tuple[float, float, float, float]:
    """CPU milliseconds per 1,000 characters (process time: the VM is shared) of `check.analyse` given the tokens
    (the pipeline segments each post once for every check), of the character-trigram part alone (the first
    version's work: sentence scores and spinner.tsv words), of the replaced-word detector alone, and of segmenting
    the posts."""
    check.analyse(posts[0], tokenize(posts[0]))
    tokens = [tokenize(post) for post in posts]
    units = [word_units(words) for words in tokens]
    ids = [check.words.ids([unit.form for unit in words]) for words in units]
    timings = []
    for work in (lambda: [tokenize(post) for post in posts],
                 lambda: [check.sentences(post) for post in posts],
                 lambda: [check.detected(words, known) for words, known in zip(units, ids)],
                 lambda: [check.analyse(post, words) for post, words in zip(posts, tokens)]):
        start = time.process_time()
        work()
        timings.append((time.process_time() - start) * 1000 / (sum(map(len, posts)) / 1000))
    segment, trigram, detector, analyse = timings
    return analyse, trigram, detector, segment


def calibrate(check: FluencyCheck, data: Path, count: int, rng: random.Random) -> None:
    """The classifier's probability on clean 2012-2021 articles of its tenth that it did not learn from (never
    counted by the word model either)."""
    posts = [text for text in load_news(data, held_out=False) if classifier_split(text) == "check"]
    posts = rng.sample(posts, min(count, len(posts)))
    analyses = [check.analyse(p, tokenize(p)) for p in posts]
    judged = [a for a in analyses if a.probability is not None]
    probabilities = np.array([a.probability for a in judged])
    print(f"{len(judged)} posts judged; flagged {float(np.mean([a.flagged for a in judged])):.4f}")
    print("probability percentiles 50/90/99/99.9:", np.round(np.percentile(probabilities, [50, 90, 99, 99.9]), 4))


def main(argv: list[str] | None = None) -> int:
    """Print the recall / false-alarm table as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="only the speed line")
    parser.add_argument("--models", type=Path, default=None,
                        help="a models/fluency folder to measure instead of the shipped one (its classifier reads "
                             "only the features it lists)")
    parser.add_argument("--pairs", type=Path, default=None,
                        help="also spin with this TSV of (original, spun) pairs, less those the check is given "
                             "(tests/fixtures/fluency/spin_pairs_blind.tsv: written blind)")
    parser.add_argument("--quick", action="store_true",
                        help="only the target rows (clean, 10%% spun with the held-out and --pairs pairs)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    extra = unknown_pairs(args.pairs) if args.pairs else {}
    check = FluencyCheck()
    if args.models is not None:
        check._words = load_word_counts(str(args.models / WORDS_MODEL[-1]))
        check._classifier = load_classifier(str(args.models / CLASSIFIER[-1]))
        if (args.models / NEIGHBOURS_MODEL[-1]).exists():
            check._neighbours = load_neighbours(str(args.models / NEIGHBOURS_MODEL[-1]))
        # a folder without the replaced-word detector (the models before it) is measured without one
        check.use_detector(load_detector(str(args.models / DETECTOR_MODEL[-1])))
    if args.calibrate:
        calibrate(check, args.data, 4000, rng)
        return 0
    news = load_news(args.data, held_out=True)
    news = rng.sample(news, min(len(news), args.posts))
    reports = report_chunks(args.data, "eval")
    reports = rng.sample(reports, min(len(reports), args.posts))
    if args.quick:
        quick_rng = random.Random(args.seed + 1)
        for name, posts in (("新闻联播 ≥ 2026-03-01", news), ("政府工作报告 (eval part)", reports)):
            for row in evaluate_quick(check, name, posts, extra, quick_rng):
                print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.3f} |", flush=True)
        return 0
    if not args.speed_only:
        print("| source | variant | posts | judged spun/garbled |")
        print("|---|---|---|---|")
        def show(rows: list[tuple]) -> None:
            for row in rows:  # as each part ends: a long run shows its first rows early
                print(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.3f} |", flush=True)

        show(evaluate(check, "新闻联播 ≥ 2026-03-01", news, rng))
        show(evaluate(check, "政府工作报告 (eval part)", reports, rng))
        if extra:
            label, pairs_rng = f"{args.pairs.stem} ({len(extra)} pairs)", random.Random(args.seed)
            show(evaluate_pairs(check, "新闻联播 ≥ 2026-03-01", news, label, extra, pairs_rng))
            show(evaluate_pairs(check, "政府工作报告 (eval part)", reports, label, extra, pairs_rng))
    long_posts = [p for p in news + reports if len(p) >= 800]
    analyse, trigram, detector, segment = speed(check, long_posts)
    print(f"\nCPU ms per 1,000 characters ({len(long_posts)} posts of 800+ characters): the check given the tokens "
          f"{analyse:.2f}, of which the character-trigram part {trigram:.2f} and the replaced-word detector "
          f"{detector:.2f}; segmenting them {segment:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

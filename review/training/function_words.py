"""`review train function-words`: the function-word detector's models (review/typo/function_words.py).

Self-supervised: every one-character token of a group's member (的/地/得, 在/再 …) in clean formal text is a
labelled example of the member its context wants. Texts (../shared/data, each README's own use):

* 《新闻联播》 2012-07 … 2021-06 (2021-07 … 2021-12 is kept out: `TUNE_FROM`, the detector's own tuning text);
* 《新闻联播》 2022-01 … 2026-02 (from HELD_OUT_FROM on is held out for the whole typo check);
* the laws and regulations, every `--laws-every`-th document (formulaic; down-weighted);
* the CPC congress reports. The government work reports are left out: `review eval real` reads them as clean text.

Very frequent members are sampled (`SAMPLE`) and their bias is corrected for it. Multinomial logistic regression
over the hashed features, mini-batch Adagrad (`review.training.groups.fit_softmax`); every 20th example is kept
out to report accuracy.

`--tune` instead measures a trained model: per group, on the tuning news (2021-07 … 2021-12, 1,000-character
posts) the clean members flagged, and on the same text with one member swapped per sentence for another member
of its group (synthetic errors) the swaps found, over a grid of thresholds; and on the development error sets
(cctc_train, faspell_dev) the wrong characters found and the false findings. Test sets are never read here.

    review train function-words [--data ../shared/data] [--out models/function_words] [--max-chars 40e6]
    review train function-words --tune [--posts 2000]
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
from collections import Counter
from pathlib import Path
from typing import Iterator

import numpy as np

from review.training import command_parser
from review.training.corpora import HELD_OUT_FROM
from review.typo.function_words import (
    FEATURE_COUNT,
    MODEL_FILE,
    FunctionWordDetector,
    FunctionWordModel,
    GroupThresholds,
    member_positions,
    word_shape,
)

DEFAULT_GROUPS = ("的地得", "在再", "做作", "那哪", "已以", "即既")
TUNE_FROM = "2021-07-01"
# members sampled at this rate (the rest every time): they are a few percent of all characters
SAMPLE = {"的": 0.3, "在": 0.6, "以": 0.7}
SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


def xz_rows(path: Path) -> Iterator[dict]:
    """The rows of an xz-compressed JSONL file."""
    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def training_texts(data: Path, laws_every: int) -> Iterator[str]:
    """The clean formal texts the models learn from (see the module's docstring)."""
    for row in xz_rows(data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz"):
        if row.get("date", "") < TUNE_FROM:
            yield row["text"]
    for row in xz_rows(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"):
        if row.get("date", "") < HELD_OUT_FROM:
            yield row["text"]
    for row in xz_rows(data / "formal-gov-reports" / "cpc_congress_reports.jsonl.xz"):
        if row.get("script") != "traditional":
            yield row["text"]
    for n, row in enumerate(xz_rows(data / "formal-laws" / "laws.jsonl.xz")):
        if n % laws_every == 0:
            yield row["text"]


def tuning_texts(data: Path) -> Iterator[str]:
    """《新闻联播》 2021-07 … 2021-12: never learnt from, for choosing thresholds."""
    for row in xz_rows(data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz"):
        if row.get("date", "") >= TUNE_FROM:
            yield row["text"]


def dictionary_tags(min_freq: int) -> dict[str, str]:
    """word → part-of-speech tag of jieba's dictionary (words counted at least `min_freq` times) and the
    project's user dictionary."""
    from review.segment import _jieba_dictionary, get_tokenizer

    tags: dict[str, str] = {}
    with open(_jieba_dictionary(), encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and int(parts[1]) >= min_freq:
                tags[parts[0]] = parts[2]
    for word, tag in getattr(get_tokenizer(), "user_word_tag_tab", {}).items():
        if tag:
            tags[word] = tag
    return tags


def split_particle(word: str, tags: dict[str, str]) -> tuple[str, str] | None:
    """(prefix, particle) of a clean token that jieba wrote as one word with its 得 or 地 (变得, 长得, 悄悄地,
    牢牢地), or None. Written with 的 the same place segments as 变|的 and 悄悄|的, so the split token is the
    example the detector meets there: without it the models never see 变_更加 or 牢牢_把握 with 得/地."""
    if len(word) < 2 or word[-1] not in "得地":
        return None
    prefix = word[:-1]
    tag = tags.get(prefix, "")
    if word[-1] == "得" and len(word) == 2 and tag[:1] in ("v", "a"):
        return prefix, "得"
    if word[-1] == "地" and len(prefix) >= 2 and (word_shape(prefix) or tag[:1] in ("a", "d", "z")):
        return prefix, "地"
    return None


def collect(texts: Iterator[str], model: FunctionWordModel, max_chars: int, seed: int = 0,
            split_particles: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per group: bucket ids (n, FEATURE_COUNT) and the member written, of the sampled member tokens (and of the
    split tokens of `split_particle` with `split_particles`)."""
    from review.segment import cut

    rng = random.Random(seed)
    rows: list[list[list[int]]] = [[] for _ in model.groups]
    labels: list[list[int]] = [[] for _ in model.groups]
    # rows packed into arrays every so often (a list of Python ints costs ~1 kB an example)
    packed: list[list[np.ndarray]] = [[] for _ in model.groups]
    features = model.hasher.features
    group_of = model.group_of
    seen = 0
    started = time.time()
    tags = model.hasher.tags
    split_count: Counter = Counter()
    for text in texts:
        for line in text.split("\n"):
            if not line.strip():
                continue
            words = cut(line)
            for k in member_positions(words, group_of):
                ch = words[k]
                if ch in SAMPLE and rng.random() >= SAMPLE[ch]:
                    continue
                g = group_of[ch]
                rows[g].append(features(words, k))
                labels[g].append(model.groups[g].index(ch))
                if len(rows[g]) >= 50_000:
                    packed[g].append(np.array(rows[g], dtype=np.int32))
                    rows[g] = []
            for j, word in enumerate(words if split_particles else ()):
                split = split_particle(word, tags) if len(word) > 1 and word[-1] in group_of else None
                if split is not None:
                    g = group_of[split[1]]
                    rows[g].append(features(words[:j] + list(split) + words[j + 1:], j + 1))
                    labels[g].append(model.groups[g].index(split[1]))
                    split_count[split[1]] += 1
            seen += len(line)
        if seen >= max_chars:
            break
        if seen // 2_000_000 != (seen - len(text)) // 2_000_000:
            print(f"  {seen / 1e6:.0f} M characters, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    print(f"read {seen / 1e6:.1f} M characters in {time.time() - started:.0f} s; split tokens {dict(split_count)}",
          file=sys.stderr)
    return [(np.concatenate(packed[g] + [np.array(rows[g], dtype=np.int32).reshape(-1, FEATURE_COUNT)]),
             np.array(labels[g], dtype=np.int64)) for g in range(len(model.groups))]


def train(args: argparse.Namespace) -> int:
    """Collect examples, fit one model per group, write the model folder."""
    from review.training.groups import accuracy, fit_softmax

    t0 = time.time()
    groups = list(args.groups.split(",")) if args.groups else list(DEFAULT_GROUPS)
    tags = dictionary_tags(args.tag_min_freq)
    model = FunctionWordModel(groups, [], [], tags, args.bits)
    parts = collect(training_texts(Path(args.data), args.laws_every), model, int(args.max_chars), args.seed,
                    args.split_particles)
    stats = {}
    for g, (x, y) in enumerate(parts):
        group = groups[g]
        held = np.arange(len(y)) % 20 == 19
        weights, bias = fit_softmax(x[~held], y[~held], len(group), args.bits, epochs=args.epochs, lr=args.lr,
                                    seed=args.seed)
        # undo the sampling of frequent members in the prior
        for m, ch in enumerate(group):
            if ch in SAMPLE:
                bias[m] -= math.log(SAMPLE[ch])
        model.weights.append(weights)
        model.biases.append(bias)
        counts = Counter(y.tolist())
        stats[group] = {"examples": {ch: counts.get(m, 0) for m, ch in enumerate(group)},
                        "held_out_accuracy": round(accuracy(weights, bias, x[held], y[held]), 4)}
        print(f"{group}: {stats[group]}", file=sys.stderr, flush=True)
    model.meta = {"trained": time.strftime("%Y-%m-%d"), "max_chars": int(args.max_chars), "epochs": args.epochs,
                  "lr": args.lr, "laws_every": args.laws_every, "split_particles": args.split_particles,
                  "sample": SAMPLE, "tune_from": TUNE_FROM,
                  "groups_stats": stats}
    out = Path(args.out)
    model.save(out / MODEL_FILE)
    print(f"wrote {out / MODEL_FILE} ({(out / MODEL_FILE).stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")
    return 0


# ---- tuning ------------------------------------------------------------------------------------------------

GRID = ((0.3, 0.65), (0.2, 0.75), (0.1, 0.85), (0.05, 0.9), (0.03, 0.93), (0.02, 0.95), (0.01, 0.97),
        (0.005, 0.98), (0.002, 0.99), (0.001, 0.995), (0.0003, 0.998))


def swap_one(sentence: str, group_of: dict[str, int], groups: list[str], rng: random.Random
             ) -> tuple[str, int, str] | None:
    """The sentence with one member token swapped for another member of its group: (text, index, right)."""
    from review.segment import tokenize

    tokens = tokenize(sentence)
    words = [t.word for t in tokens]
    positions = member_positions(words, group_of)
    if not positions:
        return None
    k = rng.choice(positions)
    right = words[k]
    wrong = rng.choice([c for c in groups[group_of[right]] if c != right])
    start = tokens[k].start
    return sentence[:start] + wrong + sentence[start + 1:], start, right


def tune(args: argparse.Namespace) -> int:
    """Print false findings on clean tuning news, swaps found, and the development sets, per threshold."""
    from review.segment import tokenize
    from review.training.real_eval import as_posts, read_pairs

    model = FunctionWordModel.load(Path(args.out) / MODEL_FILE)
    groups = model.groups
    rng = random.Random(args.seed)
    posts = list(as_posts(tuning_texts(Path(args.data))))
    posts = rng.sample(posts, min(args.posts, len(posts)))
    # each post's probabilities once; thresholds applied afterwards
    second = None
    if args.second_opinion:
        from review.resources import model_path
        from review.typo.groups import load_groups

        second = load_groups(model_path(args.second_opinion))
    loose = FunctionWordDetector(model, {ch: GroupThresholds(0.5, 0.0) for ch in model.group_of}, second)
    post_tokens = [tokenize(p) for p in posts]
    started = time.process_time()
    clean_hits = [loose.find(p, t) for p, t in zip(posts, post_tokens)]
    spent = time.process_time() - started
    chars = sum(map(len, posts))
    sentences = [s for p in posts for s in SENTENCE_END.split(p) if len(s) > 8]
    swapped = [x for x in (swap_one(s, model.group_of, groups, rng) for s in sentences) if x]
    swap_hits = [(loose.find(t, tokenize(t)), i, right, t[i]) for t, i, right in swapped]
    dev = []
    for name in ("csc-cdconfusor/cctc_train.jsonl", "csc-macro-correct/faspell_dev.jsonl"):
        for src, tgt in read_pairs(Path(args.data) / name):
            wrong = {i for i, (a, b) in enumerate(zip(src, tgt)) if a != b}
            dev.append((loose.find(src, tokenize(src)), wrong, tgt))
    print(f"tuning news: {len(posts)} posts, {chars} characters; {len(swapped)} swapped sentences; "
          f"{len(dev)} development pairs")
    print(f"detector cost (time.process_time, tokens given): {spent / chars * 1e6:.3f} ms per 1,000 characters")
    for max_written, min_best in GRID:
        def keep(h):
            return h.written_probability < max_written and h.probability >= min_best

        print(f"\n== p(written) < {max_written}, p(best) ≥ {min_best}  (per written member)")
        for ch in model.group_of:
            false_clean = sum(1 for hits in clean_hits for h in hits if h.written == ch and keep(h))
            posts_flagged = sum(1 for hits in clean_hits if any(h.written == ch and keep(h) for h in hits))
            tried = [(hits, i, r) for hits, i, r, w in swap_hits if w == ch]
            found = sum(1 for hits, i, r in tried if any(h.start == i and h.word == r and keep(h) for h in hits))
            dev_right = sum(1 for hits, wrong, tgt in dev for h in hits
                            if h.written == ch and keep(h) and h.start in wrong and tgt[h.start] == h.word)
            dev_false = sum(1 for hits, wrong, tgt in dev for h in hits
                            if h.written == ch and keep(h) and h.start not in wrong)
            print(f"{ch}: clean {false_clean} findings ({posts_flagged} posts, "
                  f"{false_clean / chars * 1e4:.3f}/10k chars); swaps {found}/{len(tried)}; "
                  f"dev right {dev_right}, false {dev_false}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Train (default) or tune the function-word models."""
    parser = command_parser("review train function-words", __doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", help="数据目录 / the shared data folder")
    parser.add_argument("--out", default="models/function_words", help="模型目录 / the model folder")
    parser.add_argument("--groups", default="", help="逗号分隔的字组 / comma-separated groups (default: all six)")
    parser.add_argument("--bits", type=int, default=18, help="哈希特征位数 / hashed feature bits")
    parser.add_argument("--epochs", type=int, default=3, help="训练轮数 / epochs")
    parser.add_argument("--lr", type=float, default=0.2, help="学习率 / Adagrad learning rate")
    parser.add_argument("--max-chars", type=float, default=40e6, help="最多读取字符数 / characters read at most")
    parser.add_argument("--laws-every", type=int, default=3, help="每 N 部法规取一部 / every N-th law document")
    parser.add_argument("--tag-min-freq", type=int, default=5, help="词性表最低词频 / tagged words' min frequency")
    parser.add_argument("--seed", type=int, default=0, help="随机种子 / random seed")
    parser.add_argument("--split-particles", action="store_true",
                        help="把 变得/悄悄地 拆成训练样本 / also learn from 变得, 悄悄地 split (tried, not shipped)")
    parser.add_argument("--tune", action="store_true", help="在调参数据上测阈值 / measure thresholds on tuning data")
    parser.add_argument("--second-opinion", default="groups",
                        help="第二意见模型目录（空为不用）/ the second model's folder under models/ ('' for none)")
    parser.add_argument("--posts", type=int, default=2000, help="调参新闻帖数 / tuning news posts (--tune)")
    args = parser.parse_args(argv)
    return tune(args) if args.tune else train(args)


if __name__ == "__main__":
    sys.exit(main())

"""`review train nonwords`: the non-word detector's pair counts and decision trees (models/nonwords).

Data, all from ../shared/data and none of it an evaluation set:

- pair counts (seen_bigrams.npz): 《新闻联播》 2012–2016, 《新闻联播》 2022 to HELD_OUT_FROM, laws and regulations,
  government and congress reports; pairs counted three or more times;
- training and development rows: 《新闻联播》 2017–2021 (never in the pair counts, never counted by the n-gram
  model), split by article. Positives: the CSC training pairs' errors (the reranker's held-out tenth left out)
  and a dictionary word of a sentence with one character replaced by a sound or shape neighbour so that it
  becomes no word (耐心 → 耐新), where the detector proposes the original back.
  Negatives: every other candidate of those sentences, and every candidate of clean 1,000-character posts.

The threshold is the lowest probability at which the development posts get at most `--max-flagged` of their
posts flagged; recall at it on the development positives is printed and written to the model card's stats.

    review train nonwords [--data ../shared/data] [--out models/nonwords] [--sentences 40000] [--posts 3000]
"""

from __future__ import annotations

import json
import lzma
import random
import sys
import time
from pathlib import Path

import numpy as np

from review.resources import model_path
from review.training import command_parser
from review.training.corpora import HELD_OUT_FROM

PAIR_SOURCES = (
    ("formal-xinwenlianbo-2012-2021/xinwenlianbo_2012-2021.jsonl.xz", lambda row: row.get("date", "") < "20170101"),
    ("formal-xinwenlianbo/xinwenlianbo_2022-2026.jsonl.xz", lambda row: row.get("date", "") < HELD_OUT_FROM),
    ("formal-laws/laws.jsonl.xz", lambda row: True),
    ("formal-gov-reports/government_work_reports.jsonl.xz", lambda row: True),
    ("formal-gov-reports/cpc_congress_reports.jsonl.xz", lambda row: True),
)
TRAINING_SOURCE = ("formal-xinwenlianbo-2012-2021/xinwenlianbo_2012-2021.jsonl.xz",
                   lambda row: row.get("date", "") >= "20170101")


def rows_of(data: Path, relative: str, keep) -> list[dict]:
    """The JSONL rows of an xz file that `keep` accepts."""
    rows = []
    with lzma.open(data / relative, "rt", encoding="utf-8", newline="\n") as handle:
        for line in handle:
            row = json.loads(line)
            if keep(row):
                rows.append(row)
    return rows


def count_pairs(data: Path, min_count: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Packed keys and counts of the Chinese character pairs of the pair sources seen `min_count` times."""
    from review.normalise import normalise
    from review.typo.nonwords import SeenBigrams

    parts = []
    for relative, keep in PAIR_SOURCES:
        for row in rows_of(data, relative, keep):
            text = normalise((row.get("title") or "") + "\n" + (row.get("text") or "")).text
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            inside = (codes >= SeenBigrams.BASE) & (codes < SeenBigrams.BASE + SeenBigrams.SPAN)
            both = inside[:-1] & inside[1:]
            keys = (codes[:-1] - SeenBigrams.BASE) * SeenBigrams.SPAN + (codes[1:] - SeenBigrams.BASE)
            parts.append(keys[both])
    keys, counts = np.unique(np.concatenate(parts), return_counts=True)
    kept = counts >= min_count
    return keys[kept].astype(np.uint32), np.minimum(counts[kept], 65535).astype(np.uint16)


def count_tokens(data: Path, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """Packed keys and counts of the tokens of 2–3 Chinese characters of jieba's segmentation of the pair
    sources (every token counted once or more)."""
    from collections import Counter

    from review.normalise import normalise
    from review.segment import cut
    from review.typo.nonwords import TokenCounts

    counter: Counter[str] = Counter()
    for relative, keep in PAIR_SOURCES:
        for row in rows_of(data, relative, keep):
            text = normalise((row.get("title") or "") + "\n" + (row.get("text") or "")).text
            counter.update(w for w in cut(text) if 2 <= len(w) <= 3)
            if progress is not None:
                progress(len(text))
    keyed = sorted((k, n) for k, n in ((TokenCounts.key(w), n) for w, n in counter.items()) if k >= 0)
    keys = np.asarray([k for k, _ in keyed], dtype=np.uint64)
    counts = np.minimum(np.asarray([n for _, n in keyed], dtype=np.int64), 65535).astype(np.uint16)
    return keys, counts


def sentences_of(texts: list[str]) -> list[str]:
    """Sentences of 10–120 characters."""
    import re

    out = []
    for text in texts:
        out.extend(s for s in re.split(r"(?<=[。！？；\n])", text) if 10 <= len(s.strip()) <= 120)
    return out


def corrupt(sentence: str, detector, rng: random.Random) -> tuple[str, int, str] | None:
    """The sentence with one character of a dictionary word replaced so that the word becomes no word:
    (corrupted sentence, position, original character), or None."""
    from review.chars import all_han
    from review.segment import tokenize

    words = [t for t in tokenize(sentence) if 2 <= t.end - t.start <= 3 and all_han(t.word)
             and detector.word_freq.get(t.word, 0) >= 100]
    if not words:
        return None
    token = rng.choice(words)
    m = rng.randrange(token.end - token.start)
    original = token.word[m]
    choices = sorted(c for c in detector.neighbours(original)
                     if detector.word_freq.get(token.word[:m] + c + token.word[m + 1:], 0) == 0)
    if not choices:
        return None
    position = token.start + m
    return sentence[:position] + rng.choice(choices) + sentence[position + 1:], position, original


def build_rows(detector, sentences: list[str], posts: list[str], rng: random.Random):
    """Feature rows, labels and group sizes: (X, y, positives placed, positives proposed, posts, post of row)."""
    from review.segment import tokenize

    xs, ys, post_of = [], [], []
    placed = proposed = 0
    for sentence in sentences:
        made = corrupt(sentence, detector, rng)
        if made is None:
            continue
        text, position, original = made
        placed += 1
        candidates = detector.candidates(text, tokenize(text))
        if not candidates:
            continue
        labels = [float(c.position == position and c.word[c.position - c.start] == original) for c in candidates]
        proposed += any(labels)
        xs.append(detector.features(text, candidates))
        ys.extend(labels)
        post_of.extend([-1] * len(candidates))
    for k, post in enumerate(posts):
        candidates = detector.candidates(post, tokenize(post))
        if candidates:
            xs.append(detector.features(post, candidates))
            ys.extend([0.0] * len(candidates))
            post_of.extend([k] * len(candidates))
    return np.vstack(xs), np.asarray(ys), placed, proposed, len(posts), np.asarray(post_of)


def pair_rows(detector, pairs) -> tuple[list[np.ndarray], list[float], int]:
    """Feature rows and labels of the candidates of real training pairs' sources (a candidate is right when it
    restores the target at a wrong character), and how many pairs had an error."""
    from review.segment import tokenize

    xs, ys, errors = [], [], 0
    for src, tgt in pairs:
        wrong = {i for i, (a, b) in enumerate(zip(src, tgt)) if a != b}
        errors += bool(wrong)
        candidates = detector.candidates(src, tokenize(src))
        if candidates:
            xs.append(detector.features(src, candidates))
            ys.extend(float(c.position in wrong and c.word[c.position - c.start] == tgt[c.position])
                      for c in candidates)
    return xs, ys, errors


def write_index(path: Path, min_freq: dict[int, int]) -> int:
    """The non-word detector's index of dictionary words (2–3 Chinese characters at their minimum frequency) by
    masked form; returns how many keys."""
    from review.segment import get_tokenizer
    from review.typo.word_forms import WordIndex

    index = WordIndex(get_tokenizer().FREQ, min_freq)
    index.save(path, "# 非词检测索引 / the non-word detector's index: a dictionary word (jieba's and the project's user "
                     "dictionary,\n# 2–3 characters at [nonwords] min_freq) with one character masked (?), and the "
                     "characters that fill it.\n# Written by `review train nonwords`.\n")
    return len(index)


# placed errors favour sound neighbours, as real ones do (every non-word of the issue is one: 耐新, 锁要, 预越)
COLUMN_WEIGHTS = (("same_tone", 0.6), ("diff_tone", 0.25), ("shape", 0.15))


def corrupt_counted(sentence: str, detector, rng: random.Random) -> tuple[str, int, str] | None:
    """The sentence with one character of a word that the formal corpora count as a token (`min_fixed` times or
    more) replaced by a sound or shape neighbour, so that the window is a token never counted: (corrupted
    sentence, position, original character), or None."""
    from review.chars import all_han
    from review.segment import tokenize

    tokens = [t for t in tokenize(sentence) if 2 <= t.end - t.start <= 3 and all_han(t.word)]
    if not tokens:
        return None
    counts = detector.tokens.lookup([t.word for t in tokens])
    words = [t for t, n in zip(tokens, counts) if n >= detector.settings.min_fixed]
    if not words:
        return None
    token = rng.choice(words)
    m = rng.randrange(token.end - token.start)
    original = token.word[m]
    r, column = rng.random(), COLUMN_WEIGHTS[-1][0]
    for name, weight in COLUMN_WEIGHTS:
        if r < weight:
            column = name
            break
        r -= weight
    choices = sorted(c for c in detector.confusion.column(original, column) if c in detector.neighbours(original))
    rng.shuffle(choices)
    for c in choices[:5]:
        written = token.word[:m] + c + token.word[m + 1:]
        if detector.word_freq.get(written, 0) == 0 and detector.tokens.count(written) == 0:
            position = token.start + m
            return sentence[:position] + c + sentence[position + 1:], position, original
    return None


def counted_rows(detector, texts: list[tuple[str, set[int], dict[int, str]]]):
    """Feature rows, labels and the text index of each row, of candidates past the detector's gates: a row is
    right when it restores a wrong character (`texts`: text, wrong positions, right characters)."""
    import math

    from review.segment import tokenize

    xs, ys, text_of = [], [], []
    floor = math.log1p(detector.settings.min_fixed)
    for k, (text, wrong, right) in enumerate(texts):
        candidates = detector.candidates(text, tokenize(text))
        if not candidates:
            continue
        rows = detector.features(text, candidates)
        keep = (rows[:, 0] >= detector.settings.min_gain) & (rows[:, 2] >= floor)
        if not keep.any():
            continue
        xs.append(rows[keep])
        ys.extend(float(c.position in wrong and c.word[c.position - c.start] == right.get(c.position))
                  for c, kept in zip(candidates, keep) if kept)
        text_of.extend([k] * int(keep.sum()))
    return (np.vstack(xs) if xs else np.zeros((0, 0))), np.asarray(ys), np.asarray(text_of, dtype=np.int64)


def train_counted(data: Path, out: Path, args) -> int:
    """Fit and write the count-evidence non-word detector's trees (models/nonwords/counted.npz)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.checks.typo import LEXICON_FOLDER, SETTINGS_FILE
    from review.resources import load_toml
    from review.training import csc_data
    from review.training.corpora import holdout
    from review.training.real_eval import as_posts
    from review.training.rerank import export
    from review.typo.nonwords import COUNTED_FEATURES, build_counted_detector

    started = time.time()
    settings = load_toml(LEXICON_FOLDER, SETTINGS_FILE)
    base = training_detector(None)
    detector = build_counted_detector(settings["counted_nonwords"], out, base.word_freq, base, load_model=False)
    if detector is None:
        print(f"no token counts in {out}: run with --count-tokens first", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    articles = [(r.get("title") or "") + "\n" + (r.get("text") or "") for r in rows_of(data, *TRAINING_SOURCE)]
    rng.shuffle(articles)
    cut = len(articles) * 4 // 5
    from review.training.corpora import informal_texts

    informal = [t for t in informal_texts(data) if t.strip()]
    rng.shuffle(informal)
    splits = {}
    for name, part in (("train", articles[:cut]), ("dev", articles[cut:])):
        sentences = sentences_of(part)
        rng.shuffle(sentences)
        share = 1 if name == "train" else 4
        placed = []
        for sentence in sentences[: args.sentences // share]:
            made = corrupt_counted(sentence, detector, rng)
            if made is not None:
                text, position, original = made
                placed.append((text, {position}, {position: original}))
        posts = [(p, set(), {}) for p in list(as_posts(part[: args.posts * 2]))[: args.posts // share]]
        # everyday writing too (Weibo posts, reviews: train splits only): its unknown words (止涨, 怎么养, 而|醋)
        # look like non-words to counts of formal text alone
        lo, hi = (0, len(informal) * 4 // 5) if name == "train" else (len(informal) * 4 // 5, len(informal))
        casual = [(p, set(), {}) for p in list(as_posts(informal[lo:hi]))[: args.informal_posts // share]]
        x, y, text_of = counted_rows(detector, placed + posts + casual)
        splits[name] = (x, y, text_of, len(placed), len(posts), len(casual))
        print(f"{name}: {len(y)} rows, {int(y.sum())} right; {len(placed)} placed errors, {len(posts)} posts, "
              f"{len(casual)} informal posts ({time.time() - started:.0f} s)", file=sys.stderr)
    x, y = splits["train"][0], splits["train"][1]
    pairs = [(p.src, p.tgt) for p in csc_data.load_train_pairs(data) if not holdout(p) and p.src != p.tgt]
    real = [(src, {i for i, (a, b) in enumerate(zip(src, tgt)) if a != b},
             {i: b for i, (a, b) in enumerate(zip(src, tgt)) if a != b}) for src, tgt in pairs]
    real_x, real_y, _ = counted_rows(detector, real)
    x, y = np.vstack([x, real_x]), np.concatenate([y, real_y])
    print(f"pairs: {len(pairs)} sentences, {int(real_y.sum())} right rows of {len(real_y)} "
          f"({time.time() - started:.0f} s)", file=sys.stderr)
    fitted = HistGradientBoostingClassifier(max_iter=args.trees, max_depth=4, learning_rate=0.1,
                                            random_state=args.seed).fit(x, y)
    ensemble = export(fitted, COUNTED_FEATURES)
    dx, dy, text_of, placed, n_posts, n_casual = splits["dev"]
    prob = ensemble.predict(dx)
    placed_rows = text_of < placed
    post_rows = (text_of >= placed) & (text_of < placed + n_posts)
    casual_rows = text_of >= placed + n_posts
    table = []
    for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99):
        flagged = len(set(text_of[(prob >= t) & post_rows].tolist())) / max(1, n_posts)
        casual = len(set(text_of[(prob >= t) & casual_rows].tolist())) / max(1, n_casual)
        found = int(((prob >= t) & (dy == 1) & placed_rows).sum())
        false = int(((prob >= t) & (dy == 0) & placed_rows).sum())
        table.append({"threshold": t, "placed_found": found, "placed_false": false, "posts_flagged": round(flagged, 4),
                      "informal_posts_flagged": round(casual, 4)})
    ensemble.save(out / "counted.npz", {"threshold": detector.settings.threshold})
    stats = {"dev_placed": placed, "dev_posts": n_posts, "dev_informal_posts": n_casual, "dev": table,
             "train_rows": int(len(y)),
             "train_right": int(y.sum()), "real_pairs": len(pairs), "real_right": int(real_y.sum()),
             "token_counts": int(len(detector.tokens.keys)), "seconds": round(time.time() - started, 1)}
    (out / "counted_stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Count the pairs, build rows, fit the model, choose its threshold, write models/nonwords."""
    parser = command_parser("review train nonwords", __doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data folder")
    parser.add_argument("--out", default=str(model_path("nonwords")), help="输出目录 / the output folder")
    parser.add_argument("--sentences", type=int, default=40000,
                        help="放置错误的句子数 / sentences that get a placed error")
    parser.add_argument("--posts", type=int, default=3000, help="干净短文数 / clean 1,000-character posts")
    parser.add_argument("--max-flagged", type=float, default=0.005,
                        help="开发集干净短文被标记的最高比例 / the most development posts flagged")
    parser.add_argument("--recount", action="store_true", help="重新统计字对 / count the pairs again")
    parser.add_argument("--count-tokens", action="store_true",
                        help="统计语料分词后的词次（token_counts.npz）/ count the corpora's tokens (token_counts.npz)")
    parser.add_argument("--informal-posts", type=int, default=4000,
                        help="日常文本短文数（基于计数的非词检测的反例）/ everyday-writing posts (the count-evidence "
                             "detector's negatives)")
    parser.add_argument("--counted", action="store_true",
                        help="只训练基于计数的非词检测（counted.npz）/ train only the count-evidence detector's trees")
    parser.add_argument("--trees", type=int, default=200, help="提升树的棵数 / boosting iterations")
    parser.add_argument("--seed", type=int, default=13, help="随机种子 / random seed")
    args = parser.parse_args(argv)
    started = time.time()
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.count_tokens:
        keys, counts = count_tokens(data)
        np.savez_compressed(out / "token_counts.npz", keys=keys, counts=counts)
        print(f"token counts: {len(keys)} ({time.time() - started:.0f} s)", file=sys.stderr)
        if not args.counted:
            return 0
    if args.counted:
        return train_counted(data, out, args)
    from review.training.real_eval import as_posts
    from review.typo.nonwords import FEATURES, SeenBigrams

    if (out / "seen_bigrams.npz").exists() and not args.recount:
        seen = SeenBigrams.load(out / "seen_bigrams.npz")
        keys, counts = seen.keys, seen.counts
    else:
        keys, counts = count_pairs(data)
        np.savez_compressed(out / "seen_bigrams.npz", keys=keys, counts=counts)
    print(f"pair counts: {len(keys)} ({time.time() - started:.0f} s)", file=sys.stderr)
    from review.checks.typo import LEXICON_FOLDER, SETTINGS_FILE
    from review.resources import load_toml

    table = load_toml(LEXICON_FOLDER, SETTINGS_FILE)["nonwords"]
    written = write_index(out / "index.tsv", {int(k): int(v) for k, v in table["min_freq"].items()})
    print(f"index keys: {written}", file=sys.stderr)
    detector = training_detector(SeenBigrams(keys, counts))
    rng = random.Random(args.seed)
    articles = [(r.get("title") or "") + "\n" + (r.get("text") or "") for r in rows_of(data, *TRAINING_SOURCE)]
    rng.shuffle(articles)
    cut = len(articles) * 4 // 5
    splits = {}
    for name, part in (("train", articles[:cut]), ("dev", articles[cut:])):
        sentences = sentences_of(part)
        rng.shuffle(sentences)
        posts = list(as_posts(part[: args.posts * 2]))[: args.posts]
        share = 1 if name == "train" else 4
        splits[name] = build_rows(detector, sentences[: args.sentences // share], posts[: args.posts // share], rng)
        x, y, placed, proposed, n_posts, _ = splits[name]
        print(f"{name}: {len(y)} rows, {int(y.sum())} positive; {proposed}/{placed} placed errors proposed; "
              f"{n_posts} posts ({time.time() - started:.0f} s)", file=sys.stderr)
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training import csc_data
    from review.training.corpora import holdout
    from review.training.rerank import export

    x, y = splits["train"][0], splits["train"][1]
    # real errors too: the CSC training pairs (the reranker's held-out tenth stays out, for measuring)
    pairs = [(p.src, p.tgt) for p in csc_data.load_train_pairs(data) if not holdout(p) and p.src != p.tgt]
    real_x, real_y, real_errors = pair_rows(detector, pairs)
    x, y = np.vstack([x, *real_x]), np.concatenate([y, np.asarray(real_y)])
    print(f"pairs: {len(pairs)} sentences, {int(sum(real_y))} positive rows", file=sys.stderr)
    fitted = HistGradientBoostingClassifier(max_iter=args.trees, max_depth=4, learning_rate=0.1,
                                            random_state=args.seed).fit(x, y)
    ensemble = export(fitted, FEATURES)
    dx, dy, placed, proposed, n_posts, post_of = splits["dev"]
    prob = ensemble.predict(dx)
    threshold, recall, flagged = 1.0, 0.0, 0.0
    for t in np.arange(0.50, 1.0, 0.005):
        flagged_posts = len(set(post_of[(prob >= t) & (post_of >= 0)].tolist())) / max(1, n_posts)
        if flagged_posts <= args.max_flagged:
            sentence_rows = post_of < 0
            threshold = float(t)
            recall = float(((prob >= t) & (dy == 1) & sentence_rows).sum() / max(1, placed))
            flagged = flagged_posts
            break
    ensemble.save(out / "nonword.npz", {"threshold": threshold})
    stats = {"threshold": round(threshold, 3), "dev_recall_of_placed_errors": round(recall, 4),
             "dev_placed": placed, "dev_proposed": proposed, "dev_posts": n_posts,
             "dev_posts_flagged": round(flagged, 4), "train_rows": int(len(y)), "train_positive": int(y.sum()),
             "pair_counts": int(len(keys)), "real_pairs": len(pairs), "real_positive": int(sum(real_y)),
             "seconds": round(time.time() - started, 1)}
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False, indent=2))
    return 0


def training_detector(seen=None) -> "object":
    """A detector with the shipped settings and no model (candidates and features only)."""
    from review.checks.typo import LEXICON_FOLDER, SETTINGS_FILE, build_nonword_detector
    from review.resources import load_toml

    return build_nonword_detector(load_toml(LEXICON_FOLDER, SETTINGS_FILE), seen=seen, load_model=False)


if __name__ == "__main__":
    sys.exit(main())

"""Train the fluency check's word model and whole-post classifier (models/fluency).

    review train fluency --data ../shared/data        # about 10 minutes on a 2-core VM

Word counts (`words.npz`): jieba tokens (`review.checks.fluency.word_units`) of normalised 《新闻联播》 articles of
2012-2021 and of 2022 up to HELD_OUT_FROM (2026-03-01), minus the classifier's tenth of 2012-2021 (a CRC-32 of the
text, `classifier_split`: half of it to fit the classifier, half to check it): the vocabulary's most frequent
words, every pair of them seen, and how often each single character is a word on its own. Articles from
HELD_OUT_FROM on and the government work reports are never read.

Classifier (`classifier.json`): logistic regression (numpy, L2) on `FluencyCheck.analyse`'s features of the
classifier's "fit" articles, clean (label 0) against copies spun with the `train` half of
lexicons/fluency/spin_pairs.tsv (at least `--min-spun` of their Chinese words replaced) and garbled copies
(clauses shuffled, characters dropped, both) (label 1). Its threshold keeps at most `--max-clean-flagged` of those
clean posts flagged. The `eval` half of the pairs is never read here.
"""

from __future__ import annotations

import json
import lzma
import random
import re
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from review.checks.fluency import (
    CLASSIFIER,
    FEATURES,
    WORDS_MODEL,
    FluencyCheck,
    load_classifier,
    load_spin_pairs,
    load_word_counts,
    pack_strings,
    word_units,
)
from review.normalise import normalise
from review.segment import tokenize
from review.training.corpora import HELD_OUT_FROM

NEWS_2012 = ("formal-xinwenlianbo-2012-2021", "xinwenlianbo_2012-2021.jsonl.xz")
NEWS_2022 = ("formal-xinwenlianbo", "xinwenlianbo_2022-2026.jsonl.xz")
_CLAUSE = re.compile(r"(?<=[，,])")
_SENTENCE = re.compile(r"(?<=[。！？；\n])")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]")


def classifier_split(text: str) -> str | None:
    """For a 2012-2021 article: "fit" or "check" for the tenth kept out of the word counts (the classifier learns
    from the first twentieth; the second is `benchmarks/eval_fluency.py --calibrate`'s), None for the rest."""
    code = zlib.crc32(text.encode("utf-8"))
    if code % 10:
        return None
    return "fit" if code // 10 % 2 == 0 else "check"


def news_articles(data: Path) -> Iterator[tuple[str, str]]:
    """(date, normalised text) of every 《新闻联播》 article dated before HELD_OUT_FROM."""
    for parts in (NEWS_2012, NEWS_2022):
        with lzma.open(data.joinpath(*parts), "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["date"] < HELD_OUT_FROM:
                    yield row["date"], normalise(row["text"]).text


def spin_text(text: str, table: dict[str, str], rate: float, rng: random.Random) -> tuple[str, int]:
    """`text` with `rate` of the occurrences of `table`'s words replaced by their spun forms (a synonym spinner),
    and how many were replaced."""
    if not table:
        return text, 0
    pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    hits = list(pattern.finditer(text))
    if not hits:
        return text, 0
    chosen = set(rng.sample(range(len(hits)), max(1, round(rate * len(hits)))))
    out, last = [], 0
    for k, hit in enumerate(hits):
        if k in chosen:
            out.append(text[last : hit.start()])
            out.append(table[hit.group()])
            last = hit.end()
    out.append(text[last:])
    return "".join(out), len(chosen)


def han_words(text: str) -> int:
    """How many jieba words of `text` hold a Chinese character (the denominator of a spun share)."""
    return sum(1 for token in tokenize(text) if _HAN_WORD.match(token.word))


def garble(text: str, rng: random.Random, shuffle: bool, drop: float) -> str:
    """`text` with the clauses of each sentence shuffled and/or `drop` of its characters dropped."""
    if shuffle:
        sentences = []
        for sentence in _SENTENCE.split(text):
            parts = _CLAUSE.split(sentence)
            if len(parts) > 1:
                rng.shuffle(parts)
                sentence = "".join(parts)
            sentences.append(sentence)
        text = "".join(sentences)
    if drop:
        text = "".join(ch for ch in text if ch in "。\n" or rng.random() >= drop)
    return text


def count_words(texts: list[str], vocabulary: int) -> dict[str, np.ndarray]:
    """The arrays of words.npz: the `vocabulary` commonest words, their counts, every pair of them seen, and the
    share of each single character's occurrences that stand alone as a word."""
    unigrams: Counter[str] = Counter()
    segmented = []
    for text in texts:
        forms = [word.form for word in word_units(tokenize(text))]
        unigrams.update(forms)
        segmented.append(forms)
    vocab = [word for word, _ in unigrams.most_common(vocabulary + 10) if "\n" not in word][:vocabulary]
    index = {word: k for k, word in enumerate(vocab)}
    keys = []
    for forms in segmented:
        ids = np.fromiter((index.get(form, -1) for form in forms), dtype=np.int64, count=len(forms))
        left, right = ids[:-1], ids[1:]
        known = (left >= 0) & (right >= 0)
        keys.append(left[known] * len(vocab) + right[known])
    bigram_keys, bigram_counts = np.unique(np.concatenate(keys), return_counts=True)
    alone: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for word, count in unigrams.items():
        if _HAN_WORD.match(word):
            for char in word:
                (alone if len(word) == 1 else inside)[char] += count
    chars = sorted(char for char in alone.keys() | inside.keys() if alone[char] + inside[char] >= 20)
    share = [alone[char] / (alone[char] + inside[char]) for char in chars]
    assert len(vocab) ** 2 < 2**32, "pair keys must fit in uint32"
    return {
        "vocab": pack_strings(vocab),
        "counts": np.array([unigrams[word] for word in vocab], dtype=np.uint32),
        "total": np.array(sum(unigrams.values()), dtype=np.int64),
        "bigram_keys": bigram_keys.astype(np.uint32),  # in key order (np.unique)
        "bigram_counts": np.minimum(bigram_counts, 65535).astype(np.uint16),
        "alone_chars": pack_strings(chars),
        "alone_share": np.array(share, dtype=np.float32),
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression on standardised `x`, by Newton's method."""
    design = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2 * len(x))
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -50, 50)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def classifier_posts(posts: list[str], seed: int, min_spun: float) -> tuple[list[str], list[int], list[str]]:
    """Clean posts (0), their copies spun with the train half of the pairs and their garbled copies (1), and each
    post's kind."""
    rng = random.Random(seed)
    table = dict(load_spin_pairs("train"))
    texts, labels, kinds = [], [], []
    for post in posts:
        texts.append(post)
        labels.append(0)
        kinds.append("clean")
        words = max(han_words(post), 1)
        rate = rng.choice((0.3, 0.6, 1.0))
        spun, replaced = spin_text(post, table, rate, rng)
        if replaced / words >= min_spun:
            texts.append(spun)
            labels.append(1)
            kinds.append("spun")
        kind = rng.choice(("shuffled", "dropped", "both"))
        texts.append(garble(post, rng, kind != "dropped", 0.05 if kind != "shuffled" else 0.0))
        labels.append(1)
        kinds.append(kind)
    return texts, labels, kinds


def train(data: Path, out: Path, vocabulary: int = 60000, posts: int = 3000, min_spun: float = 0.05,
          max_clean_flagged: float = 0.001, seed: int = 13, keep_counts: bool = False) -> dict:
    """Count the word model, fit the classifier, write both to `out`; returns the stats written beside them
    (`keep_counts`: fit the classifier on the word model already in `out`)."""
    started = time.time()
    counted, held = [], []
    for _date, text in news_articles(data):
        split = classifier_split(text) if _date < "20220101" else None
        if split is not None:
            if split == "fit" and len(text) >= 300:
                held.append(text)
        else:
            counted.append(text)
    out.mkdir(parents=True, exist_ok=True)
    words_file = out / WORDS_MODEL[-1]
    if not (keep_counts and words_file.exists()):
        np.savez_compressed(words_file, **count_words(counted, vocabulary))
    with np.load(words_file, allow_pickle=False) as arrays:
        count_stats = {
            "counted_articles": len(counted), "vocabulary": int(len(arrays["counts"])),
            "word_pairs": int(len(arrays["bigram_keys"])), "words_counted": int(arrays["total"]),
        }
    load_word_counts.cache_clear()

    rng = random.Random(seed)
    sample = rng.sample(held, min(posts, len(held)))
    texts, labels, kinds = classifier_posts(sample, seed, min_spun)
    check = FluencyCheck()  # reads models/fluency/words.npz: point it at the file just written
    check._words = load_word_counts(str(words_file))
    rows = np.array([[check.analyse(text, tokenize(text), judge=False).features[name] for name in FEATURES]
                     for text in texts])
    y = np.array(labels, dtype=float)
    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-6
    weights, bias = fit_logistic((rows - mean) / scale, y)
    scores = 1 / (1 + np.exp(-np.clip(((rows - mean) / scale) @ weights + bias, -50, 50)))
    clean = scores[y == 0]
    threshold = float(np.quantile(clean, 1 - max_clean_flagged)) + 1e-6
    kinds_arr = np.array(kinds)
    recall = {kind: round(float((scores[kinds_arr == kind] >= threshold).mean()), 4)
              for kind in dict.fromkeys(kinds) if kind != "clean"}
    classifier = {
        "features": list(FEATURES), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "weights": weights.round(6).tolist(), "bias": round(bias, 6), "threshold": round(threshold, 6),
    }
    (out / CLASSIFIER[-1]).write_text(json.dumps(classifier, indent=1) + "\n", encoding="utf-8")
    load_classifier.cache_clear()
    stats = {
        **count_stats,
        "classifier_posts": {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)},
        "clean_flagged_train": round(float((clean >= threshold).mean()), 4), "recall_train": recall,
        "words_npz_bytes": words_file.stat().st_size,
        "seconds": round(time.time() - started),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return stats

"""Train the fluency check's word model and whole-post classifier (models/fluency).

    review train fluency --data ../shared/data        # 15-30 minutes on the shared 2-core VM

Word counts (`words.npz`): jieba tokens (`review.checks.fluency.word_units`) of normalised 《新闻联播》 articles of
2012-2021 and of 2022 up to HELD_OUT_FROM (2026-03-01), minus the classifier's tenth of 2012-2021 (a CRC-32 of the
text, `classifier_split`: half of it to fit the classifier, half to check it): the vocabulary's most frequent
words, every pair of them seen, and how often each single character is a word on its own. Articles from
HELD_OUT_FROM on and the government work reports are never read.

Neighbours (`neighbours.npz`): word vectors from the word-pair counts (positive PMI of each word's left and right
neighbours, truncated SVD to `VECTOR_SIZE` dimensions), and for each word of two or more Chinese characters the
words at least `NEIGHBOUR_RATIO` times commoner that a spinner may have replaced with it: the most similar ones
that share a character with it (`CHAR_NEIGHBOURS`; the same length and a character in the same place count for
more), then the most similar others (`OTHER_NEIGHBOURS`, cosine at least `OTHER_MIN_SIMILARITY`). No spinner list
is read.

Classifier (`classifier.json`): two logistic regressions (numpy, L2; `HEADS`) on `FluencyCheck.analyse`'s
features of the classifier's "fit" articles and of 1,000-character chunks of the government work reports'
"classifier" part (`report_split`: a CRC-32 of the title; the detector reads the "detector" part, the benchmark
the "eval" third): clean (label 0) against copies
spun with the `train` half of lexicons/fluency/spin_pairs.tsv (at least `--min-spun` of their Chinese words
replaced: the `spun` head) or garbled copies (clauses shuffled, characters dropped, both: the `garbled` head)
(label 1). Each threshold keeps at most half of `--max-clean-flagged` of the clean posts of each source (news
articles, report chunks) flagged; clean chunks of reports from before `MODERN_FROM` are neither negatives nor
thresholds (their spun and garbled copies stay positives). Training learns
how spins with words the check does not know look: the check it trains with knows only one fold of the train half
(`pair_fold`), and each post gets a copy spun with each fold. The `eval` half of the pairs is never read here.
With the replaced-word detector in `out` (detector.npz, `python -m review.training.fluency_detector`), the
features include its detect_* figures and each post also gets a copy with 5-20% of its words replaced by
substitutes of no list (`review.training.fluency_detector.Substitutes`: "spun-generated", a `spun` kind).
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
    DETECTOR_MODEL,
    FEATURES,
    NEIGHBOURS_MODEL,
    NO_NEIGHBOUR,
    WORDS_MODEL,
    FluencyCheck,
    _strings,
    load_classifier,
    load_detector,
    load_neighbours,
    load_spin_pairs,
    load_word_counts,
    pack_strings,
    word_units,
)
from review.normalise import normalise
from review.segment import tokenize
from review.training.corpora import HELD_OUT_FROM
from review.training.fluency_spins import Substitutes, jieba_dictionary, substitute_text

NEWS_2012 = ("formal-xinwenlianbo-2012-2021", "xinwenlianbo_2012-2021.jsonl.xz")
NEWS_2022 = ("formal-xinwenlianbo", "xinwenlianbo_2022-2026.jsonl.xz")
REPORTS = ("formal-gov-reports", "government_work_reports.jsonl.xz")
VECTOR_SIZE = 128
NEIGHBOUR_RATIO = 3.0
CHAR_NEIGHBOURS = 12
OTHER_NEIGHBOURS = 4
OTHER_MIN_SIMILARITY = 0.5
SAME_LENGTH_BONUS, SAME_PLACE_BONUS = 0.3, 0.2  # added to the cosine when ranking words that share a character
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


def pair_fold(original: str) -> int:
    """Which of two folds (0: known to the check while training, 1: not) a train pair belongs to (CRC-32 of the
    original word; the halves of spin_pairs.tsv use its lowest bit, the folds the next)."""
    return zlib.crc32(original.encode("utf-8")) >> 1 & 1


def report_split(title: str) -> str:
    """"eval" for a third of the government work reports (the benchmark's, by a CRC-32 of the title); the rest,
    "detector" (the replaced-word detector's training text) or "classifier" (the post classifier's clean and spun
    posts), half each, so that the classifier meets reports the detector never read, as the benchmark and users
    do."""
    code = zlib.crc32(title.encode("utf-8"))
    if code % 3 == 0:
        return "eval"
    return "detector" if code // 3 % 2 == 0 else "classifier"


def chunks(text: str, size: int = 1000) -> list[str]:
    """`text` cut at line breaks into pieces of about `size` characters (a short remainder of under half of it is
    dropped)."""
    out, current = [], ""
    for line in text.splitlines(keepends=True):
        current += line
        if len(current) >= size:
            out.append(current)
            current = ""
    if len(current) >= size // 2:
        out.append(current)
    return out


def report_chunks(data: Path, split: str | None, before: str | None = None) -> list[str]:
    """1,000-character chunks of the simplified-script government work reports of one `report_split` part
    ("eval", "detector" or "classifier"; None: all); with `before` (a year), only those of reports dated earlier."""
    texts = []
    with lzma.open(data.joinpath(*REPORTS), "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("script", "simplified") == "simplified" and split in (None, report_split(row["title"])):
                if before is None or (row.get("year") or "9999") < before:
                    texts += chunks(normalise(row["text"]).text)
    return texts


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


def word_vectors(keys: np.ndarray, pair_counts: np.ndarray, vocabulary: int, size: int = VECTOR_SIZE) -> np.ndarray:
    """Unit word vectors: a truncated SVD of the positive PMI of each word's left and right neighbours (the
    word-pair counts of words.npz; context counts smoothed to the power 0.75)."""
    import scipy.sparse as sparse
    from sklearn.utils.extmath import randomized_svd

    left, right = keys // vocabulary, keys % vocabulary
    weights = pair_counts.astype(np.float64)
    pairs = sparse.csr_matrix((weights, (left, right)), shape=(vocabulary, vocabulary))
    contexts = sparse.hstack([pairs, pairs.T.tocsr()]).tocoo()  # row: a word; columns: words after, then before
    total = contexts.sum()
    rows = np.asarray(contexts.sum(axis=1)).ravel()
    columns = np.asarray(contexts.sum(axis=0)).ravel() ** 0.75
    columns /= columns.sum()
    pmi = np.log(contexts.data / total) - np.log(rows[contexts.row] / total) - np.log(columns[contexts.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (contexts.row[keep], contexts.col[keep])), shape=contexts.shape)
    u, s, _ = randomized_svd(ppmi, n_components=size, n_iter=4, random_state=0)
    vectors = u * np.sqrt(s)
    return (vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)).astype(np.float32)


def neighbour_table(vocab: list[str], counts: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """For each word of two or more Chinese characters, the commoner words a spinner may have replaced with it
    (uint16 ids, NO_NEIGHBOUR in free slots): see the module's docstring."""
    size = len(vocab)
    table = np.full((size, CHAR_NEIGHBOURS + OTHER_NEIGHBOURS), NO_NEIGHBOUR, dtype=np.uint16)
    counts = counts.astype(np.float64)
    eligible = np.array([len(word) >= 2 and bool(_HAN_WORD.match(word)) for word in vocab])
    with_char: dict[str, list[int]] = {}
    for k, word in enumerate(vocab):
        if _HAN_WORD.match(word):
            for char in set(word):
                with_char.setdefault(char, []).append(k)
    by_char = {char: np.array(ids) for char, ids in with_char.items()}
    for k in np.flatnonzero(eligible).tolist():
        found = np.unique(np.concatenate([by_char[char] for char in set(vocab[k]) if char in by_char]))
        found = found[(found != k) & (counts[found] >= NEIGHBOUR_RATIO * counts[k])]
        if len(found):
            # a spinner's synonym is most often as long as the original, often with a character in the same place
            # (部署 → 部属, 研究 → 研讨): those come first among equally similar words
            word = vocab[k]
            shape = np.array([SAME_LENGTH_BONUS * (len(vocab[j]) == len(word))
                              + SAME_PLACE_BONUS * any(a == b for a, b in zip(vocab[j], word)) for j in found])
            similar = found[np.argsort(-(vectors[found] @ vectors[k] + shape), kind="stable")[:CHAR_NEIGHBOURS]]
            table[k, : len(similar)] = similar
    han = np.array([bool(_HAN_WORD.match(word)) for word in vocab])
    block = 2000
    for start in range(0, size, block):
        rows = np.arange(start, min(size, start + block))
        similarity = vectors[rows] @ vectors.T
        similarity[(counts[None, :] < NEIGHBOUR_RATIO * counts[rows][:, None]) | ~han[None, :]] = -1.0
        similarity[np.arange(len(rows)), rows] = -1.0
        top = np.argpartition(-similarity, OTHER_NEIGHBOURS, axis=1)[:, :OTHER_NEIGHBOURS]
        for row, word_id in enumerate(rows.tolist()):
            if not eligible[word_id]:
                continue
            have = set(table[word_id].tolist())
            ranked = sorted(top[row].tolist(), key=lambda j: -similarity[row, j])
            extra = [j for j in ranked if similarity[row, j] >= OTHER_MIN_SIMILARITY and j not in have]
            filled = int((table[word_id] != NO_NEIGHBOUR).sum())  # a row is filled from its first slot on
            table[word_id, filled : filled + len(extra)] = extra
    return table


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


def classifier_posts(posts: list[str], seed: int, min_spun: float,
                     substitutes: Substitutes | None = None) -> tuple[list[str], list[int], list[str]]:
    """Clean posts (0), their copies spun with each fold of the train half of the pairs and a garbled copy (1), and
    each post's kind ("spun" with the fold the training check knows, "spun-unknown" with the other); with
    `substitutes`, also a copy with 5-20% of its words replaced by substitutes of no list ("spun-generated", the
    replaced-word detector's kind of spin)."""
    rng = random.Random(seed)
    folds: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for original, spun in load_spin_pairs("train"):
        folds[pair_fold(original)][original] = spun
    texts, labels, kinds = [], [], []
    for post in posts:
        texts.append(post)
        labels.append(0)
        kinds.append("clean")
        words = max(han_words(post), 1)
        for fold in (0, 1):
            spun, replaced = spin_text(post, folds[fold], rng.choice((0.5, 1.0)), rng)
            if replaced / words >= min_spun:
                texts.append(spun)
                labels.append(1)
                kinds.append("spun" if fold == 0 else "spun-unknown")
        if substitutes is not None:
            spun, spans = substitute_text(post, substitutes, rng.uniform(0.05, 0.2), rng)
            if len(spans) / words >= min_spun:
                texts.append(spun)
                labels.append(1)
                kinds.append("spun-generated")
        kind = rng.choice(("shuffled", "dropped", "both"))
        texts.append(garble(post, rng, kind != "dropped", 0.05 if kind != "shuffled" else 0.0))
        labels.append(1)
        kinds.append(kind)
    return texts, labels, kinds


HEADS = {"spun": ("spun", "spun-unknown", "spun-generated"), "garbled": ("shuffled", "dropped", "both")}
# Clean report chunks of reports from before this year are no negatives of the heads and set no threshold (their
# spun and garbled copies stay positives). The check reads today's government writing; the 1950s-1970s reports'
# wording (基本建设, 国家预算 … in that decade's phrasing) puts 3-4% of their words over the replaced-word detector's
# threshold, about what a modern post spun at 10% shows, so the highest of them set every head's threshold and left
# a third of the spun modern reports below it (sixteenth session, docs/fluency.md).
MODERN_FROM = "1978"


def kept_for_heads(kinds: list[str], texts: list[str], out_of_register: set[str]) -> np.ndarray:
    """Which training posts the heads read: all but the clean posts among `out_of_register` (the report chunks
    from before MODERN_FROM); their spun and garbled copies are other texts and stay."""
    return np.array([not (kind == "clean" and text in out_of_register) for kind, text in zip(kinds, texts)],
                    dtype=bool)


def fit_heads(rows: np.ndarray, kinds: list[str], max_clean_flagged: float,
              sources: list[str] | None = None) -> tuple[dict, dict]:
    """classifier.json's heads, each a regression of clean posts against its kinds of post, each threshold
    flagging at most half of `max_clean_flagged` of the clean posts of every source (news articles, report chunks:
    the reports' register scores higher, and one threshold over both let news set it); and the training figures
    (clean posts flagged by either head, each kind's recall)."""
    kinds_arr = np.array(kinds)
    clean = kinds_arr == "clean"
    source_arr = np.array(sources if sources is not None else ["all"] * len(kinds))
    heads, fired = {}, np.zeros(len(kinds), dtype=bool)
    for name, positive in HEADS.items():
        used = clean | np.isin(kinds_arr, positive)
        x = rows[used]
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
        weights, bias = fit_logistic((x - mean) / scale, (~clean[used]).astype(float))
        scores = 1 / (1 + np.exp(-np.clip(((rows - mean) / scale) @ weights + bias, -50, 50)))
        threshold = max(float(np.quantile(scores[clean & (source_arr == source)], 1 - max_clean_flagged / 2))
                        for source in dict.fromkeys(source_arr[clean].tolist())) + 1e-6
        fired |= scores >= threshold
        heads[name] = {
            "features": list(FEATURES), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "weights": weights.round(6).tolist(), "bias": round(bias, 6), "threshold": round(threshold, 6),
        }
    figures = {
        "clean_flagged_train": round(float(fired[clean].mean()), 4),
        "clean_flagged_train_by_source": {source: round(float(fired[clean & (source_arr == source)].mean()), 4)
                                          for source in dict.fromkeys(source_arr[clean].tolist())},
        "recall_train": {kind: round(float(fired[kinds_arr == kind].mean()), 4)
                         for kind in dict.fromkeys(kinds) if kind != "clean"},
    }
    return {"heads": heads}, figures


def train(data: Path, out: Path, vocabulary: int = 60000, posts: int = 3000, min_spun: float = 0.04,
          max_clean_flagged: float = 0.001, seed: int = 13, keep_counts: bool = False,
          rows_file: Path | None = None) -> dict:
    """Count the word model, find the neighbours, fit the classifier, write them to `out`; returns the stats
    written beside them (`keep_counts`: fit the classifier on the word model and neighbours already in `out`;
    `rows_file`: the classifier's feature rows, read from there when it exists, else computed and saved there, so
    that refitting the heads alone takes seconds, not ten minutes)."""
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
    neighbours_file = out / NEIGHBOURS_MODEL[-1]
    if not (keep_counts and neighbours_file.exists()):
        with np.load(words_file, allow_pickle=False) as arrays:
            size = len(arrays["counts"])
            vectors = word_vectors(arrays["bigram_keys"].astype(np.int64), arrays["bigram_counts"], size)
            table = neighbour_table(_strings(arrays["vocab"]), arrays["counts"], vectors)
        np.savez_compressed(neighbours_file, neighbours=table)
    load_neighbours.cache_clear()

    rng = random.Random(seed)
    sample = rng.sample(held, min(posts, len(held)))
    reports = report_chunks(data, "classifier")
    news_posts = len(sample)
    sample += rng.sample(reports, min(posts, len(reports)))
    detector_file = out / DETECTOR_MODEL[-1]
    substitutes = None
    if detector_file.exists():
        with np.load(words_file, allow_pickle=False) as arrays, np.load(neighbours_file) as table:
            substitutes = Substitutes(_strings(arrays["vocab"]), table["neighbours"], jieba_dictionary())
    texts, labels, kinds = classifier_posts(sample, seed, min_spun, substitutes)
    # the check reads models/fluency: point it at the files just written; it knows one fold of the train pairs,
    # so that the classifier also learns from spins with words it does not know
    known = tuple(pair for pair in load_spin_pairs("train") if pair_fold(pair[0]) == 0)
    check = FluencyCheck(spin_pairs=known)
    check._words = load_word_counts(str(words_file))
    check._neighbours = load_neighbours(str(neighbours_file))
    load_detector.cache_clear()
    check.use_detector(load_detector(str(detector_file)))
    # each post's rows follow its clean row (classifier_posts): the first `news_posts` clean rows are news
    clean_seen = np.cumsum([kind == "clean" for kind in kinds])
    sources = ["news" if seen <= news_posts else "report" for seen in clean_seen.tolist()]
    if rows_file is not None and rows_file.exists():
        with np.load(rows_file, allow_pickle=False) as saved:
            rows = saved["rows"]
        if rows.shape != (len(texts), len(FEATURES)):
            raise ValueError(f"{rows_file}: rows of another sample or feature list; delete it to recompute")
    else:
        computed = []
        for number, text in enumerate(texts, 1):
            computed.append([check.analyse(text, tokenize(text), judge=False).features[name] for name in FEATURES])
            if number % 1000 == 0:
                print(f"features of {number} of {len(texts)} posts, {time.time() - started:.0f}s", flush=True)
        rows = np.array(computed)
        if rows_file is not None:
            np.savez_compressed(rows_file, rows=rows)
    negative = kept_for_heads(kinds, texts, set(report_chunks(data, "classifier", before=MODERN_FROM)))
    classifier, scores = fit_heads(rows[negative], [kind for kind, kept in zip(kinds, negative) if kept],
                                   max_clean_flagged, [source for source, kept in zip(sources, negative) if kept])
    (out / CLASSIFIER[-1]).write_text(json.dumps(classifier, indent=1) + "\n", encoding="utf-8")
    load_classifier.cache_clear()
    stats = {
        **count_stats,
        "classifier_posts": {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)},
        "clean_reports_before_modern_left_out": int((~negative).sum()),
        **scores,
        "words_npz_bytes": words_file.stat().st_size, "neighbours_npz_bytes": neighbours_file.stat().st_size,
        "report_chunks": len(reports),
        "seconds": round(time.time() - started),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return stats

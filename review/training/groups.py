"""Train the context classifiers of the confusable character groups (review/typo/groups.py).

    review train groups --data ../shared/data          # writes models/groups/groups.npz (~1 min on the CPU)

Examples: every occurrence of a group member (lexicons/confusion/groups.tsv) in the clean formal text the n-gram
model counts (review/training/corpora.py: clean_texts: 《新闻联播》 before 2026-03, the government reports,
the litigation excerpts, MSRA news minus the false-alarm sets); the label is the member written there. Nothing
the reranker learns from or is tuned on is read: no training pair (their targets would make the classifier
sure of exactly the contexts the reranker must learn to doubt), no news from 2026-03 on. Per group a
multinomial logistic regression over hashed context features, fitted with Adagrad; every 20th example is
kept out and the accuracy on it reported, with the accuracy on held-out news (2026-06 on) and on the members
of the held-out training pairs' corrected sentences.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Iterable, List, Tuple

import numpy as np

from review.training import command_parser
from review.training import csc_data as D
from review.training.csc_eval import sentence_metrics
from review.training.rerank import add_tree_arguments
from review.typo.groups import GROUPS_FILE, TEMPLATES, GroupModel, feature_buckets, read_groups

ROOT = Path(__file__).resolve().parents[2]


def collect(texts: Iterable[str], model: GroupModel, chunk: int = 200_000, progress: bool = True
            ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Per group: the hashed features (n, len(TEMPLATES)) of every occurrence of its members and the member
    index written there."""
    from tqdm import tqdm

    from review.typo.ngram import encode

    parts: List[List[Tuple[np.ndarray, np.ndarray]]] = [[] for _ in model.groups]
    group_of = np.zeros(len(model._start), dtype=np.int64)
    for g, group in enumerate(model.groups):
        for ch in group:
            group_of[ord(ch)] = g
    bar = tqdm(disable=not progress, desc="examples", unit=" chars", unit_scale=True, mininterval=5)
    texts = iter(texts)
    while True:
        block = "\n".join(itertools.islice(texts, 200))
        if not block:
            break
        bar.update(len(block))
        for a in range(0, len(block), chunk):
            codes = encode(block[a: a + chunk])
            positions = model.member_positions(codes)
            if not len(positions):
                continue
            buckets = feature_buckets(codes, positions, model.bits).astype(np.int32)
            held = codes[positions]
            groups, labels = group_of[held], model._index[held].astype(np.int8)
            for g in np.unique(groups).tolist():
                mine = groups == g
                parts[g].append((buckets[mine], labels[mine]))
    bar.close()
    width = len(TEMPLATES)
    return [(np.concatenate([x for x, _ in p]) if p else np.zeros((0, width), np.int32),
             np.concatenate([y for _, y in p]) if p else np.zeros(0, np.int8)) for p in parts]


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, bits: int, epochs: int = 2, lr: float = 0.1,
                batch: int = 4096, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression over hashed binary features, by mini-batch Adagrad: (weights, bias)."""
    size = 1 << bits
    counts = np.bincount(y.astype(np.int64), minlength=classes) + 1.0
    bias = np.log(counts / counts.sum()).astype(np.float64)
    weights = np.zeros((classes, size), dtype=np.float64)
    squares = np.full((classes, size), 1e-6)
    rng = np.random.default_rng(seed)
    width = x.shape[1]
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(order), batch):
            rows = order[start: start + batch]
            xb, yb = x[rows], y[rows].astype(np.int64)
            logits = bias[None, :] + weights[:, xb].sum(2).T
            logits -= logits.max(1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(rows)), yb] -= 1.0
            p /= len(rows)
            flat = xb.ravel()
            for k in range(classes):
                grad = np.bincount(flat, weights=np.repeat(p[:, k], width), minlength=size)
                touched = grad != 0
                squares[k, touched] += grad[touched] ** 2
                weights[k, touched] -= lr * grad[touched] / np.sqrt(squares[k, touched])
            bias -= lr * 0.1 * p.sum(0)
    return weights.astype(np.float32), bias.astype(np.float32)


def accuracy(weights: np.ndarray, bias: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Share of examples whose written member is the classifier's first choice."""
    if not len(y):
        return float("nan")
    logits = bias[None, :] + weights[:, x].sum(2).T
    return float((logits.argmax(1) == y).mean())


def main(argv=None) -> int:
    ap = command_parser("review train groups", "训练易混字组上下文分类器 / " + __doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data folder")
    ap.add_argument("--out", default=str(ROOT / "models" / "groups" / GROUPS_FILE), help="输出文件 / output file")
    ap.add_argument("--groups", default=str(ROOT / "lexicons" / "confusion" / "groups.tsv"),
                    help="易混字组表 / the confusable groups TSV")
    ap.add_argument("--bits", type=int, default=17, help="每个组员的哈希特征数 / hashed features per group member: 2**bits")
    ap.add_argument("--epochs", type=int, default=5, help="训练轮数 / training epochs")
    ap.add_argument("--lr", type=float, default=0.2, help="学习率 / learning rate")
    ap.add_argument("--cache", default="", help="样本缓存文件 / npz file to keep/reuse the examples between runs")
    ap.add_argument("--model", default=str(ROOT / "models" / "csc"),
                    help="字符纠错模型目录 / folder of the character corrector; the group pass is written there "
                         "(rerank_groups.npz)")
    ap.add_argument("--pass-out", default="", help="字组判断结果的输出位置 / write the group pass here instead of --model")
    ap.add_argument("--ngram", default=str(ROOT / "models" / "ngram" / "ngram.npz"),
                    help="字符 n 元模型文件 / the character n-gram model file")
    ap.add_argument("--group-gate", type=float, default=0.5,
                    help="分类器给原字的概率低于此值的位置才检查 / positions whose written member the classifier gives less than this are "
                         "examined")
    ap.add_argument("--group-floor", type=float, default=0.2,
                    help="其他组员概率达到此值即为候选 / the group's other members it gives at least this are candidates")
    add_tree_arguments(ap, 100, 4, 0.1)
    ap.add_argument("--max-news-extra", type=float, default=0.0004,
                    help="留出新闻句中字组判断可额外改动的比例上限 / most share of held-out news sentences the group pass may add (default "
                         "0.0004: one in 2,500)")
    ap.add_argument("--tuning-news", type=int, default=0,
                    help="误报上限所用的留出新闻句数 / held-out news sentences (2026-06 on) for the false-alarm bound: 0 = all "
                         "13,592. The group "
                         "pass changes few of them, so the reranker's 3,000 measure it too coarsely (0 of 3,000 "
                         "at the first threshold chosen, 4 more of 300 benchmark posts)")
    ap.add_argument("--rows-cache", default="", help="字组判断样本行缓存文件 / npz file to keep/reuse the group pass's rows")
    args = ap.parse_args(argv)
    t0 = time.time()
    data = Path(args.data)
    groups = read_groups(Path(args.groups))
    members = sum(map(len, groups))
    empty = GroupModel(groups, np.zeros((members, 1), np.float32), np.zeros(members, np.float32), args.bits, {})
    cache = Path(args.cache) if args.cache else None
    # the examples depend on the groups, the hashing and its width: a cache of other ones is rebuilt
    stamp = np.array(json.dumps({"groups": groups, "bits": args.bits, "templates": [list(t) for t in TEMPLATES]}))
    examples = None
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as d:  # the default, said: a cache never unpickles
            if "stamp" in d.files and str(d["stamp"]) == str(stamp):
                examples = [(d[f"x{g}"], d[f"y{g}"]) for g in range(len(groups))]
            else:
                print(f"{cache} holds examples of other groups or features: rebuilding it", file=sys.stderr)
    if examples is None:
        from review.training.corpora import clean_texts

        examples = collect(clean_texts(data), empty)
        if cache:
            np.savez(cache, stamp=stamp,
                     **{f"{k}{g}": v for g, pair in enumerate(examples) for k, v in zip("xy", pair)})
    print(f"examples per group: {[len(y) for _, y in examples]} ({time.time() - t0:.0f}s)", file=sys.stderr)

    weights, biases, report = [], [], {}
    for group, (x, y) in zip(groups, examples):
        kept_out = np.arange(len(y)) % 20 == 0
        w, b = fit_softmax(x[~kept_out], y[~kept_out], len(group), args.bits, args.epochs, args.lr)
        report[group] = {"examples": int(len(y)), "accuracy": round(accuracy(w, b, x[kept_out], y[kept_out]), 4),
                         "majority": round(float(np.bincount(y[kept_out], minlength=len(group)).max()
                                                 / max(kept_out.sum(), 1)), 4)}
        weights.append(w)
        biases.append(b)
    model = GroupModel(groups, np.concatenate(weights), np.concatenate(biases), args.bits, {})

    from review.training.corpora import held_out_texts
    from review.training.rerank import holdout

    news = collect(itertools.islice(held_out_texts(data), 2000), model, progress=False)
    held = collect((p.tgt for p in D.load_train_pairs(data) if holdout(p)), model, progress=False)
    for g, group in enumerate(groups):
        k = slice(sum(map(len, groups[:g])), sum(map(len, groups[: g + 1])))
        for name, found in (("news", news), ("held_out_pairs", held)):
            x, y = found[g]
            report[group][name] = {"examples": int(len(y)),
                                   "accuracy": round(accuracy(model.weights[k], model.bias[k], x, y), 4)}
        print(f"{group}: {report[group]}", file=sys.stderr)
    model.meta = dict(bits=args.bits, epochs=args.epochs, lr=args.lr, templates=[list(t) for t in TEMPLATES],
                      groups=report, seconds=round(time.time() - t0, 1),
                      data="clean_texts of review/training/corpora.py (no training pair, no news from 2026-03)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {time.time() - t0:.0f}s)", file=sys.stderr)
    return train_group_pass(args, model, t0)


def train_group_pass(args, model: GroupModel, t0: float) -> int:
    """Fit the group pass's decision ensemble on the training pairs and tune its threshold (see the doc)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training.rerank import (
        build_fold_rows,
        cross_fit_observed,
        export,
        holdout,
        origin_weights,
        scored_as_unseen,
        training_news,
        tuning_news,
    )
    from review.training.words import pick_added_threshold, tuned_figures
    from review.typo.candidates import GROUP_FEATURES
    from review.typo.confusion import ConfusionSet
    from review.typo.edits import apply_edits, covered
    from review.typo.rerank import GROUP_PASS_FILE, GroupPass, RerankCorrector, load_rerank_corrector

    data = Path(args.data)
    # the other paths' edits alone: a group pass already in --model is being replaced
    rerank = load_rerank_corrector(Path(args.model), None, ConfusionSet.load(), group_pass=False)
    assert isinstance(rerank, RerankCorrector)  # without a transformer it is never a HybridCorrector
    generator = rerank.generator
    generator.prepare()
    generator.groups, generator.group_gate, generator.group_floor = model, args.group_gate, args.group_floor
    pairs = D.load_train_pairs(data)
    fit_pairs = [p for p in pairs if not holdout(p)] + training_news(data)
    cache = Path(args.rows_cache) if args.rows_cache else None
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as d:  # the default, said: a cache never unpickles
            rows = {k: d[k] for k in d.files}
    else:
        fold_args = argparse.Namespace(data=str(data), ngram=args.ngram)
        rows = build_fold_rows(fold_args, generator, None, fit_pairs, groups_only=True)
        if cache:
            np.savez(cache, **rows)
    rows = cross_fit_observed(rows, fit_pairs, generator.confusion)
    x, y = rows["x"], rows["y"]
    print(f"group pass: {len(y)} rows, {int(y.sum())} positive ({time.time() - t0:.0f}s)", file=sys.stderr)
    clf = HistGradientBoostingClassifier(max_iter=args.iterations, max_depth=args.depth,
                                         learning_rate=args.learning_rate, l2_regularization=1.0,
                                         early_stopping=False, random_state=0)
    clf.fit(x, y,
            sample_weight=origin_weights(["odw=3", "law=2", "med=2"], [p.origin for p in fit_pairs], rows["pair"]))
    # its threshold is tuned below (`metrics` decides at each threshold of the grid)
    rerank = rerank.with_parts(rerank.words, GroupPass(export(clf, GROUP_FEATURES), threshold=1.0))

    news = tuning_news(data, args.tuning_news if args.tuning_news > 0 else 10**9)
    sets = {"dev": D.odw_split(data)[1], "held": [p for p in pairs if holdout(p)], "news": news}
    base, scored = {}, {}
    for name, ps in sets.items():
        srcs = [p.src for p in ps]
        if name == "held":  # their own substitutions are in the confusion set's observed column
            found = scored_as_unseen(rerank, srcs, generator.observed)
            edits = [RerankCorrector.decide(s, c, prob, rerank.threshold) for s, (c, prob) in zip(srcs, found)]
            base[name] = rerank.add_word_edits(srcs, edits)
            scored[name] = scored_as_unseen(rerank, srcs, generator.observed, groups=True)
        else:
            base[name] = rerank.add_word_edits(srcs, [RerankCorrector.decide(s, c, prob, rerank.threshold)
                                                      for s, (c, prob) in zip(srcs, rerank.scored(srcs))])
            scored[name] = rerank.scored_groups(srcs)

    def metrics(name: str, threshold: float) -> dict:
        out = []
        for p, edits, (c, prob) in zip(sets[name], base[name], scored[name]):
            taken = covered(edits)
            extra = [e for e in RerankCorrector.decide(p.src, c, prob, threshold) if e.index not in taken]
            out.append(apply_edits(p.src, list(edits) + extra))
        return sentence_metrics([p.src for p in sets[name]], [p.tgt for p in sets[name]], out)

    before = {name: metrics(name, 2.0) for name in sets}
    print(f"without the group pass: odw dev F1 {before['dev']['cor_f1']:.3f} | held-out pairs F1 "
          f"{before['held']['cor_f1']:.3f} | news changed {before['news']['fpr']:.4f}", file=sys.stderr)
    grid = [round(t, 2) for t in np.arange(0.3, 0.961, 0.05)]
    results = {name: [metrics(name, thr) for thr in grid] for name in sets}
    threshold, k = pick_added_threshold(grid, results, before, args.max_fpr, args.max_news_extra)
    meta = dict(threshold=threshold, group_gate=args.group_gate, group_floor=args.group_floor,
                iterations=args.iterations, depth=args.depth, learning_rate=args.learning_rate,
                rows=int(len(y)), positives=int(y.sum()),
                tuning=f"max mean correction F1 of odw dev and the held-out training pairs (with the character and "
                       f"word edits), odw-dev FPR <= {args.max_fpr}, held-out news changed <= theirs + "
                       f"{args.max_news_extra}",
                **tuned_figures(results, k, before), seconds=round(time.time() - t0, 1))
    out = Path(args.pass_out) if args.pass_out else Path(args.model) / GROUP_PASS_FILE
    rerank.group_pass.ensemble.save(out, meta)
    print(json.dumps(meta, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the whole-word homophone corrector (review/typo/words.py) and tune its threshold.

    review train words --data ../shared/data          # writes models/csc/words.npz (2-4 min on the CPU)

Rows: every word candidate in the source sentences of the training pairs (minus the reranker's held-out
tenth), in their targets as error-free sentences, and in the never-counted 《新闻联播》 sentences the reranker
also learns from; every third of those gets a synthetic whole-word error first (``synthetic_pairs``: a
two-character word swapped for one filed under the same reading), because the real pairs hold only ~400.
Each fold of the pairs is scored by the n-gram counts without its own targets, as the
reranker's rows are (the shipped n-gram model counts the pairs' targets). Label: the target holds the
candidate word at the pair.

Threshold: with the shipped character corrector's edits (review/typo/rerank.py, at its own threshold, the
transformer left out), the highest mean correction F1 of odw dev and the held-out pairs, among thresholds
that keep odw dev's error-free sentences changed within ``--max-fpr`` and raise the share of held-out news
sentences changed by at most ``--max-news-extra``.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from review.training import command_parser
from review.training import csc_data as D
from review.training.csc_eval import sentence_metrics
from review.training.rerank import add_tree_arguments
from review.typo.edits import apply_edits
from review.typo.rerank import RerankCorrector, load_rerank_corrector
from review.typo.words import WORD_FEATURES, WORDS_FILE, HomophoneWordGenerator, WordCorrector, merge_word_edits

ROOT = Path(__file__).resolve().parents[2]


def build_rows(generator: HomophoneWordGenerator, pairs: Sequence[D.Pair], progress: bool = True
               ) -> Dict[str, np.ndarray]:
    """Feature rows of every word candidate of the pairs' sources and (error-free) targets: x, y, pair."""
    from tqdm import tqdm

    xs, ys, owners = [], [], []
    for i, p in enumerate(tqdm(pairs, disable=not progress, desc="word rows", unit="pair", mininterval=5)):
        if len(p.src) != len(p.tgt):
            continue
        for text in ((p.src, p.tgt) if p.src != p.tgt else (p.src,)):
            c = generator.generate(text)
            if not len(c.words):
                continue
            xs.append(c.features)
            ys.append(np.array([p.tgt[s: s + 2] == w for s, w in zip(c.starts.tolist(), c.words)], dtype=np.int8))
            owners.append(np.full(len(c.words), i, dtype=np.int64))
    if not xs:
        return dict(x=np.zeros((0, len(WORD_FEATURES)), np.float32), y=np.zeros(0, np.int8), pair=np.zeros(0, np.int64))
    return dict(x=np.concatenate(xs), y=np.concatenate(ys), pair=np.concatenate(owners))


def build_fold_rows(args, generator: HomophoneWordGenerator, pairs: Sequence[D.Pair]) -> Dict[str, np.ndarray]:
    """`build_rows`, each fold's pairs scored by the n-gram counts without their own targets."""
    from review.training.rerank import rows_by_fold

    parts = rows_by_fold(args, generator, pairs, lambda fold: build_rows(generator, fold))
    return {key: np.concatenate([r[key] for r in parts]) for key in parts[0]}


def synthetic_pairs(generator: HomophoneWordGenerator, sentences: Sequence[str], seed: int = 0) -> List[D.Pair]:
    """Whole-word input-method errors made in clean sentences: in each, one two-character dictionary word
    (jieba's segmentation) replaced by a word filed under the same reading (one of the generator's candidates,
    picked at random). Sentences without such a word are left out."""
    import random

    from review.segment import get_tokenizer
    from review.typo.ngram import encode

    rng = random.Random(seed)
    tokenizer = get_tokenizer()
    out: List[D.Pair] = []
    for sentence in sentences:
        codes = encode(sentence)
        starts, at = [], 0
        for token in tokenizer.lcut(sentence):
            if len(token) == 2 and codes[at] and codes[at + 1]:
                starts.append(at)
            at += len(token)
        if not starts:
            continue
        owner, words = generator._alternatives(codes, np.array(starts, dtype=np.int64))
        if not len(owner):
            continue
        k = rng.randrange(len(owner))
        s = starts[int(owner[k])]
        wrong = chr(int(words[k, 0])) + chr(int(words[k, 1]))
        out.append(D.Pair(sentence[:s] + wrong + sentence[s + 2:], sentence, "synthetic"))
    return out


def sweep(char_edits: List[list], words: WordCorrector, pairs: Sequence[D.Pair], thresholds: Sequence[float]
          ) -> List[dict]:
    """Sentence metrics of the character edits plus the word edits at each threshold (scored once)."""
    srcs = [p.src for p in pairs]
    scored = [words.scored(s) for s in srcs]
    out = []
    for thr in thresholds:
        preds = [apply_edits(s, merge_word_edits(ce, WordCorrector.decide(c, pr, thr)))
                 for s, ce, (c, pr) in zip(srcs, char_edits, scored)]
        m = sentence_metrics(srcs, [p.tgt for p in pairs], preds)
        m["threshold"] = thr
        out.append(m)
    return out


def pick_added_threshold(grid: Sequence[float], results: Dict[str, List[dict]], before: Dict[str, dict],
                         max_fpr: float, max_news_extra: float) -> Tuple[float, int]:
    """(threshold, its index in `grid`) of an added path: the best mean correction F1 of odw dev ("dev") and the
    held-out pairs ("held") among thresholds within `max_fpr` on odw dev's error-free sentences that add at most
    `max_news_extra` to the share of held-out news ("news") changed `before` (the highest when none is)."""
    ok = []
    for k, thr in enumerate(grid):
        d, h, n = results["dev"][k], results["held"][k], results["news"][k]
        print(f"thr {thr:.2f} odw dev F1 {d['cor_f1']:.3f} fpr {d['fpr']:.3f} | held-out pairs P/R/F1 "
              f"{h['cor_p']:.3f}/{h['cor_r']:.3f}/{h['cor_f1']:.3f} | news changed {n['fpr']:.4f}", file=sys.stderr)
        if d["fpr"] <= max_fpr and n["fpr"] <= before["news"]["fpr"] + max_news_extra:
            ok.append((round((d["cor_f1"] + h["cor_f1"]) / 2, 4), thr, k))
    _, threshold, k = max(ok) if ok else (0, grid[-1], len(grid) - 1)
    return threshold, k


def tuned_figures(results: Dict[str, List[dict]], k: int, before: Dict[str, dict]) -> dict:
    """The figures at grid index `k` and without the added path, for a model's meta."""
    def rounded(row: dict) -> dict:
        return {m: round(float(row[m]), 4) for m in ("cor_p", "cor_r", "cor_f1", "fpr")}

    return dict(odw_dev=rounded(results["dev"][k]), held_out=rounded(results["held"][k]),
                news_changed=round(float(results["news"][k]["fpr"]), 4),
                without={"odw_dev_f1": round(float(before["dev"]["cor_f1"]), 4),
                         "held_out_f1": round(float(before["held"]["cor_f1"]), 4),
                         "news_changed": round(float(before["news"]["fpr"]), 4)})


def main(argv=None) -> int:
    ap = command_parser("review train words", "训练整词同音纠错模型 / " + __doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data folder")
    ap.add_argument("--out", default=str(ROOT / "models" / "csc" / WORDS_FILE), help="输出文件 / output file")
    ap.add_argument("--model", default=str(ROOT / "models" / "csc"), help="字符纠错模型目录 / folder of the character "
                                                                          "corrector")
    ap.add_argument("--ngram", default=str(ROOT / "models" / "ngram" / "ngram.npz"),
                    help="字符 n 元模型文件 / the character n-gram model file")
    ap.add_argument("--cloze", default="none",
                    help="完形填空模型目录（默认不用） / cloze model folder whose scores become features (default none: with "
                         "models/cloze the "
                         "word path cost ~0.45 ms more per 1,000 characters and scored no better on odw dev)")
    ap.add_argument("--gate", type=float, default=-16.0,
                    help="只为三元组对数概率低于此值的位置生成候选 / only positions whose own trigram log-probability is below this get "
                         "candidates")
    ap.add_argument("--pair-gate", type=float, default=-14.0,
                    help="词中另一字的对数概率也须低于此值 / the pair's other character's own log-probability must also be below this")
    ap.add_argument("--floor", type=float, default=3.0,
                    help="候选须比原词的三元组得分高出的最少值（nats） / least trigram gain (nats) over the written word for a candidate")
    ap.add_argument("--words-per-key", type=int, default=4,
                    help="每个读音只取最常用的几个词 / only a reading's most frequent words are candidates (0: all)")
    add_tree_arguments(ap, 100, 4, 0.1)
    ap.add_argument("--max-news-extra", type=float, default=0.0004,
                    help="留出新闻句中整词纠错可额外改动的比例上限 / most share of held-out news sentences the word edits may add to the "
                         "character edits' (default: one sentence of the 3,000)")
    ap.add_argument("--synthetic", type=int, default=3,
                    help="每 N 句新闻造一句整词错误 / every Nth never-counted news sentence gets a synthetic whole-word error "
                         "instead of being an error-free row (0: none)")
    ap.add_argument("--cache", default="", help="样本行缓存文件 / npz file to keep/reuse the rows between runs")
    args = ap.parse_args(argv)

    from review.pinyin import HOMOPHONE_MIN_FREQ
    from review.segment import get_tokenizer
    from review.training.rerank import export, holdout, origin_weights, scored_as_unseen, training_news, tuning_news
    from review.typo.cloze import load_cloze
    from review.typo.confusion import ConfusionSet
    from review.typo.ngram import load_ngram

    t0 = time.time()
    ngram = load_ngram(args.ngram)
    for table in ngram.tables():
        table.prepare()
    cloze = None if args.cloze == "none" else load_cloze(args.cloze)
    if cloze is not None:
        cloze.prepare()
    generator = HomophoneWordGenerator(ngram, get_tokenizer().FREQ, cloze, gate=args.gate,
                                       pair_gate=args.pair_gate, floor=args.floor, words_per_key=args.words_per_key)
    generator.prepare()
    pairs = D.load_train_pairs(args.data)
    news_rows = training_news(args.data)
    if args.synthetic > 0:
        synthetic = synthetic_pairs(generator, [p.src for p in news_rows[:: args.synthetic]])
        news_rows = [p for i, p in enumerate(news_rows) if i % args.synthetic] + synthetic
        print(f"{len(synthetic)} news sentences with a synthetic whole-word error", file=sys.stderr)
    fit_pairs = [p for p in pairs if not holdout(p)] + news_rows
    held_pairs = [p for p in pairs if holdout(p)]
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as d:  # the default, said: a cache never unpickles
            rows = {k: d[k] for k in d.files}
    else:
        rows = build_fold_rows(args, generator, fit_pairs)
        if cache:
            np.savez(cache, **rows)
    x, y = rows["x"], rows["y"]
    print(f"{len(y)} rows, {int(y.sum())} positive, {time.time() - t0:.0f}s", file=sys.stderr)

    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(max_iter=args.iterations, max_depth=args.depth,
                                         learning_rate=args.learning_rate, l2_regularization=1.0,
                                         early_stopping=False, random_state=0)
    weights = origin_weights(["odw=3", "law=2", "med=2"], [p.origin for p in fit_pairs], rows["pair"])
    clf.fit(x, y, sample_weight=weights)
    ensemble = export(clf, WORD_FEATURES)
    words = WordCorrector(generator, ensemble, 0.5)

    # the character corrector's edits, once per tuning set
    chars = load_rerank_corrector(Path(args.model), None, ConfusionSet.load(), ngram=ngram)
    assert isinstance(chars, RerankCorrector)  # without a transformer it is never a HybridCorrector
    # the character edits alone: a words.npz already in --model is what is being replaced
    rerank = chars.with_parts(None, chars.group_pass)
    rerank.generator.prepare()
    dev = D.odw_split(args.data)[1]
    news = tuning_news(args.data)
    sets = {"dev": dev, "held": held_pairs, "news": news}
    char_edits = {name: rerank.correct([p.src for p in ps]) for name, ps in sets.items() if name != "held"}
    # held-out training pairs: their own substitutions are in the confusion set's observed column
    held_scored = scored_as_unseen(rerank, [p.src for p in held_pairs], rerank.generator.observed)
    char_edits["held"] = [RerankCorrector.decide(p.src, c, prob, rerank.threshold)
                          for p, (c, prob) in zip(held_pairs, held_scored)]
    grid = [round(t, 2) for t in np.arange(0.3, 0.96, 0.05)]
    results = {name: sweep(char_edits[name], words, ps, grid) for name, ps in sets.items()}
    base = {name: sentence_metrics([p.src for p in ps], [p.tgt for p in ps],
                                   [apply_edits(p.src, e) for p, e in zip(ps, char_edits[name])])
            for name, ps in sets.items()}
    print(f"character edits alone: odw dev F1 {base['dev']['cor_f1']:.3f} fpr {base['dev']['fpr']:.3f} | held-out "
          f"pairs F1 {base['held']['cor_f1']:.3f} | news changed {base['news']['fpr']:.4f}", file=sys.stderr)
    threshold, k = pick_added_threshold(grid, results, base, args.max_fpr, args.max_news_extra)
    meta = dict(threshold=threshold, gate=args.gate, pair_gate=args.pair_gate, floor=args.floor,
                words_per_key=args.words_per_key, synthetic=args.synthetic, min_freq=HOMOPHONE_MIN_FREQ,
                cloze=cloze is not None, iterations=args.iterations, depth=args.depth,
                learning_rate=args.learning_rate, rows=int(len(y)), positives=int(y.sum()),
                tuning=f"max mean correction F1 of odw dev and the held-out training pairs (with the character "
                       f"edits), odw-dev FPR <= {args.max_fpr}, held-out news changed <= the character edits' + "
                       f"{args.max_news_extra}",
                **tuned_figures(results, k, base), seconds=round(time.time() - t0, 1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ensemble.save(out, meta)
    print(json.dumps(meta, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

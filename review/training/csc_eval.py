"""Sentence-level CSC evaluation (the convention of ReaLiSe's and pycorrector's evaluation scripts).

For each sentence the gold edits are the positions (detection) or (position, char) pairs (correction) where
``tgt`` differs from ``src``, the predicted edits likewise for the prediction.

* precision = sentences whose predicted edits are non-empty and equal the gold edits / sentences with predicted edits
* recall    = the same true positives / sentences with gold edits
* F1        = harmonic mean
* fpr       = error-free sentences (src == tgt) that the system changed / error-free sentences
* acc       = sentences whose predicted edits equal the gold edits / all sentences

    python -m review.training.csc_eval FILE.jsonl|FILE.tsv|odw-dev ... [--model models/csc] [--threshold T]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from review.training import command_parser


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def sentence_metrics(srcs: Sequence[str], tgts: Sequence[str], preds: Sequence[str]) -> Dict[str, float]:
    """Sentence-level detection/correction P/R/F1, false-positive rate and accuracy."""
    n = len(srcs)
    det_tp = cor_tp = pred_n = gold_n = det_hit = cor_hit = 0
    clean_n = clean_fp = 0
    for s, t, p in zip(srcs, tgts, preds):
        if len(s) != len(t) or len(s) != len(p):
            raise ValueError("src, tgt and prediction must have equal length")
        gold = [(i, c) for i, (a, c) in enumerate(zip(s, t)) if a != c]
        pred = [(i, c) for i, (a, c) in enumerate(zip(s, p)) if a != c]
        gpos = [i for i, _ in gold]
        ppos = [i for i, _ in pred]
        if gold:
            gold_n += 1
        else:
            clean_n += 1
            if pred:
                clean_fp += 1
        if pred:
            pred_n += 1
            if ppos == gpos:
                det_tp += 1
            if pred == gold:
                cor_tp += 1
        if ppos == gpos:
            det_hit += 1
        if pred == gold:
            cor_hit += 1
    dp = det_tp / pred_n if pred_n else 0.0
    dr = det_tp / gold_n if gold_n else 0.0
    cp = cor_tp / pred_n if pred_n else 0.0
    cr = cor_tp / gold_n if gold_n else 0.0
    return dict(n=n, n_err=gold_n, n_clean=clean_n, n_changed=pred_n,
                det_p=dp, det_r=dr, det_f1=_f1(dp, dr), cor_p=cp, cor_r=cr, cor_f1=_f1(cp, cr),
                fpr=clean_fp / clean_n if clean_n else 0.0, changed_rate=pred_n / n if n else 0.0,
                det_acc=det_hit / n if n else 0.0, cor_acc=cor_hit / n if n else 0.0)


def load_eval_set(spec: str, data_dir: str = "../shared/data"):
    """``odw-dev`` (the held-out part of odw.train) or a JSONL/TSV path -> list of Pair."""
    from review.training import csc_data as D

    if spec == "odw-dev":
        return D.odw_split(data_dir)[1]
    return D.read_pairs(spec)


def evaluate_pairs(corrector, pairs, threshold: Optional[float] = None) -> Dict[str, float]:
    from review.typo.edits import apply_edits

    srcs = [p.src for p in pairs]
    tgts = [p.tgt for p in pairs]
    t0 = time.time()
    edits = corrector.correct(srcs, threshold=threshold)
    el = time.time() - t0
    preds = [apply_edits(s, e) for s, e in zip(srcs, edits)]
    m = sentence_metrics(srcs, tgts, preds)
    m["seconds"] = el
    m["chars_per_s"] = sum(map(len, srcs)) / el if el > 0 else 0.0
    return m


def sweep_thresholds(corrector, pairs, thresholds) -> List[Dict[str, float]]:
    """Metrics at several thresholds from one forward pass (for tuning on a dev split only)."""
    from review.typo.edits import apply_edits

    srcs = [p.src for p in pairs]
    tgts = [p.tgt for p in pairs]
    edits = corrector.correct(srcs, threshold=min(thresholds))
    out = []
    for thr in thresholds:
        preds = [apply_edits(s, e, thr) for s, e in zip(srcs, edits)]
        m = sentence_metrics(srcs, tgts, preds)
        m["threshold"] = thr
        out.append(m)
    return out


def format_row(name: str, m: Dict[str, float]) -> str:
    return (f"{name:28s} {m['n']:6d} {m['det_p']:.3f} {m['det_r']:.3f} {m['det_f1']:.3f}  "
            f"{m['cor_p']:.3f} {m['cor_r']:.3f} {m['cor_f1']:.3f}  {m['fpr']:.3f} {m['changed_rate']:.3f}")


HEADER = (f"{'set':28s} {'n':>6s} {'det_P':5s} {'det_R':5s} {'det_F1':6s} {'cor_P':5s} {'cor_R':5s} {'cor_F1':6s} "
          f"{'FPR':5s} {'changed':7s}")


STANDARD_SETS = (
    ("SIGHAN15 test", "csc-sighan-simplified/sighan15_test.jsonl"),
    ("EC-LAW test", "csc-pycorrector/ec_law_test.tsv"),
    ("odw dev (held-out 10% of odw.train)", "odw-dev"),
    ("People's Daily checked", "csc-people-daily-hard/news_paper_checked.jsonl"),
    ("acc_rmrb (error-free)", "csc-macro-correct/acc_rmrb_test.jsonl"),
    ("acc_xxqg (error-free)", "csc-macro-correct/acc_xxqg_test.jsonl"),
)
EXTRA_SETS = (
    ("SIGHAN14 test", "csc-sighan-simplified/sighan14_test.jsonl"),
    ("SIGHAN13 test", "csc-sighan-simplified/sighan13_test.jsonl"),
    ("ECSpell med test", "csc-ecspell/med.test.tsv"),
    ("CCTC test", "csc-cdconfusor/cctc_test.jsonl"),
    ("CSCD-NS test (lomo)", "csc-macro-correct/lomo_cscdns_test.jsonl"),
    ("gen_xxqg test", "csc-macro-correct/gen_xxqg_test.jsonl"),
)


def markdown_row(name: str, m: Dict[str, float]) -> str:
    return (f"| {name} | {m['n']} | {m['n_err']} | {m['det_p']:.3f} | {m['det_r']:.3f} | {m['det_f1']:.3f} | "
            f"{m['cor_p']:.3f} | {m['cor_r']:.3f} | {m['cor_f1']:.3f} | {m['fpr']:.3f} | {m['changed_rate']:.3f} |")


MARKDOWN_HEADER = ("| set | sentences | with errors | det P | det R | det F1 | cor P | cor R | cor F1 | FPR (clean) "
                   "| changed |\n|---|---|---|---|---|---|---|---|---|---|---|")


def speed(corrector, sentences: Sequence[str], n: int = 200, length: int = 100) -> Dict[str, float]:
    """ms per ``length``-char sentence, one at a time and batched (the model runs on every sentence)."""
    text = "".join(sentences)
    pieces = [text[i: i + length] for i in range(0, len(text) - length, length)][:n]
    if not pieces:
        return {}
    corrector.correct(pieces[:4])  # warm-up
    t0 = time.perf_counter()
    for p in pieces:
        corrector.correct([p])
    single = (time.perf_counter() - t0) * 1000 / len(pieces)
    t0 = time.perf_counter()
    corrector.correct(pieces)
    batched = (time.perf_counter() - t0) * 1000 / len(pieces)
    return dict(sentences=len(pieces), length=length, ms_single=single, ms_batched=batched,
                threads=torch_threads())


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def write_threshold(model_dir, threshold: float, note: dict) -> None:
    """Store the tuned threshold in the model's csc.json."""
    p = Path(model_dir) / "csc.json"
    meta = json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
    meta["threshold"] = threshold
    meta["threshold_tuning"] = note
    p.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def eval_main(argv=None) -> int:
    ap = command_parser("review eval csc", "评测纠错模型（句级）/ Sentence-level CSC evaluation.")
    ap.add_argument("files", nargs="*", help="评测文件 / JSONL {src,tgt} or TSV files, or 'odw-dev'")
    ap.add_argument("--standard", action="store_true", help="评测模型卡中的标准评测集 / evaluate the model card's sets under "
                                                            "--data")
    ap.add_argument("--extra", action="store_true", help="另加扩展评测集 / with --standard: also the extra evaluation sets")
    ap.add_argument("--markdown", action="store_true", help="输出 Markdown 表格 / print a markdown table")
    ap.add_argument("--speed", action="store_true", help="另测速度 / also measure ms per 100-char sentence")
    ap.add_argument("--tune", action="store_true",
                    help="在 odw 开发集上调阈值 / sweep thresholds on odw-dev, store the best (max correction F1 among "
                         "thresholds with "
                         "FPR <= --max-fpr, ties to the higher threshold) in the model's csc.json, then evaluate")
    ap.add_argument("--model", default=None, help="模型目录 / model directory (default models/csc)")
    ap.add_argument("--confusion", default=None, help="易混字表 / confusion TSV (default lexicons/confusion/confusion.tsv)")
    ap.add_argument("--data", default="../shared/data", help="共享数据目录 / shared data dir (for odw-dev)")
    ap.add_argument("--threshold", type=float, default=None, help="判定阈值，默认取调好的值 / default: the model's tuned threshold")
    ap.add_argument("--sweep", default=None, help="扫描的阈值（逗号分隔） / comma-separated thresholds to sweep (tune on odw-dev "
                                                  "only!)")
    ap.add_argument("--max-fpr", type=float, default=0.03,
                    help="误报率上限 / --tune: only thresholds whose false-positive rate on odw-dev is at most this")
    ap.add_argument("--limit", type=int, default=0, help="只评前 N 句 / evaluate the first N sentences only")
    ap.add_argument("--batch-size", type=int, default=32, help="每批句数 / sentences per batch")
    ap.add_argument("--threads", type=int, default=1, help="线程数 / threads")
    ap.add_argument("--json", action="store_true", help="每集输出一个 JSON 对象 / print one JSON object per set")
    ap.add_argument("--decoder", choices=("auto", "rerank", "neural"), default="auto",
                    help="解码方式 / rerank: n-gram candidates decided by the model directory's rerank.npz with the "
                         "transformer's evidence (what the typo check runs); neural: the transformer alone; "
                         "auto: rerank when the directory has rerank.npz")
    args = ap.parse_args(argv)

    from review.typo.rerank import load_rerank_corrector
    from review.typo.transformer import DEFAULT_MODEL_DIR, Corrector

    neural = Corrector(args.model, confusion=args.confusion, threshold=args.threshold, batch_size=args.batch_size,
                       num_threads=args.threads)
    corr = neural
    if args.decoder != "neural":
        corr = load_rerank_corrector(Path(args.model or DEFAULT_MODEL_DIR), neural, neural.confusion)
        if corr is None:
            if args.decoder == "rerank":
                raise SystemExit(f"{args.model or DEFAULT_MODEL_DIR}: no rerank.npz (train one with "
                                 "python -m review.training.rerank)")
            corr = neural
        elif args.threshold is not None:
            corr.threshold = args.threshold
        if corr is not neural:
            for table in corr.generator.ngram.tables():
                table.prepare()  # hash lookups: worth their 0.5 s over a whole evaluation set
    if args.tune:
        pairs = load_eval_set("odw-dev", args.data)
        thrs = [round(0.3 + 0.05 * i, 2) for i in range(14)]
        rows = sweep_thresholds(corr, pairs, thrs)
        ok = [m for m in rows if m["fpr"] <= args.max_fpr] or rows[-1:]
        best = max(ok, key=lambda m: (round(m["cor_f1"], 4), m["threshold"]))
        for m in rows:
            print(format_row(f"odw-dev@{m['threshold']}", m), file=sys.stderr)
        note = dict(set="odw-dev", criterion=f"max correction F1 with FPR <= {args.max_fpr}",
                    cor_f1=round(best["cor_f1"], 4), fpr=round(best["fpr"], 4))
        if corr is neural:
            corr.threshold = best["threshold"]
            write_threshold(args.model or DEFAULT_MODEL_DIR, best["threshold"], note)
        else:
            corr.save_threshold(best["threshold"], note)
        print(f"tuned threshold on odw-dev: {best['threshold']}", file=sys.stderr)
    specs = [(Path(f).name if f != "odw-dev" else f, f) for f in args.files]
    if args.standard:
        data = Path(args.data)
        for name, rel in STANDARD_SETS + (EXTRA_SETS if args.extra else ()):
            specs.append((name, rel if rel == "odw-dev" else str(data / rel)))
    if args.markdown:
        print(f"decoder {'rerank' if corr is not neural else 'neural'}, threshold {corr.threshold}\n")
        print(MARKDOWN_HEADER)
    elif not args.json:
        decoder = "rerank" if corr is not neural else "neural"
        print(f"model {args.model or 'models/csc'}  decoder {decoder}  threshold {corr.threshold}")
        print(HEADER)
    results = {}
    first_pairs = None
    for name, spec in specs:
        pairs = load_eval_set(spec, args.data)
        if args.limit:
            pairs = pairs[: args.limit]
        first_pairs = first_pairs or pairs
        if args.sweep:
            thrs = [float(x) for x in args.sweep.split(",")]
            for m in sweep_thresholds(corr, pairs, thrs):
                if args.json:
                    print(json.dumps(dict(set=name, **m), ensure_ascii=False))
                else:
                    print(format_row(f"{name}@{m['threshold']}", m))
            continue
        m = evaluate_pairs(corr, pairs)
        m["threshold"] = corr.threshold
        results[name] = m
        if args.json:
            print(json.dumps(dict(set=name, **m), ensure_ascii=False), flush=True)
        elif args.markdown:
            print(markdown_row(name, m), flush=True)
        else:
            print(format_row(name, m) + f"  {m['chars_per_s']:.0f} chars/s", flush=True)
    if args.speed and first_pairs:
        sp = speed(corr, [p.tgt for p in first_pairs])
        print(json.dumps(dict(speed=sp)) if args.json else
              f"\nspeed: {sp['ms_single']:.1f} ms per {sp['length']}-char sentence one at a time, "
              f"{sp['ms_batched']:.1f} ms batched, {sp['threads']} thread(s), {sp['sentences']} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(eval_main())

"""`review eval typo`: the whole typo check (lexicon + context rules + model path) on CSC-style sets.

`review eval csc` (review/training/csc_eval.py) measures the neural corrector alone; this command runs the check
as the pipeline does and scores its suggestions with the same sentence-level metrics, so the two are
comparable. Sets: `dev` (the typo and clean rows of ../shared/dev/review_dev.jsonl), `acc_rmrb` and
`acc_xxqg` (error-free official sentences: the false-alarm test), `odw-dev`, or any JSONL {src, tgt} / TSV file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from review.commands._common import count_argument
from review.commands.train import add_data_and_out, command_group

DEFAULT_DEV = str(Path("..") / "shared" / "dev" / "review_dev.jsonl")
ALIASES = {
    "acc_rmrb": ("csc-macro-correct", "acc_rmrb_test.jsonl"),
    "acc_xxqg": ("csc-macro-correct", "acc_xxqg_test.jsonl"),
    "gen_de3": ("csc-macro-correct", "gen_de3_test.jsonl"),
    "gen_xxqg": ("csc-macro-correct", "gen_xxqg_test.jsonl"),
    "cscd_ns": ("csc-macro-correct", "lomo_cscdns_test.jsonl"),
    "pdh_checked": ("csc-people-daily-hard", "news_paper_checked.jsonl"),
    "sighan15": ("csc-sighan-simplified", "sighan15_test.jsonl"),
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add `eval typo` to the `eval` group."""
    parser = command_group(sub, "eval").add_parser(
        "typo", help="评测错别字检查（词表+规则+模型）/ evaluate the whole typo check"
    )
    parser.add_argument("sets", nargs="*", default=["dev", "acc_rmrb", "acc_xxqg"],
                        help="评测集名或 JSONL/TSV 文件 / set names or JSONL/TSV files: dev, acc_rmrb, acc_xxqg, "
                             "cscd_ns, gen_xxqg, gen_de3, sighan15, pdh_checked, odw-dev")
    add_data_and_out(parser)
    parser.add_argument("--dev-file", default=DEFAULT_DEV, help="review_dev.jsonl 路径 / path of the dev set")
    parser.add_argument("--limit", type=count_argument, default=0, help="每个集合只评前 N 句 / first N sentences per set")
    parser.add_argument("--no-model", action="store_true", help="只用词表和规则 / lexicon and rules only")
    parser.add_argument("--model", default=None, help="纠错模型目录（默认 models/csc）/ CSC model folder")
    parser.add_argument("--show", type=count_argument, default=0, help="打印 N 条误报 / print N false alarms per set")
    parser.add_argument("--json", action="store_true", help="每个集合输出一行 JSON / one JSON line per set")
    parser.set_defaults(handler=run)


def load_pairs(spec: str, data: str, dev_file: str) -> list[tuple[str, str]]:
    """(src, tgt) pairs of a named set or file."""
    if spec == "dev":
        pairs = []
        with open(dev_file, encoding="utf-8", newline="\n") as handle:  # only "\n" ends a JSONL line
            for line in handle:
                row = json.loads(line)
                if row.get("kind") == "typo":
                    pairs.append((row["text"], row["correct"]))
                elif row.get("kind") == "clean":
                    pairs.append((row["text"], row["text"]))
        return pairs
    from review.training.csc_eval import load_eval_set

    if spec in ALIASES:
        spec = str(Path(data).joinpath(*ALIASES[spec]))
    return [(p.src, p.tgt) for p in load_eval_set(spec, data)]


def predict(check, text: str) -> tuple[str, list]:
    """The text with every same-length suggestion of the typo check applied, and the findings."""
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions

    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    findings = check.check(doc)
    chars = list(text)
    for finding in findings:
        if finding.suggestion is not None and finding.end - finding.start == len(finding.suggestion):
            chars[finding.start : finding.end] = list(finding.suggestion)
    return "".join(chars), findings


def run(args: argparse.Namespace) -> int:
    """Evaluate each set and print a table (or JSON lines)."""
    from review.checks.typo import TypoCheck
    from review.training.csc_eval import sentence_metrics

    check = TypoCheck()
    if args.no_model:
        check.model_pass = None
    elif args.model:
        from review.typo.model_pass import load_model_pass

        check.model_pass = load_model_pass(check.settings["model"], model_dir=Path(args.model))
    if not args.json:
        state = "on" if check.model_pass is not None else "off"
        print(f"typo check: {len(check.lexicon)} lexicon entries, {len(check.rules)} context rules, model path {state}")
        print(f"{'set':12s} {'n':>6s} {'det_P':>6s} {'det_R':>6s} {'det_F1':>6s} {'cor_P':>6s} {'cor_R':>6s} "
              f"{'cor_F1':>6s} {'FPR':>6s} {'changed':>7s} {'chars/s':>8s}  rules firing on clean sentences")
    for spec in args.sets:
        try:
            pairs = load_pairs(spec, args.data, args.dev_file)
        except (OSError, ValueError, KeyError) as error:  # no such set or file, a folder, bad UTF-8 or JSON
            print(f"错误 / error: 无法读取评测集 / cannot read the set {spec!r}: {type(error).__name__}: {error}",
                  file=sys.stderr)
            return 2
        if args.limit:
            pairs = pairs[: args.limit]
        srcs, tgts, preds = [], [], []
        false_alarms: list[tuple[str, list]] = []
        fired = Counter()
        started = time.perf_counter()
        for src, tgt in pairs:
            if len(src) != len(tgt):
                continue
            pred, findings = predict(check, src)
            srcs.append(src)
            tgts.append(tgt)
            preds.append(pred)
            if src == tgt and findings:
                fired.update(f.rule for f in findings)
                false_alarms.append((src, findings))
        seconds = time.perf_counter() - started
        metrics = sentence_metrics(srcs, tgts, preds)
        metrics["chars_per_s"] = sum(map(len, srcs)) / seconds if seconds else 0.0
        metrics["clean_flagged"] = len(false_alarms)
        metrics["clean_flagged_rate"] = len(false_alarms) / metrics["n_clean"] if metrics["n_clean"] else 0.0
        metrics["rules_on_clean"] = dict(fired.most_common())
        if args.json:
            print(json.dumps({"set": spec, **metrics}, ensure_ascii=False))
        else:
            top = ", ".join(f"{rule}:{n}" for rule, n in fired.most_common(4))
            print(f"{spec:12s} {metrics['n']:6d} "
                  f"{metrics['det_p']:6.3f} {metrics['det_r']:6.3f} {metrics['det_f1']:6.3f} "
                  f"{metrics['cor_p']:6.3f} {metrics['cor_r']:6.3f} {metrics['cor_f1']:6.3f} {metrics['fpr']:6.3f} "
                  f"{metrics['changed_rate']:7.3f} {metrics['chars_per_s']:8.0f}  {top}")
        for src, findings in false_alarms[: args.show]:
            marks = "; ".join(f"{f.text}→{f.suggestion} ({f.rule})" for f in findings)
            print(f"    误报 {marks} | {src[:80]}")
    return 0

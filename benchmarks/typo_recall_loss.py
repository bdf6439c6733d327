"""Where the character corrector loses its recall: each gold edit of a CSC set, filed under the first step that
drops it.

Usage: python benchmarks/typo_recall_loss.py [--data ../shared/data] [--set held-out|odw-dev|FILE] [--model DIR]

Steps, in the order the reranker's path applies them (review/typo/rerank.py):
- `non-chinese`: the source or the right character is not a Chinese character (never a candidate);
- `not-in-confusion`: the right character is no confusion-set neighbour of the wrong one;
- `observed-only` (held-out pairs only): linked only through the "observed" column, which the pair itself filled;
- `gate`: the wrong character's own trigram log-probability reaches the position gate (−16): never examined;
- `floor`: the right character fits the trigrams less than `floor` (2 nats) better than the wrong one;
- `other-candidate`: another candidate of the position scores higher;
- `below-threshold`: the right candidate is the position's best but scores below the threshold;
- `corrected`.
The whole-word path and the transformer are left out: this is the character reranker alone. The default set is
the reranker's held-out tenth of the training pairs (scored as unseen), never a test split; figures are printed,
not asserted.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("non-chinese", "not-in-confusion", "observed-only", "gate", "floor", "other-candidate", "below-threshold",
         "corrected")


def step_of(src: str, pos: int, right: str, everything, kept, prob, gate: float, floor: float,
            threshold: float) -> str:
    """The step that drops the edit src[pos] -> right; `everything` holds all neighbours (no gate, no floor),
    `kept` and `prob` the candidates the corrector scores."""
    from review.typo.candidates import FEATURE_INDEX
    from review.typo.ngram import encode

    if not encode(src[pos]).any() or not encode(right).any():
        return "non-chinese"
    rows = [k for k, (p, ch) in enumerate(zip(everything.positions.tolist(), everything.chars))
            if p == pos and ch == right]
    if not rows:
        return "not-in-confusion"
    at = [k for k, p in enumerate(kept.positions.tolist()) if p == pos]
    hit = [k for k in at if kept.chars[k] == right]
    if not hit:
        x = everything.features[rows[0]]
        if x[FEATURE_INDEX["base"]] >= gate:
            return "gate"
        if x[FEATURE_INDEX["gain"]] < floor:
            return "floor"
        return "observed-only"
    best = max(at, key=lambda k: prob[k])
    if kept.chars[best] != right:
        return "other-candidate"
    return "corrected" if prob[best] >= threshold else "below-threshold"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--set", default="held-out", help="held-out (the reranker's held-out training pairs), odw-dev, "
                                                      "or a CSC JSONL/TSV file")
    ap.add_argument("--model", default=str(ROOT / "models" / "csc"))
    args = ap.parse_args(argv)

    from review.training import csc_data as D
    from review.training.rerank import holdout, observed_counts, scored_as_unseen
    from review.typo.confusion import ConfusionSet
    from review.typo.rerank import load_rerank_corrector

    corrector = load_rerank_corrector(Path(args.model), None, ConfusionSet.load())
    if corrector is None:
        sys.exit(f"no rerank.npz in {args.model}")
    rerank = getattr(corrector, "rerank", corrector)
    generator = rerank.generator
    generator.prepare()
    if args.set == "held-out":
        pairs = D.load_train_pairs(args.data)
        pairs, fitted = [p for p in pairs if holdout(p)], [p for p in pairs if not holdout(p)]
        scored = scored_as_unseen(rerank, [p.src for p in pairs], dict(observed_counts(fitted)))
    else:
        pairs = D.odw_split(args.data)[1] if args.set == "odw-dev" else D.read_pairs(args.set)
        pairs = [p for p in pairs if len(p.src) == len(p.tgt)]
        scored = rerank.scored([p.src for p in pairs])
    gate, floor = generator.gate, generator.floor
    counts: Counter = Counter()
    by_origin: dict = defaultdict(Counter)
    for pair, (kept, prob) in zip(pairs, scored):
        generator.gate, generator.floor = math.inf, -60.0
        try:
            everything = generator.generate(pair.src)
        finally:
            generator.gate, generator.floor = gate, floor
        for pos, (a, b) in enumerate(zip(pair.src, pair.tgt)):
            if a != b:
                step = step_of(pair.src, pos, b, everything, kept, prob, gate, floor, rerank.threshold)
                counts[step] += 1
                by_origin[pair.origin or "?"][step] += 1
    total = sum(counts.values())
    print(f"{args.set}: {len(pairs)} sentences, {total} wrong characters; gate {gate}, floor {floor}, "
          f"threshold {rerank.threshold}")
    print("| step | " + " | ".join(["all"] + sorted(by_origin)) + " |")
    print("|---|" + "---|" * (len(by_origin) + 1))
    for step in STEPS:
        cells = [f"{counts[step] / max(total, 1):.3f}"]
        cells += [f"{by_origin[o][step] / max(sum(by_origin[o].values()), 1):.3f}" for o in sorted(by_origin)]
        print(f"| {step} | " + " | ".join(cells) + " |")
    print("| edits | " + " | ".join([str(total)] + [str(sum(by_origin[o].values())) for o in sorted(by_origin)]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

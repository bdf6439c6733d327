"""How often the cloze model and the trigram model pick a character of held-out news among its confusables.

    python benchmarks/cloze_accuracy.py [--positions 20000]

At random positions of held-out 《新闻联播》 text (dated from 2026-06, never trained on or counted) whose
character has confusion-set neighbours: the share where each model ranks the text's own character first
among itself and its 48 most frequent neighbours (the cloze model's training task), overall and by how the
two agree.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from review.training.cloze import held_out_options, neighbour_table
    from review.training.corpora import held_out_texts
    from review.typo.cloze import PAD, load_cloze
    from review.typo.confusion import ConfusionSet
    from review.typo.ngram import load_ngram, padded

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--positions", type=int, default=20000)
    args = ap.parse_args()

    cloze = load_cloze(ROOT / "models" / "cloze")
    ngram = load_ngram(str(ROOT / "models" / "ngram" / "ngram.npz"))
    # the vocabulary string is in order of training frequency: the same neighbours as in training
    freq = Counter({c: -i for i, c in enumerate(cloze.chars)})
    table = neighbour_table(cloze.chars, freq, ConfusionSet.load(), int(cloze.meta["config"]["neighbours"]))
    codes, ids, at, options, cloze_right = held_out_options(cloze, "\n".join(held_out_texts(Path(args.data))),
                                                            table, args.positions)
    rows = np.repeat(np.arange(len(at)), options.shape[1])
    # the trigram model: the same options scored by `local_logprob` (CJK only; others fold into the boundary)
    cjk = np.where((codes >= 0x4E00) & (codes <= 0x9FFF), codes, 0)
    option_codes = np.array([0, 0] + [ord(c) for c in cloze.chars])[options]
    tri = ngram.local_logprob(padded(cjk), at, option_codes.ravel(), rows).reshape(options.shape)
    tri[options == PAD] = -np.inf
    tri_right = tri.argmax(1) == 0
    n = len(at)
    print(f"{n} held-out positions, {options.shape[1] - 1} neighbours at most")
    print(f"cloze model right   {cloze_right.mean():.4f}")
    print(f"trigram model right {tri_right.mean():.4f}")
    print(f"both {np.mean(cloze_right & tri_right):.4f}, cloze only {np.mean(cloze_right & ~tri_right):.4f}, "
          f"trigram only {np.mean(~cloze_right & tri_right):.4f}, neither {np.mean(~cloze_right & ~tri_right):.4f}")


if __name__ == "__main__":
    main()

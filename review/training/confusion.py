"""Character confusion sets for Chinese spelling correction (CSC).

A confusion set maps a character to the characters it is commonly mistaken for. It is built from

* **sound**: pypinyin readings of every common character (all heteronym readings), grouped by
  - same syllable and same tone (``same_tone``),
  - same syllable, other tone (``diff_tone``),
  - fuzzy syllable, any tone (``fuzzy``): z/zh, c/ch, s/sh, n/l initials and in/ing, en/eng, an/ang finals;
* **shape**: the similar-shape sets shipped with the data (SIGHAN 2013 simplified, pycorrector same_stroke,
  ECSpell shapeConfusion.json);
* **observed**: substitutions seen in the *training* error pairs (never in an evaluation set).

Everything is restricted to common characters (pycorrector's common set plus characters frequent in the clean
formal text). The built set is a TSV file (``lexicons/confusion/confusion.tsv``) with one line per character::

    char <TAB> same_tone <TAB> diff_tone <TAB> fuzzy <TAB> shape <TAB> observed

each column a string of characters (possibly empty). Build it with::

    python -m review.training.confusion build --data ../shared/data --out lexicons/confusion/confusion.tsv
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set

from review.chars import is_han
from review.typo.confusion import COLUMNS, DEFAULT_PATH, ConfusionSet

_INITIAL_FUZZ = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINAL_FUZZ = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def fuzzy_key(syllable: str) -> str:
    """Map a toneless pinyin syllable to its fuzzy class (z/zh, c/ch, s/sh, n/l, in/ing, en/eng, an/ang)."""
    s = syllable
    for a, b in _INITIAL_FUZZ:
        if s.startswith(a):
            s = b + s[len(a):]
            break
    if s.startswith("n") and not s.startswith("ng"):
        s = "l" + s[1:]
    for a, b in _FINAL_FUZZ:
        if s.endswith(a):
            # "iang"/"uang" end in "ang" too: fold them consistently
            s = s[: -len(a)] + b
            break
    return s


def char_readings(ch: str) -> List[str]:
    """All pinyin readings of ``ch`` with tone number (style TONE3), e.g. ['zhong1', 'zhong4']."""
    from pypinyin import Style, pinyin

    out = []
    for r in pinyin(ch, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True)[0]:
        if r and r[-1].isdigit() and r[:-1].isalpha():
            out.append(r)
    return out



# ---- building ------------------------------------------------------------------------------------------

def build_sound(chars: Iterable[str]) -> Dict[str, Dict[str, Set[str]]]:
    """Same-tone, other-tone and fuzzy pinyin neighbours among ``chars``."""
    chars = [c for c in chars if is_han(c)]
    readings = {c: char_readings(c) for c in chars}
    by_tone: Dict[str, Set[str]] = defaultdict(set)
    by_syl: Dict[str, Set[str]] = defaultdict(set)
    by_fuzzy: Dict[str, Set[str]] = defaultdict(set)
    for c, rs in readings.items():
        for r in rs:
            syl = r[:-1]
            by_tone[r].add(c)
            by_syl[syl].add(c)
            by_fuzzy[fuzzy_key(syl)].add(c)
    out: Dict[str, Dict[str, Set[str]]] = {}
    for c, rs in readings.items():
        same_tone, diff_tone, fuzzy = set(), set(), set()
        for r in rs:
            syl = r[:-1]
            same_tone |= by_tone[r]
            diff_tone |= by_syl[syl]
            fuzzy |= by_fuzzy[fuzzy_key(syl)]
        diff_tone -= same_tone
        fuzzy -= same_tone | diff_tone
        out[c] = {"same_tone": same_tone - {c}, "diff_tone": diff_tone - {c}, "fuzzy": fuzzy - {c}}
    return out


def read_shape_sets(data_dir) -> Dict[str, Set[str]]:
    """Similar-shape neighbours from the shared data (SIGHAN13 simplified, pycorrector, ECSpell)."""
    data = Path(data_dir)
    shape: Dict[str, Set[str]] = defaultdict(set)
    p = data / "csc-sighan-simplified" / "confusion_SimilarShape_simplied.txt"
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines():
            if "," in line:
                k, v = line.split(",", 1)
                k = k.strip()
                if len(k) == 1:
                    shape[k].update(x for x in v.strip() if is_han(x))
    p = data / "csc-pycorrector" / "same_stroke.txt"
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines():
            group = [x for x in line.split() if len(x) == 1 and is_han(x)]
            for a in group:
                shape[a].update(group)
    p = data / "csc-ecspell" / "shapeConfusion.json"
    if p.exists():
        for k, vs in json.loads(p.read_text(encoding="utf-8")).items():
            if len(k) == 1:
                shape[k].update(v for v in vs if len(v) == 1)
    for k in list(shape):
        shape[k].discard(k)
    return shape


def observed_pairs(pairs: Iterable) -> Counter:
    """Counter of (wrong, right) character substitutions in (src, tgt) pairs."""
    cnt: Counter = Counter()
    for src, tgt in pairs:
        if len(src) != len(tgt):
            continue
        for a, b in zip(src, tgt):
            if a != b and is_han(a) and is_han(b):
                cnt[(a, b)] += 1
    return cnt


def build_confusion(data_dir, common: Set[str], pairs=None, max_per_column: int = 0) -> ConfusionSet:
    """Build the merged confusion set restricted to ``common`` characters."""
    cs = ConfusionSet()
    sound = build_sound(sorted(common))
    for c, row in sound.items():
        for col, vs in row.items():
            for v in vs:
                if v in common:
                    cs.add(c, v, col)
    shape = read_shape_sets(data_dir)
    for c, vs in shape.items():
        if c not in common:
            continue
        for v in vs:
            if v in common:
                cs.add(c, v, "shape")
                cs.add(v, c, "shape")
    if pairs is not None:
        for (a, b), n in observed_pairs(pairs).items():
            if a in common and b in common:
                cs.add(a, b, "observed")
    # make sure every common char has a row (possibly empty)
    for c in common:
        if c not in cs.table:
            cs.table[c] = {col: "" for col in COLUMNS}
    return cs


def common_chars(data_dir, min_count: int = 30, max_chars: int = 7000) -> Set[str]:
    """pycorrector's common-character list plus CJK characters frequent in the clean formal text."""
    from review.training import csc_data as csc_data

    data = Path(data_dir)
    common: Set[str] = set()
    p = data / "csc-pycorrector" / "common_char_set.txt"
    if p.exists():
        common.update(x.strip() for x in p.read_text(encoding="utf-8").splitlines() if len(x.strip()) == 1)
    cnt: Counter = Counter()
    for s in csc_data.iter_clean_text(data):
        cnt.update(s)
    for ch, n in cnt.most_common():
        if len(common) >= max_chars or n < min_count:
            break
        if is_han(ch):
            common.add(ch)
    return {c for c in common if is_han(c)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="review.training.confusion", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the confusion set TSV from ../shared/data")
    b.add_argument("--data", default="../shared/data")
    b.add_argument("--out", default=str(DEFAULT_PATH))
    b.add_argument("--min-count", type=int, default=30)
    b.add_argument("--max-chars", type=int, default=7000)
    s = sub.add_parser("show", help="print the candidates of some characters")
    s.add_argument("chars")
    s.add_argument("--path", default=str(DEFAULT_PATH))
    args = ap.parse_args(argv)
    if args.cmd == "build":
        from review.training import csc_data as csc_data

        common = common_chars(args.data, args.min_count, args.max_chars)
        pairs = csc_data.load_train_pairs(args.data)
        cs = build_confusion(args.data, common, pairs=[(p.src, p.tgt) for p in pairs])
        cs.save(args.out)
        sizes = [len(cs.candidates(c)) for c in cs.table]
        print(f"{len(cs)} characters, {sum(sizes)} candidate links, mean {sum(sizes) / max(1, len(sizes)):.1f} "
              f"-> {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    else:
        cs = ConfusionSet.load(args.path)
        for c in args.chars:
            print(c, {col: "".join(sorted(cs.column(c, col))) for col in COLUMNS})
    return 0


if __name__ == "__main__":
    sys.exit(main())

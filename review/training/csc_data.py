"""Training and evaluation data for the CSC model, read from ``../shared/data`` (never copied into the repo).

Training pairs (``load_train_pairs``):
  csc-sighan-simplified/sighan13-14-15_train.jsonl, csc-ecspell/{law,med,odw}.train.tsv (odw minus the dev
  hold-out), csc-pycorrector/sighan_2015_train.tsv, csc-cdconfusor/cctc_train.jsonl,
  csc-people-daily-hard/people_daily_synth_{jieba,ltp}.jsonl.
Clean text (``iter_clean_text``): formal-xinwenlianbo, formal-gov-reports, news-msra, admin-litigation-cases
  (train and val files only).
Never read for training: any *test* file, csc-macro-correct, csc-lemon, csc-people-daily-hard/news_paper_checked.

The odw dev split is a deterministic ~10% of odw.train chosen by a hash of the target sentence and a seed, so that
the same sentence with different errors always falls on the same side (``odw_split``).
"""
from __future__ import annotations

import hashlib
import json
import lzma
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from review.chars import is_han
from review.typo.confusion import ConfusionSet

ODW_DEV_SEED = "review-csc-odw-dev-v1"
ODW_DEV_PERCENT = 10



def _to_simplified(text: str) -> str:
    """Traditional script to simplified (OpenCC t2s), or the text unchanged without OpenCC."""
    try:
        import opencc

        conv = _to_simplified.__dict__.setdefault("conv", opencc.OpenCC("t2s"))
        return conv.convert(text)
    except Exception:  # pragma: no cover - opencc missing
        return text


@dataclass
class Pair:
    src: str
    tgt: str
    origin: str = ""


# ---- generic readers -----------------------------------------------------------------------------------

def read_pairs(path, origin: Optional[str] = None, keep_unequal: bool = False) -> List[Pair]:
    """Read CSC pairs from JSONL ({"src","tgt"}) or TSV (``src\\ttgt`` or ``n\\tsrc\\ttgt``)."""
    path = Path(path)
    origin = origin or path.name
    out: List[Pair] = []
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8", newline="\n") as f:  # only "\n" ends a line, not a bare CR
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                src, tgt = obj.get("src"), obj.get("tgt", obj.get("trg"))
                if src is None or tgt is None:
                    continue
            else:
                parts = line.split("\t")
                if len(parts) >= 3 and parts[0].strip().isdigit():
                    src, tgt = parts[1], parts[2]
                elif len(parts) >= 2:
                    src, tgt = parts[0], parts[1]
                else:
                    continue
            if len(src) != len(tgt) and not keep_unequal:
                continue
            out.append(Pair(src, tgt, origin))
    return out


def odw_is_dev(tgt: str, seed: str = ODW_DEV_SEED, percent: int = ODW_DEV_PERCENT) -> bool:
    h = hashlib.sha1((seed + "\x00" + tgt).encode("utf-8")).digest()
    return int.from_bytes(h[:4], "big") % 100 < percent


def odw_split(data_dir, seed: str = ODW_DEV_SEED, percent: int = ODW_DEV_PERCENT) -> Tuple[List[Pair], List[Pair]]:
    """(train, dev) split of csc-ecspell/odw.train.tsv, deterministic given the seed."""
    pairs = read_pairs(Path(data_dir) / "csc-ecspell" / "odw.train.tsv", origin="odw")
    train = [p for p in pairs if not odw_is_dev(p.tgt, seed, percent)]
    dev = [p for p in pairs if odw_is_dev(p.tgt, seed, percent)]
    return train, dev


TRAIN_PAIR_FILES = (
    ("csc-sighan-simplified/sighan13-14-15_train.jsonl", "sighan"),
    ("csc-pycorrector/sighan_2015_train.tsv", "sighan15"),
    ("csc-ecspell/law.train.tsv", "law"),
    ("csc-ecspell/med.train.tsv", "med"),
    ("csc-cdconfusor/cctc_train.jsonl", "cctc"),
    ("csc-people-daily-hard/people_daily_synth_jieba.jsonl", "pd_synth"),
    ("csc-people-daily-hard/people_daily_synth_ltp.jsonl", "pd_synth"),
)


def load_train_pairs(data_dir) -> List[Pair]:
    """All real/synthetic training pairs (odw dev hold-out excluded). Missing files are skipped."""
    data = Path(data_dir)
    out: List[Pair] = []
    for rel, origin in TRAIN_PAIR_FILES:
        p = data / rel
        if "test" in Path(rel).name or "checked" in rel:  # belt and braces: never train on evaluation data
            continue
        if p.exists():
            out.extend(read_pairs(p, origin))
    if (data / "csc-ecspell" / "odw.train.tsv").exists():
        out.extend(odw_split(data)[0])
    return out


# ---- clean text ----------------------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[。！？!?；;])|\n")


def split_sentences(text: str, max_len: int = 126, min_len: int = 6) -> List[str]:
    """Split into sentences at 。！？； and newlines; pack short ones and cut long ones to <= max_len chars."""
    out: List[str] = []
    buf = ""
    for piece in _SENT_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        while len(piece) > max_len:  # cut at a comma if possible
            cut = max(piece.rfind("，", 0, max_len), piece.rfind(",", 0, max_len))
            cut = cut + 1 if cut > max_len // 3 else max_len
            if buf:
                out.append(buf)
                buf = ""
            out.append(piece[:cut])
            piece = piece[cut:]
        if len(buf) + len(piece) <= max_len and len(buf) < 40:
            buf += piece
        else:
            if buf:
                out.append(buf)
            buf = piece
    if buf:
        out.append(buf)
    return [s for s in out if len(s) >= min_len and sum(map(is_han, s)) >= len(s) // 2]


def _iter_jsonl_xz(path, fields=("title", "text"), convert_traditional=False):
    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as f:  # only "\n" ends a JSONL line
        for line in f:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            trad = convert_traditional and obj.get("script") == "traditional"
            for k in fields:
                t = obj.get(k)
                if t:
                    if trad:
                        t = _to_simplified(t)
                    yield t


def iter_clean_text(data_dir, max_len: int = 126, sources: Optional[Sequence[str]] = None) -> Iterator[str]:
    """Clean formal sentences (<= max_len chars) from the shared corpora."""
    data = Path(data_dir)
    want = set(sources) if sources else {"xwlb", "gov", "msra", "admin"}
    if "xwlb" in want:
        for p in sorted((data / "formal-xinwenlianbo").glob("*.jsonl.xz")):
            for t in _iter_jsonl_xz(p):
                yield from split_sentences(t, max_len)
    if "gov" in want:
        for p in sorted((data / "formal-gov-reports").glob("*.jsonl.xz")):
            for t in _iter_jsonl_xz(p, fields=("text",), convert_traditional=True):
                yield from split_sentences(t, max_len)
    if "msra" in want:
        p = data / "news-msra" / "msra_sentences.txt"
        if p.exists():
            with open(p, encoding="utf-8") as f:
                for line in f:
                    yield from split_sentences(line.strip(), max_len)
    if "admin" in want:
        for name in ("cnews.train.txt", "cnews.val.txt"):  # the classification test split is not used
            p = data / "admin-litigation-cases" / name
            if p.exists():
                with open(p, encoding="utf-8") as f:
                    for line in f:
                        parts = line.rstrip("\n").split("\t", 1)
                        if len(parts) == 2:
                            yield from split_sentences(parts[1], max_len)


# ---- synthetic errors ------------------------------------------------------------------------------------

class ErrorInjector:
    """Inject realistic character substitutions through a confusion set.

    Per replaced character the candidate column is drawn with weights favouring same-pinyin errors
    (the dominant kind in IME-typed text), then shape, fuzzy pinyin and observed pairs.
    """

    WEIGHTS = (("same_tone", 0.45), ("diff_tone", 0.2), ("observed", 0.15), ("shape", 0.1), ("fuzzy", 0.1))

    def __init__(self, confusion: ConfusionSet, vocab: Optional[set] = None, seed: int = 0,
                 p_clean: float = 0.15, max_errors: int = 3):
        self.cs = confusion
        self.vocab = vocab
        self.rng = random.Random(seed)
        self.p_clean = p_clean
        self.max_errors = max_errors
        self._cols = {}

    def _cands(self, ch: str, col: str) -> List[str]:
        key = (ch, col)
        v = self._cols.get(key)
        if v is None:
            v = sorted(x for x in self.cs.column(ch, col) if self.vocab is None or x in self.vocab)
            self._cols[key] = v
        return v

    def corrupt(self, sent: str) -> str:
        rng = self.rng
        if rng.random() < self.p_clean:
            return sent
        positions = [i for i, c in enumerate(sent) if c in self.cs]
        if not positions:
            return sent
        n = 1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)
        n = min(n, self.max_errors, max(1, len(sent) // 12))
        chars = list(sent)
        for i in rng.sample(positions, min(n, len(positions))):
            ch = chars[i]
            cols = [(name, w) for name, w in self.WEIGHTS if self._cands(ch, name)]
            if not cols:
                continue
            r = rng.random() * sum(w for _, w in cols)
            col = cols[-1][0]
            for name, w in cols:
                if r < w:
                    col = name
                    break
                r -= w
            chars[i] = rng.choice(self._cands(ch, col))
        return "".join(chars)

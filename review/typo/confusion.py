"""Character confusion sets for Chinese spelling correction (CSC): the table the typo model reads.

A confusion set maps a character to the characters it is commonly mistaken for, in five columns: same syllable
and tone (``same_tone``), same syllable other tone (``diff_tone``), fuzzy syllable (``fuzzy``), similar shape
(``shape``) and substitutions seen in the training pairs (``observed``). The shipped set is
``lexicons/confusion/confusion.tsv``, one line per character::

    char <TAB> same_tone <TAB> diff_tone <TAB> fuzzy <TAB> shape <TAB> observed

It is built by ``review.training.confusion`` (``python -m review.training.confusion build``).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Set

from review.resources import lexicons_dir

COLUMNS = ("same_tone", "diff_tone", "fuzzy", "shape", "observed")
DEFAULT_PATH = lexicons_dir() / "confusion" / "confusion.tsv"


class ConfusionSet:
    """char -> {column -> set of chars}. ``candidates(c)`` is the union of all columns."""

    def __init__(self, table: Optional[Dict[str, Dict[str, Set[str]]]] = None):
        self.table: Dict[str, Dict[str, Set[str]]] = table or {}
        self._union: Dict[str, frozenset] = {}

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, ch: str) -> bool:
        return ch in self.table

    def column(self, ch: str, name: str) -> Set[str]:
        return self.table.get(ch, {}).get(name, set())

    def candidates(self, ch: str) -> frozenset:
        u = self._union.get(ch)
        if u is None:
            row = self.table.get(ch)
            u = frozenset().union(*row.values()) - {ch} if row else frozenset()
            self._union[ch] = u
        return u

    def allows(self, src: str, tgt: str) -> bool:
        return tgt in self.candidates(src)

    def add(self, a: str, b: str, column: str) -> None:
        if a == b:
            return
        self.table.setdefault(a, {c: set() for c in COLUMNS})[column].add(b)
        self._union.pop(a, None)

    # ---- io -------------------------------------------------------------------------------------------
    def save(self, path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("# char\t" + "\t".join(COLUMNS) + "\n")
            for ch in sorted(self.table):
                row = self.table[ch]
                f.write(ch + "\t" + "\t".join("".join(sorted(row.get(c, ()))) for c in COLUMNS) + "\n")

    @classmethod
    def load(cls, path=None) -> "ConfusionSet":
        path = Path(path) if path else DEFAULT_PATH
        table: Dict[str, Dict[str, Set[str]]] = {}
        # one string object per character: the file names ~290,000 characters, ~7,000 of them distinct, and a
        # one-character CJK string is a fresh 76-byte object each time a line is split (~20 MB of duplicates)
        shared: Dict[str, str] = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                ch = parts[0]
                row = {c: {shared.setdefault(x, x) for x in parts[i + 1]} if i + 1 < len(parts) else set()
                       for i, c in enumerate(COLUMNS)}
                table[shared.setdefault(ch, ch)] = row
        return cls(table)


@lru_cache(maxsize=1)
def shipped_confusion() -> ConfusionSet:
    """lexicons/confusion/confusion.tsv, loaded once per process and shared, read-only, by the checks that read it
    (the typo check's model path, the expression check's look-alike leader names)."""
    from review.resources import lexicon_path

    return ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))

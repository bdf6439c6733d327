"""Character confusion sets for Chinese spelling correction (CSC): the table the typo model reads.

A confusion set maps a character to the characters it is commonly mistaken for, in five columns: same syllable
and tone (``same_tone``), same syllable other tone (``diff_tone``), fuzzy syllable (``fuzzy``), similar shape
(``shape``) and substitutions seen in the training pairs (``observed``). The shipped set is
``lexicons/confusion/confusion.tsv``, one line per character::

    char <TAB> same_tone <TAB> diff_tone <TAB> fuzzy <TAB> shape <TAB> observed

It is built by ``review.training.confusion`` (``python -m review.training.confusion build``).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

from review.resources import lexicons_dir

COLUMNS = ("same_tone", "diff_tone", "fuzzy", "shape", "observed")
DEFAULT_PATH = lexicons_dir() / "confusion" / "confusion.tsv"


class ConfusionSet:
    """char -> {column -> its characters, one string}. ``candidates(c)`` is the union of all columns.

    A column is a string of distinct characters in code-point order, not a set: 3,800 rows of five small sets were
    ~20 MB of hash tables in every process (the typo and expression checks share the table); the strings are ~1 MB.
    Membership (`ch in column`) and iteration read the same either way. The union of a row (`candidates`) is one
    such string too: cached as frozensets, every warmed process held ~28 MB of them (261,000 one-character string
    objects), built by the typo check's neighbour index at warm-up."""

    def __init__(self, table: Optional[Dict[str, Dict[str, str]]] = None):
        self.table: Dict[str, Dict[str, str]] = table or {}
        self._union: Dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.table)

    def digest(self) -> str:
        """A digest of the rows as they are now (tables built from them are cached by it): ~3 ms."""
        digest = hashlib.sha256()
        for ch in sorted(self.table):
            row = self.table[ch]
            digest.update(("\t".join([ch, *(row.get(column, "") for column in COLUMNS)]) + "\n").encode("utf-8"))
        return digest.hexdigest()[:24]

    def __contains__(self, ch: str) -> bool:
        return ch in self.table

    def column(self, ch: str, name: str) -> str:
        """The characters of one column of `ch`'s row ("" when it has none)."""
        return self.table.get(ch, {}).get(name, "")

    def candidates(self, ch: str) -> str:
        """The characters of every column of `ch`'s row but `ch` itself: distinct, in code-point order."""
        u = self._union.get(ch)
        if u is None:
            row = self.table.get(ch)
            u = "".join(sorted(set("".join(row.values())) - {ch})) if row else ""
            self._union[ch] = u
        return u

    def allows(self, src: str, tgt: str) -> bool:
        """Whether the one character `tgt` is among `src`'s candidates."""
        return len(tgt) == 1 and tgt in self.candidates(src)

    def add(self, a: str, b: str, column: str) -> None:
        """Add `b` to `a`'s column (training builds the table this way; the run time only reads it)."""
        if a == b or len(b) != 1:
            return
        row = self.table.setdefault(a, {c: "" for c in COLUMNS})
        if b not in row[column]:
            row[column] = "".join(sorted(row[column] + b))
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
        table: Dict[str, Dict[str, str]] = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                # each column as distinct characters in order, whatever the file's order or repeats
                row = {c: "".join(sorted(set(parts[i + 1]))) if i + 1 < len(parts) else ""
                       for i, c in enumerate(COLUMNS)}
                table[parts[0]] = row
        return cls(table)


@lru_cache(maxsize=1)
def shipped_confusion() -> ConfusionSet:
    """lexicons/confusion/confusion.tsv, loaded once per process and shared, read-only, by the checks that read it
    (the typo check's model path, the expression check's look-alike leader names)."""
    from review.resources import lexicon_path

    return ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))

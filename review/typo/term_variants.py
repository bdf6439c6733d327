"""Misspelt canonical terms (两个唯护 → 两个维护, 乡村镇兴 → 乡村振兴) as typo-lexicon entries.

lexicons/typo/term_variants.tsv lists, per canonical term, the one-character confusion-set substitutions that make
a misspelling of it; `review.training.term_variants` generates the file (see there for how), and this module reads
it at start-up, so start-up needs neither the confusion set nor jieba's dictionary. The typo check treats each
variant like an authored entry: a hit that cuts a dictionary word at its edges (生态环境保|护) is kept only when
the corrected text segments clearly better.
"""

from __future__ import annotations

from pathlib import Path

from review.lexicon import Entry
from review.resources import lexicon_path

VARIANTS_FILE = "term_variants.tsv"


def read_variants(path: Path | None = None) -> dict[str, str]:
    """variant -> term from lexicons/typo/term_variants.tsv (empty when the file is absent)."""
    path = path or lexicon_path("typo", VARIANTS_FILE)
    if not path.exists():
        return {}
    variants = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            term, positions = line.rstrip("\n").split("\t")
            for index, chars in enumerate(positions.split("|")):
                for char in chars:
                    variants[term[:index] + char + term[index + 1:]] = term
    return variants


def variant_entries() -> tuple[Entry, ...]:
    """The generated variants as error-lexicon entries (category `term`)."""
    return tuple(Entry(term=variant, category="term", severity="major", suggestion=term, note="规范用语",
                       source=f"{VARIANTS_FILE}:{term}") for variant, term in read_variants().items())

"""Misspelt canonical terms (两个唯护, 乡村镇兴): one confusion-set substitution of a standard formulation, a
government term or a new official term, added to the typo check's error lexicon.

The terms are the formulation names and items of lexicons/expression/formulations.toml and the words of
lexicons/gov_userdict.txt and lexicons/typo/protected_terms.txt, when they are four or more Chinese characters.
A variant replaces one character with one of its confusion-set neighbours (lexicons/confusion/confusion.tsv).
That neighbour must be a common character: counted at least COMMON_COUNT times by models/ngram, the first
candidates an input method offers. A variant is dropped when:
- a numeral or calendar unit replaces another (十个坚持 is another phrase);
- it is a jieba dictionary word or another term;
- it occurs in the clean formal text the n-gram model counts (村庄整治建设, 引发经济衰退).

``python -m review.training.term_variants --data ../shared/data`` writes the survivors to
lexicons/typo/term_variants.tsv. The file is generated data, read at start-up, so start-up needs neither the
confusion set nor jieba's
dictionary. The typo check treats each variant like an authored entry: a hit that cuts a dictionary word at its
edges (生态环境保|护) is kept only when the corrected text segments clearly better.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from review.chars import all_han
from review.lexicon import load_phrases
from review.resources import lexicon_path
from review.typo.term_variants import VARIANTS_FILE

MIN_LENGTH = 4
COMMON_COUNT = 500


def canonical_terms() -> list[str]:
    """The terms whose misspellings are looked for, in a fixed order."""
    with open(lexicon_path("expression", "formulations.toml"), "rb") as handle:
        formulations = tomllib.load(handle)["formulation"]
    terms = set()
    for formulation in formulations:
        terms.add(formulation["name"])
        terms.update(formulation.get("items", ()))
    with open(lexicon_path("gov_userdict.txt"), encoding="utf-8") as handle:
        terms.update(line.split()[0] for line in handle if line.strip() and not line.startswith("#"))
    terms.update(load_phrases("typo", "protected_terms.txt"))
    return sorted(t for t in terms if len(t) >= MIN_LENGTH and all_han(t))


def term_variants(terms: Iterable[str], neighbours: Callable[[str], Iterable[str]], word_freq: dict,
                  number_chars: str, seen: Iterable[str] = ()) -> dict[str, str]:
    """variant -> term, for every one-character substitution by `neighbours` that survives the filters above."""
    terms = list(terms)
    known, seen = set(terms), set(seen)
    variants: dict[str, str] = {}
    for term in terms:
        for index, char in enumerate(term):
            for other in sorted(neighbours(char)):
                if not all_han(other) or (char in number_chars and other in number_chars):
                    continue
                variant = term[:index] + other + term[index + 1:]
                if variant in known or variant in seen or word_freq.get(variant, 0) > 0:
                    continue
                variants.setdefault(variant, term)
    return variants


def format_line(term: str, variants: Iterable[str]) -> str:
    """One file line: the term, then per character position the characters that replace it (`|`-separated)."""
    by_position = [[] for _ in term]
    for variant in sorted(variants):
        [index] = [i for i, (a, b) in enumerate(zip(term, variant)) if a != b]
        by_position[index].append(variant[index])
    return term + "\t" + "|".join("".join(chars) for chars in by_position) + "\n"


def main(argv=None) -> int:
    """Write lexicons/typo/term_variants.tsv."""
    ap = argparse.ArgumentParser(prog="python -m review.training.term_variants", description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data", help="shared data folder (the clean text to scan)")
    args = ap.parse_args(argv)
    import ahocorasick
    import numpy as np
    from tqdm import tqdm

    from review.resources import load_toml, model_path
    from review.segment import get_tokenizer
    from review.training.corpora import clean_texts
    from review.typo.confusion import ConfusionSet
    from review.typo.ngram import load_ngram

    number_chars = load_toml("typo", "typo.toml")["model"].get("number_chars", "")
    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    ngram = load_ngram(str(model_path("ngram", "ngram.npz")))

    def common_neighbours(char: str) -> list[str]:
        chars = sorted(confusion.candidates(char))
        counts = ngram.unigram_counts(np.array([ord(c) for c in chars], dtype=np.int64))
        return [c for c, n in zip(chars, counts) if n >= COMMON_COUNT]

    variants = term_variants(canonical_terms(), common_neighbours, get_tokenizer().FREQ, number_chars)
    automaton = ahocorasick.Automaton()
    for variant in variants:
        automaton.add_word(variant, variant)
    automaton.make_automaton()
    seen: set[str] = set()
    for text in tqdm(clean_texts(Path(args.data)), desc="scanning the clean text", unit="text"):
        seen.update(variant for _, variant in automaton.iter(text))
    kept = {variant: term for variant, term in variants.items() if variant not in seen}
    path = lexicon_path("typo", VARIANTS_FILE)
    header = ("# Generated by `python -m review.training.term_variants --data ../shared/data`: "
              "do not edit, regenerate after\n"
              "# changing the terms, the confusion set or models/ngram (review/training/term_variants.py says how).\n"
              f"# {len(kept)} misspellings of {len(set(kept.values()))} canonical terms; {len(seen)} more occur in\n"
              "# the clean text and are left out. term<TAB>per character position, the characters that replace\n"
              "# it in a misspelling, |-separated\n")
    by_term: dict[str, list[str]] = {}
    for variant, term in kept.items():
        by_term.setdefault(term, []).append(variant)
    path.write_text(header + "".join(format_line(term, by_term[term]) for term in sorted(by_term)), encoding="utf-8")
    print(f"{len(variants)} variants, {len(seen)} seen in the clean text, {len(kept)} written to {path}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

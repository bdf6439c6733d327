"""Curate the `sensitive` check's broad lists from two public reference lists, holding out a tenth for measuring.

    python -m review.training.sensitive_lists --data ../shared/data     # writes lexicons/sensitive/curated.tsv

The reference lists (`lexicon-sensitive-konsheng`, MIT; `lexicon-sensitive-houbb`, Apache-2.0) are crowd-collected,
noisy and over-broad: officials' names, place names, ordinary words, medicine and anatomy, web addresses. They are
never shipped. A word is kept only when

- it is not in the held-out tenth (`held_out`: a hash of the normalised word, the same in every list, so a word held
  out of one list is held out of all; the held-out words are read only by benchmarks/eval_lexicon.py);
- a curation rule of `lexicons/sensitive/curation.toml` gives it a category: it contains one of the rule's markers
  (and one of its `requires` words where the rule has them, e.g. a medicine's name only beside 出售/供应…), and no
  `drop` word;
- it does not occur in clean government writing (《新闻联播》 2012-2021 and 2022 up to `HELD_OUT_FROM`, the laws):
  what government text uses is normal there (洗钱 and 小额贷款 in news, 彩票 as a topic, officials' names);
- no shorter kept or authored entry lies inside it (that one already finds it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from review.resources import lexicon_path
from review.training.corpora import HELD_OUT_FROM

HOLDOUT_SALT = "review-sensitive-holdout-v1\0"
CURATED_FILE = "curated.tsv"
KONSHENG = Path("lexicon-sensitive-konsheng") / "lexicon.tsv"
HOUBB = Path("lexicon-sensitive-houbb") / "sensitive_words.txt"
MIN_CHARS, MAX_CHARS = 2, 10


def held_out(word: str) -> bool:
    """True for the deterministic tenth of words never read while curating (by a hash of the normalised word)."""
    digest = hashlib.sha1((HOLDOUT_SALT + word).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 10 == 0


def normalise_word(word: str) -> str:
    """A reference word as the check reads text: simplified, half-width, lower-case, without spaces."""
    from review.normalise import normalise

    return "".join(normalise(word.strip()).text.lower().split())


def reference_lists(data: Path) -> dict[str, list[str]]:
    """List name (konsheng/<its file>, houbb) → its normalised words, deduplicated, in file order."""
    lists: dict[str, dict[str, None]] = {}
    with open(data / KONSHENG, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            word, _, category = line.rstrip("\n").partition("\t")
            lists.setdefault(f"konsheng/{category}", {})[normalise_word(word)] = None
    houbb = lists.setdefault("houbb", {})
    with open(data / HOUBB, encoding="utf-8") as handle:
        for line in handle:
            houbb[normalise_word(line)] = None
    return {name: [w for w in words if w] for name, words in lists.items()}


NOISE_AFFIXES = ("qq", "fuck")  # the lists glue these to thousands of words (供应冰毒qq, fuck温家宝)


def core(word: str) -> str:
    """A reference word without the lists' glued-on affixes and symbols: what a curated entry needs to match."""
    word = "".join(c for c in word if c.isalnum())
    changed = True
    while changed:
        changed = False
        for affix in NOISE_AFFIXES:
            if word.startswith(affix) and len(word) > len(affix):
                word, changed = word[len(affix):], True
            if word.endswith(affix) and len(word) > len(affix):
                word, changed = word[: -len(affix)], True
    return word


@dataclass(frozen=True)
class Rule:
    """One curation rule: words holding a marker (and a required word, if any) get this category and severity."""

    category: str
    severity: str
    markers: tuple[str, ...]
    requires: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Curation:
    """The curation rules, the words that disqualify a reference word, and the markers never listed alone."""

    rules: tuple[Rule, ...]
    drop: tuple[str, ...]
    not_alone: frozenset[str] = frozenset()

    def marker_entries(self) -> dict[str, Rule]:
        """The markers of rules without `requires` that are entries themselves (百家乐, 海luo因): two or more
        characters, at least one Han, not listed in `not_alone` (ordinary elsewhere: 四件套, 调教, 枪手)."""
        out: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.requires:
                continue
            for marker in rule.markers:
                if len(marker) >= 2 and not marker.isascii() and marker not in self.not_alone:
                    out.setdefault(marker, rule)
        return out

    def classify(self, word: str) -> Rule | None:
        """The first rule that takes `word`, or None (list noise, a name, an ordinary word)."""
        word = core(word)
        if not MIN_CHARS <= len(word) <= MAX_CHARS or "+" in word or word.isascii():
            return None
        if sum("\u4e00" <= c <= "\u9fff" for c in word) < 2 or any(d in word for d in self.drop):
            return None
        if sum(c.isdigit() for c in word) > 3:  # phone numbers, QQ numbers, dates
            return None
        for rule in self.rules:
            if any(m in word for m in rule.markers) and (not rule.requires or any(r in word for r in rule.requires)):
                return rule
        return None


def load_curation() -> Curation:
    """lexicons/sensitive/curation.toml."""
    with open(lexicon_path("sensitive", "curation.toml"), "rb") as handle:
        data = tomllib.load(handle)
    rules = tuple(
        Rule(r["category"], r["severity"], tuple(r["markers"]), tuple(r.get("requires", ())), r["note"])
        for r in data["rule"]
    )
    return Curation(rules, tuple(data["drop"]), frozenset(data.get("not_alone", ())))


def _jsonl_xz(path: Path, keep=lambda row: True) -> Iterator[str]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if keep(row):
                yield (row.get("title") or "") + "\n" + row.get("text", "")


def clean_government_texts(data: Path) -> Iterator[str]:
    """Clean government writing the curation may read: 《新闻联播》 before HELD_OUT_FROM and the laws (the
    government reports and later news are the benchmark's held-out clean text)."""
    yield from _jsonl_xz(data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz")
    yield from _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                         lambda row: row.get("date", "") < HELD_OUT_FROM)
    yield from _jsonl_xz(data / "formal-laws" / "laws.jsonl.xz")


def used_in(words: Iterable[str], texts: Iterable[str]) -> set[str]:
    """The words that occur in any of `texts` (normalised like the words)."""
    import ahocorasick

    from review.normalise import normalise

    automaton = ahocorasick.Automaton()
    for word in set(words):
        automaton.add_word(word, word)
    if not len(automaton):
        return set()
    automaton.make_automaton()
    found: set[str] = set()
    for text in texts:
        for _end, word in automaton.iter(normalise(text).text.lower()):
            found.add(word)
    return found


@dataclass(frozen=True)
class Curated:
    """A kept reference word with its category, severity, note and the lists it came from."""

    term: str
    category: str
    severity: str
    note: str
    sources: tuple[str, ...]


def candidates(lists: dict[str, list[str]], curation: Curation, holdout: bool) -> dict[str, tuple[Rule, set[str]]]:
    """Classified words of one side of the split (held out or not) → (rule, source lists)."""
    found: dict[str, tuple[Rule, set[str]]] = {}
    for name, words in lists.items():
        source = name.split("/", 1)[0]
        for word in words:
            if held_out(word) != holdout:
                continue
            if word in found:
                found[word][1].add(source)
                continue
            rule = curation.classify(word)
            if rule is not None:
                found[word] = (rule, {source})
    return found


def curate(data: Path, authored: Iterable[str]) -> list[Curated]:
    """The curated entries from the nine tenths, minus clean-text words and words an entry already covers."""
    from review.lexicon_match import skeleton_form

    curation = load_curation()
    found: dict[str, tuple[Rule, set[str]]] = {}
    for word, (rule, sources) in candidates(reference_lists(data), curation, holdout=False).items():
        kept = found.setdefault(core(word), (rule, set()))
        kept[1].update(sources)
    for marker, rule in curation.marker_entries().items():
        found.setdefault(marker, (rule, set()))[1].add("curation.toml")
    print(f"{len(found)} classified words", file=sys.stderr)
    normal = used_in(found, clean_government_texts(data))
    print(f"{len(normal)} of them occur in clean government text", file=sys.stderr)
    authored_keys = {skeleton_form(term) for term in authored}
    kept: list[Curated] = []
    keys = set(authored_keys)
    for word in sorted(found, key=lambda w: (len(w), w)):
        if word in normal or word in curation.not_alone:
            continue
        key = skeleton_form(word)
        inner = (key[i:j] for i in range(len(key)) for j in range(i + MIN_CHARS, len(key) + 1))
        if len(key) < MIN_CHARS or any(part in keys for part in inner):
            continue
        rule, sources = found[word]
        keys.add(key)
        kept.append(Curated(word, rule.category, rule.severity, rule.note, tuple(sorted(sources))))
    return kept


def write_curated(entries: list[Curated], path: Path) -> None:
    """Write the curated entries as a lexicon TSV (sorted by category, then term)."""
    lines = [
        "# Curated from lexicon-sensitive-konsheng (MIT) and lexicon-sensitive-houbb (Apache-2.0) by\n",
        "# `python -m review.training.sensitive_lists` with the rules of curation.toml: do not edit by hand, change\n",
        "# the rules (or allow.txt) and regenerate. See lexicons/README.md for the sources and their licences.\n",
        "term\tcategory\tseverity\tsuggestion\tnote\tvariants\tcontext\tsource\n",
    ]
    for entry in sorted(entries, key=lambda e: (e.category, e.term)):
        lines.append(f"{entry.term}\t{entry.category}\t{entry.severity}\t-\t{entry.note}\t-\t-\t"
                     f"{'+'.join(entry.sources)}\n")
    path.write_text("".join(lines), encoding="utf-8")


CHAR_ORDER_HEADER = "".join(
    f"# {line}\n" for line in (
        "Characters of clean government writing, most frequent first (《新闻联播》 2012-2021, the first 20,000",
        "articles; Han characters seen 20 times or more, at most 4,000). review/lexicon_match.py adds patterns to its",
        "automaton in this order of their first character, so the commonest characters are found first among the",
        "root's children (speed only: any order finds the same matches). Generated by",
        "`python -m review.training.sensitive_lists --char-order`.",
    )
)


def write_char_order(data: Path, path: Path, articles: int = 20000, min_count: int = 20, most: int = 4000) -> None:
    """Write lexicons/sensitive/char_order.txt: Han characters of training news, most frequent first."""
    from collections import Counter

    counts: Counter = Counter()
    path_xz = data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz"
    with lzma.open(path_xz, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= articles:
                break
            counts.update(json.loads(line)["text"])
    chars = [c for c, n in counts.most_common() if n >= min_count and "\u4e00" <= c <= "\u9fff"][:most]
    path.write_text(CHAR_ORDER_HEADER + "".join(chars) + "\n", encoding="utf-8")


HOMOPHONE_STOP_HEADER = "".join(
    f"# {line}\n" for line in (
        "Terms (entries of lexicons/sensitive/ and parts of compounds.toml) a same-reading swap of which the check",
        "would report in clean government writing (《新闻联播》 2012-2021 and 2022 up to 2026-03-01, the laws): a",
        "listed term that sounds like 国家及. review/checks/sensitive.py matches these terms as written, never with a",
        "character swapped for a same-reading one. Generated by",
        "`python -m review.training.sensitive_lists --homophone-stops`; regenerate after editing the lexicons.",
    )
)


def write_homophone_stops(data: Path, path: Path) -> int:
    """Write lexicons/sensitive/homophone_stop.txt: the terms a same-reading swap of which the check would report (as
    an entry, or as a compound's part) somewhere in clean government writing."""
    from collections import Counter

    from review.checks.sensitive import SensitiveCheck
    from review.document import Document
    from review.lexicon_match import build_skeleton
    from review.model import Post
    from review.normalise import normalise
    from review.pipeline import ReviewOptions

    path.write_text(HOMOPHONE_STOP_HEADER, encoding="utf-8")  # the check below then swaps every term
    check = SensitiveCheck()
    options = ReviewOptions.make()
    counts: Counter = Counter()
    parts = (text[at : at + 20000] for text in clean_government_texts(data) for at in range(0, len(text), 20000))
    for text in parts:  # a post is at most 20,000 characters
        if check.matcher.homophone_hits(build_skeleton(normalise(text).text).text):
            counts.update(check.judged(Document.build(Post.from_dict({"text": text}), "text", options))[1])
    path.write_text(HOMOPHONE_STOP_HEADER + "".join(f"{term}\n" for term in sorted(counts)), encoding="utf-8")
    return len(counts)


BOUNDARY_FREE_HEADER = "".join(
    f"# {line}\n" for line in (
        "Short entries of lexicons/sensitive/ (two characters or fewer, outside the strict categories) that clean",
        "government writing never holds, not even across two words (《新闻联播》 2012-2021 and 2022 up to 2026-03-01, the",
        "laws): review/checks/sensitive.py reports them without word-boundary evidence (成人色网站 holds 色网 across 色|网站,",
        "which 特色网络 does too, so 色网 is not here; 嫩穴 is). Generated by",
        "`python -m review.training.sensitive_lists --boundary-free`; regenerate after editing the lexicons.",
    )
)


def write_boundary_free(data: Path, path: Path) -> int:
    """Write lexicons/sensitive/boundary_free.txt: the boundary-checked short entries no clean text holds."""
    from review.checks.sensitive import SensitiveCheck

    check = SensitiveCheck()
    terms = {entry.term for entry in check.matcher.entries if check.boundary_checked(entry)}
    free = sorted(terms - used_in(terms, clean_government_texts(data)))
    path.write_text(BOUNDARY_FREE_HEADER + "".join(f"{term}\n" for term in free), encoding="utf-8")
    return len(free)


def main(argv: list[str] | None = None) -> int:
    """Curate and write lexicons/sensitive/curated.tsv (or, with --char-order, char_order.txt; with --homophone-stops,
    homophone_stop.txt; with --boundary-free, boundary_free.txt)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--char-order", action="store_true", help="write lexicons/sensitive/char_order.txt instead")
    parser.add_argument("--homophone-stops", action="store_true",
                        help="write lexicons/sensitive/homophone_stop.txt instead")
    parser.add_argument("--boundary-free", action="store_true",
                        help="write lexicons/sensitive/boundary_free.txt instead")
    args = parser.parse_args(argv)
    if args.boundary_free:
        path = lexicon_path("sensitive", "boundary_free.txt")
        print(f"wrote {path} ({write_boundary_free(args.data, path)} terms)", file=sys.stderr)
        return 0
    if args.char_order:
        write_char_order(args.data, lexicon_path("sensitive", "char_order.txt"))
        return 0
    if args.homophone_stops:
        path = lexicon_path("sensitive", "homophone_stop.txt")
        print(f"wrote {path} ({write_homophone_stops(args.data, path)} terms)", file=sys.stderr)
        return 0
    from review.lexicon import lexicon_files, parse_entries

    path = lexicon_path("sensitive", CURATED_FILE)
    authored = [e.term for e in parse_entries(p for p in lexicon_files("sensitive", "*.tsv") if p.name != CURATED_FILE)]
    entries = curate(args.data, authored)
    write_curated(entries, path)
    print(f"wrote {path} ({len(entries)} entries)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

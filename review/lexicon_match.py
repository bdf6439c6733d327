"""Evasion-robust lexicon matching: one Aho-Corasick automaton over a "skeleton" of the normalised text.

The normaliser has already folded traditional characters and full-width forms. The skeleton goes further,
for matching only: ASCII letters are lower-cased, spacing and decorative symbols between characters are
dropped (`冰*毒`, `赌 博`), and runs of one repeated character collapse to one (`赌赌赌博`). Terms are
reduced the same way, and high-risk terms also get pinyin and mixed pinyin spellings (`dubo`, `du博`) and
their curated homophone variants. Each skeleton character remembers its span in the normalised text, so a
match maps back to normalised offsets, which `doc.finding` maps to the caller's original text.

Guards against false alarms across word boundaries: clause punctuation (，。！？；：、, line breaks), quotes
and brackets (a word's own edges: 策划出《冰糖葫芦》 is not 出冰) are never dropped; a doubled character that
ordinarily reduplicates (妈妈的, 天天) is not collapsed, only a run of three or more is; at most `max_gap` dropped characters may sit between two characters of a match, a match that
starts or ends with a Latin letter must not touch another letter or digit, and allow-list phrases
(`大麻烦` around `大麻`) veto the matches they contain.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import ahocorasick

from review.lexicon import Entry

if TYPE_CHECKING:
    from review.document import Document

# Dropped between characters: spaces and symbols people insert to split a word. Clause punctuation is not.
SEPARATORS = (
    " \t\r\f\v\u00a0\u2000-\u200a\u3000"
    "#$%&*+\\-./=@\\\\^_`|~"
    "·•・‧∙⋅°※★☆♡♥❤●○◆◇■□▲△▼▽→←↑↓×✖✕✗✘\u2010-\u2015\u2032\u2033～﹏"
)
CJK_OR_LETTER = "\u3400-\u4dbf\u4e00-\u9fffa-z"
EDIT_RE = re.compile(f"(?P<sep>[{SEPARATORS}]+)|(?P<rep>(?P<ch>[{CJK_OR_LETTER}])(?P=ch)+)")
LOWER_ASCII = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
HAN_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")

EXACT, SPACED, REPEATED, CASE, PINYIN, MIXED_PINYIN, VARIANT = (
    "exact", "spaced", "repeated", "case", "pinyin", "mixed_pinyin", "variant",
)
ALLOW = "allow"
EVASION_NAMES = {
    SPACED: "字间插入符号或空格",
    REPEATED: "重复字符",
    CASE: "大小写变体",
    PINYIN: "拼音",
    MIXED_PINYIN: "拼音汉字混写",
    VARIANT: "谐音或变体字",
}


def _is_alnum_ascii(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z") or ("0" <= char <= "9")


@lru_cache(maxsize=1)
def reduplicating_chars() -> frozenset[str]:
    """Characters whose doubling is an ordinary word (妈妈, 天天, 常常): lexicons/reduplicated.txt."""
    from review.lexicon import load_phrases

    return frozenset(char for line in load_phrases("reduplicated.txt") for char in line)


@dataclass(frozen=True)
class Skeleton:
    """The matching form of a text and the map from each of its characters to a normalised span."""

    text: str
    seg_starts: list[int] | None  # skeleton offset where each segment begins; None: identity map
    segs: list[tuple[int, int]] | None  # (normalised start, run length; 0 = a 1:1 copied run)

    def span(self, index: int) -> tuple[int, int]:
        """Normalised [start, end) of skeleton character `index`."""
        if self.seg_starts is None or self.segs is None:
            return index, index + 1
        i = bisect_right(self.seg_starts, index) - 1
        norm_start, run = self.segs[i]
        if run:
            return norm_start, norm_start + run
        at = norm_start + index - self.seg_starts[i]
        return at, at + 1


def build_skeleton(text: str) -> Skeleton:
    """Lower-case ASCII, drop inserted separators, collapse repeated characters; keep the offset map."""
    lowered = text.translate(LOWER_ASCII)
    pieces: list[str] = []
    seg_starts: list[int] = []
    segs: list[tuple[int, int]] = []
    position = length = 0
    edited = False
    for match in EDIT_RE.finditer(lowered):
        start, end = match.span()
        if match.group("rep") is not None:
            if end - start == 2 and lowered[start] in reduplicating_chars():
                continue  # 妈妈, 天天: an ordinary word, left as written
        if start > position:
            pieces.append(lowered[position:start])
            seg_starts.append(length)
            segs.append((position, 0))
            length += start - position
        if match.group("rep") is not None:
            pieces.append(lowered[start])
            seg_starts.append(length)
            segs.append((start, end - start))
            length += 1
        position = end
        edited = True
    if not edited:
        return Skeleton(lowered, None, None)
    if position < len(lowered):
        pieces.append(lowered[position:])
        seg_starts.append(length)
        segs.append((position, 0))
    return Skeleton("".join(pieces), seg_starts, segs)


def skeleton_form(term: str) -> str:
    """The skeleton of a term (what the automaton stores)."""
    return build_skeleton(term).text


@lru_cache(maxsize=4096)
def _char_pinyin(char: str) -> str | None:
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading and reading[0].isascii() and reading[0].isalpha() else None


def pinyin_variants(term: str, min_letters: int = 4, max_chars: int = 4) -> list[tuple[str, str]]:
    """Full-pinyin and mixed pinyin/character spellings of a Chinese term: [(kind, spelling)]."""
    if not HAN_ONLY.match(term) or not 2 <= len(term) <= max_chars:
        return []
    from pypinyin import Style, lazy_pinyin

    readings = lazy_pinyin(term, style=Style.NORMAL, errors="ignore")  # in-context readings for polyphones
    if len(readings) != len(term) or not all(r.isascii() and r.isalpha() for r in readings):
        return []
    variants = []
    full_mask = (1 << len(term)) - 1
    for mask in range(1, full_mask + 1):
        spelling = "".join(readings[i] if mask >> i & 1 else term[i] for i in range(len(term)))
        if mask == full_mask:
            if len(spelling) >= min_letters:
                variants.append((PINYIN, spelling))
        else:
            variants.append((MIXED_PINYIN, spelling))
    return variants


@dataclass(frozen=True)
class Match:
    """A lexicon hit: the entry, its normalised span, and how it was written (exact or an evasion kind)."""

    entry: Entry
    start: int
    end: int
    kind: str

    @property
    def evasion(self) -> str | None:
        """Chinese name of the evasion used, or None for a plain occurrence."""
        return EVASION_NAMES.get(self.kind)


class LexiconMatcher:
    """Finds lexicon entries in normalised text, robust to the usual spelling evasions.

    `pinyin_for(entry)` says which entries also match in pinyin and mixed pinyin; `variants_for(entry)`
    gives an entry's curated homophone/variant spellings. Build once per process; `find` is thread-safe.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        allow_phrases: Iterable[str] = (),
        *,
        pinyin_for: Callable[[Entry], bool] = lambda entry: False,
        variants_for: Callable[[Entry], Iterable[str]] = lambda entry: (),
        max_gap: int = 3,
        min_pinyin_letters: int = 4,
    ) -> None:
        self.entries = tuple(entries)
        self.max_gap = max_gap
        table: dict[str, list[tuple[str, int]]] = {}

        def add(spelling: str, kind: str, index: int) -> None:
            key = skeleton_form(spelling)
            if len(key) < 2:
                return  # a one-character skeleton would fire everywhere
            refs = table.setdefault(key, [])
            if (kind, index) not in refs:
                refs.append((kind, index))

        for index, entry in enumerate(self.entries):
            add(entry.term, EXACT, index)
            for variant in variants_for(entry):
                add(variant, VARIANT, index)
            if pinyin_for(entry):
                for kind, spelling in pinyin_variants(entry.term, min_pinyin_letters):
                    add(spelling, kind, index)
        for phrase in allow_phrases:
            add(phrase, ALLOW, -1)
        self.pattern_count = len(table)
        self.automaton = ahocorasick.Automaton()
        for key, refs in table.items():
            # Plain spellings first, so a hit prefers the entry whose own term this is.
            refs.sort(key=lambda ref: ref[0] != EXACT)
            self.automaton.add_word(key, (len(key), tuple(refs)))
        if table:
            self.automaton.make_automaton()

    def find(
        self,
        text: str,
        skeleton: Skeleton | None = None,
        allow_terms: Iterable[str] = (),
        extra_entries: Sequence[Entry] = (),
    ) -> list[Match]:
        """Matches in normalised `text` (pass its cached skeleton to save work), longest first at a spot.

        `allow_terms` veto matches they contain or equal; `extra_entries` (per-call deny terms) are matched
        plainly in the skeleton as well.
        """
        skeleton = skeleton or build_skeleton(text)
        skel = skeleton.text
        hits: list[tuple[int, int, str, Entry]] = []  # skeleton start, end, kind, entry
        allow_spans: list[tuple[int, int]] = []
        if self.pattern_count:
            for end_index, (length, refs) in self.automaton.iter(skel):
                start, end = end_index - length + 1, end_index + 1
                for kind, index in refs:
                    if kind == ALLOW:
                        allow_spans.append((start, end))
                    else:
                        hits.append((start, end, kind, self.entries[index]))
        for entry in extra_entries:
            key = skeleton_form(entry.term)
            at = skel.find(key) if key else -1
            while at >= 0:
                hits.append((at, at + len(key), EXACT, entry))
                at = skel.find(key, at + 1)
        for term in allow_terms:
            key = skeleton_form(term)
            at = skel.find(key) if key else -1
            while at >= 0:
                allow_spans.append((at, at + len(key)))
                at = skel.find(key, at + 1)
        if not hits:
            return []
        allowed_terms = set(allow_terms)
        matches: list[Match] = []
        for start, end, kind, entry in hits:
            if entry.term in allowed_terms:
                continue
            if any(a <= start and end <= b for a, b in allow_spans):
                continue
            found = self._resolve(text, skeleton, start, end, kind, entry)
            if found is not None:
                matches.append(found)
        return _longest_first(matches)

    def _resolve(self, text: str, skeleton: Skeleton, start: int, end: int, kind: str, entry: Entry) -> Match | None:
        """Map a skeleton hit to normalised offsets, applying the gap and Latin-boundary guards."""
        norm_start = skeleton.span(start)[0]
        norm_end = skeleton.span(end - 1)[1]
        skel = skeleton.text
        if ("a" <= skel[start] <= "z" and norm_start > 0 and _is_alnum_ascii(text[norm_start - 1])) or (
            "a" <= skel[end - 1] <= "z" and norm_end < len(text) and _is_alnum_ascii(text[norm_end])
        ):
            return None
        if kind == EXACT:
            written = text[norm_start:norm_end]
            if written != entry.term:
                if norm_end - norm_start == end - start:
                    kind = CASE
                else:
                    kind = SPACED
                    previous_end = norm_start
                    repeated = False
                    for index in range(start, end):
                        char_start, char_end = skeleton.span(index)
                        if char_start - previous_end > self.max_gap:
                            return None
                        repeated = repeated or char_end - char_start > 1
                        previous_end = char_end
                    if repeated and not any(not c.isalnum() for c in written):
                        kind = REPEATED
        elif norm_end - norm_start != end - start:
            previous_end = norm_start
            for index in range(start, end):
                char_start, char_end = skeleton.span(index)
                if char_start - previous_end > self.max_gap:
                    return None
                previous_end = char_end
        return Match(entry, norm_start, norm_end, kind)


def _longest_first(matches: list[Match]) -> list[Match]:
    """Drop matches lying inside a longer kept match; keep partial overlaps (the pipeline merges those)."""
    matches.sort(key=lambda m: (m.start, -m.end, m.kind != EXACT))
    kept: list[Match] = []
    furthest = -1
    for match in matches:
        if match.end <= furthest:
            continue
        kept.append(match)
        furthest = match.end
    return kept


def document_skeleton(doc: "Document") -> Skeleton:
    """The skeleton of a document's normalised text, built once and shared by every lexicon check."""
    cached = doc.cache.get("lexicon_match.skeleton")
    if cached is None:
        cached = build_skeleton(doc.text)
        doc.cache["lexicon_match.skeleton"] = cached
    return cached

"""Evasion-robust lexicon matching: one Aho-Corasick automaton over a "skeleton" of the normalised text.

The normaliser has already folded traditional characters and full-width forms. The skeleton goes further,
for matching only: ASCII letters are lower-cased, spacing and decorative symbols between characters are
dropped (`冰*毒`, `赌 博`), and runs of one repeated character collapse to one (`赌赌赌博`). Terms are
reduced the same way, and high-risk terms also get pinyin and mixed pinyin spellings (`dubo`, `du博`) and
their curated homophone variants. Each skeleton character remembers its span in the normalised text, so a
match maps back to normalised offsets, which `doc.finding` maps to the caller's original text.

Guards against false alarms across word boundaries: clause punctuation (，。！？；：、, line breaks), quotes
and brackets (a word's own edges: 策划出《冰糖葫芦》 is not 出冰) are never dropped; a doubled character that
ordinarily reduplicates (妈妈的, 天天) is not collapsed, only a run of three or more is; at most `max_gap` dropped
characters may sit between two characters of a match, a match that starts or ends with a Latin letter must not
touch another letter or digit, and allow-list phrases
(`大麻烦` around `大麻`) veto the matches they contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import ahocorasick
import numpy as np

from review.chars import HAN_CLASS, all_han
from review.lexicon import Entry
from review.pinyin import term_readings
from review.resources import open_arrays

if TYPE_CHECKING:
    from review.document import Document

# Dropped between characters: spaces and symbols people insert to split a word. Clause punctuation is not.
SEPARATORS = (
    " \t\r\f\v\u00a0\u2000-\u200a\u3000"
    "#$%&*+\\-./=@\\\\^_`|~"
    "·•・‧∙⋅°※★☆♡♥❤●○◆◇■□▲△▼▽→←↑↓×✖✕✗✘\u2010-\u2015\u2032\u2033～﹏"
)
CJK_OR_LETTER = HAN_CLASS + "a-z"
SEPARATOR_RE = re.compile(f"[{SEPARATORS}]")
COLLAPSIBLE_RE = re.compile(f"[{CJK_OR_LETTER}A-Z]")

EXACT, SPACED, REPEATED, CASE, PINYIN, MIXED_PINYIN, VARIANT, HOMOPHONE = (
    "exact", "spaced", "repeated", "case", "pinyin", "mixed_pinyin", "variant", "homophone",
)
ALLOW = "allow"
SENTINEL, DEAD_END = "\ue000", "\ue001"  # private-use characters, never part of a pattern's alphabet
SENTINEL_CODE = ord(SENTINEL)
# Chinese names of the spellings that disguise a term (a Latin term in other letter case is not one).
EVASION_NAMES = {
    SPACED: "字间插入符号或空格",
    REPEATED: "重复字符",
    PINYIN: "拼音",
    MIXED_PINYIN: "拼音汉字混写",
    VARIANT: "谐音、变体、拼音缩写或颠倒字序",
    HOMOPHONE: "同音字替换",
}


def _is_alnum_ascii(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z") or ("0" <= char <= "9")


@lru_cache(maxsize=1)
def reduplicating_chars() -> frozenset[str]:
    """Characters whose doubling is an ordinary word (妈妈, 天天, 常常): lexicons/reduplicated.txt."""
    from review.lexicon import load_phrases

    return frozenset(char for line in load_phrases("reduplicated.txt") for char in line)


@lru_cache(maxsize=1)
def char_order_rank() -> dict[str, int]:
    """Character → its rank in lexicons/sensitive/char_order.txt (commonest first); empty when the file is absent."""
    from review.resources import lexicon_path

    path = lexicon_path("sensitive", "char_order.txt")
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        chars = "".join(line.strip() for line in handle if not line.startswith("#"))
    return {char: rank for rank, char in enumerate(dict.fromkeys(chars))}


@lru_cache(maxsize=1)
def _char_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per BMP code point, and one more slot for every code point above (`take(..., mode="clip")`): is kept (not a
    separator), may collapse when repeated, doubles as an ordinary word."""
    every = "".join(chr(code) for code in range(0x10000) if not 0xD800 <= code < 0xE000)
    kept = np.ones(0x10001, dtype=bool)
    collapsible = np.zeros(0x10001, dtype=bool)
    reduplicating = np.zeros(0x10001, dtype=bool)
    for found in SEPARATOR_RE.finditer(every):
        kept[ord(found.group())] = False
    for found in COLLAPSIBLE_RE.finditer(every):
        collapsible[ord(found.group())] = True
    for char in reduplicating_chars():
        reduplicating[ord(char)] = True
    return kept, collapsible, reduplicating


@dataclass(frozen=True)
class Skeleton:
    """The matching form of a text and, per skeleton character, its [start, end) in the normalised text."""

    text: str
    starts: np.ndarray | None  # None means the identity map
    ends: np.ndarray | None

    def span(self, index: int) -> tuple[int, int]:
        """Normalised [start, end) of skeleton character `index`."""
        if self.starts is None or self.ends is None:
            return index, index + 1
        return int(self.starts[index]), int(self.ends[index])


def build_skeleton(text: str) -> Skeleton:
    """Lower-case ASCII, drop inserted separators, collapse repeated characters; keep the offset map.

    Vectorised over code points (numpy) because it runs over every character of every post; the tables are read only
    where needed (repeats are rare), so most of a text costs a few whole-array operations.
    """
    kept_table, collapsible, reduplicating = _char_tables()
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    kept_mask = kept_table.take(codes, mode="clip")
    dropped = not kept_mask.all()
    kept_positions = np.flatnonzero(kept_mask) if dropped else None
    chars = codes[kept_positions] if dropped else codes
    upper = (chars - np.uint32(65)) < np.uint32(26)  # A-Z: below 65 wraps around to a large number
    has_upper = bool(upper.any())
    if has_upper:
        chars = np.where(upper, chars + np.uint32(32), chars)
    # A character repeating the one before (after separators are gone) continues a run and is dropped,
    # except the second of a pair of reduplicating characters (妈妈, 天天), kept so the word stays intact.
    repeats = None
    if len(chars) > 1:
        same = np.flatnonzero(chars[1:] == chars[:-1]) + 1
        same = same[collapsible.take(chars[same], mode="clip")]
        if len(same):
            repeats = np.zeros(len(chars), dtype=bool)
            repeats[same] = True
            first_repeat = repeats.copy()
            first_repeat[1:] &= ~repeats[:-1]
            repeats &= ~(first_repeat & reduplicating.take(chars, mode="clip"))
            if not repeats.any():
                repeats = None
    if not dropped and not has_upper and repeats is None:
        return Skeleton(text, None, None)
    if kept_positions is None:
        kept_positions = np.arange(len(codes))
    if repeats is None:
        return Skeleton(chars.astype("<u4", copy=False).tobytes().decode("utf-32-le"), kept_positions,
                        kept_positions + 1)
    kept = np.flatnonzero(~repeats)
    starts = kept_positions[kept]
    last_of_run = np.empty_like(kept)
    last_of_run[:-1] = kept[1:] - 1
    if len(kept):
        last_of_run[-1] = len(chars) - 1
    ends = kept_positions[last_of_run] + 1
    return Skeleton(chars[kept].astype("<u4").tobytes().decode("utf-32-le"), starts, ends)


@lru_cache(maxsize=1 << 16)
def skeleton_form(term: str) -> str:
    """The skeleton of a term (what the automaton stores); remembered, since an account's own allow and deny
    terms (up to 2,000) are reduced on every review that applies them (~20 us a term)."""
    return build_skeleton(term).text


def skeleton_forms(terms: Sequence[str]) -> list[str]:
    """The skeletons of many terms in one vectorised pass (building an automaton reduces thousands).

    Terms are joined by line breaks, which are never dropped, never collapse and differ from every term
    character, so each term's part of the joint skeleton is its own skeleton.
    """
    if any("\n" in term for term in terms):
        return [skeleton_form(term) for term in terms]
    forms = build_skeleton("\n".join(terms)).text.split("\n")
    return forms if terms else []


def pinyin_variants(term: str, min_letters: int = 4, max_chars: int = 4, max_pinyin_chars: int | None = None
                    ) -> list[tuple[str, str]]:
    """Full-pinyin and mixed pinyin/character spellings of a Chinese term: [(kind, spelling)].

    Mixed spellings are made for terms of up to `max_chars` characters, full pinyin for terms of up to
    `max_pinyin_chars` (default: the same), so long phrases (aomenpujingduchang) match in pinyin without
    multiplying the mixed patterns."""
    longest = max(max_chars, max_pinyin_chars or max_chars)
    if not all_han(term) or not 2 <= len(term) <= longest:
        return []
    # In-context readings for polyphones, from the table generated from pypinyin (review/pinyin.py). A
    # character without a reading stays as itself, not ASCII: such a term gets no pinyin spelling.
    readings = term_readings(term)
    if len(readings) != len(term) or not all(r.isascii() and r.isalpha() for r in readings):
        return []
    variants = []
    if len("".join(readings)) >= min_letters:
        variants.append((PINYIN, "".join(readings)))
    if len(term) > max_chars:
        return variants
    # Mixed spellings with one character in pinyin (du博, 赌bo, 法lun功): the common evasion. Every other
    # mix would multiply the patterns (and slow the automaton) for little gain.
    for index, reading in enumerate(readings):
        variants.append((MIXED_PINYIN, term[:index] + reading + term[index + 1 :]))
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


HOMOPHONE_TRIPLE_BITS = 20  # ~20,000 triples of reading classes in a table of 2**20 flags, 2% of it set
HOMOPHONE_CLASS_BASE = 0xE100  # private-use characters standing for one toneless reading each (about 410 readings)


@lru_cache(maxsize=1)
def reading_class_table() -> np.ndarray:
    """Per BMP code point: its reading class (a private-use code point shared by every common character of the same
    first toneless reading: 病 and 冰 → bing) for GB2312 hanzi, the code point itself for everything else."""
    from review.pinyin import same_reading_chars

    table = np.arange(0x10000, dtype=np.uint32)
    for number, (_reading, chars) in enumerate(sorted(same_reading_chars().items())):
        for char in chars:
            if ord(char) < 0x10000:
                table[ord(char)] = HOMOPHONE_CLASS_BASE + number
    return table


@lru_cache(maxsize=1)
def _reading_class_by_reading() -> dict[str, str]:
    from review.pinyin import same_reading_chars

    return {reading: chr(HOMOPHONE_CLASS_BASE + number)
            for number, (reading, _chars) in enumerate(sorted(same_reading_chars().items()))}


@lru_cache(maxsize=1)
def reading_class_index() -> np.ndarray:
    """Per BMP code point, and one more slot for every code point above: the number of its reading class plus one
    (GB2312 hanzi), 0 for everything else; `np.take(..., mode="clip")` sends a code above the BMP to that last 0."""
    table = reading_class_table()
    index = np.zeros(0x10001, dtype=np.uint32)
    is_class = (table >= HOMOPHONE_CLASS_BASE) & (table != np.arange(0x10000, dtype=np.uint32))
    index[:0x10000][is_class] = table[is_class] - HOMOPHONE_CLASS_BASE + 1
    return index


def homophone_keys(term: str, max_keys: int = 4) -> list[str]:
    """The reading-class spellings of a Han term: each character as the class of its own first reading, and, where
    the term reads a polyphone otherwise (银行: hang), as that reading's class too (at most `max_keys` spellings)."""
    table = reading_class_table()
    by_reading = _reading_class_by_reading()
    readings = term_readings(term)
    if len(readings) != len(term):
        return []
    keys = [""]
    for char, reading in zip(term, readings):
        own = chr(table[ord(char)]) if ord(char) < 0x10000 else char
        if own == char:
            return []  # a character without a known reading: no homophones
        options = {own}
        if reading in by_reading:
            options.add(by_reading[reading])
        keys = [key + option for key in keys for option in sorted(options)][:max_keys]
    return keys


PAIR_BITS = 20  # the pair filter is a table of 2**20 flags (1 MB): a few percent of them set, false hits only slow
PAIR_MULTIPLIER = 0x9E3779B1  # spreads the first character's code over the table (Fibonacci hashing)


def _pair_hash(first: np.ndarray, second: np.ndarray, bits: int = PAIR_BITS) -> np.ndarray:
    """Slots of a filter of 2**bits flags for the neighbour pairs (first[i], second[i]) (uint32 code points)."""
    mixed = first.astype(np.uint32, copy=False) * np.uint32(PAIR_MULTIPLIER)
    mixed ^= second.astype(np.uint32, copy=False)
    folded = mixed >> np.uint32(32 - bits)
    mixed &= np.uint32((1 << bits) - 1)
    folded ^= mixed
    return folded


class SentinelAutomaton:
    """An Aho-Corasick automaton (pyahocorasick) that skips characters no pattern can use there, cheaply.

    pyahocorasick scans a node's children one by one, and the root of thousands of Chinese patterns has
    thousands. A character can be part of a match only where it forms, with the character before or after it, a
    pair of neighbours that occurs in some pattern (every pattern has two characters or more); every other
    character is replaced by one sentinel whose dead-end branch is the root's first child, so it costs one
    comparison instead of a scan. The pairs are looked up for the whole text at once in a hashed table of flags
    (numpy): a hash collision only keeps a character that could have been skipped, never drops one.
    """

    def __init__(self, pair_bits: int = PAIR_BITS) -> None:
        self.automaton = ahocorasick.Automaton()
        self.automaton.add_word(SENTINEL + DEAD_END, None)
        self.size = 0
        self.pair_bits = pair_bits
        self.pairs = np.zeros(1 << pair_bits, dtype=bool)

    def add(self, key: str, value: object) -> None:
        """Add a pattern (two characters or more) and the value its hits carry."""
        codes = np.array([ord(char) for char in key], dtype=np.uint32)
        self.pairs[_pair_hash(codes[:-1], codes[1:], self.pair_bits)] = True
        self.automaton.add_word(key, value)
        self.size += 1

    def add_many(self, keys: Sequence[str], values: Sequence[object]) -> None:
        """`add` each key with its value, in order, the neighbour pairs of all keys hashed in one numpy pass."""
        if not keys:
            return
        codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype="<u4")
        # a pair (i, i + 1) lies inside a key unless i is the last character of one
        inside = np.ones(len(codes) - 1, dtype=bool)
        last = np.cumsum([len(key) for key in keys])[:-1] - 1
        inside[last] = False
        self.pairs[_pair_hash(codes[:-1][inside], codes[1:][inside], self.pair_bits)] = True
        add_word = self.automaton.add_word
        for key, value in zip(keys, values):
            add_word(key, value)
        self.size += len(keys)

    def __contains__(self, key: str) -> bool:
        return key in self.automaton

    def build(self) -> None:
        """Finish adding patterns."""
        self.automaton.make_automaton()

    def iter(self, text: str) -> Iterable[tuple[int, object]]:
        """(end index, value) of every pattern occurrence in `text`."""
        if not self.size or len(text) < 2:
            return iter(())
        return self.iter_codes(np.frombuffer(text.encode("utf-32-le"), dtype="<u4"), text)

    def iter_codes(self, codes: np.ndarray, text: str | None = None) -> Iterable[tuple[int, object]]:
        """`iter` over a text given as its code points (uint32), and the text itself where the caller has it."""
        if not self.size or len(codes) < 2:
            return iter(())
        inside = np.zeros(len(codes), dtype=bool)
        hit = self.pairs[_pair_hash(codes[:-1], codes[1:], self.pair_bits)]
        inside[:-1] |= hit
        inside[1:] |= hit
        if not inside.any():
            return iter(())
        if text is None or not inside.all():
            text = np.where(inside, codes, SENTINEL_CODE).astype("<u4").tobytes().decode("utf-32-le")
        return self.automaton.iter(text)


class ReadingClassAutomaton:
    """An Aho-Corasick automaton over reading classes (冰 and 病 → one class, bing), for same-reading swaps.

    Every key character is a reading class, so a text character without one (punctuation, Latin letters, rare
    hanzi) is never part of a hit. Before the walk, a position is a start only where a key's first three classes
    begin (hashed into 2**`triple_bits` flags) or a key of two classes lies (K×K flags, exact); the walk then reads
    only the three characters from each start (a key's later characters are starts of its later triples), runs
    of them joined by one sentinel, so most of a text is never walked. The class numbers come straight from a table
    by code point; the filter is about twenty numpy operations over the text, once per text.
    """

    def __init__(self, triple_bits: int = HOMOPHONE_TRIPLE_BITS) -> None:
        self.automaton = ahocorasick.Automaton()
        self.automaton.add_word(SENTINEL + DEAD_END, None)  # the sentinel is the root's first child: one comparison
        self.size = 0
        index = reading_class_index()
        self.width = int(index.max()) + 1  # K: the class numbers and 0 for "no class"
        self.index = index.astype(np.uint16)
        self.pairs = np.zeros(self.width * self.width, dtype=bool)
        self.triple_shift = np.uint32(32 - triple_bits)
        self.triples = np.zeros(1 << triple_bits, dtype=bool)

    def _triple_slots(self, pairs: np.ndarray, thirds: np.ndarray) -> np.ndarray:
        """Slots of the hashed triples (pair number × K + third class)."""
        slots = pairs * np.uint32(self.width)
        slots += thirds
        slots *= np.uint32(PAIR_MULTIPLIER)
        slots >>= self.triple_shift
        return slots

    def add_many(self, keys: Sequence[str], values: Sequence[object]) -> None:
        """`add` each key with its value, in order, the pair and triple flags of all keys set in one numpy pass."""
        if not keys:
            return
        numbers = np.frombuffer("".join(keys).encode("utf-32-le"), dtype="<u4").astype(np.int64)
        numbers -= HOMOPHONE_CLASS_BASE - 1
        lengths = np.array([len(key) for key in keys])
        if lengths.min() < 2 or numbers.min() < 1 or numbers.max() >= self.width:
            raise ValueError("not reading-class keys: every key needs two reading-class characters or more")
        numbers = numbers.astype(np.uint32)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        pairs = numbers[:-1] * np.uint32(self.width) + numbers[1:]  # pair i: characters i and i + 1
        two = lengths == 2
        self.pairs[pairs[starts[two]]] = True
        # triple i (characters i, i + 1, i + 2) of a longer key: every i up to its third-last character
        in_long_key = np.repeat(~two, lengths)
        triple_fits = np.zeros(len(numbers), dtype=bool)
        triple_fits[:-2] = True
        triple_fits[ends - 1] = False
        triple_fits[np.maximum(ends - 2, 0)] = False
        first = np.flatnonzero(triple_fits & in_long_key)
        self.triples[self._triple_slots(pairs[first], numbers[first + 2])] = True
        add_word = self.automaton.add_word
        for key, value in zip(keys, values):
            add_word(key, value)
        self.size += len(keys)

    def add(self, key: str, value: object) -> None:
        """Add a key of two reading-class characters or more and the value its hits carry."""
        numbers = np.array([ord(char) - HOMOPHONE_CLASS_BASE + 1 for char in key], dtype=np.int64)
        if len(numbers) < 2 or numbers.min() < 1 or numbers.max() >= self.width:
            raise ValueError(f"not a reading-class key: {key!r}")
        numbers = numbers.astype(np.uint32)
        pairs = numbers[:-1] * np.uint32(self.width) + numbers[1:]
        if len(numbers) == 2:
            self.pairs[pairs] = True
        else:
            self.triples[self._triple_slots(pairs[:-1], numbers[2:])] = True
        self.automaton.add_word(key, value)
        self.size += 1

    def build(self) -> None:
        """Finish adding keys."""
        if self.size:
            self.automaton.make_automaton()

    def iter_codes(self, codes: np.ndarray) -> Iterable[tuple[int, object]]:
        """(end index, value) of every key occurrence in a text given as its code points (uint32)."""
        if not self.size or len(codes) < 2:
            return ()
        # Two classes of padding, so that every position has a triple (a pair key may end the text).
        numbers = np.zeros(len(codes) + 2, dtype=np.uint16)
        self.index.take(codes, mode="clip", out=numbers[:-2])
        pairs = numbers[:-1] * np.uint32(self.width)
        pairs += numbers[1:]
        starts = self.triples.take(self._triple_slots(pairs[:-1], numbers[2:]))
        starts |= self.pairs.take(pairs[:-1])
        if not starts.any():
            return ()
        inside = starts.copy()
        inside[1:] |= starts[:-1]
        inside[2:] |= starts[:-2]
        # Walked: the characters inside, and the first one after each run of them (a sentinel, so runs never join).
        walked = inside.copy()
        walked[1:] |= inside[:-1]
        positions = np.flatnonzero(walked)
        text = np.where(inside[positions], numbers[positions] + np.uint32(HOMOPHONE_CLASS_BASE - 1),
                        np.uint32(SENTINEL_CODE)).astype("<u4").tobytes().decode("utf-32-le")
        where = positions.tolist()
        return [(where[end], value) for end, value in self.automaton.iter(text)]


MATCHER_TABLES_FORMAT = 1  # bump when MatcherTables or the way spellings become keys changes


@dataclass(frozen=True)
class MatcherTables:
    """What a LexiconMatcher builds its automatons from, in the order it adds them: each skeleton key with the
    (kind, entry index) references its hits carry, and each reading-class key with its entry indexes.

    Deriving them (pinyin and mixed spellings, skeletons, reading classes of ~7,700 entries) is most of a matcher's
    start-up; a caller may ship them prebuilt (`save`, `load`) and hand them to the matcher, with `digest` naming the
    sources they were derived from, so tables that no longer match their sources are never used."""

    digest: str
    keys: tuple[str, ...]
    refs: tuple[tuple[tuple[str, int], ...], ...]
    homophone_keys: tuple[str, ...]
    homophone_refs: tuple[tuple[int, ...], ...]

    def save(self, path: Path) -> None:
        """Write the tables as a compressed .npz of plain arrays (no pickle)."""
        kinds = sorted({kind for refs in self.refs for kind, _index in refs})
        kind_number = {kind: number for number, kind in enumerate(kinds)}
        np.savez_compressed(
            path,
            format=np.array(MATCHER_TABLES_FORMAT),
            digest=np.array(self.digest),
            kinds=np.array(kinds),
            keys=_codes("".join(self.keys)),
            key_lengths=np.array([len(key) for key in self.keys], dtype=np.int32),
            ref_counts=np.array([len(refs) for refs in self.refs], dtype=np.int32),
            ref_kinds=np.array([kind_number[kind] for refs in self.refs for kind, _ in refs], dtype=np.uint8),
            ref_indexes=np.array([index for refs in self.refs for _, index in refs], dtype=np.int32),
            homophone_keys=_codes("".join(self.homophone_keys)),
            homophone_key_lengths=np.array([len(key) for key in self.homophone_keys], dtype=np.int32),
            homophone_ref_counts=np.array([len(refs) for refs in self.homophone_refs], dtype=np.int32),
            homophone_ref_indexes=np.array([index for refs in self.homophone_refs for index in refs], dtype=np.int32),
        )

    @classmethod
    def load(cls, path: Path) -> "MatcherTables | None":
        """Tables written by `save`, or None when the file is missing, unreadable or of another format."""
        try:
            with open_arrays(path) as data:
                if int(data["format"]) != MATCHER_TABLES_FORMAT:
                    return None
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError):
            return None
        kinds = arrays["kinds"].tolist()
        keys = _split(arrays["keys"], arrays["key_lengths"])
        ref_kinds = [kinds[number] for number in arrays["ref_kinds"].tolist()]
        ref_pairs = list(zip(ref_kinds, arrays["ref_indexes"].tolist()))
        homophone_keys = _split(arrays["homophone_keys"], arrays["homophone_key_lengths"])
        return cls(
            digest=str(arrays["digest"]),
            keys=tuple(keys),
            refs=tuple(_groups(ref_pairs, arrays["ref_counts"])),
            homophone_keys=tuple(homophone_keys),
            homophone_refs=tuple(_groups(arrays["homophone_ref_indexes"].tolist(), arrays["homophone_ref_counts"])),
        )


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def _split(codes: np.ndarray, lengths: np.ndarray) -> list[str]:
    """Strings of the given lengths from their concatenated code points."""
    joined = codes.astype("<u4").tobytes().decode("utf-32-le")
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    return [joined[start:end] for start, end in zip(bounds, bounds[1:])]


def _groups(items: list, counts: np.ndarray) -> list[tuple]:
    """`items` cut into consecutive tuples of the given sizes."""
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    return [tuple(items[start:end]) for start, end in zip(bounds, bounds[1:])]


class LexiconMatcher:
    """Finds lexicon entries in normalised text, robust to the usual spelling evasions.

    `pinyin_for(entry)` says which entries also match in pinyin and mixed pinyin; `variants_for(entry)`
    gives an entry's curated homophone/variant spellings; `side_for(entry)` marks parts of compounds, whose matches
    come after the others' and are chosen longest-first among themselves only; `homophones_for(entry)` which
    entries also match with one character swapped for another of the same reading. `tables`: the keys these give,
    derived before (`spelling_tables`), which the matcher then uses instead of deriving them (`keep_tables`: keep them
    as `tables` after building). Build once per process; `find` is thread-safe.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        allow_phrases: Iterable[str] = (),
        *,
        pinyin_for: Callable[[Entry], bool] = lambda entry: False,
        variants_for: Callable[[Entry], Iterable[str]] = lambda entry: (),
        exact_for: Callable[[Entry], bool] = lambda entry: True,
        side_for: Callable[[Entry], bool] = lambda entry: False,
        homophones_for: Callable[[Entry], bool] = lambda entry: False,
        max_gap: int = 3,
        min_pinyin_letters: int = 4,
        max_pinyin_chars: int | None = None,
        pinyin_inside_min_letters: int | None = None,
        tables: MatcherTables | None = None,
        keep_tables: bool = False,
    ) -> None:
        self.entries = tuple(entries)
        # Side entries (parts of a compound a caller pairs up: 出售 and 手枪) neither hide nor are hidden by others.
        self.side = frozenset(index for index, entry in enumerate(self.entries) if side_for(entry))
        self.max_gap = max_gap
        # A full-pinyin spelling this long may sit inside a longer run of letters (chushoubingduwang): no English
        # word holds eight letters of a listed term's pinyin. Shorter ones must stand alone (edubo is not dubo).
        self.pinyin_inside_min_letters = pinyin_inside_min_letters
        if tables is None:
            tables = self.spelling_tables(
                self.entries, allow_phrases, pinyin_for=pinyin_for, variants_for=variants_for, exact_for=exact_for,
                homophones_for=homophones_for, min_pinyin_letters=min_pinyin_letters,
                max_pinyin_chars=max_pinyin_chars)
        elif any(index >= len(self.entries) for refs in tables.homophone_refs for index in refs) or any(
                index >= len(self.entries) for refs in tables.refs for _kind, index in refs):
            raise ValueError("matcher tables refer to entries that were not given")
        # the tables themselves are kept only on request (to ship them): their 31,000 keys are 4 MB the automatons hold
        self.tables = tables if keep_tables else None
        self.tables_digest = tables.digest
        self.pattern_count = len(tables.keys)
        self.automaton = SentinelAutomaton()
        self.automaton.add_many(tables.keys, [(len(key), refs) for key, refs in zip(tables.keys, tables.refs)])
        self.automaton.build()
        # One character swapped for another of the same reading (出售步枪 → 出售不枪): a second automaton over the text
        # with every common character replaced by its reading class; a hit must differ from the term (else it is an
        # exact match) in one character, or two in a term of five or more.
        self.homophones = ReadingClassAutomaton()
        self.homophones.add_many(tables.homophone_keys, [
            (len(key), refs) for key, refs in zip(tables.homophone_keys, tables.homophone_refs)])
        self.homophones.build()
        self.pattern_count += self.homophones.size

    @staticmethod
    def spelling_tables(
        entries: Sequence[Entry],
        allow_phrases: Iterable[str] = (),
        *,
        pinyin_for: Callable[[Entry], bool] = lambda entry: False,
        variants_for: Callable[[Entry], Iterable[str]] = lambda entry: (),
        exact_for: Callable[[Entry], bool] = lambda entry: True,
        homophones_for: Callable[[Entry], bool] = lambda entry: False,
        min_pinyin_letters: int = 4,
        max_pinyin_chars: int | None = None,
        digest: str = "",
    ) -> MatcherTables:
        """The keys and references a matcher of `entries` adds to its automatons (see the constructor's arguments)."""
        spellings: list[tuple[str, str, int]] = []  # (spelling, kind, entry index)
        for index, entry in enumerate(entries):
            if exact_for(entry):  # an entry reported only when disguised need not match as written
                spellings.append((entry.term, EXACT, index))
            spellings.extend((variant, VARIANT, index) for variant in variants_for(entry))
            if pinyin_for(entry):
                spellings.extend(
                    (spelling, kind, index)
                    for kind, spelling in pinyin_variants(entry.term, min_pinyin_letters,
                                                          max_pinyin_chars=max_pinyin_chars)
                )
        spellings.extend((phrase, ALLOW, -1) for phrase in allow_phrases)
        table: dict[str, list[tuple[str, int]]] = {}
        for key, (_spelling, kind, index) in zip(skeleton_forms([s[0] for s in spellings]), spellings):
            if len(key) < 2:
                continue  # a one-character skeleton would fire everywhere
            refs = table.setdefault(key, [])
            if (kind, index) not in refs:
                refs.append((kind, index))
        # pyahocorasick scans a node's children in the order they were added: patterns whose first character is
        # common in text go first, so the root (visited after every failed step) finds those characters early.
        rank = char_order_rank()
        keys = sorted(table, key=lambda k: rank.get(k[0], len(rank)))
        for refs in table.values():
            # Plain spellings first, so a hit prefers the entry whose own term this is.
            refs.sort(key=lambda ref: ref[0] != EXACT)
        homophone_table: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            if homophones_for(entry) and all_han(entry.term):
                for key in homophone_keys(entry.term):
                    found = homophone_table.setdefault(key, [])
                    if index not in found:
                        found.append(index)
        # As for the main automaton: keys whose first reading is common in text first among the root's children.
        classes = reading_class_table()
        class_rank: dict[str, int] = {}
        for char, char_rank in rank.items():
            reading_class = chr(classes[ord(char)])
            class_rank[reading_class] = min(class_rank.get(reading_class, char_rank), char_rank)
        reading_keys = sorted(homophone_table, key=lambda k: class_rank.get(k[0], len(rank)))
        return MatcherTables(
            digest=digest,
            keys=tuple(keys),
            refs=tuple(tuple(table[key]) for key in keys),
            homophone_keys=tuple(reading_keys),
            homophone_refs=tuple(tuple(homophone_table[key]) for key in reading_keys),
        )

    def homophone_hits(self, skel: str, codes: np.ndarray | None = None) -> list[tuple[int, int, int]]:
        """(start, end, entry index) of terms with one or two same-reading characters swapped, in skeleton offsets
        (`codes`: the skeleton's code points, where the caller has them)."""
        if not self.homophones.size or len(skel) < 2:
            return []
        if codes is None:
            codes = np.frombuffer(skel.encode("utf-32-le"), dtype="<u4")
        hits = []
        for end_index, (length, refs) in self.homophones.iter_codes(codes):
            start, end = end_index - length + 1, end_index + 1
            written = skel[start:end]
            for index in refs:
                entry = self.entries[index]
                if written == entry.term:
                    continue  # the term itself, which the main automaton finds
                differ = sum(a != b for a, b in zip(written, entry.term))
                if 0 < differ <= (1 if length < 5 else 2):
                    hits.append((start, end, index))
        return hits

    def find(
        self,
        text: str,
        skeleton: Skeleton | None = None,
        allow_terms: Iterable[str] = (),
        extra_entries: Sequence[Entry] = (),
    ) -> list[Match]:
        """Matches in normalised `text` (pass its cached skeleton to save work), longest first at a spot.

        `allow_terms` (a caller's own) veto every match they overlap, and matches of an allowed entry, before the
        longest match at a spot is chosen (so a vetoed match hides no other); the findings that reach the report
        are filtered once more by `review.pipeline.drop_allowed`. `extra_entries` (per-call deny terms) are
        matched in the skeleton as well.
        """
        skeleton = skeleton or build_skeleton(text)
        skel = skeleton.text
        hits: list[tuple[int, int, str, Entry]] = []  # skeleton start, end, kind, entry
        allow_spans: list[tuple[int, int]] = []
        side_ids: set[int] = set()
        codes = np.frombuffer(skel.encode("utf-32-le"), dtype="<u4")  # shared by both automatons' filters
        if self.pattern_count:
            for end_index, (length, refs) in self.automaton.iter_codes(codes, skel):
                start, end = end_index - length + 1, end_index + 1
                for kind, index in refs:
                    if kind == ALLOW:
                        allow_spans.append((start, end))
                    else:
                        hits.append((start, end, kind, self.entries[index]))
                        if index in self.side:
                            side_ids.add(id(self.entries[index]))
        for start, end, index in self.homophone_hits(skel, codes):
            hits.append((start, end, HOMOPHONE, self.entries[index]))
            if index in self.side:
                side_ids.add(id(self.entries[index]))
        plain: list[Match] = []
        for entry in extra_entries:
            key = skeleton_form(entry.term)
            if len(key) < 2:
                # Too short to match loosely (某某 reduces to 某): match as written.
                at = text.find(entry.term) if entry.term else -1
                while at >= 0:
                    plain.append(Match(entry, at, at + len(entry.term), EXACT))
                    at = text.find(entry.term, at + 1)
                continue
            at = skel.find(key)
            while at >= 0:
                hits.append((at, at + len(key), EXACT, entry))
                at = skel.find(key, at + 1)
        caller_spans: list[tuple[int, int]] = []  # a caller's allowed term vetoes every match touching it
        for term in allow_terms:
            key = skeleton_form(term)
            at = skel.find(key) if key else -1
            while at >= 0:
                caller_spans.append((at, at + len(key)))
                at = skel.find(key, at + 1)
        if not hits and not plain:
            return []
        allowed_terms = set(allow_terms)
        matches: list[Match] = plain
        for start, end, kind, entry in hits:
            if entry.term in allowed_terms:
                continue
            if any(a <= start and end <= b for a, b in allow_spans):
                continue
            if any(a < end and start < b for a, b in caller_spans):
                continue
            found = self._resolve(text, skeleton, start, end, kind, entry)
            if found is not None:
                matches.append(found)
        if not side_ids:
            return _longest_first(matches)
        side = [m for m in matches if id(m.entry) in side_ids]
        return _longest_first([m for m in matches if id(m.entry) not in side_ids]) + _longest_first(side)

    def _resolve(self, text: str, skeleton: Skeleton, start: int, end: int, kind: str, entry: Entry) -> Match | None:
        """Map a skeleton hit to normalised offsets, applying the gap and Latin-boundary guards."""
        norm_start = skeleton.span(start)[0]
        norm_end = skeleton.span(end - 1)[1]
        skel = skeleton.text
        inside_ok = (kind == PINYIN and self.pinyin_inside_min_letters is not None
                     and end - start >= self.pinyin_inside_min_letters)
        spelled = kind in (PINYIN, MIXED_PINYIN)  # inside a run of pinyin on syllable boundaries (chushou|shouqiang)
        if not inside_ok and (
            ("a" <= skel[start] <= "z" and norm_start > 0 and _is_alnum_ascii(text[norm_start - 1])
             and not (spelled and _pinyin_on_the_left(text, norm_start)))
            or ("a" <= skel[end - 1] <= "z" and norm_end < len(text) and _is_alnum_ascii(text[norm_end])
                and not (spelled and _pinyin_on_the_right(text, norm_end)))
        ):
            return None
        # A doubled character at a match's edge is usually the neighbouring word's (学习|习近平, 冰毒|毒性):
        # report the match without it. Runs of three or more are an evasion and stay in the span.
        first_start, first_end = skeleton.span(start)
        if (end - start >= 2 and first_end - first_start > 1
                and _run_length(text, first_start, first_end, skel[start]) == 2):
            norm_start = first_end - 1
        last_start, last_end = skeleton.span(end - 1)
        if (end - start >= 2 and last_end - last_start > 1
                and _run_length(text, last_start, last_end, skel[end - 1]) == 2):
            norm_end = last_start + 1
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


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """The toneless pinyin syllables that may touch a pinyin match (the readings of lexicons/pinyin/same_reading.tsv):
    those with an initial consonant, nü and lü also as pypinyin spells them (meinv), and the two-letter and longer
    ones without an initial (an|mo, ou|mei)."""
    from review.pinyin import same_reading_chars

    readings = set(same_reading_chars())
    # pypinyin writes ü as v (女: nv), which the terms' pinyin spellings use; same_reading.tsv folds it into u.
    readings |= {"nv", "lv", "nve", "lve"}
    # A bare vowel (a, e, o) is left out: it glues to English too easily (edubo, adubo).
    return frozenset(reading for reading in readings if reading[0] not in "aeo" or len(reading) >= 2)


MAX_SYLLABLE = 6  # zhuang, shuang
MAX_SPELLED_RUN = 64  # a longer run of letters is not read as pinyin (bounded cost)


def spells_pinyin(letters: str, initial_first: bool = False) -> bool:
    """Whether a run of lower-case letters splits wholly into pinyin syllables (chushou → chu|shou; the English
    words around a listed term's pinyin rarely do: dubois, edubo). With `initial_first`, the first syllable must start
    with a consonant: a run right after a match that starts with a vowel may belong to the match's last syllable
    (changji|angjinbu is chang|jiang|jin|bu)."""
    return syllable_count(letters, initial_first) is not None


def syllable_count(letters: str, initial_first: bool = False) -> int | None:
    """The fewest pinyin syllables a run of lower-case letters splits into (fangzhen → 2), None when it does not."""
    if len(letters) > MAX_SPELLED_RUN:
        return None
    syllables = pinyin_syllables()
    fewest: list[int | None] = [0] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        counts = [fewest[start] for start in range(max(0, end - MAX_SYLLABLE), end)
                  if fewest[start] is not None and letters[start:end] in syllables
                  and not (initial_first and start == 0 and letters[0] in "aeo")]
        fewest[end] = min(counts) + 1 if counts else None
    return fewest[-1]


def _letter_run(text: str, start: int, step: int) -> str:
    """The ASCII letters next to `start` going left (step -1, ending before start) or right (step 1, from start)."""
    at = start - 1 if step < 0 else start
    limit = MAX_SPELLED_RUN + 1
    letters = []
    while 0 <= at < len(text) and len(letters) < limit and text[at].isascii() and text[at].isalpha():
        letters.append(text[at].lower())
        at += step
    return "".join(reversed(letters) if step < 0 else letters)


def latin_edges_ok(text: str, start: int, end: int) -> bool:
    """Whether a span that starts or ends with a Latin letter stands apart from other letters and digits, or touches
    only whole pinyin syllables (chushou|shouqiang): the guard `find` applies to pinyin spellings."""
    if start > 0 and "a" <= text[start].lower() <= "z" and _is_alnum_ascii(text[start - 1]):
        if not _pinyin_on_the_left(text, start):
            return False
    if end < len(text) and "a" <= text[end - 1].lower() <= "z" and _is_alnum_ascii(text[end]):
        if not _pinyin_on_the_right(text, end):
            return False
    return True


def _pinyin_on_the_left(text: str, start: int) -> bool:
    """A pinyin match may touch letters on its left when they are whole pinyin syllables (chushou|bingdu)."""
    run = _letter_run(text, start, -1)
    return bool(run) and spells_pinyin(run)


def _pinyin_on_the_right(text: str, end: int) -> bool:
    """A pinyin match may touch letters on its right when they are whole pinyin syllables (bingdu|wang)."""
    run = _letter_run(text, end, 1)
    return bool(run) and spells_pinyin(run, initial_first=True)


def _run_length(text: str, start: int, end: int, char: str) -> int:
    """How many times `char` (case-folded) occurs in text[start:end]: a collapsed run's length."""
    return text[start:end].lower().count(char)


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

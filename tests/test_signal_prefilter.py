"""The signal lexicons skip a regex's scan when the text lacks a string every match holds: same hits as scanning."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from review.classify.signals import (
    load_entertainment_lexicon,
    load_promotion_lexicon,
    load_topic_signal_lexicon,
    required_pieces,
)
from review.resources import lexicon_path

DEV = Path(__file__).resolve().parents[2] / "shared" / "dev" / "review_dev.jsonl"


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"(?<!\d)\d++(?:\.\d++)?\s*+元(?:起|包邮)", 0, [{"元"}, {"起", "包邮"}]),
        (r"全年好运|一整年(?:都)?(?:好运|财运)", 0, [{"全年好运", "一整年"}]),
        (r"[一二三]折", 0, [{"一", "二", "三"}, {"折"}]),
        (r"(?:哈){3,}|(?:嘻){2,}", 0, [{"哈", "嘻"}]),
        (r"x?元", 0, [{"元"}]),
        (r"a|\d", 0, []),  # \d: any digit may do
        (r"[^元]折", 0, [{"折"}]),
        (r"BTC|ETH", re.IGNORECASE, [{"b", "B", "e", "E"}]),  # btc, Btc ...: each letter in either case
        (r"BTC币", re.IGNORECASE, [{"b", "B"}, {"t", "T"}, {"c", "C"}, {"币"}]),
        (r"ks", re.IGNORECASE, [{"k", "K", "\u212a"}, {"s", "S", "\u017f"}]),  # the Kelvin sign, the long s
        (r"[a-z]币", re.IGNORECASE, [{"币"}]),
        (r"(?:斤){0,2}装", 0, [{"装"}]),
    ],
)
def test_required_pieces(pattern, flags, expected):
    assert [set(pieces) for pieces in required_pieces(re.compile(pattern, flags))] == expected


def test_ascii_letters_under_ignorecase_match_only_their_listed_characters():
    from review.classify.signals import ascii_letter_cases

    letters = re.compile("[a-z]", re.IGNORECASE)
    found: dict[str, set[str]] = {}
    for code in range(0x110000):
        char = chr(code)
        if letters.fullmatch(char):
            for letter in "abcdefghijklmnopqrstuvwxyz":
                if re.fullmatch(letter, char, re.IGNORECASE):
                    found.setdefault(letter, set()).add(char)
    assert found == {letter: set(ascii_letter_cases(letter)) for letter in "abcdefghijklmnopqrstuvwxyz"}


def _texts() -> list[str]:
    """Texts where the shipped regexes match: the lexicons' own phrases and regex-like fragments mixed with prices,
    dates and laughter (seeded), the example post, and the dev posts when the shared data is there."""
    rng = random.Random(22)
    fragments = ["39.9元包邮", "买二送一", "哈哈哈哈", "！！！", "2026年12月7日", "第202612期", "3:1战胜", "BTC", "btc",
                 "选五中三", "属鸡的", "全年好运", "斤装", "八折起", "…………", "~~", "QAQ", "，", "。", "\n"]
    for folder in ("entertainment",):
        for path in sorted(lexicon_path(folder).glob("*.tsv")):
            fragments += [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
                          if line.strip() and not line.startswith("#")][:200]
    for name in ("offtopic_signals.tsv", "promotion.tsv"):
        for line in lexicon_path(name).read_text(encoding="utf-8").splitlines():
            cells = line.split("\t")
            if len(cells) > 2 and not line.startswith("#"):
                fragments += [cell for cell in cells[:2] if "\\" not in cell and "(" not in cell]
    texts = ["".join(rng.choice(fragments) for _ in range(rng.randint(1, 40))) for _ in range(400)]
    texts.append((Path(__file__).resolve().parent.parent / "examples" / "post.txt").read_text(encoding="utf-8"))
    if DEV.exists():
        texts += [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


@pytest.mark.parametrize("load", ["entertainment", "promotion", "topic"])
def test_skipping_scans_finds_what_scanning_every_regex_finds(load):
    lexicon = {
        "entertainment": lambda: load_entertainment_lexicon(lexicon_path("entertainment")),
        "promotion": lambda: load_promotion_lexicon(lexicon_path("promotion.tsv")),
        "topic": lambda: load_topic_signal_lexicon(lexicon_path("offtopic_signals.tsv")),
    }[load]()
    texts = _texts()
    regex_hits = 0
    for text in texts:
        # every match of every regex holds a piece of each of its required sets (the filter never hides a match)
        for (regex, _entry), required in zip(lexicon._regexes, lexicon._required):
            for match in regex.finditer(text):
                regex_hits += 1
                for pieces in required:
                    assert any(piece in match.group() for piece in pieces), (regex.pattern, match.group())
    filtered = [lexicon.find(text) for text in texts]
    lexicon._required = [()] * len(lexicon._regexes)  # scan every regex on every text
    lexicon._index_requirements()
    assert filtered == [lexicon.find(text) for text in texts]
    assert regex_hits > 20  # the texts do exercise the regexes

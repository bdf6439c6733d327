"""The sensitive check's matching machinery: the reading-class automaton, word-boundary waivers, pinyin edges."""

from __future__ import annotations

import random

import numpy as np
import pytest

from review.checks.sensitive import SensitiveCheck
from review.document import Document
from review.lexicon_match import HOMOPHONE_CLASS_BASE, ReadingClassAutomaton, reading_class_table, spells_pinyin
from review.model import Post
from review.pipeline import ReviewOptions


@pytest.fixture(scope="module")
def check() -> SensitiveCheck:
    return SensitiveCheck()


def _findings(check: SensitiveCheck, text: str) -> list[tuple[str, str]]:
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())
    return [(f.severity, f.text) for f in check.check(doc)]


def test_reading_class_automaton_finds_what_a_scan_of_every_span_finds():
    """The filter before the walk may only skip text: every key occurrence a brute-force scan finds is reported."""
    table = reading_class_table()
    chars = [chr(code) for code in range(0x4E00, 0x4E00 + 3000) if table[code] >= HOMOPHONE_CLASS_BASE]
    rng = random.Random(7)
    alphabet = chars[:40]  # few classes, so keys occur often in random text
    keys = {"".join(chr(table[ord(c)]) for c in rng.sample(alphabet, rng.randint(2, 5))) for _ in range(60)}
    automaton = ReadingClassAutomaton()
    for key in sorted(keys):
        automaton.add(key, key)
    automaton.build()
    found = 0
    for _ in range(200):
        text = "".join(rng.choice(alphabet + ["，", "a", "𠀀"]) for _ in range(rng.randint(0, 80)))
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        classes = "".join(chr(table[ord(c)]) if ord(c) < 0x10000 else c for c in text)
        expected = sorted((start + len(key) - 1, key) for key in keys for start in range(len(text))
                          if classes.startswith(key, start))
        assert sorted(automaton.iter_codes(codes)) == expected
        found += len(expected)
    assert found > 50  # the random texts do hold keys


def test_reading_class_keys_must_be_classes():
    automaton = ReadingClassAutomaton()
    with pytest.raises(ValueError):
        automaton.add("ab", None)


def test_boundary_free_entry_needs_no_segmentation_but_others_do(check):
    assert "嫩穴" in check.boundary_free and "色网" not in check.boundary_free
    assert ("major", "嫩穴") in _findings(check, "小嫩穴流血了。")
    assert _findings(check, "打造特色网络文化品牌。") == []


def test_pinyin_neighbours():
    assert spells_pinyin("meinv") and spells_pinyin("anmo")  # nü as pypinyin writes it; a two-letter vowel syllable
    assert not spells_pinyin("e") and not spells_pinyin("ej")
    assert spells_pinyin("angjinbu") and not spells_pinyin("angjinbu", initial_first=True)


def test_pinyin_match_inside_pinyin(check):
    assert any(text == "luoliao" for _severity, text in _findings(check, "免费美女激情 mianfeimeinvjiqingluoliao"))
    assert _findings(check, "举报邮箱changjiangjinbu@163.com") == []


def test_single_letter_of_qq_is_no_dealing_word(check):
    assert _findings(check, "手枪q，玩具。") == []
    assert [severity for severity, _text in _findings(check, "手枪qq。")] == ["major"]

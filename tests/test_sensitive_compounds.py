"""The `sensitive` check's reach beyond single entries (issue 21, item 6): compounds of a dealing word and goods,
single characters, pinyin inside a run of pinyin, same-reading swaps, short entries at the edge of a longer word."""

from __future__ import annotations

import pytest

from review.checks.sensitive import SensitiveCheck
from review.document import Document
from review.lexicon_match import spells_pinyin
from review.model import SEVERITY_RANK, Post
from review.pipeline import ReviewOptions
from review.resources import load_toml


@pytest.fixture(scope="module")
def check() -> SensitiveCheck:
    return SensitiveCheck()


def findings(check: SensitiveCheck, text: str) -> list[tuple[str, str, str]]:
    """(rule, severity, written) of each finding, with the offset promise checked."""
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    out = []
    for finding in check.check(doc):
        assert text[finding.start : finding.end] == finding.text
        out.append((finding.rule, finding.severity, finding.text))
    return out


def highest(found: list[tuple[str, str, str]]) -> str:
    return max((severity for _rule, severity, _text in found), key=SEVERITY_RANK.__getitem__, default="none")


@pytest.mark.parametrize("example", load_toml("sensitive", "compounds.toml")["example"], ids=lambda e: e["text"])
def test_compound_examples(check, example):
    found = findings(check, example["text"])
    if example["severity"] == "none":
        assert all(severity == "info" for _rule, severity, _text in found), found
    else:
        assert highest(found) == example["severity"], found


@pytest.mark.parametrize(("text", "rule"), [
    ("据群众反映，出售高压气步枪的情况近来有所抬头。", "sensitive.weapons"),
    ("据群众反映，手枪出售的情况近来有所抬头。", "sensitive.weapons"),
    ("据群众反映，供应砒霜的情况近来有所抬头。", "sensitive.drugs"),
    ("据群众反映，批发学生名单的情况近来有所抬头。", "sensitive.fraud"),
])
def test_a_dealing_word_beside_goods_is_a_compound_in_the_goods_category(check, text, rule):
    assert any(r == rule and SEVERITY_RANK[s] >= SEVERITY_RANK["major"] for r, s, _t in findings(check, text))


def test_either_word_alone_is_no_finding(check):
    assert findings(check, "市场上的水果出售价格平稳。") == []
    assert findings(check, "博物馆展出一支老式手枪。") == []


def test_a_compound_is_found_disguised(check):
    for text in ("出 售 步 枪", "出售步qiang", "chu售步枪"):
        assert highest(findings(check, f"据说有人{text}。")) == "major", text


def test_pinyin_may_touch_pinyin_but_not_english():
    assert spells_pinyin("chushou") and spells_pinyin("wang") and spells_pinyin("")
    # ...and syllables without an initial consonant (e, ou) do not count: they glue to English words.
    assert not spells_pinyin("dubois") and not spells_pinyin("e") and not spells_pinyin("qq")


def test_a_listed_term_in_pinyin_inside_a_run_of_pinyin(check):
    # bingdu (冰毒, six letters) touches chushou on its left: whole syllables on both sides.
    assert any(rule == "sensitive.drugs" for rule, _s, _t in findings(check, "有人在群里说chushoubingdu。"))
    # ...but not inside an English word.
    assert findings(check, "The edubo project.") == []


def test_a_same_reading_swap_in_a_long_term_is_found(check):
    # 法轮大法 with one character swapped for another of the same reading.
    found = findings(check, "他们宣扬法轮大发。")
    assert any(rule == "sensitive.political" for rule, _s, _t in found), found


@pytest.mark.parametrize("text", ["多个国家及地区参展。", "双方在问题上分歧严重。", "交易者可以进行交易服务。",
                                  "中国共产党章程", "公办福利机构"])
def test_a_same_reading_spelling_of_ordinary_words_is_no_finding(check, text):
    assert all(severity == "info" for _rule, severity, _text in findings(check, text))


def test_a_short_entry_may_start_a_longer_word_but_not_straddle_two(check):
    assert any(rule == "sensitive.porn" for rule, _s, _t in findings(check, "据群众反映，日本情色电影的情况近来有所抬头。"))
    assert findings(check, "公开房屋信息。") == []


def test_single_characters_outside_their_ordinary_words(check):
    assert any(rule == "sensitive.porn" for rule, _s, _t in findings(check, "加骚妹微信。"))
    assert findings(check, "别发牢骚，防止性骚扰，巴哈马首都拿骚。") == []

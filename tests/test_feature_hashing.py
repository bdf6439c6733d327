"""The fast feature paths (issue 22) give exactly what the plain definitions give: named features, hashed columns."""

from __future__ import annotations

import math
import re
from collections import Counter

import mmh3
import numpy as np

from review.classify.features import FeatureExtractor, FeatureSettings, feature_columns

TEXTS = [
    ("市政府召开常务会议，研究部署2026年第3季度重点工作。", ["市政府", "召开", "常务", "会议", "，", "研究", "2026", "年"]),
    ("家人们！今天超开心哈哈哈哈~ abc_DEF ＡＢＣ ①②③ ½ 12.5万元", [" 家人们 ", "！", "", "哈哈", "12.5", "万元", "_"]),
    ("的" * 600, ["的"] * 600),  # counts past any table of logarithms
    ("", []),
    ("😀🇨🇳 \t\n　x", None),
]


def plain_named_features(settings: FeatureSettings, text: str, words: list[str] | None) -> dict[str, float]:
    """The definition, one item at a time: words and character n-grams counted, 1 + ln(count), unit length."""
    text = re.sub(r"\d+(?:\.\d+)?", "0", text[: settings.max_chars])
    counts: Counter[str] = Counter()
    for word in words or []:
        word = word.strip()
        if word and (settings.punctuation or any(c.isalnum() for c in word)):
            counts["w:" + re.sub(r"\d+(?:\.\d+)?", "0", word)] += 1
    if settings.punctuation:
        chars = "".join(c for c in text if c not in " \t\r\n\u3000")
    else:
        chars = "".join(c for c in text if c.isalnum())
    for n in settings.char_ngrams:
        for i in range(len(chars) - n + 1):
            counts[f"c{n}:" + chars[i : i + n]] += 1
    values = [math.log(count) + 1.0 for count in counts.values()]
    norm = 0.0
    for value in values:
        norm += value * value
    scale = 1.0 / math.sqrt(norm) if norm > 0 else 1.0
    return {name: value * scale for name, value in zip(counts, values)}


def test_named_features_are_the_plain_definition():
    for punctuation in (False, True):
        settings = FeatureSettings(n_features=2**10, char_ngrams=(1, 2, 3), punctuation=punctuation)
        extractor = FeatureExtractor(settings)
        for text, words in TEXTS:
            named = extractor.named_features(text, words)
            expected = plain_named_features(settings, text, words)
            assert list(named) == list(expected)  # the same names in the same order
            assert np.allclose(list(named.values()), list(expected.values()), rtol=1e-12, atol=0)


def test_columns_are_murmurhash3_of_the_names():
    names = ["w:市政府", "c1:的", "c2:会议", "c3:abc", "s:total", "", "c1:😀"]
    expected = [abs(mmh3.hash(name, 0, signed=True)) % 2**18 for name in names]
    assert feature_columns(names, 2**18).tolist() == expected


def test_a_lone_surrogate_is_hashed_not_a_crash():
    # mmh3 crashes the interpreter on a str holding a lone surrogate; its escaped UTF-8 bytes are hashed instead
    columns = feature_columns(["c1:\ud800", "c1:的"], 2**18)
    assert columns.tolist() == [abs(mmh3.hash("c1:\ud800".encode("utf-8", "surrogatepass"))) % 2**18,
                                abs(mmh3.hash("c1:的")) % 2**18]
    extractor = FeatureExtractor(FeatureSettings(n_features=2**10))
    row_columns, row_values = extractor.hashed_row(extractor.named_features("测试\ud800文本", ["测试", "\ud800"]))
    assert len(row_columns) == len(row_values) > 0


def test_the_extractor_keeps_no_state_between_posts():
    # a service worker reviews posts for days: nothing per feature name may accumulate in the extractor
    extractor = FeatureExtractor(FeatureSettings(n_features=2**18, char_ngrams=(1, 2, 3)))
    before = dict(vars(extractor))
    for i in range(200):
        extractor.hashed_row(extractor.named_features(f"第{i}号通知：{chr(0x4E00 + i)}{chr(0x5E00 + i)}", None))
    assert vars(extractor) == before


def test_models_reading_the_same_post_in_turn_each_get_their_own_features():
    # the off-topic check's two models read the same text and words one after the other (counts are shared)
    extractors = [FeatureExtractor(FeatureSettings(n_features=2**10, char_ngrams=grams, punctuation=punctuation,
                                                   max_chars=limit))
                  for grams, punctuation, limit in (((1, 2), False, 400), ((1, 2, 3), False, 400),
                                                    ((1, 2), True, 400), ((2,), False, 5))]
    for text, words in TEXTS:
        for extractor in extractors * 2:
            named = extractor.named_features(text, words)
            expected = plain_named_features(extractor.settings, text, words)
            assert list(named) == list(expected)
            assert np.allclose(list(named.values()), list(expected.values()), rtol=1e-12, atol=0)
    words = ["市政府", "召开", "会议"]
    extractor = extractors[0]
    first = extractor.named_features("市政府召开会议", words)
    words[2] = "常务会议"  # the same list, changed: read afresh
    assert "w:常务会议" in extractor.named_features("市政府召开会议", words) and "w:常务会议" not in first

"""Segmenter: jieba with the government dictionary, initialised once."""

from __future__ import annotations

from review.segment import cut, get_tokenizer, tokenize


def test_domain_words_stay_whole():
    words = cut("深化放管服改革，推行一网通办和最多跑一次，全面落实河长制。")
    for term in ("一网通办", "最多跑一次", "河长制"):
        assert term in words
    assert "放管服" in words or "放管服改革" in words


def test_tokens_carry_offsets():
    text = "市政府推行一网通办"
    tokens = tokenize(text)
    assert "".join(t.word for t in tokens) == text
    assert all(text[t.start : t.end] == t.word for t in tokens)


def test_tokenizer_is_shared():
    assert get_tokenizer() is get_tokenizer()

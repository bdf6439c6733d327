"""Segmenter: jieba with the government dictionary, initialised once."""

from __future__ import annotations

from pathlib import Path

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


def _fresh(user_dict, cache):
    from review.segment import load_tokenizer

    return load_tokenizer(user_dict, cache)


def test_dictionary_cache_round_trip(tmp_path, monkeypatch):
    import jieba

    user_dict = tmp_path / "user.txt"
    user_dict.write_text("一网通办 2000 n\n某某测试词 5\n", encoding="utf-8")
    cache = tmp_path / "cache"
    built = _fresh(user_dict, cache)
    assert len(list(cache.glob("jieba-*.marshal"))) == 1

    def no_rebuild(self, dictionary=None):
        raise AssertionError("the cached dictionary should have been used")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_rebuild)
    cached = _fresh(user_dict, cache)
    assert cached.FREQ == built.FREQ
    assert cached.total == built.total
    assert cached.user_word_tag_tab == built.user_word_tag_tab == {"一网通办": "n"}
    assert "某某测试词" in cached.lcut("这是某某测试词。")


def test_dictionary_cache_follows_the_user_dictionary(tmp_path):
    user_dict = tmp_path / "user.txt"
    cache = tmp_path / "cache"
    user_dict.write_text("甲乙丙丁词 5\n", encoding="utf-8")
    _fresh(user_dict, cache)
    first = list(cache.glob("jieba-*.marshal"))
    user_dict.write_text("戊己庚辛词 5\n", encoding="utf-8")
    tokenizer = _fresh(user_dict, cache)
    second = list(cache.glob("jieba-*.marshal"))
    assert len(second) == 1 and second != first  # a new key, the stale file removed
    assert "戊己庚辛词" in tokenizer.FREQ and "甲乙丙丁词" not in tokenizer.FREQ


def test_corrupt_or_unwritable_cache_falls_back(tmp_path):
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("甲乙丙丁词 5\n", encoding="utf-8")
    cache = tmp_path / "cache"
    reference = _fresh(user_dict, cache)
    (cache_file,) = cache.glob("jieba-*.marshal")
    cache_file.write_bytes(b"not marshal data")
    assert _fresh(user_dict, cache).FREQ == reference.FREQ
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert _fresh(user_dict, blocked / "cache").FREQ == reference.FREQ


def test_zero_frequency_user_words_are_force_split(tmp_path):
    from jieba import finalseg

    user_dict = tmp_path / "user.txt"
    user_dict.write_text("强制切分词 0\n", encoding="utf-8")
    cache = tmp_path / "cache"
    _fresh(user_dict, cache)
    finalseg.Force_Split_Words.discard("强制切分词")
    _fresh(user_dict, cache)  # from the cache
    assert "强制切分词" in finalseg.Force_Split_Words
    finalseg.Force_Split_Words.discard("强制切分词")


SEGMENTATION_SAMPLES = [
    "深化放管服改革，推行一网通办和最多跑一次，全面落实河长制。",
    "记者王晓明、李思雨报道：2025年6月30日上午，市政府召开了全市政务公开工作会议，GDP增长5.2%。",
    "中老铁路开通运营以来，累计发送旅客3000万人次；C919、iPhone 16和5G+工业互联网\r\n齐头并进。",
    "哈哈哈，家人们谁懂啊～～太绝了！！！yyds",
    "这是某某测试词。  \n\n  单字 一 二 三",
    "",
    "，。！？",
]


def test_segmentation_is_jiebas_own():
    """The project's faster cut gives exactly the words and offsets of jieba's Tokenizer.tokenize."""
    tokenizer = get_tokenizer()
    example = (Path(__file__).resolve().parent.parent / "examples" / "post.txt").read_text(encoding="utf-8")
    for text in SEGMENTATION_SAMPLES + [example]:
        assert [tuple(t) for t in tokenize(text)] == list(tokenizer.tokenize(text)), text
        assert cut(text) == tokenizer.lcut(text), text


def test_lead_tokens_are_the_full_segmentation_cut_short():
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions

    text = "".join(SEGMENTATION_SAMPLES) * 3
    for limit in (0, 1, 17, 40, 41, 100, len(text) - 1, len(text), len(text) + 5):
        lead = Document.build(Post(text=text), "text", ReviewOptions()).lead_tokens(limit)
        full = Document.build(Post(text=text), "text", ReviewOptions()).tokens
        assert lead == [t for t in full if t.end <= limit], limit

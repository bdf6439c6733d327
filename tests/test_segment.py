"""Segmenter: jieba with the government dictionary, initialised once."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_segmentation_of_seeded_random_text_is_jiebas_own():
    """Random mixes of common characters, letters, digits and punctuation (many unknown runs for the HMM, ties):
    the same words as jieba's own cut, and the unrolled HMM the same words as jieba.finalseg.cut."""
    import random

    from jieba import finalseg

    from review.segment import hmm_cut

    tokenizer = get_tokenizer()
    rng = random.Random(22)
    example = (Path(__file__).resolve().parent.parent / "examples" / "post.txt").read_text(encoding="utf-8")
    alphabet = "".join(dict.fromkeys(example + "abcXYZ019.%+#&_-  \r\n\t，。的了是在不有人这中大为上个国我以要他时来用们"))
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
        assert cut(text) == tokenizer.lcut(text), text
        words: list[str] = []
        hmm_cut(text, words)
        assert words == list(finalseg.cut(text)), text


def test_a_run_of_one_character_words_too_long_for_prose_skips_the_hmm():
    from review.segment import HMM_MAX_RUN

    tokenizer = get_tokenizer()
    prose = "的" * HMM_MAX_RUN
    assert cut(prose) == tokenizer.lcut(prose)  # up to the limit, jieba's own cut
    long_run = "的" * (HMM_MAX_RUN + 1)
    assert cut(long_run) == list(long_run)
    assert cut("市政府召开会议，" + long_run + "。") == ["市政府", "召开", "会议", "，", *long_run, "。"]


def test_lead_tokens_are_the_full_segmentation_cut_short():
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions

    text = "".join(SEGMENTATION_SAMPLES) * 3
    for limit in (0, 1, 17, 40, 41, 100, len(text) - 1, len(text), len(text) + 5):
        lead = Document.build(Post(text=text), "text", ReviewOptions()).lead_tokens(limit)
        full = Document.build(Post(text=text), "text", ReviewOptions()).tokens
        assert lead == [t for t in full if t.end <= limit], limit


# ---- only a cache this user wrote is read ---------------------------------------------------------------------


@pytest.fixture
def planted_tmp(tmp_path, monkeypatch):
    """A temporary folder holding jieba cache files that must never be read (reading one raises)."""
    import marshal
    import tempfile

    import jieba

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for name in ("jieba.cache", f"jieba.u{'0' * 32}.cache"):
        (tmp / name).write_bytes(marshal.dumps(({"planted-cache-word": 1}, 1)))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    real_load = marshal.load

    def guarded_load(handle):
        assert not str(getattr(handle, "name", "")).startswith(str(tmp)), "a planted jieba cache was read"
        return real_load(handle)

    monkeypatch.setattr(marshal, "load", guarded_load)
    assert tempfile.gettempdir() == str(tmp) and jieba.Tokenizer().tmp_dir is None
    return tmp


def _user_dict(tmp_path):
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("甲乙丙丁词 5\n", encoding="utf-8")
    return user_dict


def test_planted_jieba_cache_in_tmp_is_never_read(tmp_path, planted_tmp):
    import jieba

    import review.segment as segment

    user_dict = _user_dict(tmp_path)
    for folder in (tmp_path / "cache", None, tmp_path / "cache"):  # a miss, no cache at all, then a hit
        tokenizer = _fresh(user_dict, folder)
        assert (
            "planted-cache-word" not in tokenizer.FREQ and "甲乙丙丁词" in tokenizer.FREQ and len(tokenizer.FREQ) > 100_000
        )
        assert tokenizer.tmp_dir != str(planted_tmp)
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    # should jieba ever initialise a tokenizer itself (jieba.lcut's default one), it finds no cache in /tmp either
    fresh = jieba.Tokenizer()
    segment._keep_out_of_tmp(fresh, segment.private_cache_folder(tmp_path / "cache"))
    fresh.initialize()
    assert "planted-cache-word" not in fresh.FREQ and (tmp_path / "cache" / segment.JIEBA_CACHE_NAME).exists()
    assert sorted(p.name for p in planted_tmp.iterdir()) == ["jieba.cache", f"jieba.u{'0' * 32}.cache"]


def _cache_reads(monkeypatch) -> list:
    import review.segment as segment

    reads: list = []
    real = segment.marshal.loads
    monkeypatch.setattr(segment.marshal, "loads", lambda data: reads.append(len(data)) or real(data))
    return reads


def test_cache_file_someone_else_could_write_is_not_read(tmp_path, monkeypatch):
    import os

    user_dict = _user_dict(tmp_path)
    cache = tmp_path / "cache"
    reference = _fresh(user_dict, cache)
    (cache_file,) = cache.glob("jieba-*.marshal")
    assert cache_file.stat().st_mode & 0o777 == 0o600
    reads = _cache_reads(monkeypatch)
    cache_file.chmod(0o666)  # world-writable: another user may have changed it
    assert _fresh(user_dict, cache).FREQ == reference.FREQ and reads == []
    assert cache_file.stat().st_mode & 0o777 == 0o600  # rebuilt and replaced
    elsewhere = tmp_path / "elsewhere.marshal"
    cache_file.rename(elsewhere)
    cache_file.symlink_to(elsewhere)  # a link is not followed
    assert _fresh(user_dict, cache).FREQ == reference.FREQ and reads == []
    assert not cache_file.is_symlink()
    _fresh(user_dict, cache)
    assert len(reads) == 1  # this user's own private file is read
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)  # the folder and file now belong to another user
    assert _fresh(user_dict, cache).FREQ == reference.FREQ and len(reads) == 1


def test_shared_cache_folder_is_not_used_and_said_once(tmp_path, monkeypatch, caplog):
    user_dict = _user_dict(tmp_path)
    cache = tmp_path / "cache"
    reference = _fresh(user_dict, cache)
    before = sorted(cache.iterdir())
    cache.chmod(0o777)
    reads = _cache_reads(monkeypatch)
    with caplog.at_level("INFO", logger="review.resources"):
        for _ in range(2):
            assert _fresh(user_dict, cache).FREQ == reference.FREQ
    assert reads == [] and sorted(cache.iterdir()) == before  # neither read nor written
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "not this user's alone" in caplog.text
    caplog.clear()
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with caplog.at_level("INFO", logger="review.resources"):
        for _ in range(2):
            assert _fresh(user_dict, blocked / "cache").FREQ == reference.FREQ  # unwritable: no crash
    assert len(caplog.records) == 1 and "unusable" in caplog.text


def test_single_character_counts_are_the_dictionarys_for_every_run_character():
    from review.segment import RE_HAN, _single_char_counts

    tokenizer = get_tokenizer()
    single = _single_char_counts(tokenizer)
    run_chars = [chr(code) for code in range(0x10000) if RE_HAN.fullmatch(chr(code))]
    assert len(run_chars) > 20000
    assert all(single.get(char) == tokenizer.FREQ.get(char) for char in run_chars)
    assert set(single) <= set(run_chars)

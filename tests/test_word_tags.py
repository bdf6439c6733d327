"""Compact word -> tag tables: the function-word model's and jieba.posseg's, the latter cached between processes."""

from __future__ import annotations

import io
import os

import pytest

from review.typo import word_tags
from review.typo.word_tags import POS_CACHE_PREFIX, WordTags, pos_word_tags, read_word_tags

DICTIONARY = "的 100 uj\n桂花 30 nr\n\n规划纲要 8 n\n桂花 31 n\n豫北 5 ns\n".encode("utf-8")


def test_the_compact_table_answers_as_the_dict_it_was_made_from():
    tags = {"认真": "a", "学习": "v", "a": "eng", "学": "v", "学习班": "n", "𠀀字": "n"}  # one outside the BMP
    compact = WordTags.from_dict(tags)
    assert compact == tags and dict(compact) == tags and len(compact) == len(tags)
    assert list(compact) == sorted(tags)  # UTF-8 bytes sort as code points do
    for absent in ("", "学习班级", "习", "认真\n学习", "\n", "z", "\ud800"):
        assert compact.get(absent) is None and absent not in compact
    with pytest.raises(KeyError):
        compact["不在表中"]
    assert WordTags.from_dict({}) == {} and WordTags.from_dict({}).get("学") is None
    with pytest.raises(ValueError):
        WordTags("学\n习".encode("utf-8"), bytes([0]), ["v"])  # two words, one tag
    with pytest.raises(ValueError):
        WordTags("学".encode("utf-8"), bytes([3]), ["v"])  # a tag id past the names
    with pytest.raises(ValueError):
        WordTags.from_dict({"认真\n学习": "v"})


def test_added_tags_override_and_extend_as_dict_update_does():
    compact = WordTags.from_dict({"学习": "v", "认真": "a"})
    compact.update({"学习": "vn", "一网通办": "n"})
    assert compact == {"学习": "vn", "认真": "a", "一网通办": "n"} and len(compact) == 3
    assert sorted(compact) == sorted(["学习", "认真", "一网通办"])
    again = WordTags.from_npz(compact.to_npz())
    assert again == compact and not again._added  # written as one table


def test_a_table_round_trips_through_its_npz_and_rejects_other_data():
    compact = WordTags.from_dict({"北京": "ns", "天安门": "ns", "的": "uj"})
    assert WordTags.from_npz(compact.to_npz()) == compact
    for junk in (b"", b"not an archive", compact.to_npz()[:100]):
        with pytest.raises(ValueError):
            WordTags.from_npz(junk)


def test_dictionary_lines_are_read_as_jieba_reads_them():
    table = read_word_tags(io.BytesIO(DICTIONARY))
    assert table == {"的": "uj", "桂花": "n", "规划纲要": "n", "豫北": "ns"}  # the last line of a word wins
    with pytest.raises(ValueError, match="line 2"):
        read_word_tags(io.BytesIO("的 100 uj\n坏行\n".encode("utf-8")))


def test_the_pos_table_is_cached_and_read_back_without_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_CACHE", str(tmp_path))
    first = pos_word_tags(io.BytesIO(DICTIONARY))
    cached = list(tmp_path.glob(f"{POS_CACHE_PREFIX}*.npz"))
    assert first == read_word_tags(io.BytesIO(DICTIONARY)) and len(cached) == 1
    assert oct(cached[0].stat().st_mode & 0o777) == "0o600"

    def no_parsing(lines):
        raise AssertionError("the cached table should have been read")

    monkeypatch.setattr(word_tags, "read_word_tags", no_parsing)
    assert pos_word_tags(io.BytesIO(DICTIONARY)) == first


def test_a_damaged_or_foreign_cache_is_rebuilt_and_another_dictionary_gets_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_CACHE", str(tmp_path))
    expected = read_word_tags(io.BytesIO(DICTIONARY))
    pos_word_tags(io.BytesIO(DICTIONARY))
    (path,) = tmp_path.glob(f"{POS_CACHE_PREFIX}*.npz")
    path.write_bytes(b"damaged")
    assert pos_word_tags(io.BytesIO(DICTIONARY)) == expected
    assert WordTags.from_npz(path.read_bytes()) == expected  # replaced by a good copy
    if hasattr(os, "geteuid"):
        planted = WordTags.from_dict({"的": "n"}).to_npz()
        path.write_bytes(planted)
        os.chmod(path, 0o666)  # someone else could have written it: not read
        assert pos_word_tags(io.BytesIO(DICTIONARY)) == expected
    other = "中国 9 ns\n".encode("utf-8")
    assert pos_word_tags(io.BytesIO(other)) == {"中国": "ns"}
    assert len(list(tmp_path.glob(f"{POS_CACHE_PREFIX}*.npz"))) == 1  # the older dictionary's copy dropped


def test_without_a_usable_cache_folder_the_table_is_still_read(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("REVIEW_CACHE", str(blocker / "cache"))  # cannot be created
    assert pos_word_tags(io.BytesIO(DICTIONARY)) == read_word_tags(io.BytesIO(DICTIONARY))


def test_pos_tags_of_short_texts_are_remembered_and_equal_the_taggers():
    from review.typo import model_pass
    from review.typo.model_pass import TAGGED_TEXT_CHARS, _pos_tagger, pos_tagged

    text = "胡楠同志在湖南省长沙市调研"
    expected = tuple((pair.word, pair.flag) for pair in _pos_tagger().cut(text))
    model_pass._remembered_tags.cache_clear()
    assert pos_tagged(text) == expected and pos_tagged(text) == expected
    assert model_pass._remembered_tags.cache_info().hits == 1
    long_text = "国务院常务会议部署安全生产工作，" * (TAGGED_TEXT_CHARS // 16 + 1)
    assert len(long_text) > TAGGED_TEXT_CHARS
    assert pos_tagged(long_text) == tuple((pair.word, pair.flag) for pair in _pos_tagger().cut(long_text))
    assert model_pass._remembered_tags.cache_info().currsize == 1  # the long text was tagged, not remembered

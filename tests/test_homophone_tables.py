"""The whole-word homophone generator's prebuilt pinyin arrays (lexicons/typo/homophone_tables.npz): what a rebuild
gives, used only while their sources and settings are unchanged, and the same candidates either way."""

from __future__ import annotations

import logging

import numpy as np

import review.typo.words as words
from review.typo.ngram import encode
from review.typo.words import HomophoneTables, HomophoneWordGenerator, homophone_tables_path

STALE = "stale: run `python -m review.training.homophone_tables` after editing lexicons/pinyin or retraining words"
ARRAYS = ("readings", "toned", "keys", "key_starts", "word_codes")


def test_shipped_tables_are_a_rebuild_of_the_pinyin_tables():
    from review.training.homophone_tables import check_settings, rebuilt_tables

    rebuilt = rebuilt_tables()
    shipped = words.shipped_homophone_tables(*check_settings())
    assert shipped is not None, STALE  # missing, or built from other tables or settings than these
    assert shipped.same_as(rebuilt), STALE


def test_the_generator_loads_the_shipped_arrays_and_proposes_as_when_it_derives_them(monkeypatch):
    from review.training.homophone_tables import check_settings

    max_readings, words_per_key = check_settings()
    derived = HomophoneWordGenerator(None, {}, max_readings=max_readings, words_per_key=words_per_key)
    with monkeypatch.context() as patch:
        patch.setattr(words, "shipped_homophone_tables", lambda *_: None)
        derived.prepare()

    def no_derivation(*_):
        raise AssertionError("derived although the shipped arrays match")

    monkeypatch.setattr(words, "build_homophone_tables", no_derivation)
    shipped = HomophoneWordGenerator(None, {}, max_readings=max_readings, words_per_key=words_per_key)
    shipped.prepare()
    for name in ARRAYS:
        assert shipped.__dict__[f"_{name}"].dtype == derived.__dict__[f"_{name}"].dtype == np.int64
        assert np.array_equal(shipped.__dict__[f"_{name}"], derived.__dict__[f"_{name}"]), name
    codes = encode("制定桂花纲要，安排直供安置")
    starts = np.arange(len(codes) - 1)
    owner, found = shipped._alternatives(codes, starts)
    expected = derived._alternatives(codes, starts)
    assert len(owner) > 0
    assert np.array_equal(owner, expected[0]) and np.array_equal(found, expected[1])


def test_tables_built_from_other_sources_or_settings_are_not_used(monkeypatch, caplog):
    assert words.shipped_homophone_tables(2, 1) is None  # settings the shipped file was not built with
    monkeypatch.setattr(words, "homophone_sources_digest", lambda *_: "0" * 64)
    with caplog.at_level(logging.INFO, logger="review.typo.words"):
        assert words.shipped_homophone_tables(3, 4) is None
    assert "homophone_tables.npz" in caplog.text


def test_tables_round_trip(tmp_path):
    tables = words.build_homophone_tables(2, 1)
    path = tmp_path / "tables.npz"
    tables.save(path)
    loaded = HomophoneTables.load(path)
    assert loaded is not None and loaded.same_as(tables)
    assert not loaded.same_as(words.build_homophone_tables(3, 4))
    assert HomophoneTables.load(tmp_path / "missing.npz") is None
    assert homophone_tables_path().name == words.HOMOPHONE_TABLES_FILE

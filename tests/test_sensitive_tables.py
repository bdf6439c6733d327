"""The sensitive matcher's prebuilt tables (lexicons/sensitive/matcher_tables.npz): what a rebuild gives, used only
while their sources are unchanged, and the same matches either way."""

from __future__ import annotations

import logging

from review.checks.sensitive import SensitiveCheck, shipped_matcher_tables
from review.lexicon import Entry
from review.lexicon_match import LexiconMatcher, MatcherTables

STALE = "stale: run `python -m review.training.sensitive_tables` after editing lexicons/sensitive or lexicons/pinyin"


def test_shipped_tables_are_a_rebuild_of_the_lists():
    from review.training.sensitive_tables import rebuilt_tables

    rebuilt = rebuilt_tables()
    shipped = shipped_matcher_tables(rebuilt.digest)
    assert shipped is not None, STALE  # missing, or built from other lists than these
    assert shipped == rebuilt, STALE


def test_the_check_uses_the_shipped_tables_and_matches_as_when_it_derives_them():
    prebuilt, derived = SensitiveCheck(), SensitiveCheck(prebuilt=False)
    assert prebuilt.matcher.tables_digest == prebuilt.sources_digest  # loaded, not derived (digest "")
    assert derived.matcher.tables_digest == ""
    assert prebuilt.matcher.tables is None  # not kept: the automatons hold the keys
    assert prebuilt.matcher.pattern_count == derived.matcher.pattern_count
    assert list(prebuilt.matcher.automaton.automaton.items()) == list(derived.matcher.automaton.automaton.items())
    text = "出售冰du，du博网站，出售步枪，加微信买大麻，法lun功，这是一个大麻烦，嫩穴图片，赌 博"
    assert prebuilt.matcher.find(text) == derived.matcher.find(text) != []


def test_tables_built_from_other_lists_are_not_used(monkeypatch, caplog):
    import review.checks.sensitive as sensitive

    monkeypatch.setattr(sensitive, "matcher_sources_digest", lambda: "0" * 64)
    with caplog.at_level(logging.INFO, logger="review.checks.sensitive"):
        check = SensitiveCheck()
    assert check.matcher.tables_digest == ""  # derived from the lists, not loaded
    assert "matcher_tables.npz" in caplog.text


def test_tables_round_trip(tmp_path):
    entries = [Entry("冰毒", "drugs", "critical"), Entry("赌博网站", "gambling", "major"), Entry("ab", "x", "minor")]
    tables = LexiconMatcher.spelling_tables(entries, ["大冰毒块"], pinyin_for=lambda e: True,
                                            homophones_for=lambda e: len(e.term) > 2, digest="abc")
    assert tables.keys and tables.homophone_keys
    path = tmp_path / "tables.npz"
    tables.save(path)
    assert MatcherTables.load(path) == tables
    matcher = LexiconMatcher(entries, tables=MatcherTables.load(path))
    assert [m.entry.term for m in matcher.find("卖冰毒和bingdu，赌博网站")] == ["冰毒", "冰毒", "赌博网站"]
    path.write_bytes(b"not an npz")
    assert MatcherTables.load(path) is None

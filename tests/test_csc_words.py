"""Whole-word homophone corrections: candidates, features, decisions, merging, the typo check and training rows."""

from __future__ import annotations

import numpy as np
import pytest

from review.training import csc_data as D
from review.training.ngram import count_texts
from review.typo.edits import Corrector, Edit
from review.typo.ngram import encode, padded
from review.typo.trees import TreeEnsemble
from review.typo.words import (
    WORD_FEATURE_INDEX,
    WORD_FEATURES,
    WORDS_FILE,
    HomophoneWordGenerator,
    WordCandidates,
    WordCorrector,
    load_word_corrector,
    merge_word_edits,
)

CLEAN = [
    "国务院印发健康中国规划纲要。",
    "各地要按照规划纲要的部署推进工作。",
    "秋天公园里桂花盛开，游人赏花。",
    "企业要妥善做好职工安置工作。",
] * 20
FREQ = {"规划": 900, "桂花": 300, "鬼话": 20, "归化": 10, "纲要": 500, "规划纲要": 80, "职工": 800, "直供": 30,
        "安置": 400, "桂": 5}


@pytest.fixture(scope="module")
def generator():
    gen = HomophoneWordGenerator(count_texts(CLEAN, min_count=1), FREQ, gate=0.0, pair_gate=0.0, floor=0.0)
    gen.prepare()
    return gen


def test_a_wrong_homophone_word_gets_the_right_word_as_candidate(generator):
    sentence = "国务院印发健康中国桂花纲要。"
    found = generator.generate(sentence)
    at = sentence.index("桂花")
    rows = [k for k, (s, w) in enumerate(zip(found.starts.tolist(), found.words)) if s == at]
    words = [found.words[k] for k in rows]
    assert "规划" in words and "桂花" not in words  # the pair itself is never its own candidate
    assert all(found.sources[k] == "桂花" for k in rows)
    f = WORD_FEATURE_INDEX
    best = rows[int(np.argmax(found.features[rows, f["gain"]]))]
    assert found.words[best] == "规划" and found.features[best, f["rank"]] == 0
    # the gain is the four trigrams that read the pair, with the word minus without it
    ngram = generator.ngram

    def window(text: str) -> float:
        cp = padded(encode(text))
        p = at + 2
        return float(sum(np.log(ngram.p_trigram(cp[k - 2: k - 1], cp[k - 1: k], cp[k: k + 1]))[0]
                         for k in range(p, p + 4)))

    fixed = sentence[:at] + "规划" + sentence[at + 2:]
    assert found.features[best, f["gain"]] == pytest.approx(window(fixed) - window(sentence), abs=1e-4)
    assert found.features[best, f["cand_freq"]] == pytest.approx(np.log1p(900))
    assert found.features[best, f["cand_long"]] == pytest.approx(np.log1p(80))  # 规划纲要
    assert found.features[best, f["tones"]] == 0  # guì huā against guī huà


def test_candidates_differ_in_both_characters_and_pass_the_floor_and_gate():
    ngram = count_texts(CLEAN, min_count=1)
    sentence = "企业要妥善做好直供安置工作。"
    loose = HomophoneWordGenerator(ngram, FREQ, gate=0.0, pair_gate=0.0, floor=0.0)
    found = loose.generate(sentence)
    for s, src, w in zip(found.starts.tolist(), found.sources, found.words):
        assert src == sentence[s: s + 2] and w[0] != src[0] and w[1] != src[1]
    assert ("直供", "职工") in set(zip(found.sources, found.words))
    gain = found.features[:, WORD_FEATURE_INDEX["gain"]]
    strict = HomophoneWordGenerator(
        ngram, FREQ, gate=0.0, pair_gate=0.0, floor=float(np.median(gain)) + 1e-3
    ).generate(sentence)
    assert len(strict.words) == int((gain > np.median(gain) + 1e-3).sum()) < len(found.words)
    # a gate no character reaches proposes nothing
    assert not HomophoneWordGenerator(ngram, FREQ, gate=-1e9, pair_gate=0.0, floor=0.0).generate(sentence).words
    assert not loose.generate("ABC 123").words


def test_cloze_features_read_each_new_character_with_the_other_in_place(tmp_path, monkeypatch):
    from test_cloze import _tiny_cloze

    from review import pinyin
    from review.typo import words
    from review.typo.cloze import load_cloze

    _tiny_cloze(tmp_path, seed=2)
    cloze = load_cloze(tmp_path)
    monkeypatch.setattr(pinyin, "char_readings", lambda: {"落": ("luò", ("luo",)), "洛": ("luò", ("luo",)),
                                                          "实": ("shí", ("shi",)), "时": ("shí", ("shi",))})
    monkeypatch.setattr(pinyin, "homophone_words", lambda: {"luo shi": ("洛时", "落实")})
    # derived from these tables, not the prebuilt arrays of the shipped ones (lexicons/typo/homophone_tables.npz)
    monkeypatch.setattr(words, "shipped_homophone_tables", lambda *_: None)
    gen = HomophoneWordGenerator(count_texts(CLEAN, min_count=1), {"落实": 50, "落时": 5, "洛实": 5}, cloze=cloze,
                                 gate=0.0, pair_gate=0.0, floor=-1e9)
    sentence = "各地要认真洛时防汛责任"
    found = gen.generate(sentence)
    assert found.words == ["落实"]  # 洛时 is the pair itself; no other pair has a reading in the tables
    assert found.features[0, WORD_FEATURE_INDEX["tones"]] == 1
    k = 0
    at = int(found.starts[k])
    f = WORD_FEATURE_INDEX

    def gain(text: str, position: int, new: str) -> float:
        ids = cloze.ids(np.array([ord(c) for c in text]))
        query = cloze.hidden(ids, np.array([position]))
        options = cloze.ids(np.array([ord(new), ord(text[position])]))
        scores = cloze.scores(query, np.zeros(2, dtype=np.int64), options)
        return float(scores[0] - scores[1])

    first = gain(sentence[:at + 1] + "实" + sentence[at + 2:], at, "落")  # the second new character in place
    second = gain(sentence[:at] + "落" + sentence[at + 1:], at + 1, "实")
    assert found.features[k, f["cloze_first"]] == pytest.approx(first, abs=1e-4)
    assert found.features[k, f["cloze_second"]] == pytest.approx(second, abs=1e-4)
    assert found.features[k, f["cloze_low"]] == pytest.approx(min(first, second), abs=1e-4)


def test_alternatives_are_every_same_reading_word_differing_in_both_characters(generator):
    from review.pinyin import char_readings, homophone_words

    readings, index = char_readings(), homophone_words()
    sentence = "国务院印发健康中国桂花纲要，企业要做好直供安置，鼓励企业制定严于枪支性国家标准。"
    codes = encode(sentence)
    starts = np.array([k for k in range(len(sentence) - 1) if codes[k] and codes[k + 1]])
    owner, words = generator._alternatives(codes, starts)
    got = {(int(starts[o]), chr(a) + chr(b)) for o, (a, b) in zip(owner.tolist(), words.tolist())}
    assert len(got) == len(owner)  # no word twice for a pair
    expected = set()
    for s in starts.tolist():
        pair = sentence[s: s + 2]
        for ra in readings[pair[0]][1][:3]:
            for rb in readings[pair[1]][1][:3]:
                listed = index.get(f"{ra} {rb}", ())[: generator.words_per_key]  # the most frequent words only
                expected |= {(s, w) for w in listed if w[0] != pair[0] and w[1] != pair[1]}
    assert got == expected
    assert (sentence.index("桂花"), "规划") in got and (sentence.index("枪支"), "强制") in got


def _candidates(starts, words, sources=None):
    sources = sources or ["xx"] * len(words)
    return WordCandidates(np.array(starts), sources, words, np.zeros((len(words), 1), np.float32))


def test_decide_keeps_the_best_non_overlapping_words_above_the_threshold():
    cands = _candidates([0, 1, 4, 8], ["甲乙", "丙丁", "戊己", "庚辛"], ["AB", "BC", "EF", "IJ"])
    prob = np.array([0.6, 0.9, 0.8, 0.3])
    edits = WordCorrector.decide(cands, prob, 0.5)
    assert edits == [Edit(1, "BC", "丙丁", 0.9), Edit(4, "EF", "戊己", 0.8)]  # 0 overlaps the better 1; 8 is below
    assert WordCorrector.decide(cands, prob, 0.5, protected=[(5, 6)]) == [Edit(1, "BC", "丙丁", 0.9)]
    assert WordCorrector.decide(cands, prob, 0.95) == []


def test_word_edits_replace_the_character_edits_at_their_positions():
    chars = [Edit(0, "我", "哦", 0.9), Edit(3, "桂", "规", 0.7), Edit(4, "花", "华", 0.6), Edit(9, "时", "实", 0.8)]
    merged = merge_word_edits(chars, [Edit(3, "桂花", "规划", 0.85)])
    assert merged == [Edit(0, "我", "哦", 0.9), Edit(3, "桂花", "规划", 0.85), Edit(9, "时", "实", 0.8)]
    assert [(e.index, e.end, e.is_word) for e in merged] == [(0, 1, False), (3, 5, True), (9, 10, False)]
    assert merge_word_edits(chars, []) is chars


class _FixedCorrector(Corrector):
    """Answers every sentence that holds `source` with one whole-word edit of it."""

    threshold = 0.5

    def __init__(self, source: str, word: str) -> None:
        self.source, self.word = source, word

    def correct(self, sentences, threshold=None, protected=None):
        return [merge_word_edits([], [Edit(s.index(self.source), self.source, self.word, 0.9)]
                                 if self.source in s else [])
                for s in sentences]


def test_the_typo_check_reports_a_word_edit_as_one_finding_or_none():
    from review.checks.typo import TypoCheck
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions
    from review.typo.model_pass import ModelPass

    settings = {"protected_pos": ["nr", "ns", "nt", "nz"], "protected_word_length": 3, "severity": "major"}
    text = "  鼓励企业制定严于枪支性国家标准的企业标准。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    start = doc.text.index("枪支")
    model_pass = ModelPass(_FixedCorrector("枪支", "强制"), settings, confusion=None)
    edits = model_pass.edits(doc)
    assert [(e.start, e.end, e.suggestion) for e in edits] == [(start, start + 2, "强制")]
    check = TypoCheck()
    check.model_pass = model_pass
    findings = [f for f in check.check(doc) if f.rule == "typo.model"]
    assert len(findings) == 1 and findings[0].suggestion == "强制"
    assert text[findings[0].start: findings[0].end] == "枪支"  # offsets of the caller's text
    # a protected word (a place name here) drops the whole edit, not one of its characters
    doc = Document.build(Post.from_dict({"text": "他来自北京市。"}), "text", ReviewOptions.make())
    assert ModelPass(_FixedCorrector("北京", "背景"), settings, confusion=None).edits(doc) == []
    # a numeral swap is never suggested, inside a word either
    doc = Document.build(Post.from_dict({"text": "会议定于周六召开。"}), "text", ReviewOptions.make())
    settings_numbers = {**settings, "number_chars": "一二三四五六七八九十日"}
    assert ModelPass(_FixedCorrector("周六", "周日"), settings_numbers, confusion=None).edits(doc) == []


def test_training_rows_label_the_target_word(generator):
    from review.training.words import build_rows

    pairs = [D.Pair("国务院印发健康中国桂花纲要。", "国务院印发健康中国规划纲要。", "odw"),
             D.Pair("秋天公园里桂花盛开。", "秋天公园里桂花盛开。", "news"),
             D.Pair("长度不同", "长度不同的", "sighan")]
    rows = build_rows(generator, pairs, progress=False)
    assert rows["x"].shape[1] == len(WORD_FEATURE_INDEX)
    positives = rows["y"] == 1
    assert positives.sum() == 1 and rows["pair"][positives].tolist() == [0]
    assert set(rows["pair"].tolist()) <= {0, 1}  # the pair of unequal lengths gives no rows


def test_a_folder_without_words_npz_has_no_word_corrector_and_one_with_it_loads(tmp_path, generator):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training.rerank import export

    assert load_word_corrector(tmp_path, generator.ngram, FREQ, None) is None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, len(WORD_FEATURE_INDEX))).astype(np.float32)
    y = (x[:, WORD_FEATURE_INDEX["gain"]] > 0).astype(int)
    ensemble = export(HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(x, y), WORD_FEATURES)
    ensemble.save(tmp_path / WORDS_FILE, {"threshold": 0.6, "gate": -10.0, "floor": 1.5, "cloze": False})
    loaded = load_word_corrector(tmp_path, generator.ngram, FREQ, None)
    assert loaded.threshold == 0.6 and loaded.generator.gate == -10.0 and loaded.generator.floor == 1.5
    assert np.allclose(loaded.ensemble.predict(x), ensemble.predict(x))
    ensemble.save(tmp_path / WORDS_FILE, {"threshold": 0.6, "cloze": True})
    with pytest.raises(FileNotFoundError):
        load_word_corrector(tmp_path, generator.ngram, FREQ, None)
    assert TreeEnsemble.load(tmp_path / WORDS_FILE, WORD_FEATURES)[0].names == WORD_FEATURES
    # a file whose features are another model's (the reranker's) is refused, not misread
    with pytest.raises(ValueError, match="retrain"):
        TreeEnsemble.load(tmp_path / WORDS_FILE)


def test_many_sentences_are_corrected_as_each_alone(generator):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training.rerank import export

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, len(WORD_FEATURE_INDEX))).astype(np.float32)
    y = (x[:, WORD_FEATURE_INDEX["gain"]] > 0).astype(int)
    ensemble = export(HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(x, y), WORD_FEATURES)
    corrector = WordCorrector(generator, ensemble, threshold=0.0)
    sentences = ["国务院印发健康中国桂花纲要。", "企业要做好直供安置", "好", "桂花纲要，直供安置"]
    protected = [[], [(6, 8)], [], [(0, 2)]]
    together = corrector.correct(sentences, protected=protected)
    alone = [corrector.correct_sentence(s, protected=p) for s, p in zip(sentences, protected)]
    assert together == alone and any(together)


def test_a_pair_inside_a_short_quoted_term_is_marked(generator):
    f = WORD_FEATURE_INDEX["quoted"]
    plain = generator.generate("国务院印发健康中国桂花纲要。")
    quoted = generator.generate("国务院印发《桂花纲要》。")
    assert len(plain.words) and not plain.features[:, f].any()
    at = [k for k, s in enumerate(quoted.starts.tolist()) if quoted.sources[k] == "桂花"]
    assert at and (quoted.features[at, f] == 4).all()  # 桂花纲要: four characters between 《》

"""The typo check's model path: n-gram candidates, the reranker, and the corrector with a tiny random model."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from review.checks.typo import ModelEvidence, TypoCheck
from review.document import Document
from review.model import Post
from review.pipeline import ReviewOptions
from review.resources import model_path
from review.segment import get_tokenizer
from review.training.ngram import count_texts
from review.typo.candidates import FEATURE_INDEX, FEATURES, CandidateGenerator
from review.typo.edits import Corrector, Edit
from review.typo.model_pass import RERANK_FILE, ProtectedSpan, load_model_pass
from review.typo.ngram import NgramModel, encode
from review.typo.rerank import HybridCorrector
from review.typo.trees import TreeEnsemble

CLEAN = [
    "全市各级各部门要认真落实安全生产责任制。",
    "市政府召开常务会议，研究部署安全生产工作。",
    "会议要求，各地要认真落实防汛责任，确保安全度汛。",
] * 20


class TinyConfusion:
    """A two-entry confusion set for the candidate unit test."""

    table = {"实": {"same_tone": {"时"}}, "时": {"same_tone": {"实"}}}

    def candidates(self, char):
        return frozenset(self.table.get(char, {}).get("same_tone", ()))

    def __contains__(self, char):
        return char in self.table


def test_ngram_counts_round_trip(tmp_path):
    model = count_texts(CLEAN, min_count=2)
    path = tmp_path / "ngram.npz"
    model.save(path)
    loaded = NgramModel.load(path)
    assert loaded.total == model.total and len(loaded.trigrams.keys) == len(model.trigrams.keys)
    assert np.array_equal(loaded.bigrams.keys, model.bigrams.keys)
    codes = encode("落实")
    assert loaded.bigrams.lookup(np.array([(codes[0] << 21) | codes[1]]))[0] >= 2
    # non-CJK characters fold into the boundary symbol
    assert encode("A1，实").tolist()[:3] == [0, 0, 0]


def test_candidates_find_the_error_position():
    model = count_texts(CLEAN, min_count=1)
    generator = CandidateGenerator(model, TinyConfusion(), {"落实": 100, "责任": 50}, floor=1.0)
    found = generator.generate("各地要认真落时防汛责任。")
    assert found.positions.tolist() == [6] and found.chars == ["实"]
    row = found.features[0]
    assert row[FEATURE_INDEX["gain"]] > 1.0
    assert row[FEATURE_INDEX["rank"]] == 0
    assert row[FEATURE_INDEX["col_same_tone"]] == 1 and row[FEATURE_INDEX["col_shape"]] == 0
    # 落实 is a word with the candidate in place, 落时 is not
    assert row[FEATURE_INDEX["cand_word"]] == 2 and row[FEATURE_INDEX["src_word"]] == 0
    assert row[FEATURE_INDEX["nn_ok"]] == 0
    assert len(generator.generate("各地要认真落实防汛责任。").chars) == 0


def _fitted_ensemble(tmp_path):
    """A small scikit-learn ensemble on made-up rows (label: gain > 3), exported to arrays."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training.rerank import export

    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, size=(2000, len(FEATURES))).astype(np.float32)
    y = (x[:, FEATURE_INDEX["gain"]] > 3).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=20, max_depth=3, random_state=0).fit(x, y)
    return clf, export(clf), x


def test_exported_ensemble_matches_scikit_learn(tmp_path):
    clf, ensemble, x = _fitted_ensemble(tmp_path)
    assert np.allclose(ensemble.predict(x), clf.predict_proba(x)[:, 1], atol=1e-5)
    path = tmp_path / RERANK_FILE
    ensemble.save(path, {"threshold": 0.5, "floor": 1.0})
    loaded, meta = TreeEnsemble.load(path)
    assert meta["floor"] == 1.0
    assert np.allclose(loaded.predict(x), clf.predict_proba(x)[:, 1], atol=1e-5)


SETTINGS = {
    "enabled": True,
    "model_dir": "csc",
    "ngram": "ngram/ngram.npz",
    "floor": -1e9,  # every confusion-set neighbour is a candidate
    "neural_gate": -1e9,  # and every sentence goes to the model
    "threshold": 0.0,
    "batch_size": 8,
    "protected_pos": ["nr", "ns", "nt", "nz"],
    "protected_word_length": 3,
    "severity": "major",
}


def test_model_path_is_skipped_without_weights(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="review.typo.model_pass"):
        assert load_model_pass(SETTINGS, model_dir=tmp_path / "nothing") is None
    assert "跳过模型纠错" in caplog.text
    assert load_model_pass({**SETTINGS, "enabled": False}) is None


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from review.resources import lexicon_path
    from review.typo.checkpoint import SPECIAL_TOKENS, CharVocab, build_model, save_model
    from review.typo.confusion import ConfusionSet

    if not model_path("ngram", "ngram.npz").exists():
        pytest.skip("models/ngram not built")
    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    vocab = CharVocab(list(SPECIAL_TOKENS) + sorted(confusion.table))
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("csc")
    save_model(build_model(len(vocab), "tiny"), vocab, folder, fp16=False, extra={"threshold": 0.0})
    return folder


PROTECTED_TEXT = "🎉張偉在北京市參加一網通辦APP發布會，2025年共有3萬人使用。"


def test_model_path_with_a_tiny_random_model(tiny_model_dir):
    model_pass = load_model_pass(SETTINGS, model_dir=tiny_model_dir)
    assert model_pass is not None
    check = TypoCheck()
    check.model_pass = model_pass
    # a random model is unsure of everything: let every suggestion through to test the plumbing (the evidence
    # rules are tests/test_typo_real.py's)
    check.evidence = ModelEvidence(real_word_confidence=0.0, major_confidence=0.0, major_word_freq=0,
                                   major_word_ratio=0.0)
    doc = Document.build(Post.from_dict({"text": PROTECTED_TEXT}), "text", ReviewOptions.make())
    edits = model_pass.edits(doc)
    assert edits, "a random model at threshold 0 proposes something"
    confusion = model_pass.confusion
    protected_words = ("张伟", "北京市", "一网通办", "APP", "2025", "3")
    for edit in edits:
        source = doc.text[edit.start : edit.end]
        assert confusion.allows(source, edit.suggestion)
        for word in protected_words:
            at = doc.text.find(word)
            assert not (at <= edit.start < at + len(word)), (word, edit)
    findings = [f for f in check.check(doc) if f.rule == "typo.model"]
    assert findings
    for finding in findings:
        assert PROTECTED_TEXT[finding.start : finding.end] == finding.text
        assert len(finding.suggestion) == 1 and 0 <= finding.confidence <= 1
        assert finding.message.startswith("疑似错别字：")


def test_typo_check_runs_without_the_model(caplog):
    check = TypoCheck()
    doc = Document.build(Post.from_dict({"text": "我们要再接再励。"}), "text", ReviewOptions.make())
    assert [f.suggestion for f in check.check(doc)] == ["再接再厉"]


def test_model_path_with_a_reranker(tiny_model_dir, tmp_path):
    """A checkpoint directory with rerank.npz: candidates are decided by the ensemble (here: gain > 3)."""
    import shutil

    folder = tmp_path / "with_rerank"
    shutil.copytree(tiny_model_dir, folder)
    _, ensemble, _ = _fitted_ensemble(tmp_path)
    ensemble.save(folder / RERANK_FILE, {"threshold": 0.5, "floor": 0.0, "neural_gate": 0.0, "neural": True})
    model_pass = load_model_pass({**SETTINGS, "threshold": ""}, model_dir=folder)
    assert model_pass.threshold == 0.5
    text = "各地要认真落时防汛责任，确保安全渡汛。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    edits = model_pass.edits(doc)
    scored = model_pass.corrector.scored([text])[0]
    gains = scored[0].features[:, FEATURE_INDEX["gain"]]
    assert scored[0].features[:, FEATURE_INDEX["nn_ok"]].min() == 1  # the transformer read the sentence
    expected = {int(p) for p, g in zip(scored[0].positions, gains) if g > 3}
    assert edits and {e.start for e in edits} <= expected
    for edit in edits:
        assert model_pass.confusion.allows(text[edit.start], edit.suggestion)


def test_candidates_of_many_sentences_equal_one_by_one():
    from review.resources import lexicon_path
    from review.segment import get_tokenizer
    from review.typo.confusion import ConfusionSet
    from review.typo.ngram import load_ngram

    if not model_path("ngram", "ngram.npz").exists():
        pytest.skip("models/ngram not built")
    generator = CandidateGenerator(load_ngram(str(model_path("ngram", "ngram.npz"))),
                                   ConfusionSet.load(lexicon_path("confusion", "confusion.tsv")),
                                   get_tokenizer().FREQ, floor=2.0, observed={"时实": 3})
    # sentences that end or begin with a Chinese character: the join must not let their edge trigrams see the
    # neighbouring sentence
    sentences = ["各地要认真落时防汛责任，", "确保安全渡汛。", "", "2025年", "市政府召开常务会议研究部署安全生产工作。",
                 "我们不是看辕动比赛，就是在辕动场", "在辕动场玩球", "时", "他穿蓝色的牛仔裤根背一个黑色的背包"]
    together = generator.generate_many(sentences)
    assert len(together) == len(sentences)
    for sentence, found in zip(sentences, together):
        alone = generator.generate(sentence)
        assert found.positions.tolist() == alone.positions.tolist() and found.chars == alone.chars
        assert np.array_equal(found.features, alone.features)
    assert together[0].chars and together[0].features[:, FEATURE_INDEX["obs_count"]].max() > 0


def test_local_logprob_matches_the_formula_and_hash_lookups_match_search():
    """The skipped trigram lookups and the hash table change no score."""
    from collections import Counter

    from review.typo.ngram import HASH_MIN_QUERIES, padded

    model = count_texts(CLEAN + ["落时防汛", "各地要认真"], min_count=2)
    text = "各地要认真落时防汛责任，确保安全渡汛。市政府召开常务会议"
    codes = encode(text)
    cp = padded(codes)
    uni = Counter(dict(zip(model.unigrams.keys.tolist(), model.unigrams.counts.tolist())))
    bi = Counter(dict(zip(model.bigrams.keys.tolist(), model.bigrams.counts.tolist())))
    tri = Counter(dict(zip(model.trigrams.keys.tolist(), model.trigrams.counts.tolist())))
    V, N, mb, mt = model.vocab_size, model.total, model.mu_bigram, model.mu_trigram

    def p1(c):
        return (uni[c] + 1) / (N + V)

    def p2(a, b):
        return (bi[(a << 21) | b] + mb * p1(b)) / (uni[a] + mb)

    def p3(a, b, c):
        return (tri[(((a << 21) | b) << 21) | c] + mt * p2(b, c)) / (bi[(a << 21) | b] + mt)

    positions = np.nonzero(codes)[0]
    chars = np.array([ord(c) for c in "实时落汛任确"] * len(positions), dtype=np.int64)
    owners = np.repeat(np.arange(len(positions)), 6)
    got = model.local_logprob(cp, positions, chars, owners)
    for k, (o, x) in enumerate(zip(owners.tolist(), chars.tolist())):
        q = positions[o] + 2
        ll, l1, r, rr = (int(cp[q - 2]), int(cp[q - 1]), int(cp[q + 1]), int(cp[q + 2]))
        want = np.log(p3(ll, l1, x)) + np.log(p3(l1, x, r)) + np.log(p3(x, r, rr))
        assert got[k] == pytest.approx(want, rel=1e-12)
    # the text's counts gathered instead of looked up: the same bits, for candidates and source characters
    counts = model.text_counts(cp)
    assert np.array_equal(model.local_logprob(cp, positions, chars, owners, counts), got)
    rng = np.random.default_rng(0)
    some = np.sort(rng.choice(positions, size=12, replace=False))
    own = rng.integers(0, len(some), size=60)
    x = rng.choice(np.unique(np.concatenate([codes[positions], chars])), size=60)
    assert np.array_equal(model.local_logprob(cp, some, x, own, counts), model.local_logprob(cp, some, x, own))
    source = model.source_logprob(cp, positions, counts)
    assert np.array_equal(source, model.local_logprob(cp, positions, codes[positions]))
    # the three trigrams apart (the reranker's left/right gains): their sum is the same bits
    parts = model.source_logprob(cp, positions, counts, parts=True)
    assert parts.shape == (3, len(positions)) and np.array_equal(parts[0] + parts[1] + parts[2], source)
    cand_parts = model.local_logprob(cp, positions, chars, owners, counts, parts=True)
    assert np.array_equal(cand_parts[0] + cand_parts[1] + cand_parts[2], got)
    k = 7
    q = positions[owners[k]] + 2
    ll, l1, r, rr = (int(cp[q - 2]), int(cp[q - 1]), int(cp[q + 1]), int(cp[q + 2]))
    assert cand_parts[0, k] == pytest.approx(np.log(p3(ll, l1, int(chars[k]))), rel=1e-12)
    assert cand_parts[2, k] == pytest.approx(np.log(p3(int(chars[k]), r, rr)), rel=1e-12)
    for k, q in enumerate((positions + 2).tolist()):
        ll, l1, x, r, rr = (int(v) for v in cp[q - 2: q + 3])
        want = np.log(p3(ll, l1, x)) + np.log(p3(l1, x, r)) + np.log(p3(x, r, rr))
        assert source[k] == pytest.approx(want, rel=1e-12)
    # big queries go through the hash table, small ones through a binary search: same counts
    keys = np.concatenate([model.trigrams.keys, model.trigrams.keys + 1, np.arange(HASH_MIN_QUERIES)])
    small = np.concatenate([model.trigrams.keys[:5], model.trigrams.keys[:5] + 1])
    before = model.trigrams.lookup(small)
    searched = model.trigrams.lookup(keys)
    sorted_keys, sorted_counts = model.trigrams.keys.copy(), model.trigrams.counts.copy()
    model.trigrams.prepare()
    expected = np.array([tri.get(k, 0) for k in keys.tolist()], dtype=float)
    assert expected.any() and not expected.all()
    assert np.array_equal(searched, expected)
    assert np.array_equal(model.trigrams.lookup(keys), expected)
    # the index holds every count: the sorted arrays are let go, and rebuilt from it when asked for
    assert model.trigrams._keys is None and model.trigrams._table.widest >= 1
    assert np.array_equal(model.trigrams.keys, sorted_keys) and np.array_equal(model.trigrams.counts, sorted_counts)
    assert model.trigrams.counts.dtype == sorted_counts.dtype
    assert np.array_equal(model.trigrams.lookup(small), before)
    model.bigrams.prepare()
    assert np.array_equal(model.local_logprob(cp, positions, chars, owners, model.text_counts(cp)), got)


def test_warm_up_builds_the_lookup_tables(tiny_model_dir):
    from review.typo.ngram import load_ngram

    model_pass = load_model_pass(SETTINGS, model_dir=tiny_model_dir)
    ngram = load_ngram(str(model_path("ngram", "ngram.npz")))
    assert model_pass.corrector.generator.ngram is ngram
    model_pass.warm_up()
    assert all(table._table is not None for table in (ngram.bigrams, ngram.trigrams))


def _reference_word(word_freq, sentence, pos, ch):
    """`CandidateGenerator._word` as it was before the dictionary-word index: one string lookup a window."""
    import math

    best_len, best_freq = 0, 0.0
    n = len(sentence)
    for length in (4, 3, 2):
        for a in range(max(0, pos - length + 1), min(pos, n - length) + 1):
            freq = word_freq.get(sentence[a:pos] + ch + sentence[pos + 1: a + length], 0)
            if freq > 0:
                best_len = max(best_len, length)
                best_freq = max(best_freq, math.log1p(freq))
    return best_len, best_freq


def test_dictionary_word_index_answers_as_the_per_word_loop():
    from review.typo.candidates import DictionaryWords

    # prefixes with frequency 0 (as jieba keeps them), one- and five-character words, non-CJK and astral characters
    word_freq = {"落实": 100, "落": 0, "责任制": 30, "责任": 12, "安全生产": 5, "安全": 0, "A股": 7, "𠀀字": 3, "一": 9,
                 "一二三四五": 4, "二三": 2, "生产责任": 1, "，落": 2}
    index = DictionaryWords.build(word_freq)
    alphabet = list("落实责任制安全生产一二三四五字A股，。1") + ["𠀀", "\n"]
    pieces = alphabet + [w for w in word_freq if len(w) > 1]  # sentences made of words and loose characters
    rng = np.random.default_rng(0)
    checked = hits = 0
    for _ in range(300):
        sentence = "".join(rng.choice(pieces, size=int(rng.integers(1, 6))))
        codes = np.frombuffer(sentence.encode("utf-32-le"), dtype=np.uint32)
        pos = rng.integers(0, len(sentence), size=6)
        chars = [sentence[p] if k % 2 else str(rng.choice(alphabet)) for k, p in enumerate(pos.tolist())]
        lengths, freqs = index.best(index.ids(codes), pos,
                                    index.ids(np.array([ord(c) for c in chars], dtype=np.uint32)))
        for p, ch, length, freq in zip(pos.tolist(), chars, lengths.tolist(), freqs.tolist()):
            assert (length, freq) == _reference_word(word_freq, sentence, p, ch), (sentence, p, ch)
            checked += 1
            hits += length > 0
    assert checked == 1800 and hits > 100
    empty = DictionaryWords.build({"一": 3})
    assert empty.best(empty.ids(np.array([0x4E00, 0x4E8C])), np.array([0, 1]), empty.ids(np.array([0x4E00, 0x4E00]))
                      )[0].tolist() == [0, 0]


def test_prepared_candidates_equal_the_per_word_loop():
    """The dictionary-word and neighbour indexes (built at warm-up) and the observed-pair lookups change no
    feature bit."""
    import math

    from review.resources import lexicon_path
    from review.segment import get_tokenizer
    from review.typo.confusion import ConfusionSet
    from review.typo.ngram import load_ngram

    if not model_path("ngram", "ngram.npz").exists():
        pytest.skip("models/ngram not built")
    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    args = (load_ngram(str(model_path("ngram", "ngram.npz"))), confusion, get_tokenizer().FREQ)
    observed = {"时实": 3, "在再": 40, "的得": 7, "xy": 5}
    plain = CandidateGenerator(*args, floor=2.0, observed=observed, gate=-12.0)
    prepared = CandidateGenerator(*args, floor=2.0, observed=observed, gate=-12.0)
    prepared.prepare()
    assert prepared._words is not None and plain._words is None
    assert prepared._neighbour_index is not None and plain._neighbour_index is None
    # clean sentences and copies with confusion-set neighbours, Latin, digits and rare characters put in
    base = CLEAN[:3] + ["2025年A股市场平稳运行，", "各地要认真落时防汛责任，确保安全渡汛。", "𠀀字与「引号」之间的话"]
    rng = np.random.default_rng(1)
    sentences = []
    for _ in range(300):
        chars = list(base[int(rng.integers(len(base)))])
        for at in rng.integers(0, len(chars), size=int(rng.integers(1, 4))).tolist():
            neighbours = sorted(confusion.candidates(chars[at]))
            use = neighbours if neighbours and rng.random() < 0.8 else list("A1·𠀀")
            chars[at] = str(rng.choice(use))
        sentences.append("".join(chars))
    f = FEATURE_INDEX
    rows = observed_rows = 0
    for start in range(0, len(sentences), 25):
        chunk = sentences[start: start + 25]
        for sentence, got, want in zip(chunk, prepared.generate_many(chunk), plain.generate_many(chunk)):
            assert got.positions.tolist() == want.positions.tolist() and got.chars == want.chars
            assert got.features.tobytes() == want.features.tobytes()
            for k, (p, ch) in enumerate(zip(got.positions.tolist(), got.chars)):
                assert got.features[k, f["obs_count"]] == np.float32(math.log1p(observed.get(sentence[p] + ch, 0)))
                observed_rows += got.features[k, f["obs_count"]] > 0
                for name, char in (("src", sentence[p]), ("cand", ch)):
                    length, freq = _reference_word(get_tokenizer().FREQ, sentence, p, char)
                    assert got.features[k, f[f"{name}_word"]] == length
                    assert got.features[k, f[f"{name}_word_freq"]] == np.float32(freq)
            rows += len(want.chars)
    assert rows > 300 and observed_rows > 0



def _reference_leaves(ensemble, x):
    """The leaf each row reaches in each tree, walked node by node."""
    leaves = np.zeros((len(x), len(ensemble.roots)), dtype=np.int64)
    for i, row in enumerate(x):
        for t, node in enumerate(ensemble.roots.tolist()):
            while ensemble.feature[node] >= 0:
                go_right = row[ensemble.feature[node]] > ensemble.threshold[node]
                node = int(ensemble.right[node] if go_right else ensemble.left[node])
            leaves[i, t] = node
    return leaves


def test_tree_walk_equals_a_node_by_node_walk(tmp_path):
    """The gathered walk, compacted at any level, gives the same leaves and bit-identical probabilities."""
    _, ensemble, x = _fitted_ensemble(tmp_path)  # float64 thresholds, as exported
    ensemble.save(tmp_path / RERANK_FILE, {})
    loaded, _ = TreeEnsemble.load(tmp_path / RERANK_FILE)  # float32 thresholds, as shipped
    models = [ensemble, loaded]
    shipped = model_path("csc", RERANK_FILE)
    if shipped.exists():
        models.append(TreeEnsemble.load(shipped)[0])
    x = x[:100].astype(np.float32)
    x[::7, FEATURE_INDEX["gain"]] = np.float32(3.0)  # rows exactly at a threshold
    for model in models:
        margin = model.bias + model.value[_reference_leaves(model, x)].sum(1)
        expected = (1.0 / (1.0 + np.exp(-margin))).tobytes()
        for compact_at in (1, 2, 3, 100):
            model.COMPACT_AT = compact_at
            assert model.predict(x).tobytes() == expected, compact_at
        assert model.predict(x[:1]).tobytes() == expected[:8]


def test_numerals_and_calendar_units_are_never_swapped():
    """周六→周日 would change a fact: swaps inside `number_chars` are dropped, 一→已 is not."""
    from review.typo.model_pass import ModelPass

    class Proposes(Corrector):
        threshold = 0.5

        def correct(self, sentences, threshold=None, protected=None):
            out = []
            for sentence in sentences:
                edits = []
                for i, ch in enumerate(sentence):
                    if ch == "六":
                        edits.append(Edit(i, ch, "日", 0.9))
                    if ch == "一" and sentence[i + 1: i + 2] == "经":
                        edits.append(Edit(i, ch, "已", 0.9))
                out.append(edits)
            return out

    text = "本周六上午开展延时服务，工作一经启动就见效。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    guarded = ModelPass(Proposes(), {**SETTINGS, "number_chars": "一二三四五六七八九十日月年"}, confusion=None)
    assert [(e.start, e.suggestion) for e in guarded.edits(doc)] == [(text.index("一经"), "已")]
    unguarded = ModelPass(Proposes(), SETTINGS, confusion=None)
    assert {e.suggestion for e in unguarded.edits(doc)} == {"日", "已"}


def test_model_findings_below_minor_below_are_reported_as_minor():
    """A suggestion the corrector is unsure of stays visible but no longer fails the post on its own."""
    from review.checks.typo import ModelEvidence, TypoCheck
    from review.typo.model_pass import ModelPass

    class Proposes(Corrector):
        threshold = 0.5

        def correct(self, sentences, threshold=None, protected=None):
            return [[Edit(i, ch, {"经": "精", "六": "日"}[ch], {"经": 0.6, "六": 0.9}[ch])
                     for i, ch in enumerate(sentence) if ch in "经六"] for sentence in sentences]

    text = "本周六上午经神饱满。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    check = TypoCheck()
    check.word_forms = None  # the phrase detector would take 经神饱满 first
    check.counted_nonwords = None  # and the count-evidence non-word detector 经神 → 精神
    # evidence rules that let every suggestion through at the model's own severity (tests/test_typo_real.py
    # covers them)
    check.evidence = ModelEvidence(real_word_confidence=0.0, major_confidence=0.0, major_word_freq=0,
                                   major_word_ratio=0.0)
    check.model_pass = ModelPass(Proposes(), {**SETTINGS, "minor_below": 0.7}, confusion=None)
    assert {(f.suggestion, f.severity) for f in check.check(doc)} == {("精", "minor"), ("日", "major")}
    check.model_pass = ModelPass(Proposes(), SETTINGS, confusion=None)  # no minor_below: all at `severity`
    assert {(f.suggestion, f.severity) for f in check.check(doc)} == {("精", "major"), ("日", "major")}


def test_a_dictionary_word_tagged_as_a_name_may_become_a_much_more_frequent_common_word():
    """jieba's dictionary tags common words as names (桂花 nr): the override frees edits that make a far more
    frequent word no tag calls a name, and only those."""
    from review.typo.model_pass import Protection

    protection = Protection(pos_tags=frozenset({"nr", "ns", "nt", "nz"}), word_length=4, gov_words=frozenset(),
                            name_min_freq=20, name_ratio=3.0)
    sentence = "国务院印发国家2030“桂花纲要”全文"
    at = sentence.index("桂花")
    spans = protection.spans(sentence)
    assert any(s.name_word == "桂花" and (s.start, s.end) == (at, at + 2) for s in spans)
    assert not protection.blocks(sentence, spans, at, at + 2, "规划")
    # switched off, the tag protects it as before
    off = replace(protection, name_min_freq=0)
    assert off.blocks(sentence, off.spans(sentence), at, at + 2, "规划")
    # an edit that makes no more frequent word stays blocked
    assert protection.blocks(sentence, spans, at + 1, at + 2, "华")
    # an edit that leaves a name is blocked however frequent the name (桂花 → 桂林, a city)
    assert protection.blocks(sentence, spans, at + 1, at + 2, "林")
    # a name jieba guesses (not in its dictionary) stays protected: 胡楠 → 湖南
    guessed = "胡楠是一家数据采集公司的负责人。"
    spans = protection.spans(guessed)
    assert [s.name_word for s in spans if s.start == 0] == ["胡楠"]
    assert protection.blocks(guessed, spans, 0, 2, "湖南")
    # spans not protected by a name tag alone (numbers, Latin, long dictionary words) are never freed
    text = "我们要再接再励，完成APP发布。"
    spans = protection.spans(text)
    latin = text.index("APP")
    assert protection.blocks(text, spans, latin, latin + 1, "B")
    assert not any(s.name_word for s in spans if s.start <= latin < s.end)


def test_held_out_pairs_are_scored_as_if_their_own_substitutions_were_never_observed():
    """The confusion set's observed column counts the held-out tenth too: `scored_as_unseen` takes the flag
    from the fitted pairs' counts and drops candidates linked by that column alone."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from review.training.rerank import export, scored_as_unseen
    from review.typo.confusion import ConfusionSet
    from review.typo.rerank import RerankCorrector

    confusion = ConfusionSet()
    confusion.add("时", "实", "same_tone")
    confusion.add("时", "实", "observed")
    confusion.add("全", "安", "observed")  # linked by an observation only
    generator = CandidateGenerator(count_texts(CLEAN, min_count=1), confusion, {}, floor=-1e9)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, size=(400, len(FEATURES))).astype(np.float32)
    x[:, FEATURE_INDEX["col_observed"]] = rng.integers(0, 2, 400)
    clf = HistGradientBoostingClassifier(max_iter=10, max_depth=2, random_state=0)
    corrector = RerankCorrector(generator, export(clf.fit(x, x[:, FEATURE_INDEX["col_observed"]] > 0)))
    sentence = "全市要认真落时防汛责任"
    (plain, _), = corrector.scored([sentence])
    assert sorted(plain.chars) == ["安", "实"]
    flag = FEATURE_INDEX["col_observed"]
    assert plain.features[:, flag].tolist() == [1.0, 1.0]
    (unseen, prob), = scored_as_unseen(corrector, [sentence], observed={})
    assert unseen.chars == ["实"] and unseen.features[0, flag] == 0.0
    assert np.allclose(prob, corrector.ensemble.predict(unseen.features))
    (seen, _), = scored_as_unseen(corrector, [sentence], observed={"时实": 2})
    assert seen.chars == ["实"] and seen.features[0, flag] == 1.0


def test_the_shipped_check_corrects_a_word_jieba_tags_as_a_name_and_leaves_a_guessed_name_alone():
    """End to end with the shipped models: 易制毒滑雪品 (滑雪 is nr in jieba's dictionary) gets 化学, and the
    person's name 胡楠, which the corrector reads as 湖南, stays untouched."""
    if not (model_path("csc", RERANK_FILE).exists() and model_path("ngram", "ngram.npz").exists()):
        pytest.skip("shipped corrector not built")
    check = TypoCheck()
    text = "严格落实二类易制毒滑雪品进口许可制度。胡楠是一家数据采集公司的负责人。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    found = {(f.text, f.suggestion) for f in check.check(doc) if f.rule == "typo.model"}
    assert ("滑雪", "化学") in found
    assert not any(t in "胡楠" or "胡楠" in t for t, _ in found)
    # with the override off, the name tag protects the wrong word again
    check.model_pass.protection = replace(check.model_pass.protection, name_min_freq=0)
    assert ("滑雪", "化学") not in {(f.text, f.suggestion) for f in check.check(doc) if f.rule == "typo.model"}


def test_the_shipped_group_pass_corrects_a_particle_the_trigrams_accept_and_can_be_switched_off():
    """End to end with the shipped models: 认真的学习 reads well one character each side, so only the group pass
    (models/groups + models/csc/rerank_groups.npz) suggests 地; `group_pass = false` turns it off."""
    if not (model_path("csc", "rerank_groups.npz").exists() and model_path("groups", "groups.npz").exists()):
        pytest.skip("shipped group pass not built")
    check = TypoCheck()
    check.function_words = None  # it would hold the span first (typo.function_word, tests/test_function_words.py)
    text = "我们要认真的学习党的二十大精神。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    found = [(f.start, f.text, f.suggestion) for f in check.check(doc) if f.rule == "typo.model"]
    assert found == [(text.index("的学习"), "的", "地")]
    settings = {**check.settings["model"], "group_pass": False}
    off = load_model_pass(settings)
    assert isinstance(off.corrector, HybridCorrector) and off.corrector.rerank.group_pass is None
    check.model_pass = off
    assert not [f for f in check.check(doc) if f.rule == "typo.model"]


def test_the_shipped_check_leaves_new_official_terms_alone():
    """数智 (digital + intelligent) is newer than most of the counted news: the corrector read 消弭全球数智鸿沟 as
    数字 (0.94); as a term of lexicons/typo/protected_terms.txt the model path never changes it, and jieba's
    dictionary (which the reranker's features read) stays as the reranker was trained on it."""
    if not (model_path("csc", RERANK_FILE).exists() and model_path("ngram", "ngram.npz").exists()):
        pytest.skip("shipped corrector not built")
    check = TypoCheck()
    text = "消弭全球数智鸿沟，促进可持续发展。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    assert "数智" in check.model_pass.protection.terms and "数智" not in get_tokenizer().FREQ
    assert not [f for f in check.check(doc) if f.rule == "typo.model"]
    check.model_pass.protection = replace(check.model_pass.protection, terms=())
    assert ("智", "字") in {(f.text, f.suggestion) for f in check.check(doc) if f.rule == "typo.model"}
    assert ProtectedSpan(4, 6, "") in replace(check.model_pass.protection, terms=("数智",)).spans(text)


def test_protection_near_the_suggestions_reads_the_same_words_as_the_whole_sentence():
    from review.typo.model_pass import Protection

    protection = Protection(pos_tags=frozenset({"nr", "ns", "nt", "nz"}), word_length=4, gov_words=frozenset())
    sentence = "国务院新闻办公室今天举行新闻发布会，介绍北京市推进乡村振兴和城乡融合发展的有关情况，张明出席并回答记者提问。"
    at = sentence.index("城乡融合")
    near = protection.spans_near(sentence, [at])
    whole = protection.spans(sentence)
    assert near and len(near) < len(whole)
    # every span of the whole sentence that touches the suggestion is found, at the same offsets
    assert [s for s in whole if s.start < at + 2 and at < s.end] == [s for s in near if s.start < at + 2 and at < s.end]
    assert all(0 <= s.start < s.end <= len(sentence) for s in near)
    assert protection.spans_near(sentence[:18], [5]) == protection.spans(sentence[:18])  # short: the whole of it

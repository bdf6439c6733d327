"""The typo check's model path: the n-gram first pass, and the corrector on/off with a tiny random model."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from review.checks.typo import TypoCheck
from review.document import Document
from review.model import Post
from review.ngram import NgramModel, count_texts, encode
from review.pipeline import ReviewOptions
from review.resources import model_path
from review.typo_model import FirstPass, load_model_pass

CLEAN = [
    "全市各级各部门要认真落实安全生产责任制。",
    "市政府召开常务会议，研究部署安全生产工作。",
    "会议要求，各地要认真落实防汛责任，确保安全度汛。",
] * 20


class TinyConfusion:
    """A two-entry confusion set for the first-pass unit test."""

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


def test_first_pass_finds_the_error_position():
    model = count_texts(CLEAN, min_count=1)
    first = FirstPass(model, TinyConfusion(), gate=100.0, margin=1.0)
    text = "各地要认真落时防汛责任。"
    suspects = first.suspects(text)
    assert [(s.position, s.char) for s in suspects] == [(6, "实")]
    assert first.gain(text, 6, "实") > 1.0
    assert first.suspects("各地要认真落实防汛责任。") == []
    sentences = [(0, 6), (6, len(text))]
    assert first.windows(text, sentences, radius=2) == [(6, 9)]


SETTINGS = {
    "enabled": True,
    "model_dir": "csc",
    "ngram": "ngram/ngram.npz",
    "gate": 1000.0,  # examine every position
    "margin": -1e9,  # and send every one to the model
    "radius": 8,
    "threshold": 0.0,
    "confident": 0.0,
    "batch_size": 8,
    "protected_pos": ["nr", "ns", "nt", "nz"],
    "protected_word_length": 3,
    "severity": "major",
}


def test_model_path_is_skipped_without_weights(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="review.typo_model"):
        assert load_model_pass(SETTINGS, model_dir=tmp_path / "nothing") is None
    assert "跳过模型纠错" in caplog.text
    assert load_model_pass({**SETTINGS, "enabled": False}) is None


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from review.csc.confusion import ConfusionSet
    from review.csc.model import SPECIAL_TOKENS, CharVocab, build_model, save_model
    from review.resources import lexicon_path

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
    doc = Document.build(Post.from_dict({"text": PROTECTED_TEXT}), "text", ReviewOptions.make())
    edits = model_pass.edits(doc)
    assert edits, "a random model at threshold 0 proposes something"
    confusion = model_pass.first_pass.confusion
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

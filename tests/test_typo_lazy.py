"""The typo check's shortcuts give what the plain computation gives: the protection computed only for the edits the
check wants, the evidence test on a slice of the tokens, the non-words' segmentation readings reused."""

from __future__ import annotations

import itertools

from review.checks.typo import ModelEvidence
from review.document import Document
from review.model import Post
from review.pipeline import ReviewOptions
from review.segment import get_tokenizer
from review.typo.edits import Corrector, Edit
from review.typo.model_pass import ModelEdit, ModelPass, Protection
from review.typo.nonwords import CountedCandidate, CountedNonwordDetector

SETTINGS = {"protected_pos": ["nr", "ns", "nt", "nz"], "protected_word_length": 3, "severity": "major",
            "number_chars": "一二三四五六七八九十日"}
# edits in protected words (北京市, 张伟, 周六) and in plain ones, some within 24 characters of each other (one
# stretch of POS tagging), some far apart (stretches of their own)
TEXT = ("张伟在北京市参加了会议，会议定于周六召开，大家都认为这次会议开得很成功很有意义。"
        "各地要认真落实防汛责任确保安全渡汛，同时要加强监督检查工作，把各项措施落到实处。")
PROPOSALS = (("北京", "背景", 0.9), ("张伟", "章伟", 0.95), ("周六", "周日", 0.99), ("落实", "落时", 0.75),
             ("渡汛", "度汛", 0.85), ("监督", "检督", 0.72), ("实处", "实出", 0.6), ("成功", "城功", 0.8))


class _Proposals(Corrector):
    """Proposes every `PROPOSALS` word found in a sentence, whole-word edits at their probabilities."""

    threshold = 0.5

    def correct(self, sentences, threshold=None, protected=None):
        out = []
        for sentence in sentences:
            edits = [Edit(sentence.index(source), source, word, p) for source, word, p in PROPOSALS
                     if source in sentence]
            out.append(sorted(edits, key=lambda e: e.index))
        return out


def _doc(text: str) -> Document:
    return Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())


def test_wanted_edits_are_the_plain_edits_filtered(monkeypatch):
    doc = _doc(TEXT)
    model_pass = ModelPass(_Proposals(), SETTINGS, confusion=None)
    plain = model_pass.edits(doc)
    proposed = {(doc.text.index(source), word) for source, word, _ in PROPOSALS}
    # the protection drops some proposals (a place, a person, a numeral) and keeps others: a real test of it
    assert 0 < len(plain) < len(proposed)
    for size in range(len(proposed) + 1):
        for chosen in itertools.combinations(sorted(proposed), size):
            wanted = set(chosen)
            assert model_pass.edits(doc, lambda e: (e.start, e.suggestion) in wanted) == \
                [e for e in plain if (e.start, e.suggestion) in wanted]
    # an edit nobody wants costs no POS tagging
    tagged = []
    original = Protection.spans_near
    monkeypatch.setattr(Protection, "spans_near", lambda self, *a, **k: tagged.append(a) or original(self, *a, **k))
    assert model_pass.edits(doc, lambda e: False) == [] and tagged == []
    model_pass.edits(doc)
    assert tagged


def _reported_plainly(evidence: ModelEvidence, tokens, edit: ModelEdit) -> bool:
    freq = get_tokenizer().FREQ
    covering = [t for t in tokens if t.start < edit.end and edit.start < t.end]
    real_word = any(t.end - t.start > 1 and freq.get(t.word, 0) > 0 for t in covering)
    return not (edit.confidence < evidence.min_confidence
                or (real_word and edit.confidence < evidence.real_word_confidence))


def test_the_evidence_test_reads_the_covering_tokens_as_a_scan_of_all_does():
    evidence = ModelEvidence(real_word_confidence=0.8, major_confidence=0.97, major_word_freq=100,
                             major_word_ratio=3.0, min_confidence=0.7)
    doc = _doc(TEXT)
    tokens = doc.tokens
    outcomes = set()
    for start in range(len(doc.text)):
        for size in (1, 2):
            for confidence in (0.6, 0.75, 0.9):
                edit = ModelEdit(start, min(len(doc.text), start + size), "字", confidence)
                reported = evidence.reported(tokens, edit)
                assert reported == _reported_plainly(evidence, tokens, edit), edit
                outcomes.add(reported)
    assert outcomes == {True, False}


def test_segmentation_gain_with_reused_readings_is_the_same():
    text = "纳税人应锁要发票，企业要耐新服务，值首人员要在岗在位。"
    readings: dict[str, float] = {}
    for start in range(len(text) - 3):
        for word in (text[start:start + 2], "索要", "耐心"):
            c = CountedCandidate(start, start + 2, start, word, False, -1, -1, start + 1, False, False, True)
            assert CountedNonwordDetector.segmentation_gain(text, c, readings) == \
                CountedNonwordDetector.segmentation_gain(text, c)
    assert readings  # and the readings were kept for the next candidate

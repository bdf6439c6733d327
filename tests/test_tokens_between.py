"""Document.tokens_between segments only the word-character runs around a span, and gives the whole text's
tokens there."""

from __future__ import annotations

import random

from review.document import Document
from review.model import Post
from review.options import ReviewOptions

TEXTS = [
    "市政府新闻办今天上午举行新闻发布会，介绍全市前三季度经济运行情况。我们要再接再励，布署下一步工作。",
    "测\r\n试 ab12 的的的\r\n\r\n北京 天安门广场GDP增长5.2%，同比上升。",
    "x\r\n\r\ny",
    "家人们！！今天小编给大家带来超级好消息😀😀 快来扫码下单，到手价9.9元～",
    "中国",
]


def _document(text: str) -> Document:
    return Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())


def test_tokens_between_matches_the_whole_segmentation():
    rng = random.Random(22)
    checked = 0
    for text in TEXTS:
        whole = _document(text).tokens
        doc = _document(text)
        length = len(doc.text)
        for _ in range(300):
            start = rng.randrange(length)
            end = min(length, start + rng.randrange(1, 6))
            assert doc.tokens_between(start, end) == [t for t in whole if t.start < end and start < t.end]
            checked += 1
        assert "tokens" not in doc.__dict__  # the whole text was never segmented
    assert checked == 300 * len(TEXTS)


def test_tokens_between_segments_only_the_runs_around_the_span():
    text = "第一句话在这里。" * 50 + "再接再励" + "。第二句话在那里" * 50
    doc = _document(text)
    at = text.index("再接再励")
    tokens = doc.tokens_between(at, at + 4)
    assert "".join(t.word for t in tokens) == "再接再励"
    (key,) = [k for k in doc.cache if k[0] == "tokens_between"]
    assert key[2] - key[1] < 20  # one run between two full stops, not the 800-character post


def test_tokens_after_the_lead_are_the_whole_segmentation():
    for text in TEXTS + ["这是一个很长的句子" * 60 + "，北京天安门广场" * 30]:
        whole = _document(text).tokens
        for limit in (1, 3, 7, 40, 400, len(text) + 5):
            doc = _document(text)
            assert doc.lead_tokens(limit) == [t for t in whole if t.end <= limit]
            assert doc.tokens == whole


def test_tokens_between_after_the_whole_segmentation_is_the_overlapping_slice():
    # once a check has segmented the whole text, tokens_between bisects it: the same tokens as a scan, empty spans
    # and spans at the ends included
    rng = random.Random(23)
    for text in TEXTS:
        doc = _document(text)
        whole = doc.tokens
        length = len(doc.text)
        spans = [(0, 0), (0, length), (length, length)]
        spans += [(start, min(length, start + rng.randrange(0, 6))) for start in
                  (rng.randrange(length + 1) for _ in range(300))]
        for start, end in spans:
            assert doc.tokens_between(start, end) == [t for t in whole if t.start < end and start < t.end]


def test_tokens_after_spans_were_asked_about_are_the_whole_segmentation():
    """The runs `tokens_between` segmented (and the off-topic lead) are reused, the rest cut around them."""
    rng = random.Random(7)
    long_text = "".join(TEXTS) * 4 + "这是一个很长的句子" * 30 + "，北京天安门广场GDP增长5.2%\r\n" * 10
    for text in TEXTS + [long_text]:
        whole = _document(text).tokens
        for _ in range(40):
            doc = _document(text)
            if rng.random() < 0.5:
                doc.lead_tokens(rng.randrange(1, len(text) + 3))
            for _ in range(rng.randrange(0, 12)):
                start = rng.randrange(len(doc.text))
                doc.tokens_between(start, min(len(doc.text), start + rng.randrange(0, 9)))
            assert doc.tokens == whole

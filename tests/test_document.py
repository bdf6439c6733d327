"""PostText and Document: a post's title and body normalised once, as spans of one text, mapped back per field."""

from __future__ import annotations

import pytest

from review.document import BODY, TITLE, Document, PostText
from review.model import Post
from review.normalise import normalise
from review.options import ReviewOptions


def test_title_and_body_are_spans_of_one_normalised_text():
    post = Post(title="禁毒宣傳", text="有人\u200b在卖冰毒。")
    whole = PostText.build(post)
    assert whole.text == "禁毒宣传\n有人在卖冰毒。"
    assert whole.field_text(TITLE) == "禁毒宣传" and whole.field_text(BODY) == "有人在卖冰毒。"
    for name in (TITLE, BODY):
        span = whole.spans[name]
        assert whole.text[span.start : span.end] == whole.field_text(name)
    # each field reads exactly as it would alone
    assert whole.fields[BODY] == normalise(post.text) and whole.fields[TITLE] == normalise(post.title)


def test_whole_post_offsets_map_to_the_field_and_its_original_text():
    post = Post(title="禁毒宣傳", text="有人\u200b在卖冰毒。")
    whole = PostText.build(post)
    at = whole.text.index("卖冰毒")
    span = whole.to_original(at, at + 3)
    assert (span.field, span.text) == (BODY, "卖冰毒")
    assert post.text[span.start : span.end] == "卖冰毒"
    title = whole.to_original(2, 4)
    assert (title.field, title.start, title.end, title.text) == (TITLE, 2, 4, "宣傳")
    assert whole.locate(at, at + 3).start == whole.field_text(BODY).index("卖冰毒")
    with pytest.raises(ValueError):
        whole.locate(2, at)  # across the line break between the fields


def test_a_post_without_title_is_its_body():
    whole = PostText.build(Post(text="正文"))
    assert whole.text == "正文" and list(whole.spans) == [BODY] and whole.field_text(TITLE) == ""


def test_documents_are_views_of_the_post_text():
    whole = PostText.build(Post(title="標題", text="正文"))
    options = ReviewOptions()
    body, title = whole.document(BODY, options), whole.document(TITLE, options)
    assert body.whole is title.whole is whole
    assert (body.text, body.original, title.text, title.original) == ("正文", "正文", "标题", "標題")
    assert body.is_body and not title.is_body
    assert Document.build(Post(text="正文"), BODY, options).text == "正文"
    with pytest.raises(ValueError):
        PostText.build(Post(text="正文")).document(TITLE, options)

"""The LanguageTool-compatible API: /v2/check (text and data, UTF-16 offsets) and /v2/languages."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.config import ServiceConfig
from service.languagetool import AnnotatedText, utf16_offsets

MOJIBAKE = "天气很好".encode("utf-8").decode("cp1252", errors="ignore")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("lt") / "settings.sqlite3"
    with TestClient(create_app(ServiceConfig(db_path=str(db)))) as test_client:
        yield test_client


def garbled_match(body: dict) -> dict:
    return next(m for m in body["matches"] if m["rule"]["category"]["id"] == "GARBLED")


def utf16_index(text: str, code_points: int) -> int:
    return len(text[:code_points].encode("utf-16-le")) // 2


def test_languages(client):
    assert client.get("/v2/languages").json() == [{"name": "Chinese", "code": "zh", "longCode": "zh-CN"}]


def test_check_response_shape(client):
    text = f"今天{MOJIBAKE}。请注意出行安全。"
    response = client.post("/v2/check", data={"text": text, "language": "zh-CN"})
    assert response.status_code == 200
    body = response.json()
    assert body["language"]["code"] == "zh-CN" and body["software"]["name"] == "review"
    match = garbled_match(body)
    assert match["offset"] == 2 and match["length"] == len(MOJIBAKE)
    assert match["replacements"] == [{"value": "天气很好"}]
    assert match["message"] and match["shortMessage"] == "乱码"
    assert match["sentence"] == f"今天{MOJIBAKE}。"
    context = match["context"]
    assert context["text"][context["offset"] : context["offset"] + context["length"]] == MOJIBAKE
    rule = match["rule"]
    assert rule["id"].startswith("garbled.") and rule["issueType"] == "characters" and rule["description"]
    assert rule["category"] == {"id": "GARBLED", "name": "乱码"}


def test_offsets_count_utf16_code_units(client):
    text = f"😀👍🏻好{MOJIBAKE}"  # three astral characters before the finding
    match = garbled_match(client.post("/v2/check", data={"text": text, "language": "auto"}).json())
    start = text.index(MOJIBAKE)
    assert match["offset"] == utf16_index(text, start) == start + 3
    assert match["length"] == len(MOJIBAKE)
    assert (
        text.encode("utf-16-le")[2 * match["offset"] : 2 * (match["offset"] + match["length"])].decode("utf-16-le")
        == MOJIBAKE
    )


def test_data_with_markup_counts_markup_in_offsets(client):
    data = {
        "annotation": [
            {"markup": "<p>"},
            {"text": "今天"},
            {"markup": "<br/>", "interpretAs": "\n"},
            {"text": MOJIBAKE},
            {"markup": "</p>"},
        ]
    }
    body = client.post("/v2/check", data={"data": json.dumps(data), "language": "zh-CN"}).json()
    match = garbled_match(body)
    full = "<p>今天<br/>" + MOJIBAKE + "</p>"
    assert match["offset"] == full.index(MOJIBAKE) and match["length"] == len(MOJIBAKE)


def test_annotated_text_maps_spans_inside_markup_to_the_markup():
    text = AnnotatedText.from_data(
        json.dumps({"annotation": [{"text": "ab"}, {"markup": "<x>", "interpretAs": "cd"}, {"text": "ef"}]})
    )
    assert text.plain == "abcdef" and text.full == "ab<x>ef"
    assert (text.to_full(3, False), text.to_full(4, True)) == (2, 5)  # "d" is inside <x>
    assert (text.to_full(4, False), text.to_full(6, True)) == (5, 7)
    assert (text.to_full(0, False), text.to_full(2, True)) == (0, 2)
    assert utf16_offsets("abc") is None and utf16_offsets("a😀b") == [0, 1, 3, 4]


def test_query_parameters_and_disabled_categories(client):
    text = f"今天{MOJIBAKE}。"
    assert client.get("/v2/check", params={"text": text, "language": "zh-CN"}).json()["matches"]
    body = client.post("/v2/check", data={"text": text, "language": "zh-CN", "disabledCategories": "GARBLED"}).json()
    assert not [m for m in body["matches"] if m["rule"]["category"]["id"] == "GARBLED"]


def test_empty_text_has_no_matches(client):
    assert client.post("/v2/check", data={"text": "", "language": "zh-CN"}).json()["matches"] == []


@pytest.mark.parametrize(
    "form, status, code",
    [
        ({"text": "你好"}, 422, "missing_language"),
        ({"text": "hello", "language": "en-US"}, 422, "unsupported_language"),
        ({"language": "zh-CN"}, 422, "missing_text"),
        ({"data": "{oops", "language": "zh-CN"}, 422, "invalid_data"),
        ({"data": '{"annotation": [{"neither": 1}]}', "language": "zh-CN"}, 422, "invalid_data"),
        ({"data": '{"annotation": [{"text": "好"}], "n": NaN}', "language": "zh-CN"}, 422, "invalid_data"),
        ({"text": "字" * 20_001, "language": "zh-CN"}, 422, "text_too_long"),
    ],
)
def test_bad_check_requests(client, form, status, code):
    response = client.post("/v2/check", data=form)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_invalid_utf8_form_is_400(client):
    body = b"language=zh-CN&text=%E4%BB%8A%FF"
    response = client.post("/v2/check", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_utf8"


def test_multipart_form(client):
    response = client.post("/v2/check", files={"text": (None, f"今天{MOJIBAKE}"), "language": (None, "zh-CN")})
    assert response.status_code == 200 and garbled_match(response.json())


PIECES = st.sampled_from(["😀", "👍🏻", "𠮷", "今天", MOJIBAKE, "&amp;", "再接再励", "。", "\n", "a", "，"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(PIECES, min_size=1, max_size=12))
def test_matches_sit_where_the_report_says_in_utf16(client, pieces):
    """Every span of the contract report appears at the same place, counted in UTF-16, as a LanguageTool match."""
    text = "".join(pieces)
    if not text.strip():
        return
    report = client.post("/v1/review", json={"text": text}).json()
    matches = client.post("/v2/check", data={"text": text, "language": "zh-CN"}).json()["matches"]
    spans = {(m["rule"]["id"], m["offset"], m["length"]) for m in matches}
    units = text.encode("utf-16-le")
    for finding in report["findings"]:
        if finding["start"] is None or finding.get("field") == "title":
            continue
        offset, end = utf16_index(text, finding["start"]), utf16_index(text, finding["end"])
        assert (finding["rule"], offset, end - offset) in spans
        assert units[2 * offset : 2 * end].decode("utf-16-le") == finding["text"]

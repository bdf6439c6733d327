"""The HTTP API: contract endpoints, every class of bad input, request ids, logs and metrics."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.config import ServiceConfig

MOJIBAKE = "天气很好".encode("utf-8").decode("cp1252", errors="ignore")  # UTF-8 read as cp1252
POST_WITH_PROBLEM = {"id": "p1", "text": f"今天{MOJIBAKE}，市民出行注意安全。", "account": {"type": "government"}}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app for the module: start-up loads the models once."""
    db = tmp_path_factory.mktemp("service") / "settings.sqlite3"
    config = ServiceConfig(db_path=str(db), api_key="test-key", max_batch=5, max_body_bytes=200_000)
    with TestClient(create_app(config)) as test_client:
        yield test_client


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A refusal: the status, a JSON body with error.code and error.message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def test_healthz_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and "garbled" in health["checks"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200  # offline: served locally
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/review", "/v1/review/batch", "/v2/check", "/v2/languages", "/v1/accounts/{account_id}/settings"):
        assert path in paths
    assert "requestBody" in paths["/v1/review"]["post"]


def test_review_returns_the_contract_report(client):
    response = client.post("/v1/review", json=POST_WITH_PROBLEM)
    assert response.status_code == 200
    report = response.json()
    assert report["id"] == "p1"
    assert 0 <= report["score"] < 100 and report["verdict"] in ("pass", "revise", "reject")
    assert report["meta"]["engine"]
    garbled = [f for f in report["findings"] if f["category"] == "garbled"]
    assert garbled and garbled[0]["suggestion"] == "天气很好"
    for finding in report["findings"]:
        assert POST_WITH_PROBLEM["text"][finding["start"] : finding["end"]] == finding["text"]


def test_same_text_same_report(client):
    first = client.post("/v1/review", json=POST_WITH_PROBLEM).json()
    second = client.post("/v1/review", json=POST_WITH_PROBLEM).json()
    assert (first["score"], first["findings"]) == (second["score"], second["findings"])


def test_batch_keeps_order_and_reports_bad_posts(client):
    posts = [{"id": "a", "text": "市政府召开会议。"}, {"id": "b", "text": ""}, 7, POST_WITH_PROBLEM]
    response = client.post("/v1/review/batch", json={"posts": posts})
    assert response.status_code == 200
    reports = response.json()["reports"]
    assert [r["id"] for r in reports] == ["a", "b", None, "p1"]
    assert reports[1]["error"]["code"] == "empty_text"
    assert reports[2]["error"]["code"] == "invalid_post"
    assert "error" not in reports[0] and reports[3]["findings"]
    assert client.post("/v1/review/batch", json={"posts": []}).json() == {"reports": []}


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "empty_body"),
        ('{"text": "今天"}'.encode("gbk"), 400, "invalid_utf8"),
        (b'{"text": "ok", "id": "\\ud800abc"}', 422, "invalid_text"),
        (b'{"text": "ok", "account": {"id": "a\\udc00"}}', 422, "invalid_text"),
        (b"[" * 100_000, 400, "invalid_json"),
        (b'{"text": "ok", "id": ' + b"9" * 5000 + b"}", 400, "invalid_json"),  # past 4,300 digits: was a 500
        (b'{"text": "ok", "id": 1e999999}', 400, "invalid_json"),  # read as infinity
        (b'{"text": "ok", "published_at": "9999-12-31T23:59:59Z"}', 422, "invalid_date"),  # was an overflow, a 500
        (b'"just a string"', 422, "invalid_post"),
        (b"{}", 422, "missing_text"),
        (b'{"text": 123}', 422, "invalid_type"),
        (b'{"text": ["a"]}', 422, "invalid_type"),
        (b'{"text": "   "}', 422, "empty_text"),
        (b'{"text": "ok", "title": 5}', 422, "invalid_type"),
        (b'{"text": "ok", "account": "gov"}', 422, "invalid_type"),
        (b'{"text": "ok", "account": {"id": {"x": 1}}}', 422, "invalid_type"),
        (b'{"text": "ok", "published_at": "yesterday"}', 422, "invalid_date"),
        (b'{"text": "ok", "id": true}', 422, "invalid_type"),
        (b'{"text": "ok", "id": NaN}', 400, "invalid_json"),  # Python's json reads NaN; JSON has no such value
        (b'{"text": "ok", "account": {"id": Infinity}}', 400, "invalid_json"),
        (json.dumps({"text": "字" * 20_001}).encode(), 422, "text_too_long"),
    ],
)
def test_bad_review_input_is_a_4xx_with_json_error(client, body, status, code):
    assert_error(client.post("/v1/review", content=body), status, code)


def test_lone_surrogates_in_text_are_reported_not_refused(client):
    # an emoji cut in two by a JavaScript scraper arrives as "\ud83d": the post is reviewed and the damage shown
    response = client.post(
        "/v1/review", content=b'{"text": "\xe4\xbb\x8a\xe5\xa4\xa9\\ud83d\xe5\xa5\xbd", "title": "\\udc00"}'
    )
    assert response.status_code == 200
    found = {(f["field"], f["start"], f["end"], f["text"], f["category"]) for f in response.json()["findings"]}
    assert found == {("text", 2, 3, "\ud83d", "garbled"), ("title", 0, 1, "\udc00", "garbled")}
    batch = client.post("/v1/review/batch",
                        content=b'{"posts": [{"id": "a", "text": "ok", "account": {"id": "\\ud800"}}, '
                                b'{"id": "b", "text": "\\ud800ok"}]}')
    assert batch.status_code == 200
    bad, good = batch.json()["reports"]
    assert bad["id"] == "a" and bad["error"]["code"] == "invalid_text"
    assert good["findings"][0]["text"] == "\ud800"


def test_surrogate_pairs_are_fine(client):
    response = client.post("/v1/review", content=b'{"text": "\\ud83d\\ude00 \xe5\xa5\xbd"}')
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"post": []}, 422, "invalid_batch"),
        ({"posts": {"text": "a"}}, 422, "invalid_batch"),
        ([{"text": "a"}], 422, "invalid_batch"),
        ({"posts": [{"text": "a"}] * 6}, 422, "batch_too_large"),
    ],
)
def test_bad_batch_input(client, body, status, code):
    assert_error(client.post("/v1/review/batch", json=body), status, code)


def test_body_over_the_limit_is_413(client):
    big = json.dumps({"text": "字" * 19_000, "title": "字" * 19_000, "x": "y" * 150_000}).encode()
    assert_error(client.post("/v1/review", content=big), 413, "body_too_large")

    def chunks():  # no Content-Length: the limit applies to the streamed body
        for _ in range(30):
            yield b" " * 10_000

    assert_error(client.post("/v1/review", content=chunks()), 413, "body_too_large")


def test_unknown_route_and_method_are_json(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    assert_error(client.get("/v1/review"), 405, "method_not_allowed")
    # in Chinese and English, as every refusal (they were Starlette's "Not Found" / "Method Not Allowed")
    assert client.get("/v1/nothing").json()["error"]["message"] == "找不到该路径 / no such path: /v1/nothing"
    assert client.get("/v1/review").json()["error"]["message"].startswith("该路径不支持 GET 方法 / GET is not allowed")


def test_request_id_is_echoed_and_logged(client):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("review.service")
    logger.addHandler(handler)
    try:
        response = client.post("/v1/review", json=POST_WITH_PROBLEM, headers={"X-Request-ID": "abc-123"})
        generated = client.get("/healthz").headers["x-request-id"]
        client.post("/v1/review", json={"text": ""})
    finally:
        logger.removeHandler(handler)
    assert response.headers["x-request-id"] == "abc-123"
    assert len(generated) == 32
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    review_line = next(e for e in entries if e["request_id"] == "abc-123")
    assert review_line["route"] == "/v1/review" and review_line["status"] == 200
    assert review_line["duration_ms"] >= 0 and review_line["posts"] == 1 and review_line["findings"] >= 1
    refused = next(e for e in entries if e["status"] == 422)
    assert refused["error"] == "empty_text"


def test_metrics_in_prometheus_text_format(client):
    client.post("/v1/review", json=POST_WITH_PROBLEM)
    client.post("/v1/review", content=b"{bad")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE review_http_requests_total counter" in text
    assert "review_http_requests_in_flight 1" in text  # the scrape itself
    assert 'review_http_requests_total{method="POST",route="/v1/review",status="200"}' in text
    assert 'review_http_requests_total{method="POST",route="/v1/review",status="400"}' in text
    assert "# TYPE review_http_request_duration_seconds histogram" in text
    assert 'review_http_request_duration_seconds_bucket{route="/v1/review",le="+Inf"}' in text
    assert 'review_findings_total{category="garbled"}' in text
    for line in text.splitlines():  # every sample line is `name{labels} number`
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_editor_page_and_account_types(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "政务新媒体内容审校" in page.text and "/static/editor.js" in page.text
    assert client.get("/static/editor.js").status_code == 200
    types = client.get("/v1/account-types").json()["types"]
    assert types and all(item["type"] and item["label"] for item in types)


def test_cors_only_for_configured_origins(client, tmp_path):
    preflight = {"Origin": "https://cms.example.gov.cn", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v2/check", headers=preflight).headers
    config = ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), allow_origins=("https://cms.example.gov.cn",))
    with TestClient(create_app(config)) as open_client:
        response = open_client.options("/v2/check", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://cms.example.gov.cn"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
POST_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_VALUES,
        "text": st.text(max_size=200) | JSON_VALUES,
        "title": st.text(max_size=50) | JSON_VALUES,
        "account": st.fixed_dictionaries({}, optional={"id": JSON_VALUES, "type": JSON_VALUES}) | JSON_VALUES,
        "published_at": st.text(max_size=25) | JSON_VALUES,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=POST_FIELDS | JSON_VALUES)
def test_no_input_gets_a_5xx(client, body):
    """Whatever JSON arrives, the answer is a report or a 4xx with a JSON error."""
    response = client.post("/v1/review", json=body)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.json()["error"]["code"]
    batch = client.post("/v1/review/batch", json={"posts": [body]})
    assert batch.status_code == 200 and len(batch.json()["reports"]) == 1


def test_one_review_thread_and_one_file_lane_per_worker_unless_asked():
    from review.cli import build_parser

    assert ServiceConfig().review_threads == 1 and ServiceConfig().file_threads == 1
    config = ServiceConfig.from_env({"REVIEW_THREADS": "3", "REVIEW_FILE_THREADS": "2"})
    assert (config.review_threads, config.file_threads) == (3, 2)
    assert build_parser().parse_args(["serve"]).threads == 1
    assert build_parser().parse_args(["serve", "--threads", "2"]).threads == 2


def test_gc_freeze_is_only_for_served_workers():
    assert ServiceConfig.from_env({}).freeze_gc is False
    assert ServiceConfig.from_env({"REVIEW_FREEZE_GC": "1"}).freeze_gc is True

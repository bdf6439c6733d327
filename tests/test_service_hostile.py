"""Hostile input never gives a 500: deep JSON, bad account ids, awkward terms, clients that leave mid-body."""

from __future__ import annotations

import json
import logging
import re
import socket
import sqlite3
import threading
import time
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from server_helpers import free_port

from service.app import create_app
from service.config import ServiceConfig

API_KEY = "hostile-key"
KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app in-process; server errors come back as 500 answers rather than exceptions, as a client sees them."""
    db = tmp_path_factory.mktemp("hostile") / "settings.sqlite3"
    config = ServiceConfig(db_path=str(db), api_key=API_KEY)
    with TestClient(create_app(config), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_error(response, status: int, code: str) -> dict:
    """A JSON refusal with this status and code and a bilingual message."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert re.search(r"[\u4e00-\u9fff].*/ .*[A-Za-z]{3}", error["message"]), error  # 中文 / English
    return error


@pytest.mark.parametrize("depth", [600, 900, 3000, 100_000])
@pytest.mark.parametrize(
    "method, path, wrap",
    [
        ("PUT", "/v1/accounts/deep/settings", lambda nested: '{"deny_terms": ["\\u4e2d"], "x": %s}' % nested),
        ("PATCH", "/v1/accounts/deep/settings", lambda nested: '{"allow_terms": %s, "y": "\\u4e2d"}' % nested),
        ("POST", "/v1/accounts/deep/terms/deny", lambda nested: '{"terms": ["\\u4e2d", %s]}' % nested),
        ("POST", "/v1/review", lambda nested: '{"text": "\\u4e2d\\u6587", "extra": %s}' % nested),
        ("POST", "/v1/review/batch", lambda nested: '{"posts": [{"text": "\\u4e2d", "extra": %s}]}' % nested),
    ],
)
def test_deeply_nested_json_is_never_a_500(client, method, path, wrap, depth):
    """Depths 600-900 parse but used to overflow the surrogate scan (RecursionError, a 500) when the body held
    a \\u escape; deeper ones fail to parse. Every one is now a 4xx, or reviewed when the nesting is ignored."""
    body = wrap("[" * depth + "]" * depth)
    response = client.request(method, path, content=body.encode(), headers={**KEY, "Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["code"] in {"invalid_json", "invalid_type", "unknown_field", "invalid_settings"}
    assert client.get("/v1/accounts/deep/settings", headers=KEY).status_code == 404  # nothing half-stored


@pytest.mark.parametrize("raw_id", ["%FF", "%FE", "%C3%28", "a%00b", "a%01b", "a%0Ab", "%7F", "%C2%85",
                                    "%E2%80%8B", "%EF%BF%BF", "a%EF%B7%90",  # U+200B alone, U+FFFF, U+FDD0
                                    # look-alikes of a1: U+200B after it, U+202E before it, full-width ａ1, and a
                                    # decomposed é beside the composed one (a second hostile trial: all were stored)
                                    "a1%E2%80%8B", "%E2%80%AEa1", "%EF%BD%811", "e%CC%81"])
def test_account_ids_with_bad_bytes_or_control_characters_are_refused(client, raw_id):
    """Bytes that are not UTF-8 would all decode to U+FFFD (so %FF and %FE named one account); NUL and other
    control characters name accounts no one can see. Refused on every account route, nothing stored."""
    for method, suffix, body in [
        ("PUT", "/settings", {"deny_terms": ["甲"]}),
        ("PATCH", "/settings", {"deny_terms": ["甲"]}),
        ("GET", "/settings", None),
        ("POST", "/terms/deny", {"terms": ["甲"]}),
        ("POST", "/key", None),
    ]:
        response = client.request(method, f"/v1/accounts/{raw_id}{suffix}", json=body, headers=KEY)
        assert_error(response, 422, "invalid_account_id")
    with sqlite3.connect(client.app.state.service.store.path) as db:
        assert db.execute("SELECT count(*) FROM accounts WHERE id LIKE '%' || char(65533) || '%'").fetchone()[0] == 0
    names = client.get("/v1/accounts", headers=KEY).json()["accounts"]
    assert all("\ufffd" not in name and "\x00" not in name for name in names)


def test_terms_that_could_never_match_are_not_stored(client):
    """A term of invisible characters only is left out like an empty one; a control character is refused."""
    stored = client.put("/v1/accounts/invisible/settings", json={"deny_terms": ["\u200b", " \ufeff", "甲"]},
                        headers=KEY)
    assert stored.status_code == 200 and stored.json()["deny_terms"] == ["甲"]
    refused = client.post("/v1/accounts/invisible/terms/deny", json={"terms": ["a\u0000b"]}, headers=KEY)
    assert_error(refused, 422, "invalid_terms")
    assert client.get("/v1/accounts/invisible/settings", headers=KEY).json()["deny_terms"] == ["甲"]


def test_a_valid_non_ascii_account_id_still_works(client):
    assert client.put(f"/v1/accounts/{quote('市卫健委')}/settings", json={}, headers=KEY).status_code == 200
    assert "市卫健委" in client.get("/v1/accounts", headers=KEY).json()["accounts"]


AWKWARD_TERMS = ["内部/资料", "100%", "a b", "内部 资料", "/开头", "结尾/", "a%2Fb", "?问号#", "机密"]


def test_terms_with_slashes_percent_signs_and_spaces_can_be_deleted(client):
    """A term holding `/` used to be addable but not deletable (the path route stopped at the slash)."""
    url = "/v1/accounts/awkward/terms/deny"
    stored = client.post(url, json={"terms": AWKWARD_TERMS}, headers=KEY).json()["deny_terms"]
    assert stored == sorted(AWKWARD_TERMS)
    for term in AWKWARD_TERMS[:5]:  # one at a time, percent-encoded in the path (`/` as %2F)
        response = client.delete(f"{url}/{quote(term, safe='')}", headers=KEY)
        assert response.status_code == 200, (term, response.text)
        assert term not in response.json()["deny_terms"]
    # `/` left unencoded still names one term
    assert client.delete(f"{url}/{quote('结尾/', safe='/')}", headers=KEY).status_code == 200
    # the rest at once with a JSON body, which carries any characters
    response = client.request("DELETE", url, json={"terms": ["a%2Fb", "?问号#"]}, headers=KEY)
    assert response.status_code == 200 and response.json()["deny_terms"] == ["机密"]
    # all or nothing: one unknown term refuses the whole call
    response = client.request("DELETE", url, json={"terms": ["机密", "没有的词"]}, headers=KEY)
    assert_error(response, 404, "term_not_found")
    assert client.get("/v1/accounts/awkward/settings", headers=KEY).json()["deny_terms"] == ["机密"]
    assert_error(client.request("DELETE", url, json={"terms": []}, headers=KEY), 422, "invalid_terms")
    assert_error(client.request("DELETE", url, json={"words": ["机密"]}, headers=KEY), 422, "invalid_terms")


def test_openapi_lists_the_error_answers_and_required_body_fields(client):
    """Clients and schema-driven tests (tests/test_service_schemathesis.py) see every 4xx an operation gives."""
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/v1/review", "post"): {"400", "413", "422"},
        ("/v1/review/batch", "post"): {"400", "413", "422"},
        ("/v2/check", "post"): {"400", "413", "422"},
        ("/v1/accounts", "get"): {"401", "503"},
        ("/v1/accounts/{account_id}/settings", "put"): {"400", "401", "413", "422", "503"},
        ("/v1/accounts/{account_id}/settings", "patch"): {"400", "401", "413", "422", "503"},
        ("/v1/accounts/{account_id}/settings", "get"): {"401", "404", "422", "503"},
        ("/v1/accounts/{account_id}/terms/{kind}", "post"): {"400", "401", "404", "413", "422", "503"},
        ("/v1/accounts/{account_id}/terms/{kind}", "delete"): {"400", "401", "404", "413", "422", "503"},
        ("/v1/accounts/{account_id}/terms/{kind}/{term}", "delete"): {"401", "404", "422", "503"},
        ("/v1/accounts/{account_id}/key", "post"): {"401", "422", "503"},
    }
    for (path, method), statuses in expected.items():
        responses = paths[path][method]["responses"]
        assert statuses <= set(responses), (path, method, sorted(responses))
        error = responses["422" if "422" in statuses else "401"]["content"]["application/json"]["schema"]
        assert error["required"] == ["error"]

    def body_schema(path: str, method: str) -> dict:
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]

    assert body_schema("/v1/review", "post")["required"] == ["text"]
    assert body_schema("/v1/review/batch", "post")["required"] == ["posts"]
    assert body_schema("/v1/accounts/{account_id}/terms/{kind}", "post")["required"] == ["terms"]
    assert body_schema("/v1/accounts/{account_id}/settings", "put")["additionalProperties"] is False


# -- a client that leaves mid-body, against a live server ---------------------------------------------------
class Lines(logging.Handler):
    """Collects formatted log records (with any traceback)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_a_client_leaving_mid_body_is_a_499_in_one_log_line(tmp_path):
    """Used to be logged and counted as a 500 with a 60-line traceback (ClientDisconnect in the body read)."""
    app = create_app(ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), api_key=API_KEY))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    captured = Lines()
    loggers = [logging.getLogger(name) for name in ("review.service", "uvicorn.error", "uvicorn")]
    for logger in loggers:
        logger.addHandler(captured)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        for path in ("/v1/review", "/v1/accounts/leaver/settings"):
            method = "POST" if path == "/v1/review" else "PUT"
            with socket.create_connection(("127.0.0.1", port)) as connection:
                head = (
                    f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {API_KEY}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
                )
                connection.sendall(head.encode() + '{"text": "只发了一半'.encode())
                time.sleep(0.2)  # the server is now waiting for the rest of the body
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            metrics = httpx.get(f"{base}/metrics").text
            if metrics.count('status="499"') >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert 'review_http_requests_total{method="POST",route="/v1/review",status="499"} 1' in metrics
        assert 'route="/v1/accounts/{account_id}/settings",status="499"} 1' in metrics
        assert 'status="500"' not in metrics
        # a normal request still works afterwards
        assert httpx.post(f"{base}/v1/review", json={"text": "市政府召开会议。"}).status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        for logger in loggers:
            logger.removeHandler(captured)
    requests = [json.loads(line) for line in captured.lines if line.startswith("{") and '"request"' in line]
    left = [line for line in requests if line["status"] == 499]
    assert len(left) == 2 and all(line["error"] == "client_disconnected" for line in left)
    assert not any("Traceback" in line or "ClientDisconnect" in line for line in captured.lines), captured.lines
    assert not any(line["status"] == 500 for line in requests)

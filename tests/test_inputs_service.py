"""POST /v1/review/file: a multipart upload of a .docx, HTML, UTF-16 text or image reviewed as one post; bad
uploads are 4xx with the contract's JSON error."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from inputs_helpers import make_docx, wechat_html

from service.app import create_app
from service.config import ServiceConfig

TYPO_TEXT = "我们要再接再励，做好民生工作。"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    config = ServiceConfig(db_path=str(tmp_path_factory.mktemp("files") / "settings.sqlite3"), review_threads=1)
    with TestClient(create_app(config)) as test_client:
        yield test_client


def test_docx_upload_is_reviewed_with_sources(client):
    post = {"id": "u1", "account": {"type": "health"}, "published_at": "2025-05-18T09:00:00+08:00"}
    files = {"file": ("通知.docx", make_docx(["关于夏季防汛的通知", TYPO_TEXT]), "application/octet-stream")}
    response = client.post("/v1/review/file", files=files, data={"post": json.dumps(post)})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["id"] == "u1" and report["meta"]["input"]["format"] == "docx"
    assert report["meta"]["input"]["name"] == "通知.docx"
    text = report["meta"]["input"]["text"]
    finding = next(f for f in report["findings"] if f["text"] == "再接再励")
    assert text[finding["start"]:finding["end"]] == "再接再励" and finding["suggestion"] == "再接再厉"
    assert finding["source"]["kind"] == "paragraph" and finding["source"]["index"] == 2


def test_html_and_utf16_uploads(client):
    page = wechat_html("关于做好夏季防汛工作的通知", [TYPO_TEXT])
    report = client.post("/v1/review/file", files={"file": ("a.html", page.encode(), "text/html")}).json()
    assert report["meta"]["input"]["title"] == "关于做好夏季防汛工作的通知"
    assert report["meta"]["input"]["text"] == TYPO_TEXT
    assert any(f["source"]["element"] == "p" for f in report["findings"] if f.get("source"))
    report = client.post("/v1/review/file", files={"file": ("n.txt", TYPO_TEXT.encode("utf-16"))}).json()
    assert report["meta"]["input"]["encoding"] == "utf-16-le" and any(f["text"] == "再接再励" for f in report["findings"])


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"files": {"post": (None, "{}")}}, 422, "missing_file"),
        ({"files": {"file": ("a.txt", b"")}}, 422, "empty_file"),
        ({"files": {"file": ("a.txt", "好".encode())}, "data": {"post": "[1]"}}, 422, "invalid_post"),
        ({"files": {"file": ("a.txt", "好".encode())}, "data": {"post": "{bad"}}, 400, "invalid_json"),
        ({"files": {"file": ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))}}, 422, "unsupported_format"),
        ({"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + bytes(64))}}, 422, None),
        ({"json": {"text": "好"}}, 400, "invalid_form"),
    ],
)
def test_bad_uploads_are_clear_4xx(client, kwargs, status, code):
    response = client.post("/v1/review/file", **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert "/" in error["message"] and any("a" <= c <= "z" for c in error["message"])  # Chinese / English
    if code:
        assert error["code"] == code


def test_upload_over_the_body_limit_is_413(tmp_path):
    config = ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), max_body_bytes=10_000, review_threads=1)
    with TestClient(create_app(config)) as small:
        response = small.post("/v1/review/file", files={"file": ("a.txt", "字".encode() * 10_000)})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_an_upload_runs_in_the_files_lane_not_the_posts_thread(tmp_path, monkeypatch):
    import threading

    from service.routes import files as file_routes

    lanes = []
    real = file_routes.review_upload

    def spy(*args, **kwargs):
        lanes.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(file_routes, "review_upload", spy)
    config = ServiceConfig(db_path=str(tmp_path / "s.sqlite3"))
    with TestClient(create_app(config)) as test_client:
        files = {"file": ("通知.docx", make_docx(["关于夏季防汛的通知", TYPO_TEXT]), "application/octet-stream")}
        assert test_client.post("/v1/review/file", files=files).status_code == 200
        service = test_client.app.state.service
    assert len(lanes) == 1 and lanes[0].startswith("files") and service.file_executor is not service.executor

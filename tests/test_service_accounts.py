"""Per-account settings: API key, CRUD, validation, persistence, and their effect on reviews."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from review.pipeline import Reviewer, get_reviewer
from service.accounts import AccountSettings, AccountStore
from service.app import create_app
from service.config import ServiceConfig

KEY = {"X-API-Key": "test-key"}
MOJIBAKE = "天气很好".encode("utf-8").decode("cp1252", errors="ignore")
TEXT = f"今天{MOJIBAKE}，市民出行注意安全。"


class RecordingReviewer:
    """The process-wide reviewer, remembering the options of each call (to see what reaches the library)."""

    def __init__(self, inner: Reviewer) -> None:
        self.inner = inner
        self.seen = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def review(self, post, options=None, deadline=None):
        self.seen.append(options)
        return self.inner.review(post, options, deadline)

    def review_dict(self, data, options=None, deadline=None):
        self.seen.append(options)
        return self.inner.review_dict(data, options, deadline)


@pytest.fixture()
def db_path(tmp_path):
    return str(tmp_path / "settings.sqlite3")


@pytest.fixture()
def reviewer():
    return RecordingReviewer(get_reviewer())


@pytest.fixture()
def client(db_path, reviewer):
    config = ServiceConfig(db_path=db_path, api_key="test-key")
    with TestClient(create_app(config, reviewer=reviewer)) as test_client:
        yield test_client


def test_key_is_required(client):
    assert client.get("/v1/accounts").status_code == 401
    assert client.get("/v1/accounts", headers={"X-API-Key": "wrong"}).json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/accounts", headers=KEY).status_code == 200
    assert client.get("/v1/accounts", headers={"Authorization": "Bearer test-key"}).status_code == 200


def test_accounts_are_closed_without_a_configured_key(db_path):
    with TestClient(create_app(ServiceConfig(db_path=db_path, api_key=None))) as client:
        response = client.put("/v1/accounts/a/settings", json={}, headers=KEY)
    assert response.status_code == 503 and response.json()["error"]["code"] == "accounts_disabled"


def test_settings_crud(client):
    assert client.get("/v1/accounts/acct-1/settings", headers=KEY).status_code == 404
    body = {
        "disable": ["timeliness"],
        "allow_terms": ["乙", "甲", "甲"],
        "deny_terms": ["内部资料"],
        "thresholds": {"typo": 0.8},
    }
    stored = client.put("/v1/accounts/acct-1/settings", json=body, headers=KEY).json()
    assert stored["account_id"] == "acct-1" and stored["enable"] is None
    assert (
        stored["allow_terms"] == sorted({"甲", "乙"}) and stored["thresholds"] == {"typo": 0.8} and stored["updated_at"]
    )
    assert client.get("/v1/accounts/acct-1/settings", headers=KEY).json() == stored

    patched = client.patch("/v1/accounts/acct-1/settings", json={"deny_terms": []}, headers=KEY).json()
    assert (
        patched["deny_terms"] == []
        and patched["allow_terms"] == sorted({"甲", "乙"})
        and patched["disable"] == ["timeliness"]
    )

    added = client.post("/v1/accounts/acct-1/terms/deny", json={"terms": ["绝密", "内部资料"]}, headers=KEY).json()
    assert added["deny_terms"] == ["内部资料", "绝密"]
    removed = client.delete("/v1/accounts/acct-1/terms/deny/绝密", headers=KEY).json()
    assert removed["deny_terms"] == ["内部资料"]
    assert client.delete("/v1/accounts/acct-1/terms/deny/没有", headers=KEY).status_code == 404
    assert client.post("/v1/accounts/acct-1/terms/maybe", json={"terms": ["x"]}, headers=KEY).status_code == 404

    assert client.get("/v1/accounts", headers=KEY).json() == {"accounts": ["acct-1"]}
    assert client.delete("/v1/accounts/acct-1/settings", headers=KEY).json()["deleted"] is True
    assert client.delete("/v1/accounts/acct-1/settings", headers=KEY).status_code == 404
    assert client.get("/v1/accounts", headers=KEY).json() == {"accounts": []}


@pytest.mark.parametrize(
    "body, code",
    [
        ({"enable": ["no_such_check"]}, "unknown_check"),
        ({"thresholds": {"nope": 0.5}}, "unknown_check"),  # stored and never used, before
        ({"disable": "garbled"}, "invalid_type"),
        ({"allow_terms": [1, 2]}, "invalid_type"),
        ({"thresholds": {"typo": "high"}}, "invalid_type"),
        ({"thresholds": [0.5]}, "invalid_type"),
        ({"thresholds": {"offtopic": 7}}, "invalid_type"),  # a probability
        ({"thresholds": {"offtopic": 10 ** 400}}, "invalid_type"),  # was an OverflowError, a 500
        ({"colour": "red"}, "unknown_field"),
        ({"deny_terms": ["字" * 51]}, "term_too_long"),
        ([], "invalid_settings"),
    ],
)
def test_bad_settings_are_422(client, body, code):
    response = client.put("/v1/accounts/acct-2/settings", json=body, headers=KEY)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert client.get("/v1/accounts/acct-2/settings", headers=KEY).status_code == 404  # nothing half-stored


def test_bad_settings_bodies_are_4xx(client):
    assert client.put("/v1/accounts/a/settings", content=b"{", headers=KEY).status_code == 400
    assert client.put("/v1/accounts/a/settings", content=b"\xff", headers=KEY).status_code == 400
    assert client.post("/v1/accounts/a/terms/allow", json={"words": []}, headers=KEY).status_code == 422
    assert client.put("/v1/accounts/" + "x" * 200 + "/settings", json={}, headers=KEY).status_code == 422


def test_review_applies_the_accounts_settings(client, reviewer):
    post = {"text": TEXT, "account": {"id": "acct-3", "type": "health"}}
    assert any(f["category"] == "garbled" for f in client.post("/v1/review", json=post, headers=KEY).json()["findings"])

    settings = {"disable": ["garbled"], "allow_terms": ["健康码"], "deny_terms": ["内部资料"], "thresholds": {"typo": 0.9}}
    client.put("/v1/accounts/acct-3/settings", json=settings, headers=KEY)
    report = client.post("/v1/review", json=post, headers=KEY).json()
    assert not any(f["category"] == "garbled" for f in report["findings"])
    assert "garbled" not in report["meta"]["checks"] and report["meta"]["settings"] == "account"
    options = reviewer.seen[-1]
    assert options.allow_terms == {"健康码"} and options.deny_terms == {"内部资料"}
    assert options.thresholds == {"typo": 0.9} and options.disable == {"garbled"}

    batch = client.post("/v1/review/batch", json={"posts": [post, {"text": TEXT}]}, headers=KEY).json()["reports"]
    assert not any(f["category"] == "garbled" for f in batch[0]["findings"])
    assert any(f["category"] == "garbled" for f in batch[1]["findings"])  # no account: defaults

    numeric = client.post("/v1/review", json={"text": TEXT, "account": {"id": 42}}, headers=KEY).json()
    assert any(f["category"] == "garbled" for f in numeric["findings"])  # unknown account: defaults

    client.put("/v1/accounts/acct-3/settings", json={"enable": ["timeliness"]}, headers=KEY)
    assert client.post("/v1/review", json=post, headers=KEY).json()["meta"]["checks"] == ["timeliness"]


def test_settings_survive_a_new_app_on_the_same_file(db_path):
    config = ServiceConfig(db_path=db_path, api_key="test-key")
    with TestClient(create_app(config)) as first:
        first.put("/v1/accounts/keep/settings", json={"disable": ["garbled"], "deny_terms": ["某词"]}, headers=KEY)
        before = first.post("/v1/review", json={"text": TEXT, "account": {"id": "keep"}}, headers=KEY).json()
    with TestClient(create_app(config)) as second:
        stored = second.get("/v1/accounts/keep/settings", headers=KEY).json()
        after = second.post("/v1/review", json={"text": TEXT, "account": {"id": "keep"}}, headers=KEY).json()
    assert stored["disable"] == ["garbled"] and stored["deny_terms"] == ["某词"]
    assert not any(f["category"] == "garbled" for f in after["findings"])
    assert (before["score"], before["findings"]) == (after["score"], after["findings"])


def test_store_creates_its_schema_once_and_checks_names(tmp_path):
    path = tmp_path / "nested" / "s.sqlite3"
    store = AccountStore(path)
    store.put("a", AccountSettings(enable=("garbled",), thresholds={"x": 1.0}))
    assert AccountStore(path).get("a") == AccountSettings(enable=("garbled",), thresholds={"x": 1.0})
    options = AccountSettings(enable=("garbled", "retired_check"), disable=("gone",)).to_options(["garbled"])
    assert options.enable == {"garbled"} and options.disable == frozenset()  # checks removed since are skipped


def test_deny_terms_reach_the_checks(client):
    """An account's deny-list turns its own forbidden wording into findings (the sensitive check reads it)."""
    text = "本文件为内部资料，请勿外传。"
    assert not any(f["text"] == "内部资料" for f in client.post("/v1/review", json={"text": text}).json()["findings"])
    client.put("/v1/accounts/acct-4/settings", json={"deny_terms": ["内部资料"]}, headers=KEY)
    report = client.post("/v1/review", json={"text": text, "account": {"id": "acct-4"}}, headers=KEY).json()
    denied = [f for f in report["findings"] if f["text"] == "内部资料"]
    assert denied and text[denied[0]["start"] : denied[0]["end"]] == "内部资料"


def test_locked_database_statements_are_retried_other_errors_are_not():
    """Workers starting together race to switch a new file to WAL; the loser must wait, not fail."""
    import sqlite3

    import pytest

    from service.accounts import _retry_locked

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert _retry_locked(flaky) == "done" and len(calls) == 3

    def broken():
        calls.append(1)
        raise sqlite3.OperationalError("no such table: accounts")

    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        _retry_locked(broken)
    assert len(calls) == 1
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _retry_locked(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")), seconds=0.05)


def test_workers_creating_the_store_together_all_succeed(tmp_path):
    """Four processes open a new settings file at the same moment, ten times over."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    for attempt in range(10):
        path = tmp_path / f"settings{attempt}.sqlite3"
        with context.Pool(4) as pool:
            errors = pool.map(_open_store, [str(path)] * 4)
        assert errors == [None] * 4


def _open_store(path: str):
    """Open (and create) the store at `path`; the error text if that fails."""
    from service.accounts import AccountStore

    try:
        AccountStore(path)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return repr(exc)
    return None


def test_an_unknown_check_in_settings_names_the_valid_ones_and_the_closest(client):
    response = client.put("/v1/accounts/acct-3/settings", json={"enable": ["typos"]}, headers=KEY)
    error = response.json()["error"]
    assert response.status_code == 422 and error["code"] == "unknown_check" and error["field"] == "enable"
    assert "typo" in error["message"] and "sensitive" in error["message"]  # the valid names are listed
    assert "是否应为 typo" in error["message"] and "did you mean typo" in error["message"]

"""The account routes' dependencies refuse in one order on every route: the service key (503, 401), then the path's
account id (422), then its term list (404), and only then the body (400)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import ServiceConfig
from service.routes import accounts

KEY = {"X-API-Key": "test-key"}
BAD_JSON = b"{bad"


def account_routes() -> list[tuple[str, str]]:
    """(method, path) of every account route, its path parameters still `{name}`."""
    routes = [(method, route.path) for route in accounts.router.routes if isinstance(route, APIRoute)
              for method in sorted(route.methods)]
    assert len(routes) == 10  # list, settings (4), terms (3), key (2)
    return routes


def fill(path: str, account_id: str, kind: str) -> str:
    """A concrete path, with the term `x`."""
    return path.replace("{account_id}", account_id).replace("{kind}", kind).replace("{term:path}", "x")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routes")
    config = ServiceConfig(db_path=str(folder / "settings.sqlite3"), api_key="test-key")
    with TestClient(create_app(config)) as test_client:
        yield test_client


def test_every_account_route_checks_the_key_first(client):
    for method, path in account_routes():
        response = client.request(method, fill(path, "%FF", "maybe"), content=BAD_JSON)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized"), (method, path)


def test_the_account_id_before_the_term_list_before_the_body(client):
    for method, path in account_routes():
        if "{account_id}" not in path:
            continue
        response = client.request(method, fill(path, "%FF", "maybe"), content=BAD_JSON, headers=KEY)
        assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_account_id"), (method, path)
        if "{kind}" in path:
            response = client.request(method, fill(path, "a", "maybe"), content=BAD_JSON, headers=KEY)
            assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found"), (method, path)


def test_accounts_are_closed_on_every_route_without_a_configured_key(tmp_path):
    with TestClient(create_app(ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), api_key=None))) as closed:
        for method, path in account_routes():
            response = closed.request(method, fill(path, "%FF", "maybe"), content=BAD_JSON, headers=KEY)
            assert (response.status_code, response.json()["error"]["code"]) == (503, "accounts_disabled")


def test_path_parameters_are_documented_in_path_order(client):
    operations = client.app.openapi()["paths"]
    for path, methods in operations.items():
        for operation in methods.values():
            names = [parameter["name"] for parameter in operation.get("parameters", ())]
            assert path.startswith("/v1/accounts/") or not names, path
            assert names == [name for name in ("account_id", "kind", "term") if f"{{{name}}}" in path], path

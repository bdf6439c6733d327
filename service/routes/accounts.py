"""Per-account settings, terms and keys (`/v1/accounts...`); every route needs the service key."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from review.errors import InputError
from service import openapi
from service.accounts import AccountSettings, AccountStore, Stored
from service.bodies import RequestError, read_json
from service.routes.deps import AccountId, PathTerm, ServiceDep, StoreDep, TermField, require_service_key

# The key is checked first, before the path's account id and any body is read: without the key nothing is said
# about them (a router's dependencies run before those of its routes).
router = APIRouter(prefix="/v1/accounts", tags=["accounts"], dependencies=[Depends(require_service_key)])

Change = Callable[[AccountSettings | None], AccountSettings]


def settings_body(store: AccountStore, account_id: str) -> dict:
    """An account's stored settings as answered; 404 `account_not_found` if it has none."""
    stored = store.get_stored(account_id)
    if stored is None:
        raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
    return stored.to_dict(account_id)


def change(store: AccountStore, available_checks: list[str], account_id: str, apply: Change) -> dict:
    """One read-modify-write transaction; the answer is the state this request wrote, not a later re-read."""

    def checked(current: AccountSettings | None) -> AccountSettings:
        settings = apply(current)
        settings.check_names(available_checks)
        return settings

    stored: Stored = store.update(account_id, checked)
    return stored.to_dict(account_id)


def read_terms(body: Any) -> list:
    """The list of a `{"terms": [...]}` body; 422 `invalid_terms` for any other body."""
    if not isinstance(body, dict) or "terms" not in body:
        raise InputError("invalid_terms", '请求体应为 {"terms": [...]} / body must be {"terms": [...]}', "terms")
    return body["terms"]


def removing(field: str, terms: list[str]) -> Change:
    """A change that removes `terms` from a list, refusing (404, nothing removed) if one is not there."""

    def remove(current: AccountSettings | None) -> AccountSettings:
        present = set(getattr(current, field)) if current is not None else set()
        missing = [term for term in terms if term not in present]
        if current is None or missing:
            shown = missing[0] if missing else terms[0]
            raise RequestError(404, "term_not_found", f"没有该词 / no such term: {shown}")
        kept = [item for item in getattr(current, field) if item not in set(terms)]
        return AccountSettings.from_dict({field: kept}, base=current)

    return remove


@router.get("", responses=openapi.errors(401, 503))
async def list_accounts(store: StoreDep) -> dict:
    """Ids of every account with stored settings."""
    return {"accounts": await run_in_threadpool(store.ids)}


@router.get("/{account_id}/settings", responses=openapi.errors(401, 404, 422, 503))
async def get_settings(account_id: AccountId, store: StoreDep) -> dict:
    """An account's stored settings."""
    return await run_in_threadpool(settings_body, store, account_id)


@router.put(
    "/{account_id}/settings",
    openapi_extra=openapi.json_body(openapi.SETTINGS),
    responses=openapi.errors(400, 401, 404, 413, 422, 503),
)
async def put_settings(account_id: AccountId, request: Request, service: ServiceDep, store: StoreDep) -> dict:
    """Replace an account's settings (fields left out take their defaults)."""
    settings = AccountSettings.from_dict(await read_json(request))
    return await run_in_threadpool(change, store, service.available_checks, account_id, lambda _current: settings)


@router.patch(
    "/{account_id}/settings",
    openapi_extra=openapi.json_body(openapi.SETTINGS),
    responses=openapi.errors(400, 401, 404, 413, 422, 503),
)
async def patch_settings(account_id: AccountId, request: Request, service: ServiceDep, store: StoreDep) -> dict:
    """Change only the fields given."""
    body = await read_json(request)
    AccountSettings.from_dict(body)  # refuse a bad body before taking the write lock

    def patch(current: AccountSettings | None) -> AccountSettings:
        return AccountSettings.from_dict(body, base=current)

    return await run_in_threadpool(change, store, service.available_checks, account_id, patch)


@router.delete("/{account_id}/settings", responses=openapi.errors(401, 404, 422, 503))
async def delete_settings(account_id: AccountId, store: StoreDep) -> dict:
    """Forget an account's settings (its key, if any, stays: revoke it with DELETE .../key)."""
    if not await run_in_threadpool(store.delete, account_id):
        raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
    return {"account_id": account_id, "deleted": True}


@router.post("/{account_id}/key", responses=openapi.errors(401, 404, 422, 503))
async def create_key(account_id: AccountId, store: StoreDep) -> dict:
    """Create (or replace) the account's own key: reviews carrying it apply the account's settings.

    The key is in this answer only; the server keeps its sha256 hash. A new key invalidates the old one."""
    key, created_at = await run_in_threadpool(store.new_key, account_id)
    return {"account_id": account_id, "key": key, "created_at": created_at}


@router.delete("/{account_id}/key", responses=openapi.errors(401, 404, 422, 503))
async def delete_key(account_id: AccountId, store: StoreDep) -> dict:
    """Revoke the account's own key."""
    if not await run_in_threadpool(store.delete_key, account_id):
        raise RequestError(404, "key_not_found", f"账号 {account_id} 没有密钥 / account {account_id} has no key")
    return {"account_id": account_id, "deleted": True}


@router.post(
    "/{account_id}/terms/{kind}",
    openapi_extra=openapi.json_body(openapi.TERMS),
    responses=openapi.errors(400, 401, 404, 413, 422, 503),
)
async def add_terms(
    account_id: AccountId, field: TermField, request: Request, service: ServiceDep, store: StoreDep
) -> dict:
    """Add terms to the account's allow-list (`kind` = allow) or deny-list (deny)."""
    new = getattr(AccountSettings.from_dict({field: read_terms(await read_json(request))}), field)

    def add(current: AccountSettings | None) -> AccountSettings:
        current = current or AccountSettings()
        merged = sorted(set(getattr(current, field)) | set(new))
        return AccountSettings.from_dict({field: merged}, base=current)

    return await run_in_threadpool(change, store, service.available_checks, account_id, add)


@router.delete(
    "/{account_id}/terms/{kind}",
    openapi_extra=openapi.json_body(openapi.TERMS),
    responses=openapi.errors(400, 401, 404, 413, 422, 503),
)
async def remove_terms(
    account_id: AccountId, field: TermField, request: Request, service: ServiceDep, store: StoreDep
) -> dict:
    """Remove the terms of a `{"terms": [...]}` body (any characters, `/` included); all or none."""
    # parsed as a deny list whatever the kind: the same checks (length, count) apply to both lists
    terms = getattr(AccountSettings.from_dict({"deny_terms": read_terms(await read_json(request))}), "deny_terms")
    if not terms:
        raise InputError("invalid_terms", "terms 不能为空 / terms must not be empty", "terms")
    return await run_in_threadpool(change, store, service.available_checks, account_id, removing(field, list(terms)))


# `{term:path}`: a term holding `/` (sent as / or %2F) is still one term.
@router.delete("/{account_id}/terms/{kind}/{term:path}", responses=openapi.errors(401, 404, 422, 503))
async def remove_term(
    account_id: AccountId, field: TermField, term: PathTerm, service: ServiceDep, store: StoreDep
) -> dict:
    """Remove one term from the allow- or deny-list (percent-encode it in the path)."""
    return await run_in_threadpool(change, store, service.available_checks, account_id, removing(field, [term]))

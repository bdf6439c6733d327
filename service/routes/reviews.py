"""Reviews: one post, a batch of posts, and the account types a post may name."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from review.errors import InputError
from review.resources import load_toml
from service import openapi
from service.bodies import json_bytes, read_json
from service.keys import request_key
from service.routes.deps import ServiceDep

router = APIRouter(tags=["review"])


@router.get("/v1/account-types")
async def account_types() -> dict:
    """The account types and their Chinese names (from lexicons/account_types.toml)."""
    try:
        accounts = load_toml("account_types.toml").get("accounts", {})
    except FileNotFoundError:
        accounts = {}
    types = [{"type": name, "label": entry.get("label", name)} for name, entry in accounts.items()]
    return {"types": types or [{"type": "other", "label": "其他"}]}


@router.post("/v1/review", openapi_extra=openapi.json_body(openapi.POST), responses=openapi.errors(400, 413, 422))
async def review_one(request: Request, service: ServiceDep) -> JSONResponse:
    """A post in, a report out; `account.id` applies that account's stored settings."""
    post = await read_json(request, posts=True)
    access = service.access(request_key(request))
    # Serialised in the review thread too: the event loop only passes bytes on. The deadline counts from
    # here, so time queued behind other reviews counts too.
    body, findings = await service.run(service.review_one_json, post, access, service.deadline())
    request.state.log_extra = {"posts": 1, "findings": findings}
    return Response(body, media_type="application/json")


@router.post(
    "/v1/review/batch", openapi_extra=openapi.json_body(openapi.BATCH), responses=openapi.errors(400, 413, 422)
)
async def review_batch(request: Request, service: ServiceDep) -> JSONResponse:
    """`{"posts": [...]}` in, `{"reports": [...]}` out in the same order; a bad post gets a report with `error`."""
    body = await read_json(request, posts=True)
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise InputError("invalid_batch", '请求体应为 {"posts": [...]} / body must be {"posts": [...]}', "posts")
    posts = body["posts"]
    limit = service.config.max_batch
    if len(posts) > limit:
        raise InputError(
            "batch_too_large",
            f"一次最多 {limit} 篇，本次 {len(posts)} 篇 / at most {limit} posts per batch, got {len(posts)}",
            "posts",
        )
    access = service.access(request_key(request))
    batch_deadline = service.batch_deadline()
    # One post per task: single reviews queued meanwhile interleave with a long batch instead of waiting. A client
    # that has gone away gets no more of its posts reviewed (a 499 in the log): nobody would read them.
    reports = []
    for post in posts:
        if await request.is_disconnected():
            raise ClientDisconnect()
        reports.append(await service.run(service.review_item, post, access, batch_deadline))
    request.state.log_extra = {"posts": len(posts), "findings": sum(len(r["findings"]) for r in reports)}
    # A hundred reports take a while to serialise: do it off the event loop too.
    body = await run_in_threadpool(json_bytes, {"reports": reports})
    return Response(body, media_type="application/json")

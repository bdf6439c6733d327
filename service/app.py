"""FastAPI app to the contract (a first cut; the full service is issue 7)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import Body, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from review import __version__
from review.errors import InputError
from review.pipeline import get_reviewer


def create_app() -> FastAPI:
    """Build the app; models and lexicons load once at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(get_reviewer().warm_up)
        yield

    app = FastAPI(title="review", version=__version__, lifespan=lifespan)

    @app.exception_handler(InputError)
    async def input_error(_request, error: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": error.to_dict()})

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "engine": __version__}

    @app.post("/v1/review")
    async def review_one(post: Any = Body(...)) -> dict:
        report = await run_in_threadpool(get_reviewer().review, post)
        return report.to_dict()

    @app.post("/v1/review/batch")
    async def review_batch(body: Any = Body(...)) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise InputError("invalid_batch", "请求体应为 {\"posts\": [...]} / body must be {\"posts\": [...]}")
        reviewer = get_reviewer()
        reports = await run_in_threadpool(lambda: [reviewer.review_dict(p) for p in body["posts"]])
        return {"reports": reports}

    return app

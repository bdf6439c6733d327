"""The HTTP service: a thin FastAPI layer over the `review` library (see ../shared/CONTRACT.md and docs/service.md)."""

from __future__ import annotations

import asyncio
import gc
import hmac
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, TypeVar

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path
from starlette.exceptions import HTTPException as StarletteHTTPException

from review import __version__
from review.errors import InputError
from review.model import check_identifier
from review.pipeline import Reviewer, ReviewOptions, get_reviewer
from review.report import report_json
from review.resources import load_toml
from service import languagetool, openapi
from service.accounts import TERM_KINDS, AccountSettings, AccountStore, check_account_id
from service.bodies import RequestError, read_json, read_params
from service.config import ServiceConfig
from service.metrics import CONTENT_TYPE, Metrics
from service.middleware import BodyTooLarge, RequestContextMiddleware, body_too_large_error, configure_logging

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("review.service")
T = TypeVar("T")
WARM_UP_TEXTS = ("市政府召开常务会议，研究部署近期重点工作。", "各地要认真贯砌落实党中央决策部署。")


class ReviewService:
    """What the routes share: the reviewer, the settings store, the limits and the metrics."""

    def __init__(self, config: ServiceConfig, reviewer: Reviewer | None, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.reviewer = reviewer  # None: the process-wide reviewer, taken at start-up
        self.store: AccountStore | None = None
        self.available_checks: list[str] = []
        self.executor = ThreadPoolExecutor(max_workers=config.review_threads, thread_name_prefix="review")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound work in the review threads, keeping the event loop free."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(function, *args))

    def start(self) -> None:
        """Load every model and lexicon and open (or create) the settings database; runs once per worker."""
        if self.reviewer is None:
            self.reviewer = get_reviewer()
        self.reviewer.warm_up()
        # Throw-away reviews so lazily built state (segmenter, caches) is ready before the first request: the
        # misspelt 贯砌 makes the typo corrector suggest an edit, which loads jieba's part-of-speech tables
        # (0.5-2 s, otherwise paid by whichever request first gets a model suggestion, and by every request
        # queued behind it).
        for text in WARM_UP_TEXTS:
            self.reviewer.review({"text": text})
        self.available_checks = self.reviewer.available_checks
        self.store = AccountStore(self.config.db_path)
        if self.config.freeze_gc:
            # Models, dictionaries and lexicons live as long as the worker: keep their ~400,000 objects out of
            # the collector's full passes, each of which would otherwise stall every review for ~0.2 s.
            gc.freeze()

    def options_for(self, post: Any) -> ReviewOptions:
        """The stored settings of the post's `account.id`, or the defaults."""
        account = post.get("account") if isinstance(post, dict) else None
        account_id = account.get("id") if isinstance(account, dict) else None
        if isinstance(account_id, bool) or not isinstance(account_id, (str, int)):
            return ReviewOptions()
        # an id no store can hold (an unpaired surrogate) is refused with a 4xx here, before the lookup
        settings = self.store.get(check_identifier(str(account_id), "account.id")) if self.store else None
        return ReviewOptions() if settings is None else settings.to_options(self.available_checks)

    def review_one(self, post: Any) -> dict:
        """One report; bad input raises InputError."""
        report = self.reviewer.review(post, self.options_for(post)).to_dict()
        self.metrics.observe_report(report)
        return report

    def review_one_json(self, post: Any) -> tuple[bytes, int]:
        """One report as JSON bytes, and its number of findings; bad input raises InputError."""
        report = self.review_one(post)
        return json_bytes(report), len(report["findings"])

    def check_languagetool(self, params: dict[str, str]) -> dict:
        """LanguageTool's /v2/check answer for its parameters; bad parameters raise InputError."""
        language = languagetool.check_language(params.get("language"))
        if "text" in params:
            text = languagetool.AnnotatedText.from_text(params["text"])
        elif "data" in params:
            text = languagetool.AnnotatedText.from_data(params["data"])
        else:
            raise InputError("missing_text", "缺少 text 或 data 参数 / the parameter text or data is required", "text")
        disabled = languagetool.split_list(params.get("disabledRules")) | languagetool.split_list(
            params.get("disabledCategories")
        )
        if not text.plain.strip():  # editors send empty documents; LanguageTool answers with no matches
            return languagetool.check_response({"findings": []}, text, language, disabled)
        post = {"text": text.plain, "account": {"id": params.get("account_id"), "type": params.get("account_type")}}
        return languagetool.check_response(self.review_one(post), text, language, disabled)

    def review_item(self, post: Any) -> dict:
        """One report of a batch; bad input yields a report with `error`."""
        try:
            options = self.options_for(post)
        except InputError:
            options = None  # the review refuses the same field and reports it, with the post's id
        report = self.reviewer.review_dict(post, options)
        self.metrics.observe_report(report)
        return report


def create_app(config: ServiceConfig | None = None, reviewer: Reviewer | None = None) -> FastAPI:
    """Build the app; models, lexicons and the settings database open once at start-up (lifespan)."""
    config = config or ServiceConfig.from_env()
    configure_logging()
    metrics = Metrics()
    service = ReviewService(config, reviewer, metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.run(service.start)
        log.info(json.dumps({"event": "started", "checks": service.available_checks, "db": config.db_path}))
        yield
        service.executor.shutdown(wait=True, cancel_futures=True)

    app = FastAPI(
        title="review — 政务新媒体内容审校",
        version=__version__,
        lifespan=lifespan,
        description="Reviews Chinese government new-media posts. Contract: ../shared/CONTRACT.md.",
        docs_url=None,  # served below from local Swagger UI assets: no machine here reaches a CDN
        redoc_url=None,
    )
    app.state.service = service
    if config.allow_origins:  # editor plug-ins running in web pages of these origins may call the API
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.allow_origins), allow_methods=["GET", "POST"], allow_headers=["*"]
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=config.max_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    # -- errors: every refusal is a JSON body {"error": {"code", "message", ...}} ----------------------------
    def refuse(request: Request, status: int, body: dict, headers: dict | None = None) -> JSONResponse:
        request.state.log_extra = {"error": body["error"]["code"]}  # the log line says why
        return JSONResponse(status_code=status, content=body, headers=headers)

    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> JSONResponse:
        return refuse(request, 422, {"error": error.to_dict()})

    @app.exception_handler(RequestError)
    async def request_error(request: Request, error: RequestError) -> JSONResponse:
        return refuse(request, error.status, error.to_dict())

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
        return refuse(request, 413, body_too_large_error(error.limit))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"请求参数无效 / invalid request: {where} {first.get('msg', '')}".strip()
        return refuse(request, 422, {"error": {"code": "invalid_request", "message": message}})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        body = {"error": {"code": codes.get(error.status_code, "http_error"), "message": str(error.detail)}}
        return refuse(request, error.status_code, body, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        body = {"error": {"code": "internal_error", "message": "服务内部错误 / internal error"}}
        return JSONResponse(status_code=500, content=body)

    # -- service ---------------------------------------------------------------------------------------------
    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict:
        """Liveness: the engine version and the checks loaded."""
        return {"status": "ok", "engine": __version__, "checks": list(service.reviewer.default_checks)}

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    async def metrics_page() -> PlainTextResponse:
        """Prometheus text format: request counts, latency histogram, posts by verdict, findings by category."""
        return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/", include_in_schema=False)
    async def editor_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/v1/account-types", tags=["review"])
    async def account_types() -> dict:
        """The account types and their Chinese names (from lexicons/account_types.toml)."""
        try:
            accounts = load_toml("account_types.toml").get("accounts", {})
        except FileNotFoundError:
            accounts = {}
        types = [{"type": name, "label": entry.get("label", name)} for name, entry in accounts.items()]
        return {"types": types or [{"type": "other", "label": "其他"}]}

    # -- review ----------------------------------------------------------------------------------------------
    @app.post("/v1/review", tags=["review"], openapi_extra=openapi.json_body(openapi.POST))
    async def review_one(request: Request) -> JSONResponse:
        """A post in, a report out; `account.id` applies that account's stored settings."""
        post = await read_json(request, posts=True)
        # Serialised in the review thread too: the event loop only passes bytes on.
        body, findings = await service.run(service.review_one_json, post)
        request.state.log_extra = {"posts": 1, "findings": findings}
        return Response(body, media_type="application/json")

    @app.post("/v1/review/batch", tags=["review"], openapi_extra=openapi.json_body(openapi.BATCH))
    async def review_batch(request: Request) -> JSONResponse:
        """`{"posts": [...]}` in, `{"reports": [...]}` out in the same order; a bad post gets a report with `error`."""
        body = await read_json(request, posts=True)
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise InputError("invalid_batch", '请求体应为 {"posts": [...]} / body must be {"posts": [...]}', "posts")
        posts = body["posts"]
        if len(posts) > config.max_batch:
            raise InputError(
                "batch_too_large",
                f"一次最多 {config.max_batch} 篇，本次 {len(posts)} 篇 / at most {config.max_batch} posts per batch, got {len(posts)}",
                "posts",
            )
        # One post per task: single reviews queued meanwhile interleave with a long batch instead of waiting.
        reports = [await service.run(service.review_item, post) for post in posts]
        request.state.log_extra = {"posts": len(posts), "findings": sum(len(r["findings"]) for r in reports)}
        # A hundred reports take a while to serialise: do it off the event loop too.
        body = await run_in_threadpool(json_bytes, {"reports": reports})
        return Response(body, media_type="application/json")

    # -- LanguageTool-compatible API -------------------------------------------------------------------------
    @app.get("/v2/check", include_in_schema=False)  # LanguageTool also takes query parameters
    @app.post("/v2/check", tags=["languagetool"], openapi_extra=openapi.form_body(openapi.LANGUAGETOOL_FORM))
    async def languagetool_check(request: Request) -> JSONResponse:
        """LanguageTool's check: form fields `text` or `data`, and `language` (zh-CN or auto)."""
        params = await read_params(request)
        answer = await service.run(service.check_languagetool, params)
        request.state.log_extra = {"posts": 1, "findings": len(answer["matches"])}
        return Response(json_bytes(answer), media_type="application/json")

    @app.get("/v2/languages", tags=["languagetool"])
    async def languagetool_languages() -> list[dict]:
        """The languages this server checks (LanguageTool format)."""
        return languagetool.LANGUAGES

    # -- per-account settings (API key) ----------------------------------------------------------------------
    def require_api_key(request: Request) -> None:
        if not config.api_key:
            raise RequestError(
                503, "accounts_disabled", "未配置 REVIEW_API_KEY，账号设置接口已关闭 / set REVIEW_API_KEY to enable account settings"
            )
        given = request.headers.get("x-api-key") or ""
        authorization = request.headers.get("authorization", "")
        if not given and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        if not hmac.compare_digest(given.encode(), config.api_key.encode()):
            raise RequestError(401, "unauthorized", "API 密钥缺失或错误 / missing or wrong API key (X-API-Key)")

    def settings_body(account_id: str) -> dict:
        settings = service.store.get(account_id)
        if settings is None:
            raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
        return {"account_id": account_id, **settings.to_dict(), "updated_at": service.store.updated_at(account_id)}

    def save(account_id: str, settings: AccountSettings) -> dict:
        settings.check_names(service.available_checks)
        service.store.put(account_id, settings)
        return settings_body(account_id)

    @app.get("/v1/accounts", tags=["accounts"])
    async def list_accounts(request: Request) -> dict:
        """Ids of every account with stored settings."""
        require_api_key(request)
        return {"accounts": await run_in_threadpool(service.store.ids)}

    @app.get("/v1/accounts/{account_id}/settings", tags=["accounts"])
    async def get_settings(account_id: str, request: Request) -> dict:
        """An account's stored settings."""
        require_api_key(request)
        return await run_in_threadpool(settings_body, check_account_id(account_id))

    @app.put("/v1/accounts/{account_id}/settings", tags=["accounts"], openapi_extra=openapi.json_body(openapi.SETTINGS))
    async def put_settings(account_id: str, request: Request) -> dict:
        """Replace an account's settings (fields left out take their defaults)."""
        require_api_key(request)
        check_account_id(account_id)
        settings = AccountSettings.from_dict(await read_json(request))
        return await run_in_threadpool(save, account_id, settings)

    @app.patch("/v1/accounts/{account_id}/settings", tags=["accounts"], openapi_extra=openapi.json_body(openapi.SETTINGS))
    async def patch_settings(account_id: str, request: Request) -> dict:
        """Change only the fields given."""
        require_api_key(request)
        check_account_id(account_id)
        body = await read_json(request)

        def merge() -> dict:
            return save(account_id, AccountSettings.from_dict(body, base=service.store.get(account_id)))

        return await run_in_threadpool(merge)

    @app.delete("/v1/accounts/{account_id}/settings", tags=["accounts"])
    async def delete_settings(account_id: str, request: Request) -> dict:
        """Forget an account's settings."""
        require_api_key(request)
        if not await run_in_threadpool(service.store.delete, check_account_id(account_id)):
            raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
        return {"account_id": account_id, "deleted": True}

    @app.post("/v1/accounts/{account_id}/terms/{kind}", tags=["accounts"], openapi_extra=openapi.json_body(openapi.TERMS))
    async def add_terms(account_id: str, kind: str, request: Request) -> dict:
        """Add terms to the account's allow-list (`kind` = allow) or deny-list (deny)."""
        require_api_key(request)
        check_account_id(account_id)
        field = _term_field(kind)
        body = await read_json(request)
        if not isinstance(body, dict) or "terms" not in body:
            raise InputError("invalid_terms", '请求体应为 {"terms": [...]} / body must be {"terms": [...]}', "terms")

        def add() -> dict:
            current = service.store.get(account_id) or AccountSettings()
            update = AccountSettings.from_dict({field: body["terms"]})
            merged = sorted(set(getattr(current, field)) | set(getattr(update, field)))
            return save(account_id, AccountSettings.from_dict({field: merged}, base=current))

        return await run_in_threadpool(add)

    @app.delete("/v1/accounts/{account_id}/terms/{kind}/{term}", tags=["accounts"])
    async def remove_term(account_id: str, kind: str, term: str, request: Request) -> dict:
        """Remove one term from the allow- or deny-list."""
        require_api_key(request)
        check_account_id(account_id)
        field = _term_field(kind)

        def remove() -> dict:
            current = service.store.get(account_id)
            if current is None or term not in getattr(current, field):
                raise RequestError(404, "term_not_found", f"没有该词 / no such term: {term}")
            kept = [item for item in getattr(current, field) if item != term]
            return save(account_id, AccountSettings.from_dict({field: kept}, base=current))

        return await run_in_threadpool(remove)

    return app


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as JSONResponse writes it."""
    return report_json(value, compact=True).encode("utf-8")


def _term_field(kind: str) -> str:
    if kind not in TERM_KINDS:
        raise RequestError(404, "not_found", f"词表类型应为 allow 或 deny / term list must be allow or deny, got {kind}")
    return f"{kind}_terms"

"""The HTTP service: a thin FastAPI layer over the `review` library (see ../shared/CONTRACT.md and docs/service.md)."""

from __future__ import annotations

import asyncio
import gc
import hmac
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
from starlette.requests import ClientDisconnect

from review import __version__
from review.budget import Deadline
from review.errors import InputError
from review.model import check_identifier
from review.pipeline import Reviewer, ReviewOptions, get_reviewer
from review.report import report_json
from review.resources import load_toml
from service import languagetool, openapi
from service.accounts import TERM_KINDS, AccountSettings, AccountStore, Stored, check_account_id, key_matches
from service.bodies import RequestError, read_json, read_params
from service.config import ServiceConfig
from service.metrics import CONTENT_TYPE, Metrics
from service.middleware import BodyTooLarge, RequestContextMiddleware, body_too_large_error, configure_logging

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("review.service")
T = TypeVar("T")
WARM_UP_TEXTS = ("市政府召开常务会议，研究部署近期重点工作。", "各地要认真贯砌落实党中央决策部署。")
SETTINGS_NOTE = (
    "未提供该账号的有效密钥，已按默认设置审校 / no valid key for this account: reviewed with the default settings "
    "(send the service key or the account's key as X-API-Key)"
)
CLIENT_CLOSED = 499  # nginx's status for a client that went away before the answer: no one receives it
OPTIONS_CACHE_SIZE = 1024  # accounts whose parsed settings a worker keeps


@dataclass(frozen=True)
class Access:
    """The key a request carried: the service-wide key opens every account, an account's key only its own."""

    key: str = ""
    service: bool = False

    def opens(self, key_hash: str | None) -> bool:
        """Whether this request may apply the stored settings of an account whose key has this hash."""
        return self.service or (bool(self.key) and key_matches(self.key, key_hash))


def request_key(request: Request, params: dict[str, str] | None = None) -> str:
    """The key in X-API-Key, `Authorization: Bearer`, or (LanguageTool clients) the `apiKey` parameter."""
    given = request.headers.get("x-api-key") or ""
    authorization = request.headers.get("authorization", "")
    if not given and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not given and params:
        given = params.get("apiKey") or ""
    return given


class ReviewService:
    """What the routes share: the reviewer, the settings store, the limits and the metrics."""

    def __init__(self, config: ServiceConfig, reviewer: Reviewer | None, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.reviewer = reviewer  # None: the process-wide reviewer, taken at start-up
        self.store: AccountStore | None = None
        self.available_checks: list[str] = []
        # account id -> (settings version, ReviewOptions): an account's terms are read and parsed once per
        # change, not on every review (2,000 terms cost more to load than a short review).
        self._options: dict[str, tuple[int, ReviewOptions]] = {}
        self._options_lock = threading.Lock()
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

    def access(self, key: str) -> Access:
        """What a request's key opens."""
        api_key = self.config.api_key
        return Access(key, bool(api_key and key and hmac.compare_digest(key.encode(), api_key.encode())))

    def options_for(self, post: Any, access: Access) -> tuple[ReviewOptions, dict]:
        """The stored settings of the post's `account.id` if the request's key opens them, else the defaults;
        and what the report's `meta` says about which applied."""
        account = post.get("account") if isinstance(post, dict) else None
        account_id = account.get("id") if isinstance(account, dict) else None
        if isinstance(account_id, bool) or not isinstance(account_id, (str, int)) or self.store is None:
            return ReviewOptions(), {"settings": "default"}
        # an id no store can hold (an unpaired surrogate) is refused with a 4xx here, before the lookup
        account_id = check_identifier(str(account_id), "account.id")
        version, key_hash = self.store.access(account_id)
        if not access.opens(key_hash):
            # The same answer whether or not the account has settings: without a key nothing about them shows.
            return ReviewOptions(), {"settings": "default", "settings_note": SETTINGS_NOTE}
        if version is None:
            return ReviewOptions(), {"settings": "default"}
        cached = self._options.get(account_id)
        if cached is not None and cached[0] == version:
            return cached[1], {"settings": "account"}
        stored = self.store.get_stored(account_id)
        if stored is None:  # deleted since the first look
            return ReviewOptions(), {"settings": "default"}
        options = stored.settings.to_options(self.available_checks)
        with self._options_lock:
            if len(self._options) >= OPTIONS_CACHE_SIZE:
                self._options.clear()  # rarely reached; re-reading is cheap enough not to need an LRU
            self._options[account_id] = (stored.version, options)
        return options, {"settings": "account"}

    def deadline(self) -> Deadline | None:
        """The deadline of a review that starts now (None: the service has no limit)."""
        return Deadline.after(self.config.review_deadline_s)

    def review_one(self, post: Any, access: Access, deadline: Deadline | None = None) -> dict:
        """One report; bad input raises InputError."""
        options, meta = self.options_for(post, access)
        report = self.reviewer.review(post, options, deadline).to_dict()
        report["meta"].update(meta)
        self.metrics.observe_report(report)
        return report

    def review_one_json(self, post: Any, access: Access, deadline: Deadline | None = None) -> tuple[bytes, int]:
        """One report as JSON bytes, and its number of findings; bad input raises InputError."""
        report = self.review_one(post, access, deadline)
        return json_bytes(report), len(report["findings"])

    def check_languagetool(self, params: dict[str, str], access: Access, deadline: Deadline | None = None) -> dict:
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
        report = self.review_one(post, access, deadline)
        answer = languagetool.check_response(report, text, language, disabled)
        # An extension LanguageTool clients ignore: which settings applied.
        answer["review"] = {key: value for key, value in report["meta"].items()
                            if key.startswith("settings") or key == "incomplete"}
        return answer

    def review_item(self, post: Any, access: Access) -> dict:
        """One report of a batch; bad input yields a report with `error`."""
        try:
            options, meta = self.options_for(post, access)
        except InputError:
            options, meta = None, {}  # the review refuses the same field and reports it, with the post's id
        # each post of a batch has its own time from its own start: the batch as a whole is bounded by its size
        report = self.reviewer.review_dict(post, options, self.deadline())
        if isinstance(report.get("meta"), dict):
            report["meta"].update(meta)
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

    @app.exception_handler(ClientDisconnect)
    async def client_disconnected(request: Request, error: ClientDisconnect) -> Response:
        # The client left before its body arrived: nothing went wrong here and no one reads the answer, so
        # one log line with 499 (not a 500 and a traceback), counted as 499 in the metrics.
        request.state.log_extra = {"error": "client_disconnected"}
        return Response(status_code=CLIENT_CLOSED)

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
    @app.post(
        "/v1/review",
        tags=["review"],
        openapi_extra=openapi.json_body(openapi.POST),
        responses=openapi.errors(400, 413, 422),
    )
    async def review_one(request: Request) -> JSONResponse:
        """A post in, a report out; `account.id` applies that account's stored settings."""
        post = await read_json(request, posts=True)
        access = service.access(request_key(request))
        # Serialised in the review thread too: the event loop only passes bytes on. The deadline counts from
        # here, so time queued behind other reviews counts too.
        body, findings = await service.run(service.review_one_json, post, access, service.deadline())
        request.state.log_extra = {"posts": 1, "findings": findings}
        return Response(body, media_type="application/json")

    @app.post(
        "/v1/review/batch",
        tags=["review"],
        openapi_extra=openapi.json_body(openapi.BATCH),
        responses=openapi.errors(400, 413, 422),
    )
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
        access = service.access(request_key(request))
        # One post per task: single reviews queued meanwhile interleave with a long batch instead of waiting.
        reports = [await service.run(service.review_item, post, access) for post in posts]
        request.state.log_extra = {"posts": len(posts), "findings": sum(len(r["findings"]) for r in reports)}
        # A hundred reports take a while to serialise: do it off the event loop too.
        body = await run_in_threadpool(json_bytes, {"reports": reports})
        return Response(body, media_type="application/json")

    # -- LanguageTool-compatible API -------------------------------------------------------------------------
    @app.get("/v2/check", include_in_schema=False)  # LanguageTool also takes query parameters
    @app.post(
        "/v2/check",
        tags=["languagetool"],
        openapi_extra=openapi.form_body(openapi.LANGUAGETOOL_FORM),
        responses=openapi.errors(400, 413, 422),
    )
    async def languagetool_check(request: Request) -> JSONResponse:
        """LanguageTool's check: form fields `text` or `data`, and `language` (zh-CN or auto)."""
        params = await read_params(request)
        access = service.access(request_key(request, params))
        answer = await service.run(service.check_languagetool, params, access, service.deadline())
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
        if not service.access(request_key(request)).service:
            raise RequestError(401, "unauthorized", "API 密钥缺失或错误 / missing or wrong API key (X-API-Key)")

    def settings_body(account_id: str) -> dict:
        stored = service.store.get_stored(account_id)
        if stored is None:
            raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
        return stored.to_dict(account_id)

    def change(account_id: str, apply: Callable[[AccountSettings | None], AccountSettings]) -> dict:
        """One read-modify-write transaction; the answer is the state this request wrote, not a later re-read."""

        def checked(current: AccountSettings | None) -> AccountSettings:
            settings = apply(current)
            settings.check_names(service.available_checks)
            return settings

        stored: Stored = service.store.update(account_id, checked)
        return stored.to_dict(account_id)

    @app.get("/v1/accounts", tags=["accounts"], responses=openapi.errors(401, 503))
    async def list_accounts(request: Request) -> dict:
        """Ids of every account with stored settings."""
        require_api_key(request)
        return {"accounts": await run_in_threadpool(service.store.ids)}

    @app.get("/v1/accounts/{account_id}/settings", tags=["accounts"], responses=openapi.errors(401, 404, 422, 503))
    async def get_settings(account_id: str, request: Request) -> dict:
        """An account's stored settings."""
        require_api_key(request)
        return await run_in_threadpool(settings_body, check_account_id(account_id))

    @app.put(
        "/v1/accounts/{account_id}/settings",
        tags=["accounts"],
        openapi_extra=openapi.json_body(openapi.SETTINGS),
        responses=openapi.errors(400, 401, 404, 413, 422, 503),
    )
    async def put_settings(account_id: str, request: Request) -> dict:
        """Replace an account's settings (fields left out take their defaults)."""
        require_api_key(request)
        check_account_id(account_id)
        settings = AccountSettings.from_dict(await read_json(request))
        return await run_in_threadpool(change, account_id, lambda _current: settings)

    @app.patch(
        "/v1/accounts/{account_id}/settings",
        tags=["accounts"],
        openapi_extra=openapi.json_body(openapi.SETTINGS),
        responses=openapi.errors(400, 401, 404, 413, 422, 503),
    )
    async def patch_settings(account_id: str, request: Request) -> dict:
        """Change only the fields given."""
        require_api_key(request)
        check_account_id(account_id)
        body = await read_json(request)
        AccountSettings.from_dict(body)  # refuse a bad body before taking the write lock
        return await run_in_threadpool(
            change, account_id, lambda current: AccountSettings.from_dict(body, base=current)
        )

    @app.delete("/v1/accounts/{account_id}/settings", tags=["accounts"], responses=openapi.errors(401, 404, 422, 503))
    async def delete_settings(account_id: str, request: Request) -> dict:
        """Forget an account's settings (its key, if any, stays: revoke it with DELETE .../key)."""
        require_api_key(request)
        if not await run_in_threadpool(service.store.delete, check_account_id(account_id)):
            raise RequestError(404, "account_not_found", f"账号 {account_id} 没有设置 / no settings for account {account_id}")
        return {"account_id": account_id, "deleted": True}

    @app.post("/v1/accounts/{account_id}/key", tags=["accounts"], responses=openapi.errors(401, 404, 422, 503))
    async def create_key(account_id: str, request: Request) -> dict:
        """Create (or replace) the account's own key: reviews carrying it apply the account's settings.

        The key is in this answer only; the server keeps its sha256 hash. A new key invalidates the old one."""
        require_api_key(request)
        check_account_id(account_id)
        key, created_at = await run_in_threadpool(service.store.new_key, account_id)
        return {"account_id": account_id, "key": key, "created_at": created_at}

    @app.delete("/v1/accounts/{account_id}/key", tags=["accounts"], responses=openapi.errors(401, 404, 422, 503))
    async def delete_key(account_id: str, request: Request) -> dict:
        """Revoke the account's own key."""
        require_api_key(request)
        if not await run_in_threadpool(service.store.delete_key, check_account_id(account_id)):
            raise RequestError(404, "key_not_found", f"账号 {account_id} 没有密钥 / account {account_id} has no key")
        return {"account_id": account_id, "deleted": True}

    def read_terms(body: Any) -> list:
        if not isinstance(body, dict) or "terms" not in body:
            raise InputError("invalid_terms", '请求体应为 {"terms": [...]} / body must be {"terms": [...]}', "terms")
        return body["terms"]

    @app.post(
        "/v1/accounts/{account_id}/terms/{kind}",
        tags=["accounts"],
        openapi_extra=openapi.json_body(openapi.TERMS),
        responses=openapi.errors(400, 401, 404, 413, 422, 503),
    )
    async def add_terms(account_id: str, kind: str, request: Request) -> dict:
        """Add terms to the account's allow-list (`kind` = allow) or deny-list (deny)."""
        require_api_key(request)
        check_account_id(account_id)
        field = _term_field(kind)
        new = getattr(AccountSettings.from_dict({field: read_terms(await read_json(request))}), field)

        def add(current: AccountSettings | None) -> AccountSettings:
            current = current or AccountSettings()
            merged = sorted(set(getattr(current, field)) | set(new))
            return AccountSettings.from_dict({field: merged}, base=current)

        return await run_in_threadpool(change, account_id, add)

    def removing(kind: str, terms: list[str]) -> Callable[[AccountSettings | None], AccountSettings]:
        """A change that removes `terms` from a list, refusing (404, nothing removed) if one is not there."""
        field = _term_field(kind)

        def remove(current: AccountSettings | None) -> AccountSettings:
            present = set(getattr(current, field)) if current is not None else set()
            missing = [term for term in terms if term not in present]
            if current is None or missing:
                shown = missing[0] if missing else terms[0]
                raise RequestError(404, "term_not_found", f"没有该词 / no such term: {shown}")
            kept = [item for item in getattr(current, field) if item not in set(terms)]
            return AccountSettings.from_dict({field: kept}, base=current)

        return remove

    @app.delete(
        "/v1/accounts/{account_id}/terms/{kind}",
        tags=["accounts"],
        openapi_extra=openapi.json_body(openapi.TERMS),
        responses=openapi.errors(400, 401, 404, 413, 422, 503),
    )
    async def remove_terms(account_id: str, kind: str, request: Request) -> dict:
        """Remove the terms of a `{"terms": [...]}` body (any characters, `/` included); all or none."""
        require_api_key(request)
        check_account_id(account_id)
        _term_field(kind)
        terms = getattr(AccountSettings.from_dict({"deny_terms": read_terms(await read_json(request))}), "deny_terms")
        if not terms:
            raise InputError("invalid_terms", "terms 不能为空 / terms must not be empty", "terms")
        return await run_in_threadpool(change, account_id, removing(kind, list(terms)))

    # `{term:path}`: a term holding `/` (sent as / or %2F) is still one term.
    @app.delete(
        "/v1/accounts/{account_id}/terms/{kind}/{term:path}",
        tags=["accounts"],
        responses=openapi.errors(401, 404, 422, 503),
    )
    async def remove_term(account_id: str, kind: str, term: str, request: Request) -> dict:
        """Remove one term from the allow- or deny-list (percent-encode it in the path)."""
        require_api_key(request)
        check_account_id(account_id)
        _term_field(kind)
        return await run_in_threadpool(change, account_id, removing(kind, [term.strip()]))

    return app


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as JSONResponse writes it."""
    return report_json(value, compact=True).encode("utf-8")


def _term_field(kind: str) -> str:
    if kind not in TERM_KINDS:
        raise RequestError(404, "not_found", f"词表类型应为 allow 或 deny / term list must be allow or deny, got {kind}")
    return f"{kind}_terms"

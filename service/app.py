"""The HTTP service: a thin FastAPI layer over the `review` library (see ../shared/CONTRACT.md and docs/service.md).

`create_app` assembles the app; the routes are in service/routes/, the error handlers in service/errors.py."""

from __future__ import annotations

import asyncio
import gc
import hmac
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Callable, TypeVar

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from review import __version__
from review.budget import Deadline
from review.errors import InputError
from review.model import check_identifier
from review.pipeline import Reviewer, ReviewOptions, get_reviewer
from service import languagetool
from service.accounts import AccountStore
from service.bodies import json_bytes
from service.config import ServiceConfig
from service.errors import add_error_handlers
from service.keys import Access
from service.metrics import Metrics
from service.middleware import RequestContextMiddleware, configure_logging
from service.routes import accounts, files, pages, reviews
from service.routes import languagetool as languagetool_routes

log = logging.getLogger("review.service")
T = TypeVar("T")
WARM_UP_TEXTS = ("市政府召开常务会议，研究部署近期重点工作。", "各地要认真贯砌落实党中央决策部署。")
SETTINGS_NOTE = (
    "未提供该账号的有效密钥，已按默认设置审校 / no valid key for this account: reviewed with the default settings "
    "(send the service key or the account's key as X-API-Key)"
)
OPTIONS_CACHE_SIZE = 1024  # accounts whose parsed settings a worker keeps


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
        self.file_executor = ThreadPoolExecutor(max_workers=config.file_threads, thread_name_prefix="files")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound work in the review threads, keeping the event loop free."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(function, *args))

    async def run_file(self, function: Callable[..., T], *args: Any) -> T:
        """Run an uploaded file's work (extraction, OCR, its sections' reviews) in the files' own lane."""
        return await asyncio.get_running_loop().run_in_executor(self.file_executor, partial(function, *args))

    def start(self) -> None:
        """Load every model and lexicon and open (or create) the settings database; runs once per worker."""
        if self.reviewer is None:
            self.reviewer = get_reviewer(self.config.typo_backend)
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

    def deadline(self, within: Deadline | None = None) -> Deadline | None:
        """The deadline of a review that starts now (None: the service has no limit), no later than `within`."""
        own = Deadline.after(self.config.review_deadline_s)
        if within is None or (own is not None and own.at <= within.at):
            return own
        return within

    def batch_deadline(self) -> Deadline | None:
        """The deadline of a batch that arrives now (None: no limit)."""
        return Deadline.after(self.config.batch_deadline_s)

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

    def review_item(self, post: Any, access: Access, batch_deadline: Deadline | None = None) -> dict:
        """One report of a batch; bad input yields a report with `error`."""
        try:
            options, meta = self.options_for(post, access)
        except InputError:
            options, meta = None, {}  # the review refuses the same field and reports it, with the post's id
        # each post of a batch has its own time from its own start, cut to the batch's deadline
        report = self.reviewer.review_dict(post, options, self.deadline(batch_deadline))
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
        service.file_executor.shutdown(wait=True, cancel_futures=True)

    app = FastAPI(
        title="review — 政务新媒体内容审校",
        version=__version__,
        lifespan=lifespan,
        description="Reviews Chinese government new-media posts. Contract: ../shared/CONTRACT.md.",
        docs_url=None,  # served below from local Swagger UI assets: no machine here reaches a CDN
        redoc_url=None,
    )
    app.state.service = service  # what the routes' dependencies hand them (service/routes/deps.py)
    if config.allow_origins:  # editor plug-ins running in web pages of these origins may call the API
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.allow_origins), allow_methods=["GET", "POST"], allow_headers=["*"]
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=config.max_body_bytes)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
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

    # In this order the routes are matched, and listed in /openapi.json, as they always were.
    for router in (pages.router, reviews.router, files.router, languagetool_routes.router, accounts.router):
        app.include_router(router)
    add_error_handlers(app)
    return app

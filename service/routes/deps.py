"""FastAPI dependencies of the routes: the review service and its settings store, the service key, and the
account id, term list and term of an account route's path."""

from __future__ import annotations

from typing import Annotated, Any, Callable, Protocol, TypeVar

from fastapi import Depends, Request

from review.budget import Deadline
from review.pipeline import Reviewer, ReviewOptions
from service.accounts import TERM_KINDS, AccountStore, check_account_id
from service.bodies import RequestError
from service.config import ServiceConfig
from service.keys import Access, request_key
from service.metrics import Metrics

T = TypeVar("T")


class Service(Protocol):
    """What the routes use of `service.app.ReviewService`. A protocol, not that class: service.app includes the
    routers, so importing it back would be an import cycle."""

    config: ServiceConfig
    metrics: Metrics
    reviewer: Reviewer | None
    store: AccountStore | None
    available_checks: list[str]

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound work in the review threads."""

    def access(self, key: str) -> Access:
        """What a request's key opens."""

    def deadline(self, within: Deadline | None = None) -> Deadline | None:
        """The deadline of a review that starts now, no later than `within`."""

    def batch_deadline(self) -> Deadline | None:
        """The deadline of a batch (or a file's sections) that arrives now."""

    def options_for(self, post: Any, access: Access) -> tuple[ReviewOptions, dict]:
        """The post's account settings if the key opens them, and what `meta` says about which applied."""

    def review_one_json(self, post: Any, access: Access, deadline: Deadline | None = None) -> tuple[bytes, int]:
        """One report as JSON bytes, and its number of findings."""

    def review_item(self, post: Any, access: Access) -> dict:
        """One report of a batch."""

    def check_languagetool(self, params: dict[str, str], access: Access, deadline: Deadline | None = None) -> dict:
        """LanguageTool's /v2/check answer."""


async def get_service(request: Request) -> Service:
    """The app's review service (create_app keeps it in app.state)."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_store(service: ServiceDep) -> AccountStore:
    """The per-account settings store."""
    assert service.store is not None, "the lifespan opens the store before the first request"
    return service.store


StoreDep = Annotated[AccountStore, Depends(get_store)]


async def require_service_key(request: Request, service: ServiceDep) -> None:
    """Refuse the request unless it carries the service key: 503 when the service has none, else 401."""
    if not service.config.api_key:
        raise RequestError(
            503, "accounts_disabled", "未配置 REVIEW_API_KEY，账号设置接口已关闭 / set REVIEW_API_KEY to enable account settings"
        )
    if not service.access(request_key(request)).service:
        raise RequestError(401, "unauthorized", "API 密钥缺失或错误 / missing or wrong API key (X-API-Key)")


async def valid_account_id(account_id: str) -> str:
    """The path's account id; 422 `invalid_account_id` if empty, too long, or holding a control character or U+FFFD."""
    return check_account_id(account_id)


AccountId = Annotated[str, Depends(valid_account_id)]


async def term_field(kind: str) -> str:
    """The settings field of the path's term list (`allow`: allow_terms, `deny`: deny_terms); other kinds are 404."""
    if kind not in TERM_KINDS:
        raise RequestError(404, "not_found", f"词表类型应为 allow 或 deny / term list must be allow or deny, got {kind}")
    return f"{kind}_terms"


TermField = Annotated[str, Depends(term_field)]


async def path_term(term: str) -> str:
    """The path's one term, without surrounding spaces."""
    # A dependency rather than a parameter of the route: FastAPI lists a route's own parameters before those of
    # its dependencies, and the OpenAPI document keeps the path's order (account_id, kind, term).
    return term.strip()


PathTerm = Annotated[str, Depends(path_term)]

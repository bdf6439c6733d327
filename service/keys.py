"""Keys: which one a request carries, and whose stored settings it opens."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from service.accounts import key_matches


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

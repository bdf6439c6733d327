"""Request-body schemas for the OpenAPI page (/docs). The app parses bodies itself so that every kind of bad
input gets the contract's JSON error, so these schemas document the bodies rather than validate them."""

from __future__ import annotations

POST = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "id": {"type": "string", "description": "caller's id, echoed in the report"},
        "text": {"type": "string", "maxLength": 20000, "description": "the body"},
        "title": {"type": "string"},
        "account": {
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "description": "applies this account's stored settings when the request carries the service "
                    "key or this account's key (X-API-Key); otherwise the defaults, said in meta.settings",
                },
                "name": {"type": "string"},
                "type": {"type": "string", "description": "see GET /v1/account-types; unknown types behave as other"},
                "platform": {"type": "string"},
            },
        },
        "published_at": {"type": "string", "format": "date-time"},
        "checked_at": {"type": "string", "format": "date-time"},
    },
    "example": {
        "id": "42",
        "text": "我们要再接再励，把惠民政策落到实处。",
        "account": {"id": "acct-1", "type": "government", "platform": "wechat"},
    },
}

BATCH = {"type": "object", "required": ["posts"], "properties": {"posts": {"type": "array", "items": POST}}}

_CHECK_NAMES = {"type": "array", "items": {"type": "string", "maxLength": 64}}
_TERMS = {
    "type": "array",
    "items": {"type": "string", "maxLength": 50},
    "maxItems": 2000,
    "description": "at most 2,000 allow and deny terms per account together; each at most 50 characters",
}

SETTINGS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enable": {**_CHECK_NAMES, "type": ["array", "null"], "description": "run only these checks (GET /healthz)"},
        "disable": _CHECK_NAMES,
        "allow_terms": _TERMS,
        "deny_terms": _TERMS,
        "thresholds": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
        "account_id": {"type": "string", "description": "ignored (GET's answer may be sent back as is)"},
        "updated_at": {"type": "string", "description": "ignored"},
    },
    "example": {"disable": ["timeliness"], "allow_terms": ["某某专有名词"], "deny_terms": ["内部资料"], "thresholds": {}},
}

TERMS = {"type": "object", "required": ["terms"], "properties": {"terms": _TERMS}}

LANGUAGETOOL_FORM = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "data": {"type": "string", "description": "JSON: {\"annotation\": [{\"text\": ...}, {\"markup\": ...}]}"},
        "language": {"type": "string", "example": "zh-CN"},
        "disabledRules": {"type": "string"},
        "disabledCategories": {"type": "string"},
        "account_id": {
            "type": "string",
            "description": "review extension: apply this account's settings (with the service or account key)",
        },
        "apiKey": {"type": "string", "description": "the key, for clients that cannot send X-API-Key"},
        "account_type": {"type": "string", "description": "review extension: the account type"},
    },
}


def json_body(schema: dict) -> dict:
    """`openapi_extra` for a JSON request body."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def form_body(schema: dict) -> dict:
    """`openapi_extra` for a form request body."""
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "中文 / English"},
                "field": {"type": "string"},
            },
        }
    },
}
ERROR_MEANINGS = {
    400: "malformed body: invalid_json, invalid_utf8, invalid_text, empty_body, invalid_form",
    401: "unauthorized: missing or wrong API key",
    404: "not_found (also an id holding `/`), account_not_found, term_not_found, key_not_found",
    413: "body_too_large",
    422: "invalid input (see error.code)",
    503: "accounts_disabled: REVIEW_API_KEY is not set",
}


def errors(*statuses: int) -> dict:
    """FastAPI `responses=` documenting the JSON error body of each status."""
    return {
        status: {"description": ERROR_MEANINGS[status], "content": {"application/json": {"schema": ERROR}}}
        for status in statuses
    }

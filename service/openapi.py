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
                "id": {"type": "string", "description": "applies this account's stored settings"},
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

SETTINGS = {
    "type": "object",
    "properties": {
        "enable": {"type": ["array", "null"], "items": {"type": "string"}, "description": "run only these checks"},
        "disable": {"type": "array", "items": {"type": "string"}},
        "allow_terms": {"type": "array", "items": {"type": "string"}},
        "deny_terms": {"type": "array", "items": {"type": "string"}},
        "thresholds": {"type": "object", "additionalProperties": {"type": "number"}},
    },
    "example": {"disable": ["timeliness"], "allow_terms": ["某某专有名词"], "deny_terms": ["内部资料"], "thresholds": {}},
}

TERMS = {"type": "object", "required": ["terms"], "properties": {"terms": {"type": "array", "items": {"type": "string"}}}}

LANGUAGETOOL_FORM = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "data": {"type": "string", "description": "JSON: {\"annotation\": [{\"text\": ...}, {\"markup\": ...}]}"},
        "language": {"type": "string", "example": "zh-CN"},
        "disabledRules": {"type": "string"},
        "disabledCategories": {"type": "string"},
        "account_id": {"type": "string", "description": "review extension: apply this account's settings"},
        "account_type": {"type": "string", "description": "review extension: the account type"},
    },
}


def json_body(schema: dict) -> dict:
    """`openapi_extra` for a JSON request body."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def form_body(schema: dict) -> dict:
    """`openapi_extra` for a form request body."""
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}}

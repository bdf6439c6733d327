"""Request bodies parsed strictly, so that every kind of malformed input becomes a 4xx with a JSON error; and
answers written as compact JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from review.report import report_json

# Bodies above this size are parsed in a thread: tens of milliseconds of json.loads would stall the event loop.
PARSE_OFF_LOOP_BYTES = 64 * 1024


class RequestError(Exception):
    """An HTTP-level error with a status, a stable code and a bilingual message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_dict(self) -> dict:
        """The contract's JSON error body."""
        return {"error": {"code": self.code, "message": self.message}}


def _has_lone_surrogate(value: Any) -> bool:
    """True when a string in `value` (keys included) holds an unpaired surrogate."""
    # A loop over an explicit stack, not recursion: JSON nested a few thousand deep parses fine but would
    # exhaust Python's recursion limit here (a 500).
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def decode_utf8(raw: bytes) -> str:
    """The body as text; anything but valid UTF-8 is refused."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(
            400, "invalid_utf8", f"请求体不是有效的 UTF-8（第 {error.start} 字节）/ body is not valid UTF-8 at byte {error.start}"
        ) from None


class _NotJson(ValueError):
    """A literal Python's json module accepts and JSON (RFC 8259) does not."""


def no_constant(name: str) -> Any:
    """json.loads' parse_constant: NaN, Infinity and -Infinity are no JSON values."""
    raise _NotJson(f"{name} 不是 JSON 的值 / {name} is not a JSON value")


def finite_float(literal: str) -> float:
    """json.loads' parse_float: a number past float's range is no JSON value either."""
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _NotJson("数值超出范围 / a number is out of range")
    return value


def parse_json(text: str) -> Any:
    """JSON text to a value, strictly (no NaN, Infinity or overflowing numbers); syntax errors, absurd nesting and
    integers past Python's 4,300 digits become a 400 with a message in Chinese and English."""
    try:
        return json.loads(text, parse_constant=no_constant, parse_float=finite_float)
    except json.JSONDecodeError as error:
        raise RequestError(
            400, "invalid_json", f"请求体不是有效的 JSON：{error.msg}（第 {error.pos} 个字符）/ invalid JSON: {error}"
        ) from None
    except RecursionError:
        raise RequestError(400, "invalid_json", "JSON 嵌套过深 / JSON is nested too deeply") from None
    except _NotJson as error:
        raise RequestError(400, "invalid_json", f"请求体不是有效的 JSON：{error}") from None
    except ValueError:  # an integer literal past Python's 4,300 digits
        raise RequestError(400, "invalid_json", "请求体中的数字过长 / invalid JSON: a number is too long") from None


async def read_json(request: Request, posts: bool = False) -> Any:
    """The request body as JSON: valid UTF-8, valid JSON, and no unpaired surrogate escapes, except with `posts`
    (the review endpoints): there a post's text and title may carry them (the `garbled` check reports them) and
    the library refuses them in its other fields, so one bad post of a batch gets its own error report."""
    raw = await request.body()
    if not raw.strip():
        raise RequestError(400, "empty_body", "请求体为空 / the request body is empty")
    text = decode_utf8(raw).removeprefix("\ufeff")
    data = await run_in_threadpool(parse_json, text) if len(raw) > PARSE_OFF_LOOP_BYTES else parse_json(text)
    # "\ud800" is valid JSON but no valid text: account settings holding one could not be stored
    if not posts and "\\u" in text and _has_lone_surrogate(data):
        raise RequestError(400, "invalid_text", "文本含有不成对的代理字符 / text has an unpaired surrogate escape")
    return data


async def read_params(request: Request) -> dict[str, str]:
    """Query parameters plus form fields (urlencoded parsed strictly as UTF-8, or multipart)."""
    params = dict(request.query_params)
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
        return params
    raw = await request.body()
    text = decode_utf8(raw)
    try:
        fields = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise RequestError(400, "invalid_utf8", "表单字段不是有效的 UTF-8 / a form field is not valid UTF-8") from None
    except ValueError as error:
        raise RequestError(400, "invalid_form", f"表单无效 / invalid form: {error}") from None
    params.update(fields)
    return params


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as JSONResponse writes it."""
    return report_json(value, compact=True).encode("utf-8")

"""Error handlers: every refusal is a JSON body `{"error": {"code", "message", ...}}`, never an HTML page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from review.errors import InputError
from service.bodies import RequestError
from service.middleware import BodyTooLarge, body_too_large_error

log = logging.getLogger("review.service")
CLIENT_CLOSED = 499  # nginx's status for a client that went away before the answer: no one receives it


def refuse(request: Request, status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    """The JSON error answer; the request's log line says why."""
    request.state.log_extra = {"error": body["error"]["code"]}
    return JSONResponse(status_code=status, content=body, headers=headers)


async def input_error(request: Request, error: InputError) -> JSONResponse:
    """The library refused the input: 422 with its code and field."""
    return refuse(request, 422, {"error": error.to_dict()})


async def request_error(request: Request, error: RequestError) -> JSONResponse:
    """The service refused the request (body, key, account): its own status and code."""
    return refuse(request, error.status, error.to_dict())


async def body_too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
    """The body passed the configured limit while it streamed in: 413."""
    return refuse(request, 413, body_too_large_error(error.limit))


async def client_disconnected(request: Request, error: ClientDisconnect) -> Response:
    """The client left before its body arrived, or before a batch was done: a 499 no one reads."""
    # Nothing went wrong here and no one reads the answer, so one log line with 499 (not a 500 and a
    # traceback), counted as 499 in the metrics.
    request.state.log_extra = {"error": "client_disconnected"}
    return Response(status_code=CLIENT_CLOSED)


async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's own parameter validation failed: 422 `invalid_request`."""
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"请求参数无效 / invalid request: {where} {first.get('msg', '')}".strip()
    return refuse(request, 422, {"error": {"code": "invalid_request", "message": message}})


async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Routing errors (no such path, method not allowed) in the contract's shape."""
    codes = {404: "not_found", 405: "method_not_allowed"}
    if error.status_code == 404:
        message = f"找不到该路径 / no such path: {request.url.path}"
    elif error.status_code == 405:
        message = f"该路径不支持 {request.method} 方法 / {request.method} is not allowed on {request.url.path}"
    else:
        message = f"请求无法处理 / the request cannot be handled: {error.detail}"
    body = {"error": {"code": codes.get(error.status_code, "http_error"), "message": message}}
    return refuse(request, error.status_code, body, getattr(error, "headers", None))


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    """Anything else: logged with its traceback, answered 500 `internal_error` without details."""
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    body = {"error": {"code": "internal_error", "message": "服务内部错误 / internal error"}}
    return JSONResponse(status_code=500, content=body)


def add_error_handlers(app: FastAPI) -> None:
    """Answer every refusal of the app with the contract's JSON error body."""
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(RequestError, request_error)
    app.add_exception_handler(BodyTooLarge, body_too_large)
    app.add_exception_handler(ClientDisconnect, client_disconnected)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)

"""ASGI middleware: request id, body-size limit, timing, metrics and one structured log line per request."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from service.metrics import Metrics

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

log = logging.getLogger("review.service")


class BodyTooLarge(Exception):
    """The request body is over the configured limit (becomes a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


def body_too_large_error(limit: int) -> dict:
    """The JSON error body of a 413."""
    return {
        "error": {
            "code": "body_too_large",
            "message": f"请求体超过 {limit} 字节，请拆分后再提交 / request body is over {limit} bytes, split it",
        }
    }


class RequestContextMiddleware:
    """Gives every HTTP request an id (echoed as X-Request-ID), enforces the body limit, and on the way out
    records its latency in the metrics and writes a JSON log line."""

    def __init__(self, app: Callable, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        headers = dict(scope.get("headers") or ())
        given_id = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = given_id if _SAFE_REQUEST_ID.fullmatch(given_id) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = {"code": 500}
        self.metrics.request_started()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._refuse(send_with_id)
                return
            await self.app(scope, self._limited(receive), send_with_id)
        finally:
            seconds = time.perf_counter() - began
            # Label by route template (bounded cardinality); a mounted app (static files) by its mount path.
            route = scope.get("route")
            route_path = (
                getattr(route, "path", None) or (scope.get("endpoint") and scope.get("root_path")) or "unmatched"
            )
            self.metrics.observe_request(scope["method"], route_path, status["code"], seconds)
            line = {
                "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "event": "request",
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "route": route_path,
                "status": status["code"],
                "duration_ms": round(seconds * 1000, 2),
                **state.get("log_extra", {}),
            }
            log.info(json.dumps(line, ensure_ascii=False))

    def _limited(self, receive: Receive) -> Receive:
        """`receive` that raises BodyTooLarge once the streamed body passes the limit (no Content-Length)."""
        seen = 0

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        return receive_limited

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(body_too_large_error(self.max_body_bytes), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def configure_logging(level: str = "INFO") -> None:
    """Send the service's JSON lines to stderr unless the host application configured logging already."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(level.upper())

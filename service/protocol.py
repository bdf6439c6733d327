"""uvicorn's HTTP/1.1 protocol with a deadline for receiving each request.

uvicorn bounds the idle time between requests (`timeout_keep_alive`), not the time a request takes to arrive: every
byte received resets its timer, so a client that sends half a request line, or trickles a body, holds its connection
and its socket for ever (a hostile trial held 450 such connections; none was ever answered). The app cannot see such a
request: it starts only once the headers are in. Here a request has `REVIEW_REQUEST_TIMEOUT` seconds (60 by
default) from its first byte (or from the connection's start, for the first one) to arrive whole, headers and body;
past it the client gets a 408 with the contract's JSON error and the connection is closed, unless a body is still
arriving at a useful rate: a large upload on a slow office line (8 MiB at 1 Mbit/s takes 67 s) gets another period
each time at least `MIN_BODY_BYTES_PER_PERIOD` more have come in, up to `MAX_PERIODS` periods in all; a trickle of a
few bytes a second does not. The deadline does not run
while the app works on a request that has fully arrived (an upload's review may take many seconds), nor between
requests of a kept-alive connection (uvicorn's keep-alive timeout closes an idle one).

The other way round as well: a client that stops reading its answers (pipelined requests, a tiny receive window)
fills the socket's buffer, and uvicorn waits for it to drain for ever. When the buffer stays full for the same
number of seconds, the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
import os

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_REQUEST_TIMEOUT = 60.0
# a body that brings at least this much in a period (~1 KB/s at the default 60 s) earns another period
MIN_BODY_BYTES_PER_PERIOD = 64 * 1024
MAX_PERIODS = 10  # however fast it keeps coming: 10 minutes at the default


def request_timeout() -> float:
    """Seconds a connection has to deliver a whole request (REVIEW_REQUEST_TIMEOUT, default 60)."""
    try:
        value = float(os.environ.get("REVIEW_REQUEST_TIMEOUT") or DEFAULT_REQUEST_TIMEOUT)
    except ValueError:
        return DEFAULT_REQUEST_TIMEOUT
    return value if value > 0 else DEFAULT_REQUEST_TIMEOUT


def timeout_answer(seconds: float) -> bytes:
    """The raw 408 answer (written straight to the socket: the request never reached the app)."""
    body = json.dumps({"error": {
        "code": "request_timeout",
        "message": f"请求未在 {seconds:g} 秒内完整送达，连接已关闭 / the request did not arrive in full within "
                   f"{seconds:g} seconds; the connection is closed",
    }}, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode("ascii")
    return head + body


def _cancelled(timer: asyncio.TimerHandle | None) -> None:
    """Cancel `timer` if there is one; None, for the attribute that held it."""
    if timer is not None:
        timer.cancel()


class RequestDeadlineProtocol(H11Protocol):
    """H11Protocol whose connections must deliver each whole request within `request_timeout()` seconds."""

    deadline_seconds: float = request_timeout()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the first request's deadline."""
        self._deadline: asyncio.TimerHandle | None = None
        self._received = 0  # bytes received on this connection
        self._received_at_arm = 0  # ... when the current period began
        self._periods = 0  # periods the current request has had
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """The first byte of a new request starts its deadline."""
        self._received += len(data)
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()
        super().data_received(data)

    def on_response_complete(self) -> None:
        """Between requests no deadline runs, unless bytes of the next one are already waiting (pipelined)."""
        self._disarm()
        super().on_response_complete()
        cycle = self.cycle
        waiting = bool(self.conn.trailing_data[0]) or (cycle is not None and not cycle.response_complete
                                                       and cycle.more_body)
        if waiting and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """No deadline outlives its connection."""
        self._disarm()
        self._stop_write_deadline()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        """The client's buffer is full: it has `deadline_seconds` to read before the connection is closed."""
        super().pause_writing()
        self._stop_write_deadline()
        self._write_deadline = self.loop.call_later(self.deadline_seconds, self._write_deadline_passed)

    def resume_writing(self) -> None:
        """The client reads again."""
        self._stop_write_deadline()
        super().resume_writing()

    def _stop_write_deadline(self) -> None:
        self._write_deadline = _cancelled(getattr(self, "_write_deadline", None))

    def _write_deadline_passed(self) -> None:
        """A client that has read nothing for the whole deadline: the connection is closed (abort: its buffered
        answers will never be read)."""
        self._write_deadline = None
        if not self.transport.is_closing():
            self.transport.abort()

    def _arm(self, extend: bool = False) -> None:
        """Start a request's first period (or, with `extend`, its next one)."""
        self._disarm()
        self._periods = self._periods + 1 if extend else 1
        self._received_at_arm = self._received
        self._deadline = self.loop.call_later(self.deadline_seconds, self._deadline_passed)

    def _disarm(self) -> None:
        self._deadline = _cancelled(getattr(self, "_deadline", None))

    def _deadline_passed(self) -> None:
        """Close the connection if a request is still arriving (no new request yet, or its body still coming)."""
        self._deadline = None
        cycle = self.cycle
        arriving = cycle is None or cycle.response_complete or cycle.more_body
        if not arriving or self.transport.is_closing():
            return
        body_arriving = cycle is not None and not cycle.response_complete and cycle.more_body
        progress = self._received - self._received_at_arm
        if body_arriving and progress >= MIN_BODY_BYTES_PER_PERIOD and self._periods < MAX_PERIODS:
            self._arm(extend=True)  # a slow upload, still coming at a useful rate
            return
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(timeout_answer(self.deadline_seconds))
        self.transport.close()

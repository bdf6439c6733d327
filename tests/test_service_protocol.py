"""The service's HTTP protocol (service/protocol.py): a connection that never finishes delivering its request is
answered 408 and closed at its deadline; complete requests, keep-alive reuse and slow answers are unaffected."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn

from service.protocol import RequestDeadlineProtocol

DEADLINE = 0.5


async def slow_app(scope, receive, send):
    """Reads the whole body, answers after `?wait` seconds (an app at work past the deadline)."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = scope["query_string"]
    if query.startswith(b"wait="):
        await asyncio.sleep(float(query[5:]))
    payload = json.dumps({"bytes": len(body)}).encode()
    if query.startswith(b"size="):
        payload = b"x" * int(query[5:])  # a large answer
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})


class Deadline(RequestDeadlineProtocol):
    deadline_seconds = DEADLINE


@pytest.fixture(scope="module")
def port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(slow_app, host="127.0.0.1", port=free, http=Deadline, log_level="error",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield free
    server.should_exit = True
    thread.join(5)


def exchange(port: int, parts: list[bytes], pause: float = 0.0, wait: float = 3.0) -> bytes:
    """Send `parts` with `pause` seconds between them; everything answered until the server closes (or `wait`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        for part in parts:
            try:
                connection.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server closed the connection: read what it answered
            time.sleep(pause)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except TimeoutError:
            answer += b"<still open>"
        return answer


def test_a_request_that_never_finishes_arriving_gets_408_and_a_close(port):
    began = time.monotonic()
    answer = exchange(port, [b"POST / HTTP/1.1\r\nHost: x\r\n"])
    assert answer.startswith(b"HTTP/1.1 408") and not answer.endswith(b"<still open>")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_timeout"
    assert time.monotonic() - began < DEADLINE + 2
    # a body trickled a byte at a time past the deadline: the same
    answer = exchange(port, [b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"] + [b"a"] * 10, pause=0.1)
    assert answer.startswith(b"HTTP/1.1 408")


def test_whole_requests_keep_alive_and_slow_answers_are_unaffected(port):
    request = b"POST /?wait=%s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    # the app works three deadlines long on a request that has arrived: answered
    answer = exchange(port, [(request % b"1.5").replace(b"Host: x", b"Host: x\r\nConnection: close")], wait=5)
    assert answer.startswith(b"HTTP/1.1 200") and b'{"bytes": 3}' in answer
    # two requests on one connection, the second sent after the first's deadline would have passed: the deadline
    # runs from a request's first byte, not between requests (uvicorn's keep-alive timeout closes idle ones)
    answer = exchange(port, [request % b"0", request % b"0"], pause=DEADLINE * 1.5, wait=1.5)
    assert answer.count(b"HTTP/1.1 200") == 2 and b"408" not in answer
    # a whole request pipelined with the start of another: the first is answered, the second times out
    answer = exchange(port, [request % b"0" + b"POST / HTTP/1.1\r\nHost: x\r\n"])
    assert answer.count(b"HTTP/1.1 200") == 1 and b"HTTP/1.1 408" in answer


def test_a_connection_that_sends_nothing_is_closed_at_its_deadline(port):
    answer = exchange(port, [])
    assert answer.startswith(b"HTTP/1.1 408") or answer == b""
    assert not answer.endswith(b"<still open>")


def test_a_client_that_stops_reading_is_closed_at_the_deadline(port):
    # a second hostile trial: 200 pipelined requests and a 2 KB receive window, never read; the connection stayed
    # open (and kept answering into a full buffer) for as long as the client liked
    big = b"POST /?size=200000 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    with socket.socket() as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        connection.connect(("127.0.0.1", port))
        connection.settimeout(DEADLINE * 8)
        requests_sent = 0
        try:
            for _ in range(100):  # 20 MB of answers: more than the kernel's buffers on both sides hold
                connection.sendall(big)
                requests_sent += 1
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        time.sleep(DEADLINE * 4)
        # the server has given up on us: reading drains what was buffered, then finds the connection closed
        closed = False
        try:
            while connection.recv(1 << 16):
                pass
            closed = True
        except ConnectionResetError:
            closed = True
        except TimeoutError:
            closed = False
    assert requests_sent > 0 and closed


def test_a_slow_upload_that_keeps_coming_gets_more_time(port):
    # a large file on a slow line takes longer than one deadline; a body that brings at least
    # MIN_BODY_BYTES_PER_PERIOD each period is given another (a trickle, above, is not)
    from service.protocol import MIN_BODY_BYTES_PER_PERIOD

    chunk = b"a" * MIN_BODY_BYTES_PER_PERIOD
    head = b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % (len(chunk) * 5)
    # a chunk every 0.8 of a deadline: four deadlines long, and every period sees one arrive
    answer = exchange(port, [head + chunk] + [chunk] * 4, pause=DEADLINE * 0.8, wait=5)
    assert answer.startswith(b"HTTP/1.1 200") and b'{"bytes": %d}' % (len(chunk) * 5) in answer

"""Load test of the HTTP service on loopback: N concurrent clients posting 500-character posts to /v1/review.

    python benchmarks/load_service.py                         # starts `review serve`, 20 clients, 2000 requests / 60 s
    python benchmarks/load_service.py --workers 2             # the server with 2 uvicorn workers
    python benchmarks/load_service.py --url http://127.0.0.1:8000 --clients 20 --requests 5000 --seconds 120

Bounded by both a request count and a wall-clock limit. Prints p50/p90/p99/max latency, throughput and
errors (any non-200 or transport error), CPU per request of server and client, how the clients' connections
fell on the server's workers, the load average, and the checks the server ran (figures fall as checks are
added, so always quote both). Posts are cut from the state-news corpus in --data (plain reading, no
training), a distinct one for every request, so no cache of whole posts could flatter the figures. The client
is a lean asyncio HTTP/1.1 keep-alive client with every request pre-encoded, on the same machine as the
server, sharing its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import lzma
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("formal-xinwenlianbo") / "xinwenlianbo_2022-2026.jsonl.xz"
FALLBACK_SENTENCES = [
    "市政府召开常务会议，研究部署近期重点工作。",
    "会议强调，要坚持以人民为中心的发展思想，扎实做好民生保障工作。",
    "各地各部门要压实责任，确保各项政策措施落地见效。",
    "我们要再接再励，推动经济社会高质量发展。",
]


def load_posts(data: Path, count: int, size: int) -> list[str]:
    """`count` posts of `size` characters from the corpus (or repeated sample sentences without it)."""
    path = data / CORPUS
    posts: list[str] = []
    if path.exists():
        buffer = ""
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                buffer += (record.get("text") or record.get("content") or "").replace("\n", "")
                while len(buffer) >= size and len(posts) < count:
                    posts.append(buffer[:size])
                    buffer = buffer[size:]
                if len(posts) >= count:
                    break
    if not posts:
        text = "".join(FALLBACK_SENTENCES) * (size // 40 + 1)
        posts = [text[i % 40 : i % 40 + size] for i in range(count)]
    return posts


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def post_request(host: str, port: int, path: str, body: bytes) -> bytes:
    """The bytes of one HTTP/1.1 POST of a JSON body (built before the clock starts)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class Connection:
    """A minimal HTTP/1.1 keep-alive client: httpx costs more CPU per request than the server does, and the
    client shares the machine with the server, so the load generator is kept lean."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one pre-encoded request; (status, response body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            raise ConnectionError("chunked responses are not expected from /v1/review")
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()


async def run_load(
    url: str, posts: list[str], clients: int, requests: int, seconds: float, server_pid: int | None = None
) -> dict:
    """Drive the server from `clients` keep-alive connections and collect per-request latencies.

    The first `clients` posts warm the connections up (not measured); every measured request then sends the
    next unused post, wrapping round only if there are fewer posts than requests.
    """
    host, port = httpx.URL(url).host, httpx.URL(url).port or 80
    encoded = [
        post_request(
            host,
            port,
            "/v1/review",
            json.dumps({"id": str(i), "text": post, "account": {"type": "government"}}, ensure_ascii=False).encode(),
        )
        for i, post in enumerate(posts)
    ]
    warm_up, measured = encoded[:clients], encoded[clients:] or encoded
    latencies: list[float] = []
    errors: list[str] = []
    next_index = 0
    connections = [Connection(host, port) for _ in range(clients)]
    for connection, request in zip(connections, warm_up):  # warm-up, not measured
        await connection.send(request)
    per_worker = connections_per_worker(server_pid, port) if server_pid else None
    clock = time.perf_counter
    began = clock()
    deadline = began + seconds

    async def worker(connection: Connection) -> None:
        nonlocal next_index
        while next_index < requests and clock() < deadline:
            request = measured[next_index % len(measured)]
            next_index += 1
            start = clock()
            try:
                status, answer = await connection.send(request)
                if status != 200:
                    errors.append(f"HTTP {status}: {answer[:200]!r}")
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection.writer = None
            latencies.append(clock() - start)

    await asyncio.gather(*(worker(connection) for connection in connections))
    elapsed = clock() - began
    for connection in connections:
        connection.close()
    checks = httpx.get(url + "/healthz").json().get("checks")
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
        "p90_ms": round(percentile(ordered, 0.90) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "distinct_posts": min(len(latencies), len(measured)),
        "connections_per_worker": per_worker,
        "checks": checks,
    }


def connections_per_worker(server_pid: int, port: int) -> list[int] | None:
    """How many established connections to `port` each worker process of the server holds (Linux /proc).

    The kernel hands each new connection to whichever worker accepts first, so with keep-alive clients the
    split is chance (10/10, 13/7 …); the busier worker sets the tail latency.
    """
    try:
        established: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    established.add(fields[9])  # socket inode
        workers = [int(p) for p in Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()]
        counts = []
        for worker in workers:
            inodes = set()
            for fd in Path(f"/proc/{worker}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
            if inodes & established or len(workers) == 1:
                counts.append(len(inodes & established))
        return sorted(counts, reverse=True) or None
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its children so far (Linux /proc), or None."""
    try:
        total = 0.0
        pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        for one in pids:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total
    except (OSError, ValueError, IndexError):
        return None


def worker_memory(pid: int) -> list[dict[str, float]]:
    """Resident and peak resident memory (MB) of the server's review processes: its workers, or the server
    itself when it has none (Linux /proc); empty when unreadable."""
    try:
        children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        figures = []
        for one in children or [pid]:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{one}/status").read_text().splitlines()
                          if ":" in line)
            figures.append({"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024),
                            "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024)})
        return figures
    except (OSError, ValueError, KeyError):
        return []


def started_workers(log_path: str) -> int:
    """How many workers have logged that they started (the service's `{"event": "started"}` line)."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return sum('"event": "started"' in line for line in log)


def start_server(workers: int, threads: int | None, root: Path = ROOT) -> tuple[subprocess.Popen, str, str]:
    """`review serve` of the checkout `root` on a free loopback port with a throw-away settings database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="review-load-")
    command = [sys.executable, "-m", "review.cli", "serve", "--port", str(port), "--workers", str(workers),
               "--db", os.path.join(folder, "settings.sqlite3"), "--log-level", "warning"]
    if threads:
        command += ["--threads", str(threads)]
    log_path = os.path.join(folder, "server.log")
    with open(log_path, "wb") as log:
        # the checkout's own package first, whatever this interpreter has installed (before/after comparisons)
        env = {**os.environ, "PYTHONPATH": str(root)}
        process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited: {open(log_path).read()[-2000:]}")
        try:
            answering = httpx.get(url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            answering = False
        # A worker accepts connections only once its models are loaded: connecting the clients while one is
        # still loading would put every keep-alive connection on the other.
        if answering and started_workers(log_path) >= workers:
            return process, url, log_path
        time.sleep(0.3)
    process.kill()
    sys.exit("server did not start in 300 s")


def event_loop_runner():
    """uvloop's `run` where installed (the client's CPU counts: it shares the cores), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def _memory(figures: list[dict[str, float]]) -> str:
    return ", ".join(f"{m['rss_mb']:.0f} / {m['peak_rss_mb']:.0f} MB" for m in figures) or "?"


def main() -> int:
    """Parse arguments, run the load, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server this script starts")
    parser.add_argument("--threads", type=int, help="review threads per worker (default: the server's)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=60, help="or after this long")
    parser.add_argument("--chars", type=int, default=500, help="characters per post")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server to start (before/after)")
    args = parser.parse_args()

    posts = load_posts(args.data, count=args.clients + args.requests, size=args.chars)
    server = None
    url = args.url
    if url is None:
        server, url, _log = start_server(args.workers, args.threads, args.root)
    memory_idle = worker_memory(server.pid) if server else []
    cpu_before = cpu_seconds(server.pid) if server else None
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        result = event_loop_runner()(
            run_load(url, posts, args.clients, args.requests, args.seconds, server.pid if server else None)
        )
        cpu_after = cpu_seconds(server.pid) if server else None
        memory_after = worker_memory(server.pid) if server else []
        client_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    result.update({"chars": args.chars, "workers": args.workers if server else None, "threads": args.threads,
                   "cpus": os.cpu_count()})
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    result["client_cpu_ms_per_request"] = round(client_cpu * 1000 / (result["requests"] + args.clients), 2)
    result["memory_idle"], result["memory_after"] = memory_idle, memory_after
    result["load_average_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine skews the latencies
    if cpu_before is not None and cpu_after is not None:
        # Server CPU per request (warm-up included): the cost that does not depend on what else runs.
        result["server_cpu_ms_per_request"] = round(
            (cpu_after - cpu_before) * 1000 / (result["requests"] + args.clients), 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"{result['clients']} clients, {result['requests']} requests of {args.chars} chars in "
            f"{result['seconds']} s (server workers: {result['workers']}, "
            f"threads: {result['threads'] or 'default'}, cpus: {result['cpus']})\n"
            f"  p50 {result['p50_ms']} ms   p90 {result['p90_ms']} ms   p99 {result['p99_ms']} ms   "
            f"max {result['max_ms']} ms   mean {result['mean_ms']} ms\n"
            f"  throughput {result['throughput_rps']} req/s   errors {result['errors']}   "
            f"CPU per request: server {result.get('server_cpu_ms_per_request', '?')} ms, "
            f"client {result['client_cpu_ms_per_request']} ms   load average {result['load_average_1m']}\n"
            f"  distinct posts {result['distinct_posts']}   connections per worker: "
            f"{'/'.join(map(str, result['connections_per_worker'] or [])) or '?'}\n"
            f"  checks: {', '.join(result['checks'] or [])}\n"
            f"  worker memory (RSS / peak RSS): idle {_memory(memory_idle)}; after the load {_memory(memory_after)}"
        )
        for error in result["first_errors"]:
            print("  error:", error)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

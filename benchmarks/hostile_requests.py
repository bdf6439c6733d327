"""What one hostile request costs the HTTP service: server CPU, peak memory above the idle worker, answer size.

    python benchmarks/hostile_requests.py                     # starts `review serve` from this checkout
    python benchmarks/hostile_requests.py --root /tmp/old     # the same against another checkout (before/after)
    python benchmarks/hostile_requests.py --cases de,emoji    # only some cases

Starts `review serve --workers 1` on a free loopback port (a throw-away settings database, as
benchmarks/load_service.py starts it), waits for it to warm up, and sends each case once, one at a time: server CPU
seconds (from /proc, the server process and its children), the worker's peak RSS above its idle RSS, wall time,
status and answer bytes. A normal post of the same length (plain government writing, tests/fixtures/normal_post.txt
repeated) is the yardstick. Then the queueing case: two 8,000-character hostile posts sent together, and how long a
normal 500-character post sent right after them waits. Every case is bounded by a client timeout (--timeout);
traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import httpx
from load_service import start_server  # the same `review serve` start-up as the load test (this folder)

ROOT = Path(__file__).resolve().parent.parent
NORMAL = (ROOT / "tests" / "fixtures" / "normal_post.txt").read_text(encoding="utf-8")
LENGTH = 20_000
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"


def normal(length: int) -> str:
    """Plain government writing repeated to `length` characters."""
    return (NORMAL * (length // len(NORMAL) + 1))[:length]


def cases() -> dict[str, tuple[str, dict | None, dict | None]]:
    """name -> (path, JSON body, form body)."""
    import random

    rng = random.Random(19)
    random_text = "".join(rng.choice(COMMON) for _ in range(LENGTH))
    return {
        "normal": ("/v1/review", {"text": normal(LENGTH)}, None),
        "de": ("/v1/review", {"text": "的" * LENGTH}, None),
        "de_v2": ("/v2/check", None, {"text": "的" * LENGTH, "language": "zh-CN"}),
        "ce_newline": ("/v1/review", {"text": "测\n" * (LENGTH // 2)}, None),
        "random_common": ("/v1/review", {"text": random_text}, None),
        "digits_title": ("/v1/review", {"title": "1" * LENGTH, "text": "市政府召开常务会议。"}, None),
        "digits": ("/v1/review", {"text": "1" * LENGTH}, None),
        "a_repeated": ("/v1/review", {"text": "啊" * LENGTH}, None),
        "emoji": ("/v1/review", {"text": "😀" * LENGTH}, None),
        "emoji_batch": ("/v1/review/batch", {"posts": [{"text": "😀" * LENGTH} for _ in range(60)]}, None),
    }


def proc_cpu(pid: int) -> float:
    """CPU seconds of a process and its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def proc_memory(pid: int) -> tuple[int, int]:
    """(RSS, peak RSS) of a process in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = {line.split(":")[0]: int(line.split()[1]) // 1024 for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return values["VmRSS"], values["VmHWM"]


def reset_peak(pid: int) -> None:
    """Reset the process's peak RSS (Linux: writing 5 to clear_refs), so each case measures its own peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def send(client: httpx.Client, url: str, path: str, body: dict | None, form: dict | None, timeout: float):
    """One request; (status or error, bytes, seconds)."""
    began = time.perf_counter()
    try:
        if body is not None:
            answer = client.post(url + path, content=json.dumps(body, ensure_ascii=False).encode(), timeout=timeout,
                                 headers={"Content-Type": "application/json"})
        else:
            answer = client.post(url + path, data=form, timeout=timeout)
        return answer.status_code, len(answer.content), time.perf_counter() - began, answer
    except httpx.HTTPError as error:
        return type(error).__name__, 0, time.perf_counter() - began, None


def main() -> None:
    """Run the cases and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server to start")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per request, seconds")
    args = parser.parse_args()
    chosen = cases()
    if args.cases:
        chosen = {name: chosen[name] for name in args.cases.split(",")}
    process, url, _log = start_server(1, None, args.root.resolve())
    try:
        with httpx.Client() as client:
            send(client, url, "/v1/review", {"text": normal(500)}, None, args.timeout)
            idle, _ = proc_memory(process.pid)
            print(f"server from {args.root}, idle worker RSS {idle} MB\n")
            print("| case | status | server CPU s | peak RSS above idle, MB | wall s | answer bytes | incomplete |")
            print("|---|---|---|---|---|---|---|")
            for name, (path, body, form) in chosen.items():
                reset_peak(process.pid)
                before = proc_cpu(process.pid)
                status, size, wall, answer = send(client, url, path, body, form, args.timeout)
                time.sleep(0.2)
                cpu = proc_cpu(process.pid) - before
                _, peak = proc_memory(process.pid)
                incomplete = ""
                if answer is not None and status == 200 and path == "/v1/review":
                    incomplete = ",".join(answer.json().get("meta", {}).get("incomplete", []))
                print(f"| {name} | {status} | {cpu:.2f} | {max(0, peak - idle)} | {wall:.2f} | {size:,} | "
                      f"{incomplete} |", flush=True)
            # two hostile posts of 8,000 characters at once, then a normal one: how long does it wait?
            waits: list[float] = []
            hostile = {"text": "的" * 8000}
            threads = [threading.Thread(target=lambda: send(httpx.Client(), url, "/v1/review", hostile, None,
                                                            args.timeout)) for _ in range(2)]
            for thread in threads:
                thread.start()
            time.sleep(0.1)
            status, _, wall, _ = send(client, url, "/v1/review", {"text": normal(500)}, None, args.timeout)
            waits.append(wall)
            for thread in threads:
                thread.join()
            print(f"\nA normal 500-character post sent behind two 8,000-character 的 posts: {waits[0]:.2f} s "
                  f"({status})")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()

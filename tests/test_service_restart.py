"""A live server killed mid-batch (SIGKILL) loses no stored settings, and the restarted server serves the
same results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from server_helpers import free_port

KEY = {"X-API-Key": "restart-key"}
MOJIBAKE = "天气很好".encode("utf-8").decode("cp1252", errors="ignore")
POST = {"id": "r1", "text": f"今天{MOJIBAKE}，市民出行注意安全。", "account": {"id": "city-news", "type": "government"}}
STARTUP_LIMIT_S = 120  # loading every model on a busy 2-core machine


def start_server(db_path: str, port: int, log_path: str) -> subprocess.Popen:
    env = {**os.environ, "REVIEW_API_KEY": "restart-key"}
    command = [sys.executable, "-m", "review.cli", "serve", "--port", str(port), "--db", db_path]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}: {open(log_path).read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"server did not start in {STARTUP_LIMIT_S}s: {open(log_path).read()[-2000:]}")


def wait_for_in_flight(base: str, count: int, limit_s: float = 60) -> bool:
    """Poll /metrics until `count` requests are being served at once (a long one is under way)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for line in httpx.get(f"{base}/metrics").text.splitlines():
            if line.startswith("review_http_requests_in_flight ") and float(line.split()[1]) >= count:
                return True
        time.sleep(0.01)
    return False


def comparable(report: dict) -> tuple:
    return report["score"], report["verdict"], report["findings"]


def test_settings_survive_a_kill_mid_batch(tmp_path):
    db_path, log_path = str(tmp_path / "settings.sqlite3"), str(tmp_path / "server.log")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db_path, port, log_path)
    try:
        settings = {
            "disable": ["garbled"],
            "allow_terms": ["城市大脑"],
            "deny_terms": ["内部资料"],
            "thresholds": {"typo": 0.7},
        }
        stored = httpx.put(f"{base}/v1/accounts/city-news/settings", json=settings, headers=KEY).json()
        before = httpx.post(f"{base}/v1/review", json=POST, headers=KEY).json()
        assert not any(f["category"] == "garbled" for f in before["findings"])

        # A long batch in flight, and a settings write racing it, when the server is killed.
        batch = {"posts": [{**POST, "id": str(i), "text": POST["text"] * 150} for i in range(100)]}
        outcome: dict = {}

        def send_batch() -> None:
            try:
                outcome["status"] = httpx.post(f"{base}/v1/review/batch", json=batch, timeout=60).status_code
            except httpx.HTTPError as error:
                outcome["error"] = error

        sender = threading.Thread(target=send_batch)
        sender.start()
        assert wait_for_in_flight(base, 2), "the batch never reached the server"  # the batch and this scrape
        httpx.post(f"{base}/v1/accounts/other/terms/deny", json={"terms": ["甲"]}, headers=KEY, timeout=60)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        sender.join(timeout=60)
        assert "error" in outcome or outcome.get("status") == 200  # cut off (or, on a fast machine, done)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    restarted = start_server(db_path, port, log_path)
    try:
        assert httpx.get(f"{base}/v1/accounts/city-news/settings", headers=KEY).json() == stored
        assert httpx.get(f"{base}/v1/accounts/other/settings", headers=KEY).json()["deny_terms"] == ["甲"]
        after = httpx.post(f"{base}/v1/review", json=POST, headers=KEY).json()
        assert comparable(after) == comparable(before)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)

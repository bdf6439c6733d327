"""Schema-driven fuzzing of a live `review serve` with schemathesis: no 5xx, and every answer as documented.

Stateless and bounded: each operation of /openapi.json gets a few valid and a few invalid requests
(EXAMPLES_PER_MODE each, a few hundred in all), derandomized so that a run repeats, under a time budget.
Only 127.0.0.1 is contacted: the server is started here on a free port, over a temporary settings file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from server_helpers import free_port  # noqa: E402

API_KEY = "schemathesis-key"
EXAMPLES_PER_MODE = 16  # 17 operations, valid and invalid requests: about 300 requests in all
BUDGET_S = 45  # generation stops sending requests past this (the run is still a pass or fail on what it sent)
STARTUP_LIMIT_S = 120
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """`review serve` on 127.0.0.1 with a temporary REVIEW_DB and a REVIEW_API_KEY; small batches keep it quick."""
    folder = tmp_path_factory.mktemp("schemathesis")
    port = free_port()
    env = {**os.environ, "REVIEW_DB": str(folder / "settings.sqlite3"), "REVIEW_API_KEY": API_KEY}
    command = [sys.executable, "-m", "review.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--threads", "1", "--max-batch", "5", "--log-level", "warning"]
    log_path = folder / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"server exited with {server.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start in {STARTUP_LIMIT_S}s: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_every_operation_answers_as_documented(base):
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [operation.label for operation in operations]
    stop_at = time.monotonic() + BUDGET_S
    sent: dict[str, int] = {}
    failures: list[str] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_MODE,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                if time.monotonic() > stop_at:
                    return
                sent[operation.label] = sent.get(operation.label, 0) + 1
                try:
                    case.call_and_validate(
                        base_url=base, headers={"X-API-Key": API_KEY}, checks=CHECKS, timeout=60
                    )
                except (FailureGroup, AssertionError) as error:  # collect, and go on to the other operations
                    failures.append(f"{operation.label} ({mode.value}): {str(error)[:1500]}")
                    raise

            try:
                run()
            except (FailureGroup, AssertionError):
                pass  # already collected
            except Unsatisfiable:
                pass  # nothing to make invalid (an operation without parameters or body, in negative mode)

    total = sum(sent.values())
    print(f"\nschemathesis: {total} requests over {len(sent)} operations")
    assert not failures, "\n\n".join(failures[:5])
    assert total >= 100, sent  # the budget left room for a real run

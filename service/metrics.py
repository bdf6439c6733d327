"""Request and review metrics in the Prometheus text exposition format (version 0.0.4).

Counters live in the worker process; with `--workers N` each scrape sees one worker.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter, defaultdict

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in pairs) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    """The service's counters and latency histogram; thread-safe, cheap to update."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[tuple[str, str], ...]] = Counter()
        self.latency_counts: dict[str, list[int]] = defaultdict(lambda: [0] * (len(LATENCY_BUCKETS) + 1))
        self.latency_sum: Counter[str] = Counter()
        self.posts: Counter[str] = Counter()
        self.findings: Counter[str] = Counter()
        self.in_flight = 0

    def request_started(self) -> None:
        """One more request in progress."""
        with self._lock:
            self.in_flight += 1

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished HTTP request and its latency."""
        with self._lock:
            self.in_flight -= 1
            self.requests[(("method", method), ("route", route), ("status", str(status)))] += 1
            self.latency_counts[route][bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self.latency_sum[route] += seconds

    def observe_report(self, report: dict) -> None:
        """Count one reviewed post by verdict and its findings by category."""
        with self._lock:
            self.posts[report.get("verdict") or "error"] += 1
            for finding in report.get("findings", ()):
                self.findings[finding["category"]] += 1

    def render(self) -> str:
        """The exposition text."""
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP review_http_requests_in_flight HTTP requests being served now (this one included).",
                "# TYPE review_http_requests_in_flight gauge",
                f"review_http_requests_in_flight {self.in_flight}",
                "# HELP review_http_requests_total HTTP requests by method, route and status.",
                "# TYPE review_http_requests_total counter",
            ]
            for labels, count in sorted(self.requests.items()):
                lines.append(f"review_http_requests_total{_labels(labels)} {count}")
            lines += [
                "# HELP review_http_request_duration_seconds HTTP request latency by route.",
                "# TYPE review_http_request_duration_seconds histogram",
            ]
            for route in sorted(self.latency_counts):
                cumulative = 0
                for bound, count in zip((*LATENCY_BUCKETS, float("inf")), self.latency_counts[route]):
                    cumulative += count
                    le = "+Inf" if bound == float("inf") else _number(bound)
                    lines.append(
                        "review_http_request_duration_seconds_bucket"
                        f"{_labels((('route', route), ('le', le)))} {cumulative}"
                    )
                lines.append(
                    "review_http_request_duration_seconds_sum"
                    f"{_labels((('route', route),))} {self.latency_sum[route]!r}"
                )
                lines.append(f"review_http_request_duration_seconds_count{_labels((('route', route),))} {cumulative}")
            lines += [
                "# HELP review_posts_total Posts reviewed, by verdict (error: refused input).",
                "# TYPE review_posts_total counter",
            ]
            for verdict, count in sorted(self.posts.items()):
                lines.append(f"review_posts_total{_labels((('verdict', verdict),))} {count}")
            lines += [
                "# HELP review_findings_total Findings reported, by category.",
                "# TYPE review_findings_total counter",
            ]
            for category, count in sorted(self.findings.items()):
                lines.append(f"review_findings_total{_labels((('category', category),))} {count}")
        return "\n".join(lines) + "\n"

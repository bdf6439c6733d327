"""Service settings: limits, the settings database and the API key, read from the environment.

`review serve` writes its options into the environment so that every uvicorn worker process, which builds
the app from scratch, sees the same configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DB_PATH = "review-service.sqlite3"


@dataclass(frozen=True)
class ServiceConfig:
    """Everything the app needs besides the review library."""

    db_path: str = DEFAULT_DB_PATH
    api_key: str | None = None  # None: the account endpoints are closed
    max_batch: int = 100  # posts per /v1/review/batch call
    max_body_bytes: int = 8 * 1024 * 1024  # a full batch of long posts fits; more gets 413
    # Posts are reviewed in this many threads, off the event loop. One: a review is mostly Python, and a second
    # thread in the same process takes the GIL back at every NumPy call (one worker, 20 clients: 14.0 ms of CPU a
    # post with two threads against 10.8 with one, 79 against 93 posts/s). More cores are used by more workers.
    review_threads: int = 1
    # Uploaded files (extraction, OCR, then their sections' reviews: seconds each) run in a lane of their own, so
    # that a file never holds the thread that single posts and batches (one post at a time) queue for.
    file_threads: int = 1
    allow_origins: tuple[str, ...] = ()  # CORS origins allowed GET/POST ("*" for any)
    # Take everything loaded at start-up out of the garbage collector's full passes (`review serve` sets it;
    # an app embedded in another process, or a test, leaves that process's collector alone).
    freeze_gc: bool = False
    # Seconds a review may take from its request's arrival (each post's own start in a batch); slow checks still
    # running then stop and the report lists them in meta.incomplete (0: no limit). Work per post is bounded
    # anyway (~1-2 s of CPU at 20,000 characters of any content); this keeps a queue of them from piling up.
    review_deadline_s: float = 5.0
    # Seconds a whole /v1/review/batch call may take from its arrival: each post's own deadline is cut to it, so a
    # batch of 100 hostile posts cannot hold a review thread for 100 × review_deadline_s; posts reviewed after it
    # still get the fast checks (the slow ones are listed in meta.incomplete). 0: no limit.
    batch_deadline_s: float = 60.0
    # the typo transformer's backend ("numpy" or "torch"; None: lexicons/typo/typo.toml's, numpy): a worker needs
    # no torch unless REVIEW_TYPO_BACKEND=torch asks for it (a GPU)
    typo_backend: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "ServiceConfig":
        """Read REVIEW_DB, REVIEW_API_KEY, REVIEW_MAX_BATCH, REVIEW_MAX_BODY_BYTES, REVIEW_THREADS,
        REVIEW_FILE_THREADS, REVIEW_ALLOW_ORIGINS, REVIEW_FREEZE_GC, REVIEW_DEADLINE_S, REVIEW_BATCH_DEADLINE_S and
        REVIEW_TYPO_BACKEND."""
        env = os.environ if environ is None else environ
        return cls(
            db_path=env.get("REVIEW_DB") or DEFAULT_DB_PATH,
            api_key=env.get("REVIEW_API_KEY") or None,
            max_batch=int(env.get("REVIEW_MAX_BATCH") or cls.max_batch),
            max_body_bytes=int(env.get("REVIEW_MAX_BODY_BYTES") or cls.max_body_bytes),
            review_threads=int(env.get("REVIEW_THREADS") or cls.review_threads),
            file_threads=int(env.get("REVIEW_FILE_THREADS") or cls.file_threads),
            allow_origins=tuple(o.strip() for o in (env.get("REVIEW_ALLOW_ORIGINS") or "").split(",") if o.strip()),
            freeze_gc=env.get("REVIEW_FREEZE_GC") == "1",
            review_deadline_s=float(env.get("REVIEW_DEADLINE_S") or cls.review_deadline_s),
            batch_deadline_s=float(env.get("REVIEW_BATCH_DEADLINE_S") or cls.batch_deadline_s),
            typo_backend=env.get("REVIEW_TYPO_BACKEND") or None,
        )

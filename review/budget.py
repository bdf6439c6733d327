"""A request's time budget: checks that run out of it stop early and say so, instead of holding a worker.

The slow checks (the typo model) work in slices and look at the deadline between slices; the pipeline looks at it
before each check. A check that runs out raises `OutOfTime` with what it found so far, and the report lists it
under `meta.incomplete` (see docs/service.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Deadline:
    """A point in `time.monotonic()` time after which a review should stop starting new work."""

    at: float

    @classmethod
    def after(cls, seconds: float | None) -> "Deadline | None":
        """The deadline `seconds` from now, or None for no limit (None or a non-positive number)."""
        if seconds is None or seconds <= 0:
            return None
        return cls(time.monotonic() + float(seconds))

    def passed(self) -> bool:
        """True once the deadline is reached."""
        return time.monotonic() >= self.at


class OutOfTime(Exception):
    """Raised by a check (or a part of one) that stopped at the deadline; `partial` is what it found by then."""

    def __init__(self, partial: list[Any] | None = None) -> None:
        super().__init__("deadline reached")
        self.partial = list(partial or [])

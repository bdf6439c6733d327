"""Per-call review options: what the document, the checks and the pipeline all read (here, so that none of them
imports another to get it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class ReviewOptions:
    """Per-call settings: which checks run, and an account's own allow/deny terms and thresholds."""

    enable: frozenset[str] | None = None  # run only these (None: the defaults)
    disable: frozenset[str] = frozenset()
    allow_terms: frozenset[str] = frozenset()
    deny_terms: frozenset[str] = frozenset()
    thresholds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        enable: Iterable[str] | None = None,
        disable: Iterable[str] | None = None,
        allow_terms: Iterable[str] | None = None,
        deny_terms: Iterable[str] | None = None,
        thresholds: dict[str, float] | None = None,
    ) -> "ReviewOptions":
        """Build options from plain iterables."""
        return cls(
            enable=None if enable is None else frozenset(enable),
            disable=frozenset(disable or ()),
            allow_terms=frozenset(t for t in (allow_terms or ()) if t),
            deny_terms=frozenset(t for t in (deny_terms or ()) if t),
            thresholds=dict(thresholds or {}),
        )


@dataclass(frozen=True)
class RuntimeSettings:
    """Per-process settings of a Reviewer, handed to the checks that take them (`TakesRuntimeSettings`)."""

    # the typo transformer's backend: "numpy" (every command's default: no torch import) or "torch" (the `train`
    # extra; a GPU where torch sees one); None: $REVIEW_TYPO_BACKEND, else lexicons/typo/typo.toml's
    typo_backend: str | None = None


class TakesRuntimeSettings:
    """A check whose constructor takes the Reviewer's `RuntimeSettings` (other checks are built with none)."""

    def __init__(self, runtime: RuntimeSettings | None = None) -> None:
        self.runtime = runtime or RuntimeSettings()

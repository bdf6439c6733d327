"""The check interface and the one registry every check joins with `@register`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from review.registry import Registry

if TYPE_CHECKING:
    from review.document import Document
    from review.model import Finding



class Check:
    """A check turns a document into findings. Subclasses set `name` and implement `check`.

    Heavy resources (lexicons, models) are loaded in `__init__`, which the reviewer calls once per
    process; `check` must not mutate shared state, so one instance serves every thread.
    """

    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    # Which fields of a post the check reads: whole-post checks use ("text",) and see the title too.
    fields: ClassVar[tuple[str, ...]] = ("text", "title")
    enabled_by_default: ClassVar[bool] = True
    # Slow checks run after the others, so that a request whose time runs out still gets every fast finding;
    # they work in slices and raise `review.budget.OutOfTime` (with their findings so far) at `doc.deadline`.
    slow: ClassVar[bool] = False

    def check(self, doc: "Document") -> list["Finding"]:
        """Return the findings for one document."""
        raise NotImplementedError

    def finding(
        self,
        doc: "Document",
        start: int | None,
        end: int | None,
        *,
        rule: str,
        severity: str,
        message: str,
        suggestion: str | None = None,
        confidence: float = 1.0,
        evidence: list[dict] | None = None,
        term: str | None = None,
    ) -> "Finding":
        """A finding of this check's category for normalised span [start, end) of `doc` (None: the whole post).

        Set `term` (the normalised words, or the lexicon term that made the finding) where an account's allow
        terms may dismiss the finding: the pipeline drops it then (`review.pipeline.drop_allowed`).
        """
        return doc.finding(start, end, category=self.category, rule=rule, severity=severity, message=message,
                           suggestion=suggestion, confidence=confidence, evidence=evidence, term=term)

    def warm_up(self) -> None:
        """Build state that `check` would otherwise build lazily on a first (long) post; long-running
        processes (service workers, batch) call it once, one-shot commands do not pay for it."""


REGISTRY: Registry[Check] = Registry("check")


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: add a check to the registry under its `name`."""
    return REGISTRY.register(cls)

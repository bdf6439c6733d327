"""乱码: mojibake, lost characters and scraper annotations found by the normaliser."""

from __future__ import annotations

from review.checks.base import Check, register
from review.document import Document
from review.model import Finding


@register
class GarbledCheck(Check):
    """Reports the noise the normaliser removed or repaired, so the editor fixes the source."""

    name = "garbled"
    category = "garbled"

    def check(self, doc: Document) -> list[Finding]:
        """One finding per noise span, in original offsets."""
        return [
            doc.original_finding(
                noise.start,
                noise.end,
                category=self.category,
                rule=f"garbled.{noise.kind}",
                severity=noise.severity,
                message=noise.message,
                suggestion=noise.repair,
                confidence=noise.confidence,
            )
            for noise in doc.noise
        ]

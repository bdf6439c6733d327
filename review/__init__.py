"""review: offline reviewer for Chinese government new-media posts (政务新媒体内容审校)."""

from __future__ import annotations

__version__ = "0.1.0"

from review.errors import InputError  # noqa: E402
from review.model import Finding, Post, Report  # noqa: E402
from review.pipeline import Reviewer, ReviewOptions, get_reviewer  # noqa: E402

__all__ = [
    "__version__",
    "Finding",
    "InputError",
    "Post",
    "Report",
    "ReviewOptions",
    "Reviewer",
    "get_reviewer",
]

"""Shared fixtures."""

from __future__ import annotations

import pytest

from review.pipeline import Reviewer


@pytest.fixture(scope="session")
def core_reviewer() -> Reviewer:
    """A reviewer with only the foundation's checks, independent of model-backed checks."""
    return Reviewer(checks=["garbled", "timeliness"])

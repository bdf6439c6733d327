"""Checks: every module in this package is imported by `discover()`, and registers its checks.

Adding a check means adding one module here (or an installed package exposing the `review.checks` entry
point); nothing else changes.
"""

from __future__ import annotations

from review.checks.base import REGISTRY, Check, register
from review.plugins import import_modules

__all__ = ["REGISTRY", "Check", "register", "discover"]


def discover() -> dict[str, type[Check]]:
    """Import every check module once and return the registry."""
    import_modules(__name__, __path__, entry_point_group="review.checks")
    return REGISTRY

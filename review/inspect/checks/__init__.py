"""Account-level inspection checks: every module in this package registers its checks on import."""

from __future__ import annotations

from review.inspect.checks.base import ACCOUNT_REGISTRY, AccountCheck, register
from review.plugins import import_modules

__all__ = ["ACCOUNT_REGISTRY", "AccountCheck", "register", "discover"]


def discover() -> dict[str, type[AccountCheck]]:
    """Import every account-check module once and return the registry."""
    import_modules(__name__, __path__)
    return ACCOUNT_REGISTRY

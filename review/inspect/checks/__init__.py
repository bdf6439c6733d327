"""Account-level inspection checks: every module in this package registers its checks on import."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from review.inspect.checks.base import ACCOUNT_REGISTRY, AccountCheck, register

__all__ = ["ACCOUNT_REGISTRY", "AccountCheck", "register", "discover"]

_discovered = False
_lock = threading.Lock()


def discover() -> dict[str, type[AccountCheck]]:
    """Import every account-check module once and return the registry."""
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                for module in pkgutil.iter_modules(__path__):
                    if module.name != "base" and not module.name.startswith("_"):
                        importlib.import_module(f"{__name__}.{module.name}")
                _discovered = True
    return ACCOUNT_REGISTRY

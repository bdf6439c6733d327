"""Checks: every module in this package is imported by `discover()`, and registers its checks.

Adding a check means adding one module here (or an installed package exposing the `review.checks` entry
point); nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from importlib.metadata import entry_points

from review.checks.base import REGISTRY, Check, register

__all__ = ["REGISTRY", "Check", "register", "discover"]

_discovered = False
_lock = threading.Lock()


def discover() -> dict[str, type[Check]]:
    """Import every check module once and return the registry."""
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                for module in pkgutil.iter_modules(__path__):
                    if module.name != "base" and not module.name.startswith("_"):
                        importlib.import_module(f"{__name__}.{module.name}")
                for entry in entry_points(group="review.checks"):
                    entry.load()
                _discovered = True
    return REGISTRY

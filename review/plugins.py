"""Plug-in discovery shared by the post checks and the account checks: import a package's modules once."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from importlib.metadata import entry_points

_done: set[str] = set()
_lock = threading.Lock()


def import_modules(package: str, path: list[str], entry_point_group: str | None = None) -> None:
    """Import every module of `package` (except `base` and `_private`) and the named entry points, once."""
    if package in _done:
        return
    with _lock:
        if package in _done:
            return
        for module in pkgutil.iter_modules(path):
            if module.name != "base" and not module.name.startswith("_"):
                importlib.import_module(f"{package}.{module.name}")
        if entry_point_group:
            for entry in entry_points(group=entry_point_group):
                entry.load()
        _done.add(package)

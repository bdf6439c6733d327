"""Plug-in discovery shared by the post checks and the account checks: import a package's modules once."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import threading

_done: set[str] = set()
_lock = threading.Lock()
METADATA_SUFFIXES = (".dist-info", ".egg-info")


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
        if entry_point_group and may_declare_entry_points(entry_point_group):
            from importlib.metadata import entry_points

            for entry in entry_points(group=entry_point_group):
                entry.load()
        _done.add(package)


def may_declare_entry_points(group: str) -> bool:
    """Whether an installed distribution may declare entry points in `group`.

    A cheap look at the metadata folders on sys.path, so that a process with no plug-in installed skips
    importing importlib.metadata (~25 ms of every start-up). Whatever this look cannot read (a zip file on
    sys.path, an import hook with distributions of its own) counts as yes, and importlib.metadata decides.
    """
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return True
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip archive: let importlib.metadata read it
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            entry_points = os.path.join(folder, name, "entry_points.txt")
            if name.lower().endswith(METADATA_SUFFIXES) and _declares(entry_points, group):
                return True
    return False


def _declares(entry_points_file: str, group: str) -> bool:
    try:
        with open(entry_points_file, encoding="utf-8") as handle:
            return any(line.strip().startswith("[") and line.strip()[1:-1].strip() == group for line in handle)
    except UnicodeDecodeError:
        return True  # unreadable here: importlib.metadata decides (and reports)
    except OSError:
        return False

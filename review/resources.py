"""Where data lives: lexicons/ and models/ at the project root (a checkout or an editable install), else where
`pip install .` put them (<prefix>/share/review/, pyproject.toml's data-files); overridable by environment."""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import sysconfig
import tomllib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# where a wheel's data-files land: the environment's prefix (a virtualenv, /usr/local), or the user's base
INSTALLED_DATA = "share/review"


@lru_cache(maxsize=1)
def data_root() -> Path:
    """The folder holding lexicons/ and models/: the project root when it has them, else the installed copy."""
    if (PROJECT_ROOT / "lexicons").is_dir():
        return PROJECT_ROOT
    for base in (sysconfig.get_path("data"), sys.prefix, sysconfig.get_path("data", f"{os.name}_user")):
        folder = Path(base) / INSTALLED_DATA
        if (folder / "lexicons").is_dir():
            return folder
    return PROJECT_ROOT


def lexicons_dir() -> Path:
    """The lexicon folder ($REVIEW_LEXICONS, else lexicons/ of `data_root()`)."""
    return Path(os.environ.get("REVIEW_LEXICONS", data_root() / "lexicons"))


def models_dir() -> Path:
    """The model folder ($REVIEW_MODELS, else models/ of `data_root()`)."""
    return Path(os.environ.get("REVIEW_MODELS", data_root() / "models"))


def cache_dir() -> Path:
    """Where derived data is cached between runs ($REVIEW_CACHE, else $XDG_CACHE_HOME/review, else ~/.cache/review)."""
    explicit = os.environ.get("REVIEW_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "review"


def lexicon_path(*parts: str) -> Path:
    """Path of a file under lexicons/."""
    return lexicons_dir().joinpath(*parts)


def model_path(*parts: str) -> Path:
    """Path of a file or folder under models/."""
    return models_dir().joinpath(*parts)


def files_digest(header: str, paths: Iterable[Path]) -> str:
    """SHA-256 of `header` and each file's folder/name and bytes: names the sources a prebuilt table was made from."""
    digest = hashlib.sha256(f"{header}\n".encode())
    for path in paths:
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def load_toml(*parts: str) -> dict:
    """Load (once per process) a TOML data file under lexicons/."""
    path = lexicon_path(*parts)
    with open(path, "rb") as handle:
        return tomllib.load(handle)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the garbage collector while models and lexicons load (the state it was in comes back after).

    Loading makes hundreds of thousands of objects that live as long as the process and no garbage; the
    collector's full passes over them find nothing and cost 0.3-0.6 s of a `review check` start (issue 22).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

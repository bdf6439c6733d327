"""Where data lives: lexicons/ and models/ at the project root, overridable by environment."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def lexicons_dir() -> Path:
    """The lexicon folder ($REVIEW_LEXICONS or <project>/lexicons)."""
    return Path(os.environ.get("REVIEW_LEXICONS", PROJECT_ROOT / "lexicons"))


def models_dir() -> Path:
    """The model folder ($REVIEW_MODELS or <project>/models)."""
    return Path(os.environ.get("REVIEW_MODELS", PROJECT_ROOT / "models"))


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


@lru_cache(maxsize=None)
def load_toml(*parts: str) -> dict:
    """Load (once per process) a TOML data file under lexicons/."""
    path = lexicon_path(*parts)
    with open(path, "rb") as handle:
        return tomllib.load(handle)

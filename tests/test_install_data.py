"""The wheel carries the data a review reads: every file under lexicons/ and models/ is named by pyproject.toml's
data-files, and an installed copy is found when the package sits outside a checkout."""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

from review import resources

ROOT = Path(__file__).resolve().parent.parent


def test_every_lexicon_and_model_file_goes_into_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    patterns = [pattern for patterns in data_files.values() for pattern in patterns]
    tracked = subprocess.run(["git", "ls-files", "lexicons", "models"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked, "no tracked data files found"
    missing = [path for path in tracked if not any(fnmatch.fnmatchcase(path, pattern) and "/" not in
                                                   path[len(pattern.rsplit("/", 1)[0]) + 1:] for pattern in patterns)]
    assert missing == [], f"add a data-files line to pyproject.toml for {missing}"
    for target, patterns in data_files.items():  # each folder lands under share/review/ with its own name
        assert all(target == "share/review/" + pattern.rsplit("/", 1)[0] for pattern in patterns)


def test_a_checkout_reads_its_own_folders():
    assert resources.data_root() == ROOT


def test_installed_data_is_found_outside_a_checkout(tmp_path, monkeypatch):
    installed = tmp_path / "share" / "review"
    (installed / "lexicons").mkdir(parents=True)
    monkeypatch.setattr(resources, "PROJECT_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(resources.sysconfig, "get_path", lambda name, scheme=None: str(tmp_path))
    monkeypatch.delenv("REVIEW_LEXICONS", raising=False)
    monkeypatch.delenv("REVIEW_MODELS", raising=False)
    resources.data_root.cache_clear()
    try:
        assert resources.lexicons_dir() == installed / "lexicons"
        assert resources.models_dir() == installed / "models"
    finally:
        resources.data_root.cache_clear()

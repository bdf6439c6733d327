"""Where data lives: lexicons/ and models/ at the project root (a checkout or an editable install), else where
`pip install .` put them (<prefix>/share/review/, pyproject.toml's data-files); overridable by environment."""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import re
import shutil
import stat
import sys
import sysconfig
import tempfile
import tomllib
import zipfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:  # numpy is imported where arrays are read, not by every user of this module
    import numpy as np
    from numpy.lib.npyio import NpzFile

log = logging.getLogger("review.resources")
_warned: set[str] = set()

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


def private_cache_folder(folder: Path) -> Path | None:
    """`folder`, created with mode 0700, when only this user can write to it; else None (no cache, said once)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder)  # follows a link: what counts is who owns the folder the files land in
    except OSError as error:
        _log_once(str(folder), logging.INFO, "cache folder %s unusable (%s): the jieba dictionary and the unpacked "
                  "model arrays are rebuilt at each start", folder, error)
        return None
    if not stat.S_ISDIR(info.st_mode) or not owned_and_private(info):
        _log_once(str(folder), logging.WARNING, "cache folder %s is not this user's alone (owner or mode): not "
                  "used, the jieba dictionary and the model arrays are rebuilt at each start", folder)
        return None
    return folder


def owned_and_private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owner or mode bits to check
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_private_file(path: Path) -> bytes | None:
    """The bytes of `path` when it is a regular file this user owns and no one else may write, else None (a file
    someone else could have written is said once at WARNING: cached data is read only from this user's own files)."""
    try:
        # O_NOFOLLOW and fstat on the open file: the file checked is the file read, not a link or a swapped file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not owned_and_private(info):
            _log_once(f"file {path}", logging.WARNING, "cache file %s is not this user's own file: not read, rebuilt",
                      path)
            return None
        return handle.read()  # one read (marshal.load on a file reads piece by piece)


def write_private_file(path: Path, data: bytes) -> bool:
    """Write `data` to `path` in its (private) folder atomically, mode 0600; False when the disk refuses."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)  # mode 0600
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        _log_once(f"write {path.parent}", logging.INFO, "cache file not written to %s (%s): built again at each "
                  "start", path, error)
        return False
    return True


def _log_once(key: str, level: int, message: str, *args: object) -> None:
    if key not in _warned:
        _warned.add(key)
        log.log(level, message, *args)


# ---- model arrays, unpacked once ---------------------------------------------------------------------------
# The shipped .npz files are compressed (the repository and the wheel stay small); inflating them cost ~0.25 s of
# CPU at every start of `review check` (issue 22: 1.6 s against a 1.5 s target). The first process to open one
# writes the members of a file under models/ or lexicons/, already .npy files, uncompressed under the private cache
# folder; later processes read those (a copy from the page cache). The key is the file's resolved path with each
# member's name, CRC-32 and size from the zip's directory, so a retrained model gets a new copy and the old one is
# removed.
ARRAY_CACHE_FORMAT = 1
ARRAY_CACHE_PREFIX = "arrays-"
ARRAY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}\.npy")


class UnpackedArrays:
    """The members of an unpacked .npz, read as `np.load` reads its NpzFile: `files`, `arrays[name]`, `with`."""

    def __init__(self, folder: Path, files: list[str]) -> None:
        self.folder = folder
        self.files = files

    def __getitem__(self, name: str) -> "np.ndarray":
        import numpy as np

        if name not in self.files:
            raise KeyError(f"{name} is not a file in the archive")
        return np.load(self.folder / f"{name}.npy", allow_pickle=False)

    def __contains__(self, name: object) -> bool:
        return name in self.files

    def __enter__(self) -> "UnpackedArrays":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        """Nothing to close (NpzFile's method, for callers that call it)."""


def open_arrays(path: Path | str) -> "UnpackedArrays | NpzFile":
    """The arrays of the .npz at `path` (no pickles), from its unpacked copy in the cache folder, made on first use;
    `np.load(path)` itself when the file is not compressed or no private cache folder is usable."""
    import numpy as np

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if info.filename.endswith(".npy")]
            resolved = path.resolve()
            # only the shipped data is worth a copy: a model a test or a training run writes elsewhere is read
            # once, and copies of it would pile up in the cache under paths that no longer exist
            shipped = any(resolved.is_relative_to(folder.resolve()) for folder in (models_dir(), lexicons_dir()))
            # a member name becomes a file name in the cache: only plain names (no folder, no "..")
            plain = all(ARRAY_NAME.fullmatch(info.filename) for info in members)
            if not shipped or not plain or all(info.compress_type == zipfile.ZIP_STORED for info in members):
                return np.load(path, allow_pickle=False)
            root = private_cache_folder(cache_dir())
            if root is None:
                return np.load(path, allow_pickle=False)
            source = str(resolved)
            where = hashlib.sha256(source.encode()).hexdigest()[:16]
            key = hashlib.sha256(f"{ARRAY_CACHE_FORMAT}\n{source}\n".encode())
            for info in members:
                key.update(f"{info.filename}\t{info.CRC}\t{info.file_size}\n".encode())
            folder = root / f"{ARRAY_CACHE_PREFIX}{where}-{key.hexdigest()[:24]}"
            files = [info.filename[: -len(".npy")] for info in members]
            if not all((folder / info.filename).is_file() for info in members):
                if folder.exists():  # a member removed by hand: unpacked again
                    shutil.rmtree(folder)
                _unpack(archive, members, folder, root, where)
            return UnpackedArrays(folder, files)
    except (OSError, zipfile.BadZipFile) as error:
        _log_once(f"arrays {path}", logging.INFO, "model arrays of %s not unpacked to the cache (%s): read from the "
                  "compressed file", path, error)
        return np.load(path, allow_pickle=False)


def _unpack(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], folder: Path, root: Path, where: str) -> None:
    """Write the members into `folder` atomically (a temporary folder renamed), and drop older copies of the same
    file; raises OSError when the disk refuses."""
    temporary = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-arrays-"))  # mode 0700
    try:
        for info in members:
            with archive.open(info) as member, open(temporary / info.filename, "wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
        try:
            os.rename(temporary, folder)
        except OSError:
            if not folder.is_dir():  # another process got there first: its copy serves
                raise
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    for old in root.glob(f"{ARRAY_CACHE_PREFIX}{where}-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)


# ---- arrays built at warm-up, kept between processes ----------------------------------------------------------
# A long-running process (`review batch`, the service) builds lookup tables from the shipped arrays before its
# first post: the n-gram hash indexes took 0.2 s of every such start. The first process to build one writes its
# arrays as .npy files under the private cache folder, keyed by a digest of what they were built from; later
# processes map them read-only (no copy: the system shares the pages between workers).
BUILT_CACHE_PREFIX = "built-"
BUILT_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")


def cached_build(name: str, key: str, build: Callable[[], dict[str, "np.ndarray"]], keep: int = 1
                 ) -> dict[str, "np.ndarray"]:
    """The arrays `build` returns, from the private cache folder when a process built them for `name` and `key`
    (a digest of the inputs) already, else built now and stored there; read-only, memory-mapped, when cached.
    Of the keys of one name, the `keep` used last stay (a retrained model's old tables go)."""
    import numpy as np

    if not BUILT_NAME.fullmatch(name) or not BUILT_NAME.fullmatch(key):
        raise ValueError(f"cache names are letters, digits and _: {name!r}, {key!r}")
    root = private_cache_folder(cache_dir())
    if root is None:
        return build()
    folder = root / f"{BUILT_CACHE_PREFIX}{name}-{key}"
    if folder.is_dir():  # complete: a folder appears only by the rename of a fully written one
        try:
            # plain read-only arrays over the mapping (np.memmap's own methods cost ~25% more a lookup)
            found = {path.name[: -len(".npy")]: np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
                     for path in sorted(folder.iterdir()) if ARRAY_NAME.fullmatch(path.name)}
            os.utime(folder)  # used now: the last to go
            return found
        except (OSError, ValueError) as error:
            _log_once(f"built {folder}", logging.INFO, "cached arrays %s unreadable (%s): built again", folder, error)
            shutil.rmtree(folder, ignore_errors=True)
    arrays = build()
    if not all(ARRAY_NAME.fullmatch(f"{member}.npy") for member in arrays):
        raise ValueError(f"array names must be plain file names: {sorted(arrays)}")
    try:
        temporary = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-built-"))  # mode 0700
        try:
            for member, array in arrays.items():
                np.save(temporary / f"{member}.npy", np.ascontiguousarray(array), allow_pickle=False)
            try:
                os.rename(temporary, folder)
            except OSError:
                if not folder.is_dir():  # another process got there first: its copy serves the next start
                    raise
        finally:
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)
        others = [old for old in root.glob(f"{BUILT_CACHE_PREFIX}{name}-*") if old != folder]
        others.sort(key=lambda old: old.stat().st_mtime, reverse=True)
        for old in others[max(0, keep - 1):]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        _log_once(f"built {root}", logging.INFO, "built arrays not cached in %s (%s): built at each start", root, error)
    return arrays


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
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:  # which file: the parser's message names only line and column
            raise ValueError(f"{path}: {error}") from None


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


@lru_cache(maxsize=1)
def _c_library_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library is another (macOS, musl without it, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system after a load that made large transient arrays.

    glibc keeps freed memory below its (adaptive) mmap threshold in the heap: the typo check's warm-up builds its hash
    indexes through ~60 MB of temporaries that stayed resident for the life of a `review batch` or a service worker
    (peak RSS of a batch of 300 posts 441 -> 417 MB with this call after warm-up). A no-op off glibc."""
    trim = _c_library_trim()
    if trim is not None:
        trim(0)

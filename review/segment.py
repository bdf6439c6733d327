"""Word segmentation: one jieba tokenizer per process, with the government-domain user dictionary.

jieba's own start-up reads its 9 MB prefix-dictionary cache with `marshal.load` on an open file, which reads
it in small pieces (over half a second on a 2-core VM), then adds the user dictionary word by word. So the
prefix dictionary with the user dictionary already merged is cached once under the user's cache folder
(`review.resources.cache_dir()`, never in the repository), keyed by jieba's version, its dictionary file and
the user dictionary's bytes, and read back in one piece (about a third of the time). A missing, stale, corrupt
or unwritable cache falls back to jieba's own initialisation: the same dictionary, only slower.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba
from jieba import finalseg

from review.resources import cache_dir, lexicon_path

USER_DICT = "gov_userdict.txt"
CACHE_FORMAT = 1  # bump when the cached tuple changes
CACHE_PREFIX = "jieba-"
CACHE_SUFFIX = ".marshal"
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Token:
    """A word and its half-open span in the normalised text."""

    word: str
    start: int
    end: int


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, initialised once with lexicons/gov_userdict.txt."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = load_tokenizer(lexicon_path(USER_DICT), cache_dir())
    return _tokenizer


def load_tokenizer(user_dict: Path, cache_folder: Path | None) -> jieba.Tokenizer:
    """A jieba tokenizer with `user_dict` merged in, read from (or written to) the cache in `cache_folder`."""
    jieba.setLogLevel(logging.WARNING)
    user_bytes = user_dict.read_bytes() if user_dict.exists() else None
    cache_file = _cache_file(cache_folder, user_bytes) if cache_folder is not None else None
    if cache_file is not None:
        cached = _read_cache(cache_file)
        if cached is not None:
            return cached
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if user_bytes is not None:
        tokenizer.load_userdict(str(user_dict))
    if cache_file is not None:
        _write_cache(cache_file, tokenizer, _forced_splits(user_bytes or b""))
    return tokenizer


def _jieba_dictionary() -> Path:
    return Path(os.path.dirname(jieba.__file__)) / jieba.DEFAULT_DICT_NAME


def _cache_file(folder: Path, user_bytes: bytes | None) -> Path | None:
    """The cache file for this jieba and user dictionary, or None when jieba's dictionary cannot be found."""
    try:
        stat = _jieba_dictionary().stat()
    except OSError:
        return None
    key = hashlib.sha256()
    key.update(f"{CACHE_FORMAT}\n{jieba.__version__}\n{_jieba_dictionary()}\n{stat.st_size}\n{stat.st_mtime_ns}\n".encode())
    key.update(b"user dictionary\n" + user_bytes if user_bytes is not None else b"no user dictionary")
    return folder / f"{CACHE_PREFIX}{key.hexdigest()[:24]}{CACHE_SUFFIX}"


def _forced_splits(user_bytes: bytes) -> list[str]:
    """User-dictionary words given frequency 0, which jieba's load_userdict marks force-split (a global set)."""
    forced = []
    for raw in user_bytes.decode("utf-8").splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        word, freq, _tag = jieba.re_userdict.match(line).groups()  # type: ignore[union-attr]
        if freq is not None and int(freq) == 0:
            forced.append(word)
    return forced


def _read_cache(path: Path) -> jieba.Tokenizer | None:
    """The tokenizer stored in `path`, or None when it is missing or unreadable."""
    try:
        data = marshal.loads(path.read_bytes())  # one read: marshal.load(file) reads piece by piece
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 4):
        return None
    freq, total, tags, forced = data
    if not (isinstance(freq, dict) and isinstance(total, int) and isinstance(tags, dict) and isinstance(forced, list)):
        return None
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab = freq, total, tags
    tokenizer.initialized = True
    for word in forced:
        finalseg.add_force_split(word)
    return tokenizer


def _write_cache(path: Path, tokenizer: jieba.Tokenizer, forced: list[str]) -> None:
    """Store the merged dictionary atomically and drop older caches; a failure only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=CACHE_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                marshal.dump((tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab, forced), out)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        for old in path.parent.glob(f"{CACHE_PREFIX}*{CACHE_SUFFIX}"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as error:
        log.debug("jieba dictionary cache not written to %s: %s", path, error)


def tokenize(text: str) -> list[Token]:
    """Segment `text` into tokens with offsets."""
    return [Token(word, start, end) for word, start, end in get_tokenizer().tokenize(text)]


def cut(text: str) -> list[str]:
    """Segment `text` into words."""
    return get_tokenizer().lcut(text)

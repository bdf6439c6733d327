"""Word segmentation: one jieba tokenizer per process, with the government-domain user dictionary.

jieba's own start-up reads its 9 MB prefix-dictionary cache with `marshal.load` on an open file, which reads
it in small pieces (over half a second on a 2-core VM), then adds the user dictionary word by word. So the
prefix dictionary with the user dictionary already merged is cached once under the user's cache folder
(`review.resources.cache_dir()`, never in the repository), keyed by jieba's version and the content hashes of its
dictionary and the user dictionary, and read back in one piece (about a third of the time). A missing, stale,
corrupt or unwritable cache falls back to building the dictionary from jieba's dict.txt: the same dictionary,
only slower.

Only a cache this user wrote is read: the folder is created with mode 0700 and used only when this user owns it
and no one else may write to it, and a cache file only when it is a regular file (not a link) that this user owns
and no one else may write. jieba's own cache (`/tmp/jieba.cache` by default: a marshal file any local user could
plant) is never read: the dictionary is built without it, and the tokenizers' cache path points into the private
folder in case jieba ever initialises them itself.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import stat
import tempfile
import threading
from itertools import accumulate
from math import log as natural_log
from pathlib import Path
from typing import Iterator, NamedTuple

import jieba
from jieba import finalseg
from jieba import re_han_default as RE_HAN
from jieba import re_skip_default as RE_SKIP

from review.resources import cache_dir, collector_paused, lexicon_path

USER_DICT = "gov_userdict.txt"
CACHE_FORMAT = 2  # bump when the cached tuple or the key changes
CACHE_PREFIX = "jieba-"
CACHE_SUFFIX = ".marshal"
# jieba's own cache name inside the private folder (it only uses it if someone re-initialises a tokenizer)
JIEBA_CACHE_NAME = "jieba-own.cache"
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
# folders logged about already: an unusable cache folder is said once per process (at INFO when it is only
# unwritable, which costs speed; at WARNING when someone else could write to it)
_warned: set[str] = set()
log = logging.getLogger(__name__)


class Token(NamedTuple):
    """A word and its half-open span in the normalised text (a named tuple: hundreds are made per post)."""

    word: str
    start: int
    end: int


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, initialised once with lexicons/gov_userdict.txt."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                folder = private_cache_folder(cache_dir())
                if not jieba.dt.initialized:  # jieba.lcut & co. (benchmarks) would read /tmp/jieba.cache
                    _keep_out_of_tmp(jieba.dt, folder)
                with collector_paused():  # half a million words, no garbage
                    _tokenizer = load_tokenizer(lexicon_path(USER_DICT), folder)
    return _tokenizer


def load_tokenizer(user_dict: Path, cache_folder: Path | None) -> jieba.Tokenizer:
    """A jieba tokenizer with `user_dict` merged in, read from (or written to) the cache in `cache_folder`."""
    jieba.setLogLevel(logging.WARNING)
    folder = private_cache_folder(cache_folder) if cache_folder is not None else None
    user_bytes = user_dict.read_bytes() if user_dict.exists() else None
    cache_file = _cache_file(folder, user_bytes) if folder is not None else None
    if cache_file is not None:
        cached = _read_cache(cache_file)
        if cached is not None:
            _keep_out_of_tmp(cached, folder)
            return cached
    tokenizer = jieba.Tokenizer()
    _keep_out_of_tmp(tokenizer, folder)
    # what tokenizer.initialize() does, minus its cache: it would read /tmp/jieba.cache (as fast as this)
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    tokenizer.initialized = True
    if user_bytes is not None:
        tokenizer.load_userdict(str(user_dict))
    if cache_file is not None:
        _write_cache(cache_file, tokenizer, _forced_splits(user_bytes or b""))
    return tokenizer


def private_cache_folder(folder: Path) -> Path | None:
    """`folder`, created with mode 0700, when only this user can write to it; else None (no cache, said once)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder)  # follows a link: what counts is who owns the folder the files land in
    except OSError as error:
        _log_once(str(folder), logging.INFO, "jieba dictionary cache folder %s unusable (%s): building the "
                  "dictionary at each start", folder, error)
        return None
    if not stat.S_ISDIR(info.st_mode) or not _owned_and_private(info):
        _log_once(str(folder), logging.WARNING, "jieba dictionary cache folder %s is not this user's alone (owner "
                  "or mode): not used, building the dictionary at each start", folder)
        return None
    return folder


def _owned_and_private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owner or mode bits to check
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _log_once(key: str, level: int, message: str, *args: object) -> None:
    if key not in _warned:
        _warned.add(key)
        log.log(level, message, *args)


def _keep_out_of_tmp(tokenizer: jieba.Tokenizer, folder: Path | None) -> None:
    """Point jieba's own cache path into the private folder, or nowhere, never at the shared temporary folder."""
    # jieba reads os.path.join(tmp_dir or tempfile.gettempdir(), cache_file) when it initialises a tokenizer;
    # os.devnull is no folder, so with no private folder it neither finds nor writes a cache there
    tokenizer.tmp_dir = str(folder) if folder is not None else os.devnull
    tokenizer.cache_file = JIEBA_CACHE_NAME


def _jieba_dictionary() -> Path:
    return Path(os.path.dirname(jieba.__file__)) / jieba.DEFAULT_DICT_NAME


def _cache_file(folder: Path, user_bytes: bytes | None) -> Path | None:
    """The cache file for this jieba and user dictionary, or None when jieba's dictionary cannot be read."""
    try:
        with open(_jieba_dictionary(), "rb") as handle:
            dictionary = hashlib.file_digest(handle, "sha256").hexdigest()  # 5 MB: about 8 ms
    except OSError:
        return None
    key = hashlib.sha256()
    key.update(f"{CACHE_FORMAT}\n{jieba.__version__}\n{dictionary}\n".encode())
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


def _read_private(path: Path) -> bytes | None:
    """The bytes of `path` when it is a regular file this user owns and no one else may write, else None."""
    try:
        # O_NOFOLLOW and fstat on the open file: the file checked is the file read, not a link or a swapped file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _owned_and_private(info):
            log.warning("jieba dictionary cache %s is not this user's own file: not read, rebuilt", path)
            return None
        return handle.read()  # one read: marshal.load(file) reads piece by piece


def _read_cache(path: Path) -> jieba.Tokenizer | None:
    """The tokenizer stored in `path`, or None when it is missing, unreadable or not this user's own file."""
    raw = _read_private(path)
    if raw is None:
        return None
    try:
        data = marshal.loads(raw)
    except (EOFError, ValueError, TypeError):
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
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=CACHE_SUFFIX)  # mode 0600
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
        _log_once(str(path.parent), logging.INFO, "jieba dictionary cache not written to %s (%s): building the "
                  "dictionary at each start", path, error)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Segment `text` into tokens with offsets (`offset` added to each: where `text` starts in a longer one)."""
    words = list(cut_words(get_tokenizer(), text))
    starts = list(accumulate(map(len, words), initial=offset))
    return list(map(Token, words, starts, starts[1:]))


def cut(text: str) -> list[str]:
    """Segment `text` into words."""
    return list(cut_words(get_tokenizer(), text))


# ---- jieba's default cut (accurate mode, HMM on), per request ------------------------------------------------
# The same words as `jieba.Tokenizer.cut(text)`, about 1.5x faster: the word graph and the best route are
# built in one backward pass over lists instead of a DAG dictionary and a generator per character (jieba's
# get_DAG + calc), with the same scores compared in the same order. tests/test_segment.py checks it against
# jieba itself.


def cut_words(tokenizer: jieba.Tokenizer, text: str) -> Iterator[str]:
    """The words of `text`, as `tokenizer.cut(text)` yields them."""
    for block in RE_HAN.split(text):
        if not block:
            continue
        if RE_HAN.match(block):
            yield from _cut_block(tokenizer, block)
        else:
            for piece in RE_SKIP.split(block):
                if RE_SKIP.match(piece):
                    yield piece
                else:
                    yield from piece


def _cut_block(tokenizer: jieba.Tokenizer, block: str) -> Iterator[str]:
    """One run of word characters: the most probable route through the dictionary, unknown runs to the HMM."""
    freq = tokenizer.FREQ
    log_total = natural_log(tokenizer.total)
    size = len(block)
    score = [0.0] * (size + 1)  # best log-probability of block[k:]
    last = [0] * (size + 1)  # where the first word of that route ends (inclusive)
    for k in range(size - 1, -1, -1):
        best: tuple[float, int] | None = None
        i, fragment = k, block[k]
        while i < size and fragment in freq:  # FREQ holds every prefix of every word (prefixes with 0)
            count = freq[fragment]
            if count:
                candidate = (natural_log(count) - log_total + score[i + 1], i)
                if best is None or candidate > best:
                    best = candidate
            i += 1
            fragment = block[k : i + 1]
        if best is None:
            best = (natural_log(freq.get(block[k]) or 1) - log_total + score[k + 1], k)
        score[k], last[k] = best
    x, pending = 0, ""
    while x < size:
        y = last[x] + 1
        if y - x == 1:
            pending += block[x]
        else:
            if pending:
                yield from _single_characters(freq, pending)
                pending = ""
            yield block[x:y]
        x = y
    if pending:
        yield from _single_characters(freq, pending)


# The HMM for new words reads a run of one-character words at ~50 us a character (20,000 of 的 took 1 s). In 2,031
# held-out news articles and dev posts no run is longer than 23; a longer one is no prose (的 × 20,000, random
# characters), and its characters stay single words instead: the one place where the cut is not jieba's own.
HMM_MAX_RUN = 64


def _single_characters(freq: dict[str, int], run: str) -> Iterator[str]:
    """A run of one-character words: a word jieba does not know goes to the HMM for new words."""
    if len(run) == 1:
        yield run
    elif not freq.get(run) and len(run) <= HMM_MAX_RUN:
        yield from finalseg.cut(run)
    else:
        yield from run

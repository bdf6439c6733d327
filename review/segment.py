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
from itertools import accumulate
from math import log as natural_log
from pathlib import Path
from typing import Iterator, NamedTuple

import jieba
from jieba import finalseg
from jieba import re_han_default as RE_HAN, re_skip_default as RE_SKIP

from review.resources import cache_dir, lexicon_path

USER_DICT = "gov_userdict.txt"
CACHE_FORMAT = 1  # bump when the cached tuple changes
CACHE_PREFIX = "jieba-"
CACHE_SUFFIX = ".marshal"
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
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
    words = list(cut_words(get_tokenizer(), text))
    ends = list(accumulate(map(len, words)))
    return list(map(Token, words, [0, *ends[:-1]], ends))


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


def _single_characters(freq: dict[str, int], run: str) -> Iterator[str]:
    """A run of one-character words: a word jieba does not know goes to the HMM for new words."""
    if len(run) == 1:
        yield run
    elif not freq.get(run):
        yield from finalseg.cut(run)
    else:
        yield from run

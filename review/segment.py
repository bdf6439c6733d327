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
import string
import threading
import weakref
from itertools import accumulate
from math import log as natural_log
from pathlib import Path
from typing import Iterator, NamedTuple

import jieba
from jieba import finalseg
from jieba import re_han_default as RE_HAN
from jieba import re_skip_default as RE_SKIP

from review.resources import (
    cache_dir,
    collector_paused,
    lexicon_path,
    private_cache_folder,
    read_private_file,
    write_private_file,
)

USER_DICT = "gov_userdict.txt"
CACHE_FORMAT = 2  # bump when the cached tuple or the key changes
CACHE_PREFIX = "jieba-"
CACHE_SUFFIX = ".marshal"
# jieba's own cache name inside the private folder (it only uses it if someone re-initialises a tokenizer)
JIEBA_CACHE_NAME = "jieba-own.cache"
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_digest: str | None = None  # `dictionary_digest` of the process tokenizer, once asked ("" when unknown)
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


def _dictionary_key(user_bytes: bytes | None) -> str | None:
    """A digest of jieba's version, its dictionary and the user dictionary: what the merged dictionary is made
    from (None when jieba's dictionary cannot be read)."""
    try:
        with open(_jieba_dictionary(), "rb") as handle:
            dictionary = hashlib.file_digest(handle, "sha256").hexdigest()  # 5 MB: about 8 ms
    except OSError:
        return None
    key = hashlib.sha256()
    key.update(f"{CACHE_FORMAT}\n{jieba.__version__}\n{dictionary}\n".encode())
    key.update(b"user dictionary\n" + user_bytes if user_bytes is not None else b"no user dictionary")
    return key.hexdigest()[:24]


def _cache_file(folder: Path, user_bytes: bytes | None) -> Path | None:
    """The cache file for this jieba and user dictionary, or None when jieba's dictionary cannot be read."""
    key = _dictionary_key(user_bytes)
    return folder / f"{CACHE_PREFIX}{key}{CACHE_SUFFIX}" if key is not None else None


def dictionary_digest(freq: object) -> str | None:
    """The digest of what the process tokenizer's dictionary is made from, when `freq` is that dictionary (its
    FREQ table: never changed after loading); None for any other table. Tables derived from it are cached by it."""
    tokenizer = _tokenizer
    if tokenizer is None or freq is not tokenizer.FREQ:
        return None
    global _digest
    if _digest is None:
        user_dict = lexicon_path(USER_DICT)
        _digest = _dictionary_key(user_dict.read_bytes() if user_dict.exists() else None) or ""
    return _digest or None


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
    """The tokenizer stored in `path`, or None when it is missing, unreadable or not this user's own file."""
    raw = read_private_file(path)
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
    data = marshal.dumps((tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab, forced))
    if write_private_file(path, data):
        for old in path.parent.glob(f"{CACHE_PREFIX}*{CACHE_SUFFIX}"):
            if old != path:
                old.unlink(missing_ok=True)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Segment `text` into tokens with offsets (`offset` added to each: where `text` starts in a longer one)."""
    words = cut_words(get_tokenizer(), text)
    starts = list(accumulate(map(len, words), initial=offset))
    return list(map(Token, words, starts, starts[1:]))


def cut(text: str) -> list[str]:
    """Segment `text` into words."""
    return cut_words(get_tokenizer(), text)


# ---- jieba's default cut (accurate mode, HMM on), per request ------------------------------------------------
# The same words as `jieba.Tokenizer.cut(text)`, about 1.8x faster: the word graph and the best route are
# built in one backward pass over lists instead of a DAG dictionary and a generator per character (jieba's
# get_DAG + calc), with the same scores compared in the same order, and the words go into one list instead of
# through nested generators. tests/test_segment.py checks it against jieba itself.


def cut_words(tokenizer: jieba.Tokenizer, text: str) -> list[str]:
    """The words of `text`, as `tokenizer.cut(text)` yields them."""
    words: list[str] = []
    freq = tokenizer.FREQ
    log_total = natural_log(tokenizer.total)
    single = _single_char_counts(tokenizer)
    # split() with one capturing group alternates: the odd pieces are the runs RE_HAN matched, the even ones
    # lie between them (what jieba finds by matching each piece again)
    for number, block in enumerate(RE_HAN.split(text)):
        if not block:
            continue
        if number & 1:
            _cut_block(freq, single, log_total, block, words)
        else:
            for part, piece in enumerate(RE_SKIP.split(block)):
                if part & 1:
                    words.append(piece)
                elif piece:
                    words.extend(piece)
    return words


_NO_ROUTE = float("-inf")
# Every character a run of RE_HAN can hold (the CJK block jieba reads, ASCII letters, digits and +#&._%-).
_RUN_CHARS = "".join(map(chr, range(0x4E00, 0x9FD6))) + string.ascii_letters + string.digits + "+#&._%-"
_single_counts: "weakref.WeakKeyDictionary[jieba.Tokenizer, dict[str, int]]" = weakref.WeakKeyDictionary()


def _single_char_counts(tokenizer: jieba.Tokenizer) -> dict[str, int]:
    """FREQ's entries for the characters of runs, apart: every position of a run looks its character up first, and
    a 21,000-entry dictionary stays in the CPU caches where the 500,000-word one does not (the same counts)."""
    found = _single_counts.get(tokenizer)
    if found is None:
        get = tokenizer.FREQ.get
        found = {char: count for char in _RUN_CHARS if (count := get(char)) is not None}
        _single_counts[tokenizer] = found
    return found


def _cut_block(freq: dict[str, int], single: dict[str, int], log_total: float, block: str, words: list[str]) -> None:
    """One run of word characters: the most probable route through the dictionary, unknown runs to the HMM
    (`single`: FREQ's entries of single characters, see `_single_char_counts`)."""
    get = freq.get
    first_count = single.get
    log = natural_log
    size = len(block)
    score = [0.0] * (size + 1)  # best log-probability of block[k:]
    last = [0] * (size + 1)  # where the first word of that route ends (inclusive)
    for k in range(size - 1, -1, -1):
        # FREQ holds every prefix of every word (prefixes with 0): a fragment not in it ends the search.
        # jieba keeps the max of (score, end) tuples; ends grow, so `>=` keeps the same one on a tie.
        count = first_count(block[k])
        best, best_end = _NO_ROUTE, k
        i = k
        while count is not None:
            if count:
                candidate = log(count) - log_total + score[i + 1]
                if candidate >= best:
                    best, best_end = candidate, i
            i += 1
            if i == size:
                break
            count = get(block[k : i + 1])
        if best == _NO_ROUTE:
            best = log(first_count(block[k]) or 1) - log_total + score[k + 1]
        score[k] = best
        last[k] = best_end
    x, pending = 0, ""
    while x < size:
        y = last[x] + 1
        if y - x == 1:
            pending += block[x]
        else:
            if pending:
                _single_characters(freq, pending, words)
                pending = ""
            words.append(block[x:y])
        x = y
    if pending:
        _single_characters(freq, pending, words)


# The HMM for new words reads a run of one-character words at ~50 us a character (20,000 of 的 took 1 s). In 2,031
# held-out news articles and dev posts no run is longer than 23; a longer one is no prose (的 × 20,000, random
# characters), and its characters stay single words instead: the one place where the cut is not jieba's own.
HMM_MAX_RUN = 64


def _single_characters(freq: dict[str, int], run: str, words: list[str]) -> None:
    """A run of one-character words: a word jieba does not know goes to the HMM for new words."""
    if len(run) == 1:
        words.append(run)
    elif not freq.get(run) and len(run) <= HMM_MAX_RUN:
        hmm_cut(run, words)
    else:
        words.extend(run)


# ---- jieba's HMM for new words (finalseg.cut), with its Viterbi unrolled ------------------------------------
# finalseg's viterbi builds a dictionary, two tuples and a copied path list per state and character; the same
# four states, sums (in the same order) and tie-breaks in straight-line code, with back-pointers, give the
# same states about three times faster.

_HMM_HAN, _HMM_SKIP = finalseg.re_han, finalseg.re_skip


def hmm_cut(run: str, words: list[str]) -> None:
    """Append the words of `run` as `jieba.finalseg.cut(run)` yields them."""
    forced = finalseg.Force_Split_Words
    for number, block in enumerate(_HMM_HAN.split(run)):
        if number & 1:
            for word in _hmm_words(block):
                if word in forced:
                    words.extend(word)
                else:
                    words.append(word)
        elif block:
            words.extend(piece for piece in _HMM_SKIP.split(block) if piece)


def _hmm_states(obs: str) -> list[str]:
    """The most probable B/M/E/S state of each character (finalseg.viterbi's path, the same ties)."""
    emit, trans, start, floor = finalseg.emit_P, finalseg.trans_P, finalseg.start_P, finalseg.MIN_FLOAT
    emit_b, emit_m, emit_s, emit_e = emit["B"].get, emit["M"].get, emit["S"].get, emit["E"].get
    e_to_b, s_to_b = trans["E"]["B"], trans["S"]["B"]
    m_to_m, b_to_m = trans["M"]["M"], trans["B"]["M"]
    s_to_s, e_to_s = trans["S"]["S"], trans["E"]["S"]
    b_to_e, m_to_e = trans["B"]["E"], trans["M"]["E"]
    char = obs[0]
    v_b = start["B"] + emit_b(char, floor)
    v_m = start["M"] + emit_m(char, floor)
    v_s = start["S"] + emit_s(char, floor)
    v_e = start["E"] + emit_e(char, floor)
    # per character after the first: the state each state came from (max of (probability, state) tuples in
    # jieba: on a tie the later letter wins, S over E, M over B)
    back: list[tuple[str, str, str, str]] = []
    for char in obs[1:]:
        em = emit_b(char, floor)
        from_e, from_s = v_e + e_to_b + em, v_s + s_to_b + em
        n_b, p_b = (from_s, "S") if from_s >= from_e else (from_e, "E")
        em = emit_m(char, floor)
        from_m, from_b = v_m + m_to_m + em, v_b + b_to_m + em
        n_m, p_m = (from_m, "M") if from_m >= from_b else (from_b, "B")
        em = emit_s(char, floor)
        from_s, from_e = v_s + s_to_s + em, v_e + e_to_s + em
        n_s, p_s = (from_s, "S") if from_s >= from_e else (from_e, "E")
        em = emit_e(char, floor)
        from_b, from_m = v_b + b_to_e + em, v_m + m_to_e + em
        n_e, p_e = (from_m, "M") if from_m >= from_b else (from_b, "B")
        v_b, v_m, v_s, v_e = n_b, n_m, n_s, n_e
        back.append((p_b, p_m, p_s, p_e))
    state = "S" if v_s >= v_e else "E"
    states = [state]
    slot = "BMSE"
    for pointers in reversed(back):
        state = pointers[slot.index(state)]
        states.append(state)
    states.reverse()
    return states


def _hmm_words(sentence: str) -> Iterator[str]:
    """finalseg's __cut: the words the HMM states mark."""
    states = _hmm_states(sentence)
    begin, following = 0, 0
    for i, char in enumerate(sentence):
        state = states[i]
        if state == "B":
            begin = i
        elif state == "E":
            yield sentence[begin : i + 1]
            following = i + 1
        elif state == "S":
            yield char
            following = i + 1
    if following < len(sentence):
        yield sentence[following:]

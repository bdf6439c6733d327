"""Word -> part-of-speech tag tables held compactly: a sorted blob of the words, not a string object a word.

Two tables use it: the function-word model's 136,617 tagged words (a dict of them held ~10 MB in every process
that ran the typo check) and jieba.posseg's 349,000 words of jieba's dictionary, which the typo check's protection
tags with (a dict ~22 MB, read from the dictionary file in ~0.3 s at its first use). `pos_word_tags` keeps the
second one's table in the private cache folder, so later processes read it in milliseconds.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO, Sequence

import numpy as np

from review.resources import cache_dir, private_cache_folder, read_private_file, write_private_file

POS_CACHE_FORMAT = 1  # bump when the cached arrays or their key change
POS_CACHE_PREFIX = "pos-tags-"


class WordTags(Mapping[str, str]):
    """word -> tag from a sorted blob of words (UTF-8, one per line) and one byte a word naming its tag.

    A lookup is a binary search over the blob (UTF-8 bytes sort as the code points do), a few microseconds;
    the function-word features and jieba.posseg each look a word up once per occurrence at most. `update` adds
    tags on top (jieba.posseg adds the user dictionary's this way).
    """

    def __init__(self, blob: bytes, tag_ids: bytes, tag_names: Sequence[str]) -> None:
        """`blob`: the words sorted, UTF-8, joined by newlines; `tag_ids[k]`: the index of word k's tag."""
        self._blob = blob
        self._tag_ids = tag_ids
        self._tag_names = tuple(tag_names)
        self._added: dict[str, str] = {}
        # starts of the words, and one past the last word's end (as if a newline followed it)
        starts = np.zeros(1, dtype=np.uint32)
        if blob:
            newlines = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0x0A) + 1
            starts = np.concatenate((starts, newlines, [len(blob) + 1])).astype(np.uint32)
        self._starts = array("I", starts.tobytes())  # indexing an array gives a Python int fast
        if len(self._starts) - 1 != len(tag_ids):
            raise ValueError(f"{len(self._starts) - 1} tagged words but {len(tag_ids)} tags")
        if tag_ids and max(tag_ids) >= len(self._tag_names):
            raise ValueError(f"a tag id past the {len(self._tag_names)} tag names")

    @classmethod
    def from_dict(cls, tags: Mapping[str, str]) -> "WordTags":
        """The compact form of a word -> tag mapping (words holding a newline cannot be stored)."""
        words = sorted(tags)
        if any("\n" in word for word in words):
            raise ValueError("a tagged word holds a line break")
        names = sorted(set(tags.values()))
        index = {name: k for k, name in enumerate(names)}
        return cls("\n".join(words).encode("utf-8"), bytes(index[tags[w]] for w in words), names)

    def to_npz(self) -> bytes:
        """The table (with its added tags) as an uncompressed .npz of plain arrays (`from_npz` reads it)."""
        table = WordTags.from_dict(dict(self)) if self._added else self
        out = io.BytesIO()
        np.savez(out, words=np.frombuffer(table._blob, dtype=np.uint8),
                 tag_ids=np.frombuffer(table._tag_ids, dtype=np.uint8),
                 tag_names=np.frombuffer("\n".join(table._tag_names).encode("utf-8"), dtype=np.uint8))
        return out.getvalue()

    @classmethod
    def from_npz(cls, data: bytes) -> "WordTags":
        """A table written by `to_npz` (no pickles; ValueError when the data is not one)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                names = bytes(arrays["tag_names"]).decode("utf-8")
                return cls(bytes(arrays["words"]), bytes(arrays["tag_ids"]), names.split("\n") if names else [])
        except (OSError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as error:
            raise ValueError(f"not a word-tag table: {error}") from None

    def update(self, tags: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Add or replace tags, as dict.update does."""
        self._added.update(tags)

    def _word(self, k: int) -> bytes:
        return self._blob[self._starts[k]: self._starts[k + 1] - 1]

    def _find(self, word: str) -> int:
        """Index of `word` in the blob, or -1."""
        if not isinstance(word, str) or "\n" in word:
            return -1
        key = word.encode("utf-8", "surrogatepass")
        low, high = 0, len(self._tag_ids)
        while low < high:
            middle = (low + high) // 2
            if self._word(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low if low < len(self._tag_ids) and self._word(low) == key else -1

    def __getitem__(self, word: str) -> str:
        added = self._added.get(word)
        if added is not None:
            return added
        k = self._find(word)
        if k < 0:
            raise KeyError(word)
        return self._tag_names[self._tag_ids[k]]

    def __iter__(self) -> Iterator[str]:
        for k in range(len(self._tag_ids)):
            word = self._word(k).decode("utf-8")
            if word not in self._added:
                yield word
        yield from self._added

    def __len__(self) -> int:
        return len(self._tag_ids) + sum(1 for word in self._added if self._find(word) < 0)


def read_word_tags(lines: Iterable[bytes]) -> dict[str, str]:
    """jieba.posseg's word -> tag table of a dictionary file's lines (`POSTokenizer.load_word_tag`: the same
    pairs, the last line of a word winning, the same error for a bad line)."""
    table: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        try:
            line = raw.strip().decode("utf-8")
            if not line:
                continue
            word, _, tag = line.split(" ")
        except Exception:
            raise ValueError(f"invalid POS dictionary entry at line {number}: {raw!r}") from None
        table[word] = tag
    return table


def pos_word_tags(handle: BinaryIO) -> WordTags:
    """jieba.posseg's word -> tag table of the dictionary file `handle` (open, binary; read whole here), from the
    private cache folder when this dictionary's table is there, else read and stored there for the next process."""
    data = handle.read()
    key = hashlib.sha256(f"{POS_CACHE_FORMAT}\n".encode() + data).hexdigest()[:24]
    folder = private_cache_folder(cache_dir())
    path = folder / f"{POS_CACHE_PREFIX}{key}.npz" if folder is not None else None
    if path is not None:
        cached = read_private_file(path)
        if cached is not None:
            try:
                return WordTags.from_npz(cached)
            except ValueError:
                pass  # a damaged copy: built again and replaced
    tags = WordTags.from_dict(read_word_tags(io.BytesIO(data)))  # lines as iterating the file gives them
    if path is not None and write_private_file(path, tags.to_npz()):
        for old in path.parent.glob(f"{POS_CACHE_PREFIX}*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    return tags

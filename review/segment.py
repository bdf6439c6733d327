"""Word segmentation: one jieba tokenizer per process, with the government-domain user dictionary."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import jieba

from review.resources import lexicon_path

USER_DICT = "gov_userdict.txt"
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


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
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                path = lexicon_path(USER_DICT)
                if path.exists():
                    tokenizer.load_userdict(str(path))
                _tokenizer = tokenizer
    return _tokenizer


def tokenize(text: str) -> list[Token]:
    """Segment `text` into tokens with offsets."""
    return [Token(word, start, end) for word, start, end in get_tokenizer().tokenize(text)]


def cut(text: str) -> list[str]:
    """Segment `text` into words."""
    return get_tokenizer().lcut(text)

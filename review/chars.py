"""What counts as a Chinese character (汉字), defined once for every module.

A Chinese character is a CJK Unified Ideograph of the basic block (U+4E00-U+9FFF) or of Extension A
(U+3400-U+4DBF): the ideographs government writing uses, rare ones included. CJK Compatibility Ideographs
(U+F900-U+FAFF) are not: the normaliser folds them into unified ones before any check reads the text.
"""

from __future__ import annotations

import re

import numpy as np

# as a regex character class body: f"[{HAN_CLASS}]"
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff"
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))


def is_han(char: str) -> bool:
    """True when `char` (one code point) is a Chinese character."""
    return len(char) == 1 and any(low <= ord(char) <= high for low, high in _RANGES)


def has_han(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return HAN_RUN.search(text) is not None


def all_han(text: str) -> bool:
    """True when `text` is non-empty and every character of it is Chinese."""
    return HAN_RUN.fullmatch(text) is not None


def han_mask(codes: np.ndarray) -> np.ndarray:
    """Per code point of `codes` (an integer array), True for a Chinese character."""
    return ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))

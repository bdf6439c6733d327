"""How much of a file is read: nothing from a file is trusted to be small (docs/inputs.md lists the limits)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from review.errors import InputError

MB = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """Bounds on reading one file; every reader checks the ones that apply to it."""

    max_bytes: int = 50 * MB  # the file itself
    # the extracted text: reviewed in sections of the contract's 20,000 characters, ten of them at most
    max_chars: int = 200_000
    max_unzipped_bytes: int = 200 * MB  # .docx: the declared sizes of all its parts together
    max_zip_entries: int = 5_000  # .docx: parts in the archive
    max_zip_ratio: int = 200  # .docx: a part over 1 MB unpacked may be at most this many times its packed size
    # .docx: one XML part (document.xml) unpacked; lxml's tree takes several times that in memory. A 200,000-character
    # document with heavy formatting is a few MB.
    max_xml_part_bytes: int = 40 * MB
    max_pages: int = 2_000  # PDF
    max_html_elements: int = 200_000  # HTML elements walked
    max_images: int = 50  # images read by OCR per file
    max_image_bytes: int = 20 * MB
    max_image_pixels: int = 60_000_000  # width × height; a 1080 × 20,000 long image (长图) is 21.6 M
    seconds: float = 120.0  # extraction and OCR of one file together


@dataclass
class Clock:
    """A file's time budget: text extraction refuses past it, OCR skips the images left."""

    limits: InputLimits
    started: float

    @classmethod
    def start(cls, limits: InputLimits) -> "Clock":
        """A budget that starts now."""
        return cls(limits, time.monotonic())

    def passed(self) -> bool:
        """True once the file has used its time."""
        return time.monotonic() - self.started >= self.limits.seconds

    def check(self, zh: str, en: str) -> None:
        """Raise InputError `input_too_slow` once the time is used (`zh`/`en`: what was being read)."""
        if self.passed():
            raise InputError(
                "input_too_slow",
                f"读取{zh}超过 {self.limits.seconds:g} 秒，已停止 / reading the {en} took over "
                f"{self.limits.seconds:g} seconds and was stopped",
                "file",
            )


def refuse_size(zh: str, en: str, size: int, limit: int, unit: str = "bytes") -> InputError:
    """The error for a file or part over a size limit (`zh`/`en`: what is too large)."""
    zh_unit = {"bytes": "字节", "pages": "页", "elements": "个元素", "entries": "个部件", "operators": "个"}.get(unit, unit)
    return InputError(
        "file_too_large",
        f"{zh}过大：{size} {zh_unit}，上限 {limit} {zh_unit} / the {en} is too large: {size} {unit}, the limit is "
        f"{limit}",
        "file",
    )


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None elsewhere (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Hand the heap memory a file's reading freed back to the system (glibc keeps it otherwise).

    A decoded image is hundreds of MB (a 7,700 × 7,700 PNG of 57 KB: 178 MB in RGB, more while it is scaled and read);
    freed, it stayed in the reading thread's heap, and a service worker went 301 → 843 MB after one such upload and
    stayed there. malloc_trim(0) returns the free pages of every heap: the same worker is back near its size. A few
    milliseconds, once a file; nothing where the C library has no such call."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

"""Which reader a file needs, by its content first and its name second, and the limits every reader works under."""

from __future__ import annotations

import os
import time
from pathlib import Path

from review.errors import InputError
from review.inputs.docx import extract_docx, is_docx
from review.inputs.html import extract_html, looks_like_html
from review.inputs.limits import Clock, InputLimits, refuse_size, release_freed_memory
from review.inputs.ocr import OCR_MISSING, add_image, is_image, ocr_problem
from review.inputs.pdf import extract_pdf, is_pdf
from review.inputs.plain import extract_text
from review.inputs.types import Extracted, ImageInfo, TextBuilder

# file names a folder given to `review batch` is read for; others are left alone
SUPPORTED_SUFFIXES = (".txt", ".text", ".md", ".docx", ".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg", ".gif",
                      ".bmp", ".webp", ".tif", ".tiff")
OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE container of .doc (Word 97-2003), .xls, .ppt


def extract(data: bytes, name: str | None = None, limits: InputLimits | None = None,
            base: Path | None = None) -> Extracted:
    """The text of a file's bytes with its source map: .docx, PDF with a text layer, HTML (WeChat articles), an
    image (OCR) or plain text (UTF-8, UTF-16/32 with a BOM, GB18030). `name` is for messages and the format's
    hint; `base` is the folder an HTML file's saved images are read from. Raises InputError with a bilingual
    message for a file that cannot be reviewed."""
    limits = limits or InputLimits()
    if len(data) > limits.max_bytes:
        raise refuse_size("文件", "file", len(data), limits.max_bytes)
    clock = Clock.start(limits)
    try:
        extracted = _read(data, name, limits, clock, base)
    finally:
        if not looks_plain(data):
            release_freed_memory()  # a decoded image or a parsed document leaves hundreds of MB free in the heap
    extracted.elapsed_ms = round((time.monotonic() - clock.started) * 1000, 2)
    return extracted


def looks_plain(data: bytes) -> bool:
    """True for a file that is none of the formats parsed into large structures (.docx, PDF, images, HTML)."""
    return not (data.startswith(b"PK\x03\x04") or is_pdf(data) or is_image(data) or looks_like_html(data, None))


# formats known by their bytes: a file named so whose bytes are none of them is damaged or misnamed
BINARY_SUFFIXES = frozenset({".docx", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"})


def _read(data: bytes, name: str | None, limits: InputLimits, clock: Clock, base: Path | None) -> Extracted:
    """The reader for the file's format."""
    if data.startswith(OLD_WORD):
        raise InputError("unsupported_format", "不支持旧版 .doc 文件，请在 Word 中另存为 .docx / old .doc files are not "
                         "supported: save it as .docx in Word", "file")
    if is_docx(data):
        return extract_docx(data, name, limits, clock)
    if data.startswith(b"PK\x03\x04"):
        raise InputError("unsupported_format", "压缩包或非 Word 的 Office 文件无法审校 / a zip archive or an Office file "
                         "other than .docx cannot be reviewed", "file")
    if is_pdf(data):
        return extract_pdf(data, name, limits, clock)
    if is_image(data):
        return extract_image(data, name or "image", limits, clock)
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in BINARY_SUFFIXES:
        # named as a binary format its bytes are not: say so, rather than that it is not UTF-8 text
        raise InputError("invalid_file", f"文件内容不是有效的 {suffix} 文件（可能已损坏或扩展名有误） / the file is not a "
                         f"valid {suffix} file (damaged, or the wrong extension)", "file")
    if looks_like_html(data, name):
        return extract_html(data, name, limits, clock, base)
    return extract_text(data, name, limits)


def extract_image(data: bytes, name: str, limits: InputLimits, clock: Clock) -> Extracted:
    """An image file: its OCR lines (kind "image", with their boxes). Without the OCR extra, a bilingual error."""
    builder = TextBuilder(limits.max_chars, name)
    images: list[ImageInfo] = []
    add_image(builder, data, name, limits, clock, images)
    skipped = images[0].skipped if images else None
    if skipped == "ocr_missing":
        raise InputError("ocr_missing", ocr_problem() or OCR_MISSING, "file")
    if skipped in ("too_large", "unreadable"):
        zh = "图片过大" if skipped == "too_large" else "图片无法读取"
        en = "the image is too large" if skipped == "too_large" else "the image cannot be read"
        raise InputError("invalid_image", f"{zh} / {en}: {name}", "file")
    return Extracted(text=builder.text(), format="image", name=name, spans=builder.spans, images=images)


def extract_path(path: str | os.PathLike, limits: InputLimits | None = None) -> Extracted:
    """`extract` for a file on disk (an HTML file's saved images are read from its folder)."""
    limits = limits or InputLimits()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise refuse_size("文件", "file", size, limits.max_bytes)
        data = path.read_bytes()
    except OSError as error:
        raise InputError("unreadable_file", f"无法读取文件 {path}：{error.strerror} / cannot read {path}: "
                         f"{error.strerror}", "file") from None
    return extract(data, path.name, limits, base=path.parent)


def folder_files(folder: str | os.PathLike, limit: int = 100_000) -> list[Path]:
    """The files of a folder (and its sub-folders) that `extract` reads, by name, in sorted order."""
    found = []
    for root, dirs, files in os.walk(folder):
        # a browser's "save complete page" puts an article's images in NAME_files/: read with the page, not alone
        dirs[:] = sorted(d for d in dirs if not d.endswith("_files") and not d.startswith("."))
        for file_name in sorted(files):
            if file_name.lower().endswith(SUPPORTED_SUFFIXES) and not file_name.startswith("."):
                found.append(Path(root) / file_name)
                if len(found) > limit:
                    raise refuse_size("文件夹中的文件数", "folder's file count", len(found), limit, "entries")
    return found

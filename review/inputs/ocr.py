"""Text in images, offline: RapidOCR (PP-OCRv4 detection, direction and recognition models shipped in the
rapidocr-onnxruntime wheel) behind the optional extra `ocr`; nothing is downloaded at run time."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

from review.inputs.limits import Clock, InputLimits
from review.inputs.types import ImageInfo, TextBuilder

OCR_MISSING = (
    "未安装图片文字识别（OCR）组件，图片中的文字未审校；安装：pip install 'review[ocr]' / text in images was not "
    "reviewed: the OCR extra is not installed (pip install 'review[ocr]')"
)
OCR_BROKEN = (
    "图片文字识别（OCR）组件无法加载（{error}），图片中的文字未审校；Debian/Ubuntu 上需安装系统库：apt-get install "
    "libgl1 libglib2.0-0 / text in images was not reviewed: the OCR extra cannot load ({error}); it needs the system "
    "libraries libgl1 and libglib2.0-0"
)
# RapidOCR shrinks an image whose longer side passes 2,000 pixels before detection, which makes the text of a long
# image (长图, 1080 × 20,000) unreadable: tall images are read in tiles of at most this height, overlapping by
# TILE_OVERLAP so that a line cut by one tile's edge is whole in the next one.
TILE_HEIGHT = 2_000
TILE_OVERLAP = 120
MAX_WIDTH = 2_000  # wider images are scaled down to this width first
# Lines read with less confidence than this are still returned (so findings in them can be weighed as `info`):
# RapidOCR's own default (0.5) would silently drop them.
MIN_LINE_SCORE = 0.3
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()  # one recognition at a time: onnxruntime already uses every core for one image


@dataclass(frozen=True)
class OcrLine:
    """One line of text read from an image: its box in the image's own pixels and the reader's confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float


def is_image(data: bytes) -> bool:
    """True for the image formats read here (PNG, JPEG, GIF, BMP, TIFF, WebP) by their first bytes."""
    return data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def ocr_problem() -> str | None:
    """Why text in images cannot be read here (a bilingual message), or None when it can."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ModuleNotFoundError:
        return OCR_MISSING
    except ImportError as error:  # installed, but OpenCV lacks a system library (libGL.so.1 on a bare server)
        return OCR_BROKEN.format(error=error)
    return None


def ocr_available() -> bool:
    """True when the `ocr` extra (rapidocr-onnxruntime) is installed and loads."""
    return ocr_problem() is None


def _get_engine() -> Any:
    """The process's one OCR engine (models load once)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                # detection at the image's own size (tiles are at most 2,000 pixels a side): RapidOCR's default
                # scales the shorter side up to 736 pixels, which made a 900 × 140 banner 4,700 pixels wide and its
                # detection take 5-9 s instead of 0.05 s, with the same lines read
                _engine = RapidOCR(text_score=MIN_LINE_SCORE, det_limit_type="max", det_limit_side_len=TILE_HEIGHT)
    return _engine


def _open_image(data: bytes, limits: InputLimits) -> Any:
    """The decoded image in RGB; raises ValueError("too_large") or ValueError("unreadable")."""
    from PIL import Image

    if len(data) > limits.max_image_bytes:
        raise ValueError("too_large")
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only: the size is known before any pixel
        width, height = image.size
        if width * height > limits.max_image_pixels or not width or not height:
            raise ValueError("too_large")
        image.seek(0)  # an animated GIF: its first frame
        image.load()
    except Image.DecompressionBombError:
        raise ValueError("too_large") from None
    except (OSError, SyntaxError, EOFError, Image.UnidentifiedImageError):
        raise ValueError("unreadable") from None
    return image.convert("RGB")


def _tiles(height: int) -> list[int]:
    """Top rows of the tiles a tall image is read in."""
    tops = [0]
    while tops[-1] + TILE_HEIGHT < height:
        tops.append(tops[-1] + TILE_HEIGHT - TILE_OVERLAP)
    return tops


def read_lines(image: Any, clock: Clock | None = None) -> tuple[list[OcrLine], bool]:
    """The lines of text in a PIL RGB image, top to bottom, and whether it was read to the end before the time
    ran out."""
    import numpy as np

    engine = _get_engine()
    scale = 1.0
    if image.width > MAX_WIDTH:
        scale = image.width / MAX_WIDTH
        image = image.resize((MAX_WIDTH, max(1, round(image.height / scale))))
    lines: list[OcrLine] = []
    tops = _tiles(image.height)
    for number, top in enumerate(tops):
        if clock is not None and clock.passed():
            return lines, False
        bottom = min(image.height, top + TILE_HEIGHT)
        tile = np.asarray(image.crop((0, top, image.width, bottom)))[:, :, ::-1]  # RGB to OpenCV's BGR
        with _run_lock:
            result, _ = engine(np.ascontiguousarray(tile))
        for points, text, score in result or []:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            line_top, line_bottom = min(ys), max(ys)
            # a line in the overlap is read by both tiles: keep it from the tile where it starts past the overlap's
            # middle (the one that holds it whole), once
            if number > 0 and line_top < TILE_OVERLAP / 2:
                continue
            if number < len(tops) - 1 and line_top >= (bottom - top) - TILE_OVERLAP / 2:
                continue
            box = (min(xs) * scale, (top + line_top) * scale, max(xs) * scale, (top + line_bottom) * scale)
            text = str(text).strip()
            if text:
                lines.append(OcrLine(text, tuple(int(round(v)) for v in box), float(score)))
    lines.sort(key=lambda line: (line.box[1] // 10, line.box[0]))  # reading order: rows, then left to right
    return lines, True


def add_image(builder: TextBuilder, data: bytes, name: str, limits: InputLimits, clock: Clock,
              images: list[ImageInfo], **where: Any) -> None:
    """Read one image's text into `builder` (one span per OCR line) and record it in `images`; an image that
    cannot be read is recorded with why (the extra missing, too large, unreadable, out of time or count)."""
    read = [image for image in images if not image.skipped]
    if len(read) >= limits.max_images:
        images.append(ImageInfo(name, skipped="count"))
        return
    if not ocr_available():
        images.append(ImageInfo(name, skipped="ocr_missing"))
        return
    if clock.passed():
        images.append(ImageInfo(name, skipped="time"))
        return
    try:
        image = _open_image(data, limits)
    except ValueError as error:
        images.append(ImageInfo(name, skipped=str(error)))
        return
    lines, complete = read_lines(image, clock)
    kept = 0
    for line in lines:
        if builder.add(line.text, "image", kept + 1, image=name, box=line.box, confidence=line.confidence, **where):
            kept += 1
    images.append(ImageInfo(name, image.width, image.height, kept, skipped=None if complete else "time"))

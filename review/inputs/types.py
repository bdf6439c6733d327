"""The typed result of reading a file: the extracted text, where each part of it came from, and what was found
out about the file on the way (title, author, time, images, warnings)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from review.errors import InputError

# Parts of a document are joined with this: paragraphs, pages, HTML blocks and OCR lines each start a line.
PART_SEPARATOR = "\n"


@dataclass(frozen=True)
class SourceSpan:
    """Where the extracted text's [start, end) came from.

    `kind`: "line" (plain text), "paragraph" (a .docx body paragraph), "table" (a paragraph in a .docx table
    cell), "textbox", "header" or "footer" (a paragraph in a .docx text box, page header or footer), "page" (a PDF
    page), "element" (an HTML block element) or "image" (one OCR line of an image).
    `index`: 1-based number of that paragraph, page, element or line within its kind.
    """

    start: int
    end: int
    kind: str
    index: int
    element: str | None = None  # HTML tag, or "table" for a .docx table cell
    image: str | None = None  # the image's name: a file, a .docx part (word/media/image1.png), an HTML src
    box: tuple[int, int, int, int] | None = None  # left, top, right, bottom in the image's own pixels
    confidence: float | None = None  # the OCR's confidence in this line, 0-1
    paragraph: int | None = None  # the .docx paragraph an image sits in

    def to_dict(self) -> dict:
        """The span as a finding's `source` object (only the fields that apply)."""
        data: dict[str, Any] = {"kind": self.kind, "index": self.index, "start": self.start, "end": self.end}
        for name in ("element", "image", "paragraph"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.box is not None:
            data["box"] = list(self.box)
        if self.confidence is not None:
            data["ocr_confidence"] = round(self.confidence, 4)
        return data


@dataclass(frozen=True)
class ImageInfo:
    """An image that was read (or skipped) while extracting."""

    name: str
    width: int | None = None
    height: int | None = None
    lines: int = 0  # OCR lines kept in the text
    skipped: str | None = None  # why it was not read: "ocr_missing", "too_large", "unreadable", "time", "count"

    def to_dict(self) -> dict:
        """The image as an item of `meta.input.images`."""
        data: dict[str, Any] = {"name": self.name, "width": self.width, "height": self.height, "lines": self.lines}
        if self.skipped:
            data["skipped"] = self.skipped
        return data


@dataclass(frozen=True)
class UnreadPart:
    """A part of a file that could not be read (a PDF page past the reader's limits, an embedded document): the
    file is reviewed without it, said so in a warning, and never cleared with `pass`."""

    zh: str
    en: str


@dataclass
class Extracted:
    """A file's text as the checks read it, with a source map: every character of `text` lies in at most one
    span, spans are in text order, and the separators between parts lie in none."""

    text: str
    format: str  # "text", "docx", "pdf", "html", "image"
    name: str | None = None
    spans: list[SourceSpan] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    account_name: str | None = None
    published_at: str | None = None
    images: list[ImageInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unread: list[UnreadPart] = field(default_factory=list)  # parts that could not be read (see UnreadPart)
    encoding: str | None = None  # plain text and HTML: how the bytes were decoded
    elapsed_ms: float | None = None  # reading the file (OCR included); the report's meta.elapsed_ms is the review

    def source_at(self, start: int, end: int | None = None) -> SourceSpan | None:
        """The span holding offset `start` (or, for a finding that begins on a separator, the next one before
        `end`)."""
        starts = [span.start for span in self.spans]
        index = bisect.bisect_right(starts, start) - 1
        if index >= 0 and self.spans[index].start <= start < self.spans[index].end:
            return self.spans[index]
        following = index + 1
        if following < len(self.spans) and end is not None and self.spans[following].start < end:
            return self.spans[following]
        return None

    @property
    def images_skipped(self) -> list[ImageInfo]:
        """Images whose text was not read."""
        return [image for image in self.images if image.skipped]

    def meta(self, include_text: bool = True) -> dict:
        """What the report's `meta.input` says about the file (docs/inputs.md)."""
        data: dict[str, Any] = {"format": self.format, "name": self.name, "chars": len(self.text)}
        for key in ("title", "author", "account_name", "published_at", "encoding", "elapsed_ms"):
            value = getattr(self, key)
            if value:
                data[key] = value
        data["parts"] = len(self.spans)
        if self.images:
            data["images"] = [image.to_dict() for image in self.images]
        if self.warnings:
            data["warnings"] = list(self.warnings)
        if self.unread:
            data["unread"] = [{"zh": part.zh, "en": part.en} for part in self.unread]
        if include_text:
            data["text"] = self.text
        return data


def describe_source(source: dict) -> str:
    """Where a finding's text came from, in Chinese for the editor (第 2 段, 第 3 页, 图片 a.png 第 1 行 …)."""
    kind, index = source.get("kind"), source.get("index")
    if kind == "image":
        box = source.get("box")
        where = f"，位置 ({box[0]}, {box[1]})–({box[2]}, {box[3]})" if box else ""
        return f"图片 {source.get('image')} 第 {index} 行{where}"
    return {
        "paragraph": f"第 {index} 段",
        "table": f"表格第 {index} 段",
        "textbox": f"文本框第 {index} 段",
        "header": f"页眉第 {index} 段",
        "footer": f"页脚第 {index} 段",
        "footnote": f"脚注第 {index} 段",
        "endnote": f"尾注第 {index} 段",
        "diagram": f"图示（SmartArt）第 {index} 段",
        "page": f"第 {index} 页",
        "element": f"第 {index} 个段落元素 <{source.get('element')}>",
        "line": f"第 {index} 行",
    }.get(kind, str(kind))


class TextBuilder:
    """Collects a document's parts into one text and its source map, refusing to grow past `max_chars`."""

    def __init__(self, max_chars: int, name: str | None = None) -> None:
        self.max_chars = max_chars
        self.name = name
        self.parts: list[str] = []
        self.spans: list[SourceSpan] = []
        self.length = 0

    def add(self, text: str, kind: str, index: int, **where: Any) -> SourceSpan | None:
        """Append one part (a paragraph, page, element or OCR line) on a line of its own; blank parts are
        skipped. Raises InputError `document_too_long` once the text would pass the limit."""
        text = text.strip("\n")
        if not text.strip():
            return None
        start = self.length + (len(PART_SEPARATOR) if self.parts else 0)
        end = start + len(text)
        if end > self.max_chars:
            raise document_too_long(self.max_chars, self.name)
        if self.parts:
            self.parts.append(PART_SEPARATOR)
        self.parts.append(text)
        span = SourceSpan(start, end, kind, index, **where)
        self.spans.append(span)
        self.length = end
        return span

    def text(self) -> str:
        """The text so far."""
        return "".join(self.parts)


def document_too_long(limit: int, name: str | None = None) -> InputError:
    """The error for a file whose text passes `limit` characters."""
    zh = f"文件 {name} 的文字" if name else "文件的文字"
    en = f"the text of {name}" if name else "the file's text"
    return InputError(
        "document_too_long",
        f"{zh}超过上限 {limit} 字，请拆分后分别审校 / {en} passes the limit of {limit} characters: split it and "
        "review the parts",
        "file",
    )

"""PDF files with a text layer, with pypdf: one part per page. pypdf bounds every stream it unpacks (75 MB by
default); the pages, the text and the time are bounded here. A scanned PDF (no text layer) is refused with advice
rather than reviewed as empty."""

from __future__ import annotations

import io
import logging

from review.errors import InputError
from review.inputs.limits import Clock, InputLimits, refuse_size
from review.inputs.types import Extracted, TextBuilder

# a page's content stream unpacked: a dense page of text is tens of KB, a scanned one holds an image reference
MAX_PAGE_CONTENT_BYTES = 8 * 1024 * 1024


def is_pdf(data: bytes) -> bool:
    """True for a file that starts like a PDF (within its first KB, as readers allow)."""
    return b"%PDF-" in data[:1024]


def extract_pdf(data: bytes, name: str | None, limits: InputLimits, clock: Clock) -> Extracted:
    """A PDF's text layer, page by page (kind "page", numbered from 1)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged xref table is repaired with a warning per object
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # an owner password only (printing, copying) opens with the empty user password
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, NotImplementedError):
        raise InputError("invalid_pdf", "无法读取 PDF 文件（损坏或已加密）/ cannot read the PDF (damaged or encrypted)",
                         "file") from None
    if pages > limits.max_pages:
        raise refuse_size("PDF 页数", "PDF's page count", pages, limits.max_pages, "pages")
    builder = TextBuilder(limits.max_chars, name)
    for number in range(pages):
        clock.check("PDF", "PDF")
        try:
            page = reader.pages[number]
            # extract_text interprets every operator of the page: a page of megabytes of them (packed into a few
            # KB) is refused before it is interpreted
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
        except Exception:  # a damaged page of an otherwise readable file: pypdf raises many kinds; the rest is read
            continue
        if size > MAX_PAGE_CONTENT_BYTES:
            raise refuse_size(f"PDF 第 {number + 1} 页的内容流", f"content stream of the PDF's page {number + 1}", size,
                              MAX_PAGE_CONTENT_BYTES)
        try:
            text = page.extract_text() or ""
        except Exception:
            text = ""
        builder.add(_unwrap(text), "page", number + 1)
    if not builder.spans:
        raise InputError(
            "no_text_layer",
            "PDF 没有文字层（可能是扫描件），请转换为图片后审校或提供 Word 文件 / the PDF has no text layer (a scan?): "
            "review its pages as images, or send the Word file",
            "file",
        )
    metadata = reader.metadata or {}
    author = metadata.get("/Author") if isinstance(metadata.get("/Author"), str) else None
    return Extracted(text=builder.text(), format="pdf", name=name, spans=builder.spans, author=author or None)


def _unwrap(text: str) -> str:
    """A page's text with blank lines dropped (a part holds no empty line); line breaks inside are kept, since
    where a line ends in a PDF is where the layout ended it, and offsets must stay simple."""
    return "\n".join(line for line in text.splitlines() if line.strip())

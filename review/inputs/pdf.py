"""PDF files with a text layer, one part per page, read by pypdf in a process of its own
(`review/inputs/pdf_worker.py`: killed past the file's time, capped in memory, and everything it allocated is freed
when it exits). The pages, each page's operators, the text and the time are bounded. A scanned PDF (no text layer)
is refused with advice rather than reviewed as empty."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from review.errors import InputError
from review.inputs.limits import MB, Clock, InputLimits, refuse_size
from review.inputs.types import Extracted, TextBuilder, UnreadPart

WORKER = Path(__file__).resolve().with_name("pdf_worker.py")
# a page's content stream unpacked: a dense page of text is tens of KB, a scanned one holds an image reference
MAX_PAGE_CONTENT_BYTES = 8 * 1024 * 1024
# text-showing operators (Tj, TJ, ', ") on one page: a dense page of Chinese set glyph by glyph has a few thousand;
# pypdf interprets about 20,000 a second, so 50,000 is under 3 s (900,000 in 11 KB took 49 s before this bound)
MAX_PAGE_TEXT_OPERATORS = 50_000
# one page's text extraction: a dense real page takes well under a second; text drawn through form XObjects or odd
# operators the count above does not see is bounded here (a hostile page held the upload lane for the file's 30 s)
MAX_PAGE_SECONDS = 5.0
# the reading process's address space: pypdf's parse of a page under the byte bound above stays well inside it
READER_MEMORY_BYTES = 1536 * MB
# the reading process starts in ~0.1 s; it is given this long on top of what the file's budget has left
START_GRACE_SECONDS = 2.0


def is_pdf(data: bytes) -> bool:
    """True for a file that starts like a PDF (within its first KB, as readers allow)."""
    return b"%PDF-" in data[:1024]


def _invalid() -> InputError:
    return InputError("invalid_pdf", "无法读取 PDF 文件（损坏或已加密）/ cannot read the PDF (damaged or encrypted)", "file")


def _too_slow(limits: InputLimits) -> InputError:
    return InputError(
        "input_too_slow",
        f"读取PDF超过 {limits.seconds:g} 秒，已停止 / reading the PDF took over {limits.seconds:g} seconds and was "
        "stopped",
        "file",
    )


def read_pages(data: bytes, limits: InputLimits, clock: Clock) -> dict:
    """The reading process's answer for `data` (see pdf_worker.py), or the InputError it stands for."""
    left = max(0.1, limits.seconds - (time.monotonic() - clock.started))
    bounds = {"max_pages": limits.max_pages, "max_page_bytes": MAX_PAGE_CONTENT_BYTES,
              "max_page_text_operators": MAX_PAGE_TEXT_OPERATORS, "seconds": left,
              "memory_bytes": READER_MEMORY_BYTES, "max_chars": limits.max_chars, "page_seconds": MAX_PAGE_SECONDS}
    try:
        # -I: isolated (no user site, no PYTHONPATH, no current folder): only this interpreter's packages
        done = subprocess.run([sys.executable, "-I", str(WORKER), json.dumps(bounds)], input=data,
                              capture_output=True, timeout=left + START_GRACE_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise _too_slow(limits) from None
    if done.returncode != 0:
        if b"MemoryError" in done.stderr or done.returncode < 0:
            raise InputError(
                "file_too_large",
                "PDF 结构过于复杂，读取时超出内存上限，已拒绝 / the PDF is too complex: reading it passed the memory "
                "limit, so it is refused",
                "file",
            )
        raise _invalid()
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise _invalid() from None
    refused = answer.get("refused")
    if refused == "invalid_pdf":
        raise _invalid()
    if refused == "time":
        raise _too_slow(limits)
    if refused == "pages":
        raise refuse_size("PDF 页数", "PDF's page count", answer["count"], limits.max_pages, "pages")
    if refused == "page_bytes":
        page = answer["page"]
        raise refuse_size(f"PDF 第 {page} 页的内容流", f"content stream of the PDF's page {page}", answer["size"],
                          MAX_PAGE_CONTENT_BYTES)
    if refused == "page_time":
        page = answer["page"]
        raise InputError(
            "file_too_large",
            f"PDF 第 {page} 页过于复杂，{MAX_PAGE_SECONDS:g} 秒内未能读出文字，已拒绝 / the PDF's page {page} is too "
            f"complex: its text could not be read within {MAX_PAGE_SECONDS:g} seconds, so the file is refused",
            "file",
        )
    if refused == "page_text_operators":
        page = answer["page"]
        raise refuse_size(f"PDF 第 {page} 页的文字操作符", f"text operators of the PDF's page {page}", answer["count"],
                          MAX_PAGE_TEXT_OPERATORS, "operators")
    return answer


def extract_pdf(data: bytes, name: str | None, limits: InputLimits, clock: Clock) -> Extracted:
    """A PDF's text layer, page by page (kind "page", numbered from 1)."""
    answer = read_pages(data, limits, clock)
    builder = TextBuilder(limits.max_chars, name)
    for number, text in answer["pages"]:
        builder.add(_unwrap(text), "page", number)
    unread = [UnreadPart(f"PDF 第 {number} 页", f"the PDF's page {number}") for number in answer.get("unread", [])]
    if not builder.spans and not unread:
        raise InputError(
            "no_text_layer",
            "PDF 没有文字层（可能是扫描件），请转换为图片后审校或提供 Word 文件 / the PDF has no text layer (a scan?): "
            "review its pages as images, or send the Word file",
            "file",
        )
    if not builder.spans:
        raise InputError(
            "unreadable_file",
            "PDF 各页的文字都无法读出（文字层损坏或超出解析上限），未审校 / no page of the PDF could be read (a damaged "
            "text layer, or past the reader's limits): nothing was reviewed",
            "file",
        )
    return Extracted(text=builder.text(), format="pdf", name=name, spans=builder.spans,
                     author=answer.get("author") or None, unread=unread)


def _unwrap(text: str) -> str:
    """A page's text with blank lines dropped (a part holds no empty line); line breaks inside are kept, since
    where a line ends in a PDF is where the layout ended it, and offsets must stay simple."""
    return "\n".join(line for line in text.splitlines() if line.strip())

"""Word files (.docx) with python-docx: body paragraphs and table cells in document order, and the text of the
images they hold (OCR). The archive is checked before python-docx opens it: a zip bomb is refused by the sizes
its parts declare (zipfile never unpacks more than a part declares)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from review.errors import InputError
from review.inputs.limits import MB, Clock, InputLimits, refuse_size
from review.inputs.ocr import add_image
from review.inputs.types import Extracted, ImageInfo, TextBuilder

BLIP_EMBEDS = ".//a:blip/@r:embed"  # the relationship ids of the pictures a paragraph shows


def is_docx(data: bytes) -> bool:
    """True for a zip archive holding word/document.xml."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_archive(data: bytes, limits: InputLimits) -> None:
    """Refuse an archive with too many parts, too many bytes unpacked, or a part packed suspiciously well."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("invalid_docx", "文件不是有效的 .docx（zip 结构损坏）/ not a valid .docx (broken zip)", "file") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise refuse_size(".docx 部件数", ".docx's number of parts", len(entries), limits.max_zip_entries, "entries")
        total = sum(entry.file_size for entry in entries)
        if total > limits.max_unzipped_bytes:
            raise refuse_size(".docx 解压后", ".docx unpacked", total, limits.max_unzipped_bytes)
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")) and entry.file_size > limits.max_xml_part_bytes:
                raise refuse_size(f".docx 的 {entry.filename}", f".docx's {entry.filename}", entry.file_size,
                                  limits.max_xml_part_bytes)
            if entry.file_size > MB and entry.file_size > limits.max_zip_ratio * max(1, entry.compress_size):
                raise InputError(
                    "zip_bomb",
                    f".docx 的部件 {entry.filename} 压缩比异常（{entry.compress_size} → {entry.file_size} 字节），疑似"
                    f"压缩炸弹 / the .docx part {entry.filename} unpacks from {entry.compress_size} to {entry.file_size} "
                    "bytes: a zip bomb?",
                    "file",
                )


def _paragraph_images(paragraph: Any, document: Any) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the pictures shown in a paragraph, in order."""
    found = []
    for rel_id in paragraph._p.xpath(BLIP_EMBEDS):
        part = document.part.related_parts.get(rel_id)
        blob = getattr(part, "blob", None)
        if blob is not None:
            found.append((str(part.partname).lstrip("/"), blob))
    return found


def extract_docx(data: bytes, name: str | None, limits: InputLimits, clock: Clock) -> Extracted:
    """A .docx file: paragraphs (kind "paragraph", numbered in the body) and table-cell paragraphs (kind "table",
    numbered among them), each picture's OCR lines after the paragraph that holds it."""
    import docx
    from docx.table import Table

    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds (KeyError, ValueError, lxml errors) on bad files
        raise InputError(
            "invalid_docx", f"无法读取 .docx 文件 / cannot read the .docx file: {type(error).__name__}", "file"
        ) from None
    builder = TextBuilder(limits.max_chars, name)
    images: list[ImageInfo] = []
    counters = {"paragraph": 0, "table": 0}
    seen_cells: set[Any] = set()  # the cells' XML elements: held here, so each keeps its identity

    def paragraph(item: Any, kind: str) -> None:
        counters[kind] += 1
        builder.add(item.text, kind, counters[kind], element="table" if kind == "table" else None)
        for image_name, blob in _paragraph_images(item, document):
            add_image(builder, blob, image_name, limits, clock, images, paragraph=counters["paragraph"])

    for block in document.iter_inner_content():
        clock.check("文件", "file")
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen_cells:  # a merged cell is listed once per grid column it spans
                        continue
                    seen_cells.add(cell._tc)
                    for cell_paragraph in cell.paragraphs:
                        paragraph(cell_paragraph, "table")
        else:
            paragraph(block, "paragraph")
    # the document's own title property is often a template's or a file name: not reviewed as the headline
    author = document.core_properties.author or None
    return Extracted(text=builder.text(), format="docx", name=name, spans=builder.spans, images=images, author=author)

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
from review.inputs.types import Extracted, ImageInfo, TextBuilder, UnreadPart


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


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# mc:AlternateContent holds content twice (mc:Choice for a Word that knows the namespaces its Requires names,
# mc:Fallback for one that does not): one branch is read, the one Word shows (see _shown_branch)
MC_ALTERNATE, MC_CHOICE, MC_FALLBACK = MC + "AlternateContent", MC + "Choice", MC + "Fallback"
# namespaces a current Word understands: a Choice requiring any other is not what Word shows (its Fallback is)
KNOWN_NAMESPACES = frozenset({
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:office", "urn:schemas-microsoft-com:office:word",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingInk",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",
    "http://schemas.microsoft.com/office/word/2010/wordml", "http://schemas.microsoft.com/office/word/2012/wordml",
    "http://schemas.microsoft.com/office/word/2015/wordml/symex",
    "http://schemas.microsoft.com/office/word/2016/wordml/cid",
    "http://schemas.microsoft.com/office/word/2018/wordml", "http://schemas.microsoft.com/office/word/2018/wordml/cex",
    "http://schemas.microsoft.com/office/word/2020/wordml/sdtdatahash",
    "http://schemas.microsoft.com/office/drawing/2010/main", "http://schemas.microsoft.com/office/drawing/2014/chartex",
    "http://schemas.microsoft.com/office/drawing/2016/ink", "http://schemas.microsoft.com/office/drawing/2017/model3d",
    "http://schemas.microsoft.com/office/drawing/2010/slicer", "http://schemas.microsoft.com/office/drawing/2012/chart",
})
ALT_CHUNK = W + "altChunk"  # an embedded document (HTML, RTF, another .docx) that Word shows in place
# inside a paragraph: characters of its own (w:t, also inside tracked insertions, hyperlinks, fields and content
# controls; deleted text is w:delText and is not read), and the containers of paragraphs of their own
OWN_TEXT = {W + "t": None, W + "tab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}
TEXT_BOX = W + "txbxContent"
ELEMENTS_A_CLOCK_CHECK = 2_000


def _paragraph_parts(paragraph: Any) -> tuple[str, list[str], list[Any]]:
    """A w:p's own text, the relationship ids of the pictures it shows, and the w:p elements of the text boxes it
    anchors (read as paragraphs of their own), walked without recursion."""
    text: list[str] = []
    pictures: list[str] = []
    boxed: list[Any] = []
    stack = list(reversed(paragraph))
    while stack:
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == MC_ALTERNATE:
            stack.extend(reversed(_shown_branch(element)))
        elif tag in OWN_TEXT:
            text.append(element.text or "" if OWN_TEXT[tag] is None else OWN_TEXT[tag])
        elif tag == A_BLIP:
            if element.get(R_EMBED):
                pictures.append(element.get(R_EMBED))
        elif tag == TEXT_BOX:
            boxed.extend(child for child in element.iter(W + "p") if _outermost_in(child, element))
        else:
            stack.extend(reversed(element))
    return "".join(text), pictures, boxed


def _shown_branch(alternate: Any) -> list[Any]:
    """The children of the branch of an mc:AlternateContent that Word shows: the first mc:Choice whose Requires
    names only namespaces it knows, else the mc:Fallback (a Choice requiring an unknown namespace once hid the
    Fallback's text from the review while Word showed it)."""
    for branch in alternate:
        if branch.tag == MC_CHOICE:
            prefixes = (branch.get("Requires") or "").split()
            if prefixes and all(branch.nsmap.get(prefix) in KNOWN_NAMESPACES for prefix in prefixes):
                return list(branch)
        elif branch.tag == MC_FALLBACK:
            return list(branch)
    return []


def _outermost_in(paragraph: Any, box: Any) -> bool:
    """Whether a w:p lies in `box` and in no text box nested inside it (that box's paragraph reads its own)."""
    parent = paragraph.getparent()
    while parent is not None and parent is not box:
        if parent.tag == TEXT_BOX:
            return False
        parent = parent.getparent()
    return True


def iter_paragraphs(root: Any, kind: str, clock: Clock) -> Any:
    """(w:p element, kind) for every paragraph under `root` in reading order: its own kind, "table" inside a table
    cell (at any depth), "textbox" inside a text box, which comes right after the paragraph that anchors it.
    Content controls, tracked insertions and nested tables are read through; walked without recursion."""
    stack: list[tuple[Any, str]] = [(child, kind) for child in reversed(root)]
    walked = 0
    while stack:
        element, where = stack.pop()
        walked += 1
        if walked % ELEMENTS_A_CLOCK_CHECK == 0:
            clock.check("文件", "file")
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == MC_ALTERNATE:
            stack.extend((child, where) for child in reversed(_shown_branch(element)))
        elif tag == ALT_CHUNK:
            yield element, "embedded"
        elif tag == W + "p":
            yield element, where
        elif tag == W + "tc":
            stack.extend((child, "table") for child in reversed(element))
        elif tag not in (W + "sectPr", W + "tblPr", W + "trPr", W + "tcPr", W + "tblGrid"):
            stack.extend((child, where) for child in reversed(element))


def extract_docx(data: bytes, name: str | None, limits: InputLimits, clock: Clock) -> Extracted:
    """A .docx file: body paragraphs (kind "paragraph"), paragraphs in table cells at any depth ("table"), in text
    boxes ("textbox"), then in the page headers and footers ("header", "footer"), the footnotes and endnotes
    ("footnote", "endnote") and SmartArt ("diagram"), each numbered within its kind, each picture's OCR lines after
    the paragraph that shows it. Tracked insertions are read as the document now reads; deleted text is not; an
    embedded document (altChunk) is named in `unread`."""
    import docx

    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds (KeyError, ValueError, lxml errors) on bad files
        raise InputError(
            "invalid_docx", f"无法读取 .docx 文件 / cannot read the .docx file: {type(error).__name__}", "file"
        ) from None
    builder = TextBuilder(limits.max_chars, name)
    images: list[ImageInfo] = []
    unread: list[UnreadPart] = []
    counters = {"paragraph": 0, "table": 0, "textbox": 0, "header": 0, "footer": 0, "footnote": 0, "endnote": 0,
                "diagram": 0}

    def read(root: Any, kind: str, part: Any) -> None:
        pending = list(iter_paragraphs(root, kind, clock))
        pending.reverse()
        while pending:
            element, where = pending.pop()
            if where == "embedded":  # shown by Word, not read here: said so, and the file is not cleared
                unread.append(UnreadPart("嵌入的文档（altChunk）", "an embedded document (altChunk)"))
                continue
            own, pictures, boxed = _paragraph_parts(element)
            counters[where] += 1
            builder.add(own, where, counters[where], element="table" if where == "table" else None)
            for rel_id in pictures:
                related = part.related_parts.get(rel_id)
                blob = getattr(related, "blob", None)
                if blob is not None:
                    add_image(builder, blob, str(related.partname).lstrip("/"), limits, clock, images,
                              paragraph=counters["paragraph"])
            # a text box's paragraphs come next, before the paragraph after its anchor
            pending.extend((box_paragraph, "textbox") for box_paragraph in reversed(boxed))

    read(document.element.body, "paragraph", document.part)
    # headers and footers show on every page: each part is read once, however many sections use it
    seen_parts: set[int] = set()
    for section in document.sections:
        for kind, parts in (("header", (section.header, section.first_page_header, section.even_page_header)),
                            ("footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            for item in parts:
                if item.is_linked_to_previous:
                    continue
                part = item.part
                if id(part) in seen_parts:
                    continue
                seen_parts.add(id(part))
                read(item._element, kind, part)
    # footnotes and endnotes print with the document (the separators between them and the body are no text)
    for kind, part in _note_parts(document.part):
        for note in _parse_part(part, limits):
            if note.get(W + "type") in (None, "normal"):
                read(note, kind, part)
    # SmartArt diagrams show their text in the page: each diagram's data part, a paragraph (a:p) at a time
    for part in _related_parts(document.part, "/diagramData"):
        for paragraph in _parse_xml(part, limits).iter(A_PARAGRAPH):
            clock.check("文件", "file")
            counters["diagram"] += 1
            builder.add("".join(text.text or "" for text in paragraph.iter(A_TEXT)), "diagram", counters["diagram"])
    # the document's own title property is often a template's or a file name: not reviewed as the headline
    author = document.core_properties.author or None
    return Extracted(text=builder.text(), format="docx", name=name, spans=builder.spans, images=images, author=author,
                     unread=unread)


NOTE_RELATIONSHIPS = {"/footnotes": "footnote", "/endnotes": "endnote"}


A_PARAGRAPH = "{http://schemas.openxmlformats.org/drawingml/2006/main}p"
A_TEXT = "{http://schemas.openxmlformats.org/drawingml/2006/main}t"


def _related_parts(main: Any, suffix: str) -> list[Any]:
    """The parts the document's main part relates to by a relationship type ending in `suffix`, each once."""
    parts: dict[int, Any] = {}
    for relationship in main.rels.values():
        if relationship.reltype.endswith(suffix) and not relationship.is_external:
            parts.setdefault(id(relationship.target_part), relationship.target_part)
    return list(parts.values())


def _note_parts(main: Any) -> list[tuple[str, Any]]:
    """("footnote" | "endnote", part) of the document's footnotes and endnotes parts, footnotes first."""
    return [(kind, part) for suffix, kind in NOTE_RELATIONSHIPS.items() for part in _related_parts(main, suffix)]


def _parse_xml(part: Any, limits: InputLimits) -> Any:
    """A part's XML root: python-docx's own element where it parsed one, else its bytes parsed without network or
    entities, within the XML part bound."""
    from lxml import etree

    element = getattr(part, "element", None)
    if element is not None:
        return element
    blob = getattr(part, "blob", b"")
    if len(blob) > limits.max_xml_part_bytes:
        raise refuse_size(f".docx 的 {part.partname}", f".docx's {part.partname}", len(blob), limits.max_xml_part_bytes)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(blob, parser)
    except etree.XMLSyntaxError:
        raise InputError("invalid_docx", f"无法读取 .docx 的 {part.partname} / cannot read the .docx's "
                         f"{part.partname}", "file") from None


def _parse_part(part: Any, limits: InputLimits) -> list[Any]:
    """The notes (w:footnote / w:endnote elements) of a notes part."""
    return [note for note in _parse_xml(part, limits) if note.tag in (W + "footnote", W + "endnote")]

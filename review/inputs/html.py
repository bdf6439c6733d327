"""HTML files, WeChat articles (公众号文章) saved from a browser above all, with lxml: the title, author, account,
publication time and the article body's text by block element; scripts, styles and comments are never text.
Images the body shows are read by OCR when the file was saved with them (a folder beside it)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from review.errors import InputError
from review.inputs.limits import Clock, InputLimits, refuse_size
from review.inputs.ocr import add_image, is_image
from review.inputs.plain import decode_text
from review.inputs.types import Extracted, ImageInfo, TextBuilder
from review.model import CHINA_TZ

# elements whose text starts a new part; inline ones (span, strong, a …) run on within their block
BLOCKS = frozenset(
    "p div section article h1 h2 h3 h4 h5 h6 li ul ol blockquote pre table tr td th br figure figcaption header "
    "footer dd dt dl hr".split()
)
# never shown as text; a <textarea>'s text and an inline <svg>'s <text> are shown, and are read
NEVER_TEXT = frozenset(["script", "style", "noscript", "template", "iframe", "head", "title", "desc", "metadata"])
# the end tags of <body> and <html>: a browser reads what follows them as more of the body (HTML's "after body"
# rules); libxml2 drops what follows </html> and puts what follows </body> beside the body, where it went unread
CLOSING_BODY = re.compile(rb"</\s*(?:body|html)\s*>", re.I)
# an encoding named in a <meta> tag, as browsers read it (a label anywhere in the first 2 KB, body text included,
# once set the page's encoding)
META_CHARSET = re.compile(rb"""<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([a-z0-9_\-:.]{1,40})""", re.I)
# encoding labels browsers honour (the WHATWG Encoding Standard's, for the scripts Chinese pages use), and the codec
# that reads them as browsers do; any other label (cp037, cp500: EBCDIC, which no browser supports) is ignored
BROWSER_ENCODINGS = {
    **dict.fromkeys(("utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"),
                    "utf-8"),
    **dict.fromkeys(("gbk", "gb2312", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "csiso58gb231280",
                     "iso-ir-58", "x-gbk", "gb18030"), "gb18030"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("utf-16", "utf-16le"), "utf-16-le"), "utf-16be": "utf-16-be",
    **dict.fromkeys(("ascii", "us-ascii", "iso-8859-1", "latin1", "l1", "iso8859-1", "windows-1252", "cp1252",
                     "cp819", "ibm819", "iso_8859-1"), "cp1252"),
    **dict.fromkeys(("shift_jis", "sjis", "ms_kanji", "windows-31j", "x-sjis"), "cp932"),
    "euc-jp": "euc_jp", "euc-kr": "cp949", "iso-2022-jp": "iso2022_jp", "koi8-r": "koi8_r", "koi8-u": "koi8_u",
}
# a WeChat page keeps the publication time as a Unix time in a script (var ct = "1700000000";) and fills
# #publish_time with it only when the page runs
WECHAT_TIME = re.compile(r"""\b(?:var\s+ct|create_time|ct)\s*[=:]\s*["']?(\d{9,11})\b""")
DATE_TEXT = re.compile(r"(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2}))?")
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)\b", re.I | re.S)


def looks_like_html(data: bytes, name: str | None) -> bool:
    """True for a file named .html/.htm, or one that starts with an HTML tag."""
    if name and name.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    return bool(HTML_START.match(data[:4096]))


def _text(root: Any, selector_id: str) -> str | None:
    found = root.get_element_by_id(selector_id, None)
    if found is None:
        return None
    value = " ".join(found.text_content().split())
    return value or None


def _meta(root: Any, **attributes: str) -> str | None:
    (key, value), = attributes.items()
    for element in root.iter("meta"):
        if element.get(key) == value and element.get("content"):
            # white space folded as the other title sources fold it (a line break in og:title cannot be edited in
            # the editor's one-line title field)
            return " ".join(element.get("content").split()) or None
    return None


def _published(root: Any) -> str | None:
    """The publication time as ISO 8601 (China time), from #publish_time or the page's script variable."""
    shown = _text(root, "publish_time")
    if shown:
        match = DATE_TEXT.search(shown)
        if match:
            year, month, day, hour, minute = match.groups()
            try:
                return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                tzinfo=CHINA_TZ).isoformat()
            except ValueError:
                pass
    for script in root.iter("script"):
        match = WECHAT_TIME.search(script.text or "")
        if match:
            try:
                return datetime.fromtimestamp(int(match.group(1)), CHINA_TZ).isoformat()
            except (ValueError, OverflowError, OSError):
                return None
    return None


def _local_image(base: Path | None, element: Any, limits: InputLimits) -> tuple[str, bytes] | None:
    """The bytes of an <img> saved beside the HTML file (src or data-src a relative path inside `base`)."""
    if base is None:
        return None
    for attribute in ("src", "data-src"):
        source = (element.get(attribute) or "").strip()
        if not source or re.match(r"^[a-z][a-z0-9+.-]*:", source, re.I):  # http:, data:, file: … are not read
            continue
        path = source.split("?", 1)[0].split("#", 1)[0]
        try:
            target = (base / unquote(path)).resolve()
            inside = target.is_relative_to(base) and target.is_file()  # never a file outside the page's folder
            if not inside or target.stat().st_size > limits.max_image_bytes:
                continue
            data = target.read_bytes()
        except (OSError, ValueError):
            continue
        if is_image(data):
            return source, data
    return None


def extract_html(data: bytes, name: str | None, limits: InputLimits, clock: Clock,
                 base: Path | None = None) -> Extracted:
    """An HTML file: the article body (WeChat's #js_content, else <article>, else <body>) by block element
    (kind "element", numbered from 1, with its tag); `base` is the folder its saved images are looked up in."""
    import lxml.html
    from lxml import etree

    text, encoding = _decode_html(data)
    # huge_tree lifts libxml2's nesting limit from 256 to 2048 levels (the input is already bounded in bytes);
    # past a limit libxml2 stops reading and keeps what it has, silently: text nested deeper, and everything after
    # it, was never reviewed while a browser shows it. Such a page is refused, never reviewed in part.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        raise InputError("invalid_html", "无法解析 HTML 文件 / cannot parse the HTML file", "file") from None
    if any(error.level_name == "FATAL" for error in parser.error_log):
        raise InputError(
            "file_too_large",
            "HTML 文件嵌套层级过深或结构超出解析上限，无法完整读取，已拒绝 / the HTML file nests too deep or passes the "
            "parser's limits: it cannot be read whole and is refused",
            "file",
        )
    title = (_text(root, "activity-name") or _meta(root, property="og:title")
             or " ".join((root.findtext(".//title") or "").split()) or None)
    author = _text(root, "js_author_name") or _meta(root, name="author")
    account = _text(root, "js_name") or _meta(root, property="og:article:author")
    body = root.get_element_by_id("js_content", None)
    if body is None:
        body = next(root.iter("article"), None)
    if body is None:
        body = root.find("body") if root.find("body") is not None else root
    builder = TextBuilder(limits.max_chars, name)
    images: list[ImageInfo] = []
    _walk(body, builder, images, limits, clock, base.resolve() if base else None)
    return Extracted(text=builder.text(), format="html", name=name, spans=builder.spans, title=title, author=author,
                     account_name=account, published_at=_published(root), images=images, encoding=encoding)


def _decode_html(data: bytes) -> tuple[str, str]:
    """The page's text: a BOM, or an encoding a browser honours named by a <meta> tag in its first 2 KB, else
    UTF-8, else GB18030. The end tags of <body> and <html> are taken out (see CLOSING_BODY)."""
    # on the bytes: '<' and '/' are never the second byte of a GB18030 or Big5 character, so a match is a real tag
    data = CLOSING_BODY.sub(b"", data)
    match = META_CHARSET.search(data[:2048])
    label = match.group(1).decode("ascii", "replace").lower() if match else ""
    codec = BROWSER_ENCODINGS.get(label)
    if codec and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(codec), label  # the page's own name for it (gbk is read as its superset GB18030)
        except UnicodeDecodeError:
            pass
    return decode_text(data)


def _walk(body: Any, builder: TextBuilder, images: list[ImageInfo], limits: InputLimits, clock: Clock,
          base: Path | None) -> None:
    """Collect the blocks' text without recursion (a page nested thousands deep costs no stack)."""
    pending: list[str] = []
    blocks = [body.tag.lower() if isinstance(body.tag, str) else "body"]  # the open block elements
    count = 0
    walked = 0

    def flush() -> None:
        nonlocal count
        text = re.sub(r"[ \t\r\n\f\u00a0]+", " ", "".join(pending)).strip()
        pending.clear()
        if text:
            count += 1
            builder.add(text, "element", count, element=blocks[-1])

    # a stack of ("start", element), ("end", element) and ("tail", text): an element's text, its children (each
    # followed by its tail), then its end
    stack: list[tuple[str, Any]] = [("start", body)]
    while stack:
        event, item = stack.pop()
        if event == "tail":
            pending.append(item)
            continue
        tag = item.tag.lower() if isinstance(item.tag, str) else ""
        if event == "end":
            if tag in BLOCKS:
                flush()
                blocks.pop()
            continue
        walked += 1
        if walked > limits.max_html_elements:
            raise refuse_size("HTML 元素数", "HTML's element count", walked, limits.max_html_elements, "elements")
        if walked % 1000 == 0:
            clock.check("HTML", "HTML")
        if item is not body and item.tail:
            stack.append(("tail", item.tail))
        if tag in NEVER_TEXT:
            continue
        if tag == "img":
            flush()
            found = _local_image(base, item, limits)
            if found is not None:
                add_image(builder, found[1], found[0], limits, clock, images, element="img")
            continue
        if tag in BLOCKS:
            flush()
            blocks.append(tag)
            stack.append(("end", item))
        for child in reversed(item):
            stack.append(("start", child))
        if item.text:
            pending.append(item.text)
    flush()

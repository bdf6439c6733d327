"""Plain text files: UTF-8 (with or without a BOM), UTF-16 and UTF-32 with a BOM (Notepad's "Unicode"), GB18030."""

from __future__ import annotations

import codecs

from review.errors import InputError
from review.inputs.limits import InputLimits
from review.inputs.types import Extracted, SourceSpan, document_too_long

# the BOMs that name an encoding, longest first (UTF-32 LE's BOM starts with UTF-16 LE's)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a file's bytes and the encoding it was read in: a BOM names it, else UTF-8, else GB18030."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise InputError(
                    "invalid_encoding",
                    f"文件以 {encoding} 的 BOM 开头，但第 {error.start} 字节起无法按 {encoding} 解码 / the file starts "
                    f"with a {encoding} BOM but is not valid {encoding} at byte {error.start}",
                    "file",
                ) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    zeros = data[:4096].count(0)
    hint = (
        "疑似无 BOM 的 UTF-16：请在记事本中“另存为”UTF-8 / it looks like UTF-16 without a BOM: save it as UTF-8"
        if zeros > len(data[:4096]) // 4
        else "请另存为 UTF-8 / save it as UTF-8"
    )
    raise InputError(
        "invalid_encoding",
        f"文件不是 UTF-8、带 BOM 的 UTF-16 或 GB18030 编码；{hint.split(' / ')[0]} / the file is neither UTF-8, "
        f"UTF-16 with a BOM nor GB18030; {hint.split(' / ')[1]}",
        "file",
    )


def extract_text(data: bytes, name: str | None, limits: InputLimits) -> Extracted:
    """A plain-text file: the decoded text as it is (its own line breaks and spaces kept), one span per line."""
    text, encoding = decode_text(data)
    if len(text) > limits.max_chars:
        raise document_too_long(limits.max_chars, name)
    spans = []
    position = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            spans.append(SourceSpan(position, position + len(line), "line", number))
        position += len(line) + 1
    return Extracted(text=text, format="text", name=name, spans=spans, encoding=encoding)

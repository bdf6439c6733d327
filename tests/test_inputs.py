"""review.inputs: every format into one typed text with a source map, offsets that hold, long texts reviewed in
sections, and hostile files refused within their bounds."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile

import pytest
from inputs_helpers import cjk_font, make_docx, make_pdf, wechat_html

from review.errors import InputError
from review.inputs import InputLimits, extract, extract_path, folder_files, review_extracted, sections
from review.pipeline import get_reviewer

TYPO_TEXT = "我们要再接再励，做好民生工作。"
needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK font (apt-get install fonts-wqy-zenhei)")


def _typo_finding(report):
    return next(f for f in report.findings if f.text == "再接再励")


def _spans_hold(extracted):
    """Every span lies inside the text, in order, without overlap."""
    last = 0
    for span in extracted.spans:
        assert last <= span.start < span.end <= len(extracted.text)
        last = span.end


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "gb18030"])
def test_plain_text_in_every_encoding(encoding):
    text = "第一行。\n" + TYPO_TEXT + "\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    extracted = extract(data, "post.txt")
    assert extracted.text == text and extracted.format == "text"
    report = review_extracted(get_reviewer(), extracted)
    finding = _typo_finding(report)
    assert extracted.text[finding.start:finding.end] == "再接再励"
    assert finding.source == {"kind": "line", "index": 2, "start": 5, "end": 5 + len(TYPO_TEXT)}


def test_undecodable_text_gets_advice():
    with pytest.raises(InputError) as caught:
        extract("好".encode("utf-16-le") + b"\xff\xfe\x00\xd8" * 3, "x.txt")
    error = caught.value
    assert error.code == "invalid_encoding" and "UTF-16" in error.message and " / " in error.message


@pytest.mark.parametrize("name", ["report.docx", "scan.PDF", "poster.png", "photo.jpg"])
def test_a_file_whose_bytes_are_not_its_named_format_is_called_damaged(name):
    with pytest.raises(InputError) as caught:
        extract(bytes(range(256)) * 100, name)
    assert caught.value.code == "invalid_file" and name.rsplit(".", 1)[1].lower() in caught.value.message
    assert " / " in caught.value.message
    # the same bytes named as text are judged as text
    with pytest.raises(InputError) as caught:
        extract(bytes(range(256)) * 100, "notes.txt")
    assert caught.value.code == "invalid_encoding"


def test_docx_paragraphs_tables_and_offsets():
    data = make_docx(["市政府召开常务会议。", "", TYPO_TEXT], table=[["项目", "进度"], ["乡村振兴", "全面布署"]],
                     author="市政府办公室")
    extracted = extract(data, "notice.docx")
    assert extracted.format == "docx" and extracted.author == "市政府办公室"
    assert extracted.text.splitlines() == ["市政府召开常务会议。", TYPO_TEXT, "项目", "进度", "乡村振兴", "全面布署"]
    _spans_hold(extracted)
    report = review_extracted(get_reviewer(), extracted, {"id": "d1"})
    assert report.id == "d1"
    finding = _typo_finding(report)
    assert extracted.text[finding.start:finding.end] == finding.text
    assert finding.source["kind"] == "paragraph" and finding.source["index"] == 3  # the empty paragraph counts
    in_table = next(f for f in report.findings if f.text == "布署")
    assert in_table.source["kind"] == "table" and in_table.source["element"] == "table"
    assert report.meta["input"]["format"] == "docx" and report.meta["input"]["text"] == extracted.text


@needs_font
def test_pdf_pages():
    data = make_pdf([["第一页的内容。"], ["第二页：" + TYPO_TEXT]])
    extracted = extract(data, "report.pdf")
    assert extracted.format == "pdf" and [s.index for s in extracted.spans] == [1, 2]
    finding = _typo_finding(review_extracted(get_reviewer(), extracted))
    assert finding.source["kind"] == "page" and finding.source["index"] == 2
    assert extracted.text[finding.start:finding.end] == "再接再励"


def test_pdf_without_text_layer_is_refused_with_advice():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError) as caught:
        extract(out.getvalue(), "scan.pdf")
    assert caught.value.code == "no_text_layer"


def test_wechat_html_title_author_time_and_body_only():
    page = wechat_html("关于做好夏季防汛工作的通知", ["各单位：", TYPO_TEXT])
    extracted = extract(page.encode("utf-8"), "article.html")
    assert extracted.format == "html"
    assert extracted.title == "关于做好夏季防汛工作的通知"
    assert extracted.author == "市卫健委" and extracted.account_name == "健康某市"
    assert extracted.published_at == "2025-05-18T12:00:00+08:00"  # var ct = "1747540800"
    assert extracted.text == "各单位：\n" + TYPO_TEXT  # no script, style, title or QR-code text
    report = review_extracted(get_reviewer(), extracted)
    finding = _typo_finding(report)
    assert finding.source == {"kind": "element", "index": 2, "element": "p", "start": 5, "end": 5 + len(TYPO_TEXT)}
    assert report.meta["input"]["published_at"] == extracted.published_at


def test_html_in_gbk_with_a_meta_charset():
    page = "<html><head><meta charset='gbk'></head><body><p>民生工作</p><p>第二段</p></body></html>"
    extracted = extract(page.encode("gbk"), "page.htm")
    assert extracted.text == "民生工作\n第二段" and extracted.encoding == "gbk"


@pytest.mark.parametrize("page", [
    # a second hostile trial: each of these showed 支持台湾独立 in a browser and passed
    "<html><body><p>会议召开。</p></body></html><p>支持台湾独立</p>",  # after </html>: libxml2 dropped it
    "<html><body><p>会议召开。</p></body><div>支持台湾独立</div></html>",  # after </body>: beside the body
    "<html><body><p>会议召开。</p><textarea rows=3>支持台湾独立</textarea></body></html>",
    "<html><body><p>会议召开。</p><svg width=300 height=40><text x=0 y=30>支持台湾独立</text></svg></body></html>",
    # an EBCDIC label no browser honours, in a meta tag or in the text: the page is read as the browser reads it
    '<html><head><meta charset="cp037"></head><body><p>会议召开。</p><p>支持台湾独立</p></body></html>',
    "<html><body><p>会议召开。说明：charset=cp500</p><p>支持台湾独立</p></body></html>",
])
def test_html_text_a_browser_shows_is_read(page):
    assert "支持台湾独立" in extract(page.encode("utf-8"), "page.html").text


def test_long_text_reviewed_in_sections_with_offsets_into_the_whole():
    paragraph = "市政府召开常务会议，研究部署近期重点工作，要求各部门认真落实。" * 20 + "\n"  # 621 characters
    text = paragraph * 40 + TYPO_TEXT + "\n" + paragraph * 5  # ~28,000: two sections
    extracted = extract(text.encode("utf-8"), "long.txt")
    cuts = sections(extracted.text)
    assert len(cuts) == 2 and cuts[0].end <= 20_000 and extracted.text[cuts[0].end - 1] == "\n"
    report = review_extracted(get_reviewer(), extracted)
    finding = _typo_finding(report)
    assert finding.start == text.index("再接再励") and finding.start > cuts[0].end
    assert report.meta["input"]["sections"] == 2
    assert all(extracted.text[f.start:f.end] == f.text for f in report.findings if f.start is not None)


def test_text_beyond_the_documented_size_is_refused_clearly():
    limits = InputLimits()
    with pytest.raises(InputError) as caught:
        extract(("字" * (limits.max_chars + 1)).encode("utf-8"), "huge.txt")
    assert caught.value.code == "document_too_long" and str(limits.max_chars) in caught.value.message
    paragraphs = ["字" * 5000] * (limits.max_chars // 5000 + 1)
    with pytest.raises(InputError) as caught:
        extract(make_docx(paragraphs), "huge.docx")
    assert caught.value.code == "document_too_long"


# --- hostile files -------------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
FOOTNOTES_PART = ("word/footnotes.xml", RELATIONSHIPS + "footnotes",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                  '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{}'
                  "</w:footnotes>")
DIAGRAM_PART = ("word/diagrams/data1.xml", RELATIONSHIPS + "diagramData",
                "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
                '<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
                'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>{}</dgm:ptLst>'
                "</dgm:dataModel>")


def _docx_with_body(body_xml: str, header: str | None = None,
                    parts: list[tuple[tuple[str, str, str, str], str]] = ()) -> bytes:
    """A .docx whose body is `body_xml` (WordprocessingML inside <w:body>), with an optional page header and extra
    parts related to the document (`parts`: ((name, relationship type, content type, template), content))."""
    import io
    import re
    import zipfile

    import docx

    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                section = re.search(r"<w:sectPr.*</w:sectPr>", xml, re.S).group(0)
                xml = re.sub(r"<w:body>.*</w:body>", lambda _: f"<w:body>{body_xml}{section}</w:body>", xml,
                             flags=re.S)
                data = xml.encode()  # the template declares w:, v: and the other namespaces
            elif item.filename == "word/_rels/document.xml.rels":
                for number, ((name, reltype, _type, _template), _content) in enumerate(parts):
                    target_name = name.removeprefix("word/")
                    link = f'<Relationship Id="rIdExtra{number}" Type="{reltype}" Target="{target_name}"/>'
                    data = data.replace(b"</Relationships>", (link + "</Relationships>").encode())
            elif item.filename == "[Content_Types].xml":
                for (name, _reltype, content_type, _template), _content in parts:
                    data = data.replace(b"</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/>'
                                        "</Types>".encode())
            target.writestr(item, data)
        for (name, _reltype, _type, template), content in parts:
            target.writestr(name, template.format(content))
    return rebuilt.getvalue()


def test_docx_text_a_reader_sees_is_all_read():
    # found by a hostile trial: text in a nested table, a text box, a tracked insertion or a page header was
    # dropped and the file passed
    run = "<w:r><w:t>{}</w:t></w:r>"
    body = (
        "<w:p>" + run.format("市政府召开会议。") + "<w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p>"
        + run.format("文本框里的字。") + "</w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p/><w:tbl><w:tr><w:tc><w:p>" + run.format("嵌套表格里的字。")
        + "</w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>"
        "<w:p>" + run.format("修订：") + '<w:ins w:id="1" w:author="a">' + run.format("插入的字")
        + '</w:ins><w:del w:id="2" w:author="a"><w:r><w:delText>删去的字</w:delText></w:r></w:del></w:p>'
        '<w:sdt><w:sdtContent><w:p>' + run.format("内容控件里的字。") + "</w:p></w:sdtContent></w:sdt>"
    )
    extracted = extract(_docx_with_body(body, header="页眉里的字"), "hidden.docx")
    assert extracted.text.split("\n") == ["市政府召开会议。", "文本框里的字。", "嵌套表格里的字。", "修订：插入的字",
                                          "内容控件里的字。", "页眉里的字"]
    assert [(span.kind, extracted.text[span.start:span.end]) for span in extracted.spans][1:3] == [
        ("textbox", "文本框里的字。"), ("table", "嵌套表格里的字。")]
    assert extracted.spans[-1].kind == "header"


def test_docx_reads_what_word_shows_of_alternate_content_notes_and_embedded_documents():
    run = "<w:r><w:t>{}</w:t></w:r>"
    # a Choice that requires a namespace Word does not know: Word shows the Fallback, and so is it read
    body = ('<mc:AlternateContent xmlns:x9="urn:example:unknown"><mc:Choice Requires="x9"><w:p>'
            + run.format("不显示的字。") + "</w:p></mc:Choice><mc:Fallback><w:p>" + run.format("显示的字。")
            + "</w:p></mc:Fallback></mc:AlternateContent>"
            # a Choice Word knows (a text box shape, wps): the Choice, once
            + '<mc:AlternateContent><mc:Choice Requires="wps"><w:p>' + run.format("新版的字。")
            + "</w:p></mc:Choice><mc:Fallback><w:p>" + run.format("旧版的字。") + "</w:p></mc:Fallback>"
            "</mc:AlternateContent>"
            '<w:altChunk r:id="rIdAlt"/>')
    notes = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p>' + run.format("脚注里的字。") + "</w:p></w:footnote>")
    smartart = ('<dgm:pt modelId="1"><dgm:t><a:bodyPr/><a:p><a:r><a:t>图示里</a:t></a:r><a:r><a:t>的字。</a:t></a:r>'
                "</a:p></dgm:t></dgm:pt>")
    extracted = extract(_docx_with_body(body, parts=[(FOOTNOTES_PART, notes), (DIAGRAM_PART, smartart)]),
                        "alternate.docx")
    assert extracted.text.split("\n") == ["显示的字。", "新版的字。", "脚注里的字。", "图示里的字。"]
    assert [span.kind for span in extracted.spans[-2:]] == ["footnote", "diagram"]
    # the embedded document is not read: named, and the file is never cleared
    assert [part.en for part in extracted.unread] == ["an embedded document (altChunk)"]
    report = review_extracted(get_reviewer(), extracted)
    assert report.verdict != "pass" and report.meta["warnings"][0]["code"] == "unread_parts"


def test_docx_zip_bomb_is_refused_before_unpacking():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w:document/>",
                 "word/media/bomb.bin": b"\0" * (300 * 1024 * 1024)})  # 300 MB of zeros pack into ~300 KB
    assert len(bomb) < 1024 * 1024
    began = time.perf_counter()
    with pytest.raises(InputError) as caught:
        extract(bomb, "bomb.docx")
    assert caught.value.code == "file_too_large" and "unpacked" in caught.value.message
    assert time.perf_counter() - began < 5  # refused from the declared sizes, nothing was unpacked
    ratio_bomb = _zip({"word/document.xml": b"<w:document/>", "word/media/zeros.bin": b"\0" * (50 * 1024 * 1024)})
    with pytest.raises(InputError) as caught:
        extract(ratio_bomb, "ratio.docx")
    assert caught.value.code == "zip_bomb"


def test_docx_xml_part_over_its_limit_is_refused():
    import base64
    import os

    xml = b"<w:document>" + base64.b64encode(os.urandom(900_000)) + b"</w:document>"  # 1.2 MB, packs ~1.3x
    with pytest.raises(InputError) as caught:
        extract(_zip({"word/document.xml": xml}), "big.docx", InputLimits(max_xml_part_bytes=1024 * 1024))
    assert caught.value.code == "file_too_large" and "word/document.xml" in caught.value.message


def test_many_parts_and_broken_docx():
    many = _zip({"word/document.xml": b"<w:document/>", **{f"x/{i}": b"" for i in range(5_001)}})
    with pytest.raises(InputError) as caught:
        extract(many, "many.docx")
    assert caught.value.code == "file_too_large"
    broken = _zip({"word/document.xml": b"<not xml", "[Content_Types].xml": b"<nope"})
    with pytest.raises(InputError) as caught:
        extract(broken, "broken.docx")
    assert caught.value.code == "invalid_docx"


def test_deep_and_wide_html_are_bounded():
    deep = ("<div>" * 100_000 + "深处的字" + "</div>" * 100_000).encode()
    with pytest.raises(InputError) as caught:  # libxml2 stops at its depth limit: the page is refused, not cut
        extract(deep, "deep.html")
    assert caught.value.code == "file_too_large" and "nests too deep" in caught.value.message
    # text below the old limit of 256 levels, and the text after it, are read (they were dropped, and the page
    # passed: a hiding place a browser still shows)
    hidden = ("<html><body><p>会议召开。</p>" + "<div>" * 300 + "<p>欢迎加入网络赌博平台。</p>" + "</div>" * 300
              + "<p>结尾。</p></body></html>").encode()
    assert [part for part in extract(hidden, "hidden.html").text.split("\n") if part] == [
        "会议召开。", "欢迎加入网络赌博平台。", "结尾。"]
    wide = ("<html><body><p>字</p>" + "<i></i>" * 250_000 + "</body></html>").encode()  # no text, many elements
    with pytest.raises(InputError) as caught:
        extract(wide, "wide.html")
    assert caught.value.code == "file_too_large" and "element" in caught.value.message


def test_html_reads_no_file_outside_its_folder(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    folder = tmp_path / "page"
    folder.mkdir()
    (folder / "a.html").write_text(wechat_html("标题", ["正文。"], images=["../secret.png", "/etc/passwd",
                                                                          "file:///etc/passwd"]), encoding="utf-8")
    extracted = extract_path(folder / "a.html")
    assert extracted.images == [] and extracted.text == "正文。"


def test_files_over_the_byte_limit_and_old_word():
    with pytest.raises(InputError) as caught:
        extract(b"x" * 2_000, "a.txt", InputLimits(max_bytes=1_000))
    assert caught.value.code == "file_too_large"
    with pytest.raises(InputError) as caught:
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.doc")
    assert caught.value.code == "unsupported_format" and ".docx" in caught.value.message


def test_pdf_page_of_megabytes_of_operators_is_refused():
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n" * 300_000)  # 9.6 MB of operators
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InputError) as caught:
        extract(out.getvalue(), "dense.pdf")
    assert caught.value.code == "file_too_large" and "page 1" in caught.value.message


def _pdf_of_pages(contents: list[bytes]) -> bytes:
    """A PDF whose pages hold these content streams (packed)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    for content in contents:
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = resources
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_page_of_many_text_operators_is_refused_before_it_is_interpreted():
    # a hostile trial: 900,000 `(ab) Tj` (7.2 MB, under the byte bound) in an 11 KB file took 49 s to interpret
    data = _pdf_of_pages([b"BT /F1 12 Tf " + b"(ab) Tj " * 900_000 + b"ET"])
    assert len(data) < 100_000
    with pytest.raises(InputError) as caught:
        extract(data, "heavy.pdf")
    assert caught.value.code == "file_too_large" and "text operators of the PDF's page 1" in caught.value.message


def test_pdf_reading_memory_is_given_back():
    # pages of millions of operators and no text: pypdf's parse grew the reading process by ~80 MB a page and the
    # allocator kept it (a service worker reached 2.9 GB); the pages are read in a process of their own
    import resource

    data = _pdf_of_pages([b"q 1 0 0 1 0 0 cm Q " * 400_000] * 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            extract(data, "shapes.pdf")
        assert caught.value.code == "no_text_layer"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, grown_mb


def test_pdf_reading_stops_at_the_files_time():
    # each page takes about half a second to interpret; the file's budget is half a second: refused, not read on
    data = _pdf_of_pages([b"BT /F1 12 Tf " + b"(ab) Tj " * 45_000 + b"ET"] * 30)
    began = time.monotonic()
    with pytest.raises(InputError) as caught:
        extract(data, "slow.pdf", InputLimits(seconds=0.5))
    assert caught.value.code == "input_too_slow"
    assert time.monotonic() - began < 10  # the whole file takes about 18 s


def test_a_pdf_page_the_reader_cannot_extract_is_named_and_never_passes():
    # a hostile trial: an unused font with a ToUnicode entry past pypdf's 1,024-byte limit made page 1 (which shows
    # 支持台湾独立) silently empty, and the file passed
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    cmap = DecodedStreamObject()
    cmap.set_data(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
                  b"1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfchar\n<01> <" + b"0041" * 513
                  + b">\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    helvetica = {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                 NameObject("/BaseFont"): NameObject("/Helvetica")}
    poisoned = DictionaryObject({**helvetica, NameObject("/ToUnicode"): writer._add_object(cmap)})
    for fonts, words in (({"/F1": DictionaryObject(helvetica), "/F9": poisoned}, b"(hidden words) Tj"),
                         ({"/F1": DictionaryObject(helvetica)}, b"(shown words) Tj")):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject(key): value for key, value in fonts.items()})})
        content = DecodedStreamObject()
        content.set_data(b"BT /F1 12 Tf 72 700 Td " + words + b" ET")
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    extracted = extract(out.getvalue(), "two.pdf")
    assert extracted.text == "shown words" and [(part.zh, part.en) for part in extracted.unread] == [
        ("PDF 第 1 页", "the PDF's page 1")]
    report = review_extracted(get_reviewer(), extracted)
    assert report.verdict != "pass" and "unread" in report.meta["incomplete"]
    assert [w["code"] for w in report.meta["warnings"]] == ["unread_parts"]


def test_a_pdf_page_that_reads_too_long_is_refused_at_its_own_bound():
    # text drawn through forms nested in forms: no operator count sees it; the page's own time bound does
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    inner = DecodedStreamObject()
    inner.set_data(b"BT /F1 12 Tf " + b"(ab) Tj " * 2_000 + b"ET")
    form = None
    for level in range(3):  # each form draws the one below it 40 times: 2,000 x 40^3 text operators in all
        stream = DecodedStreamObject()
        stream.set_data(inner.get_data() if level == 0 else b"/Fm Do " * 40)
        stream.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, 595, 842)]),
                       NameObject("/Resources"): DictionaryObject({
                           NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
                           **({NameObject("/XObject"): DictionaryObject({NameObject("/Fm"): form})} if form else {})})})
        form = writer._add_object(stream)
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Fm"): form})})
    content = DecodedStreamObject()
    content.set_data(b"/Fm Do " * 40)
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    began = time.monotonic()
    with pytest.raises(InputError) as caught:
        extract(out.getvalue(), "forms.pdf")
    assert caught.value.code == "file_too_large" and "could not be read within" in caught.value.message
    assert time.monotonic() - began < 15  # the page's bound (5 s), not the file's (120 s)


def test_damaged_pdf_is_a_clear_error():
    with pytest.raises(InputError) as caught:
        extract(b"%PDF-1.7\n" + b"\x00garbage" * 1000, "bad.pdf")
    assert caught.value.code in ("invalid_pdf", "no_text_layer")


def test_folder_files_skip_saved_page_folders(tmp_path):
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "b.docx").write_bytes(make_docx(["乙"]))
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "640.png").write_bytes(b"\x89PNG")
    (tmp_path / "notes.xyz").write_text("丙", encoding="utf-8")
    assert [p.name for p in folder_files(tmp_path)] == ["a.txt", "b.docx"]


# --- the CLI ---------------------------------------------------------------------------------------------------


def _cli(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "review.cli", *args], input=stdin, capture_output=True, timeout=300)


def test_check_reads_docx_and_utf16(tmp_path):
    path = tmp_path / "notice.docx"
    path.write_bytes(make_docx(["通知", TYPO_TEXT]))
    result = _cli("check", str(path), "--json", "--disable", "offtopic,entertainment")
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    finding = next(f for f in report["findings"] if f["text"] == "再接再励")
    assert report["meta"]["input"]["text"][finding["start"]:finding["end"]] == "再接再励"
    assert finding["source"]["kind"] == "paragraph" and finding["source"]["index"] == 2
    readable = _cli("check", str(path), "--color", "never", "--disable", "offtopic,entertainment")
    assert "“再接再励” 第 2 段" in readable.stdout.decode()  # where in the file, under the report
    notepad = tmp_path / "notepad.txt"
    notepad.write_bytes(TYPO_TEXT.encode("utf-16"))  # Notepad's "Unicode"
    readable = _cli("check", str(notepad), "--color", "never", "--disable", "offtopic,entertainment")
    assert readable.returncode == 0 and "再接再厉" in readable.stdout.decode()


def test_batch_file_field_and_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.docx").write_bytes(make_docx([TYPO_TEXT]))
    (docs / "b.html").write_text(wechat_html("标题", ["正文没有问题。"]), encoding="utf-8")
    (docs / "c.txt").write_bytes("民生工作。".encode("utf-16"))
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "1", "file": "docs/a.docx"}) + "\n"
                     + json.dumps({"id": "2", "file": "docs/missing.pdf"}) + "\n"
                     + json.dumps({"id": "3", "text": TYPO_TEXT}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _cli("batch", str(jsonl), "-o", str(out), "--allow-errors", "--disable", "offtopic,entertainment")
    assert result.returncode == 0, result.stderr.decode()
    first, missing, plain = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert first["id"] == "1" and any(f["source"]["kind"] == "paragraph" for f in first["findings"])
    assert missing["id"] == "2" and missing["error"]["code"] == "unreadable_file"
    assert plain["id"] == "3" and "input" not in plain["meta"]
    folder_out = tmp_path / "folder.jsonl"
    result = _cli("batch", str(docs), "-o", str(folder_out), "--disable", "offtopic,entertainment")
    assert result.returncode == 0, result.stderr.decode()
    reports = [json.loads(line) for line in folder_out.read_text(encoding="utf-8").splitlines()]
    assert [r["meta"]["input"]["name"] for r in reports] == ["a.docx", "b.html", "c.txt"]
    assert [r["id"] for r in reports] == ["a.docx", "b.html", "c.txt"]
    assert reports[1]["meta"]["input"]["title"] == "标题"


def test_inspect_feed_with_a_file_field(tmp_path):
    (tmp_path / "a.docx").write_bytes(make_docx(["通知", TYPO_TEXT]))
    feed = tmp_path / "feed.jsonl"
    account = {"id": "wx-1", "name": "某市发布", "type": "government"}
    feed.write_text(json.dumps({"id": "p1", "account": account, "published_at": "2025-06-27T09:30:00",
                                "file": "a.docx"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = _cli("inspect", str(feed), "-o", str(tmp_path / "out"), "--checked-at", "2025-06-30T12:00:00+08:00",
                  "--progress", "never")
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads((tmp_path / "out" / "reports.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "error" not in report and report["meta"]["input"]["format"] == "docx"
    finding = next(f for f in report["findings"] if f["text"] == "再接再励")
    assert finding["source"] == {"kind": "paragraph", "index": 2, "start": 3, "end": 3 + len(TYPO_TEXT)}


def test_a_meta_title_with_line_breaks_is_folded_to_one_line():
    # the editor's title field holds one line: a title with line breaks could be marked but not corrected there
    page = ('<html><head><meta property="og:title" content="关于&#10;&#13;&#10;做好工作的通知"></head>'
            "<body><p>正文。</p></body></html>")
    assert extract(page.encode("utf-8"), "a.html").title == "关于 做好工作的通知"


def test_a_long_files_report_counts_every_finding_its_sections_found():
    # a third hostile trial: a file's report listed 200 findings and said nothing of the 2,656 it left out, where the
    # same text through /v1/review said findings_total 2,856
    text = ("再接再励，" * 600 + "\n") * 8  # 24,008 characters: two sections, 4,800 findings
    extracted = extract(text.encode("utf-8"), "long.txt")
    report = review_extracted(get_reviewer(), extracted)
    assert report.meta["input"]["sections"] == 2 and len(report.findings) == 200
    assert report.meta["findings_total"] == 4_800 and report.meta["findings_left_out"] == 4_600

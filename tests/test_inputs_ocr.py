"""Text in images (review.inputs.ocr): images rendered from text with a CJK font are read offline, findings carry
the image and the box, doubtful reads are weighed down, huge images are refused, and without the `ocr` extra the
message says what to install."""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib

import pytest
from inputs_helpers import cjk_font, make_docx, render_text_image, wechat_html

from review.errors import InputError
from review.inputs import extract, extract_path, ocr_available, ocr_problem, review_extracted
from review.inputs import ocr as ocr_module
from review.inputs.review_file import OCR_DROP_BELOW, OCR_INFO_BELOW, weigh, weigh_ocr
from review.model import Finding
from review.pipeline import get_reviewer

TYPO_LINE = "我们要再接再励，做好民生工作。"
CLEAN_LINES = ["市政府召开常务会议，研究部署防汛工作。", "要求各部门压实责任，确保群众安全。"]
needs_ocr = pytest.mark.skipif(not ocr_available(), reason=ocr_problem() or "")  # says what to install
needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK font (apt-get install fonts-wqy-zenhei)")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@needs_ocr
@needs_font
def test_image_with_a_typo_gives_a_finding_with_its_image_and_box():
    image = render_text_image(["防汛安全提示", TYPO_LINE], size=32, spacing=2.0, margin=24)
    extracted = extract(image, "poster.png")
    assert extracted.format == "image" and _folded(extracted.text) == _folded("防汛安全提示\n" + TYPO_LINE)
    assert [s.index for s in extracted.spans] == [1, 2] and all(s.kind == "image" for s in extracted.spans)
    first, second = extracted.spans
    assert first.box[3] <= second.box[1]  # top to bottom
    assert 24 + 64 - 8 <= second.box[1] <= 24 + 64 + 8  # the second line starts at margin + 2 × 32 pixels
    report = review_extracted(get_reviewer(), extracted)
    finding = next(f for f in report.findings if f.text == "再接再励")
    assert finding.severity != "info" and extracted.text[finding.start:finding.end] == "再接再励"
    assert finding.source["image"] == "poster.png" and finding.source["box"] == list(second.box)
    assert finding.source["ocr_confidence"] >= OCR_INFO_BELOW
    assert report.meta["input"]["images"] == [{"name": "poster.png", "width": extracted.images[0].width,
                                               "height": extracted.images[0].height, "lines": 2}]


@needs_ocr
@needs_font
def test_clean_image_reads_exactly_and_passes():
    extracted = extract(render_text_image(CLEAN_LINES), "clean.png")
    assert _folded(extracted.text) == _folded("\n".join(CLEAN_LINES))
    report = review_extracted(get_reviewer(), extracted, {"account": {"type": "emergency"}})
    assert [f for f in report.findings if f.category == "typo"] == []


@needs_ocr
@needs_font
def test_long_image_is_read_in_tiles_each_line_once():
    """A 长图 taller than a tile: lines before, inside and after the tiles' overlap are each read once, with boxes in
    the whole image's pixels."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(cjk_font(), 30)
    rows = {200: "第一行：开头的通知。", 1_900: "第二行：落在重叠区。", 2_600: "第三行：第二块图中。", 3_900: "第四行：最后一块。"}
    image = Image.new("RGB", (700, 4_200), "white")
    draw = ImageDraw.Draw(image)
    for top, line in rows.items():
        draw.text((40, top), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    extracted = extract(out.getvalue(), "long.png")
    assert _folded(extracted.text) == _folded("\n".join(rows.values()))
    for span, top in zip(extracted.spans, rows):
        assert abs(span.box[1] - top) < 15


@needs_ocr
@needs_font
def test_image_inside_docx_and_in_a_saved_wechat_page(tmp_path):
    picture = render_text_image([TYPO_LINE])
    extracted = extract(make_docx(["第一段文字。", "第二段。"], image=picture, image_after=1), "a.docx")
    report = review_extracted(get_reviewer(), extracted)
    finding = next(f for f in report.findings if f.text == "再接再励")
    assert finding.source["kind"] == "image" and finding.source["image"].startswith("word/media/")
    assert finding.source["paragraph"] == 2 and len(finding.source["box"]) == 4  # add_picture: a paragraph of its own
    lines = extracted.text.splitlines()
    assert lines[0] == "第一段文字。" and _folded(lines[1]) == _folded(TYPO_LINE) and lines[2] == "第二段。"
    (tmp_path / "article_files").mkdir()
    (tmp_path / "article_files" / "640.png").write_bytes(picture)
    page = wechat_html("关于防汛的通知", ["正文第一段。"], images=["./article_files/640.png"])
    (tmp_path / "article.html").write_text(page, encoding="utf-8")
    extracted = extract_path(tmp_path / "article.html")
    report = review_extracted(get_reviewer(), extracted)
    finding = next(f for f in report.findings if f.text == "再接再励")
    assert finding.source["kind"] == "image" and finding.source["image"] == "./article_files/640.png"
    assert finding.source["element"] == "img"


@needs_ocr
def test_huge_and_broken_images_are_refused_before_decoding():
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)  # claims 10 gigapixels
    pixels = zlib.compress(b"\0" * 1000)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    with pytest.raises(InputError) as caught:
        extract(bomb, "bomb.png")
    assert caught.value.code == "invalid_image" and "too large" in caught.value.message
    with pytest.raises(InputError) as caught:
        extract(b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "broken.png")
    assert caught.value.code == "invalid_image"


def test_without_the_ocr_extra_images_say_what_to_install(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(ocr_module, "ocr_available", lambda: False)
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG")
    with pytest.raises(InputError) as caught:
        extract(out.getvalue(), "a.png")
    assert caught.value.code == "ocr_missing" and "review[ocr]" in caught.value.message
    extracted = extract(make_docx(["正文没有问题。"], image=out.getvalue(), image_after=1), "a.docx")
    report = review_extracted(get_reviewer(), extracted)
    assert report.meta["warnings"][-1]["code"] == "ocr_missing"
    assert "ocr" in report.meta["incomplete"] and report.verdict != "pass"
    assert report.meta["input"]["images"][0]["skipped"] == "ocr_missing"


def _finding(severity: str = "major", confidence: float = 0.9) -> Finding:
    return Finding("typo", "typo.model", severity, 0, 2, "布署", "部署", confidence, "疑似错别字")


def test_ocr_confidence_weighs_findings():
    assert weigh_ocr(_finding(), OCR_DROP_BELOW - 0.01) is None  # the reading itself is in doubt
    doubtful = weigh_ocr(_finding(), (OCR_DROP_BELOW + OCR_INFO_BELOW) / 2)
    assert doubtful.severity == "info" and "核对原图" in doubtful.message
    assert doubtful.confidence < 0.9
    sure = weigh_ocr(_finding(), 0.99)
    assert sure.severity == "major" and sure.confidence == pytest.approx(0.9 * 0.99)
    assert weigh_ocr(_finding(), None).confidence == 0.9  # not from an image


def test_what_ocr_cannot_see_is_not_reported_from_images():
    """A comma's width and spaces are not in the pixels: those findings from an image line are dropped, the same
    findings in typed text are kept."""
    from dataclasses import replace

    from review.inputs.types import Extracted

    halfwidth = Finding("norms", "punctuation.halfwidth", "minor", 0, 1, ",", "，", 0.9, "半角标点")
    image = {"kind": "image", "index": 1, "start": 0, "end": 5, "image": "a.png", "box": [0, 0, 9, 9],
             "ocr_confidence": 0.99}
    extracted = Extracted(text="好,好好好", format="image")
    assert weigh(replace(halfwidth, source=image), extracted) is None
    typed = replace(halfwidth, source={"kind": "paragraph", "index": 1, "start": 0, "end": 5})
    assert weigh(typed, extracted) == typed
    typo = replace(_finding(), source=image)
    assert weigh(typo, extracted).severity == "major"


def test_images_past_the_time_budget_are_skipped_and_the_report_says_so(tmp_path, monkeypatch):
    """The text of a page is reviewed; an image left when the file's time is used is skipped, listed, warned about,
    and keeps the post from passing."""
    from PIL import Image

    from review.inputs import InputLimits

    monkeypatch.setattr(ocr_module, "ocr_available", lambda: True)  # the budget is spent before OCR would start
    (tmp_path / "a_files").mkdir()
    Image.new("RGB", (40, 20), "white").save(tmp_path / "a_files" / "1.png")
    (tmp_path / "a.html").write_text(wechat_html("标题", ["正文没有问题。"], images=["a_files/1.png"]),
                                     encoding="utf-8")
    extracted = extract_path(tmp_path / "a.html", InputLimits(seconds=0))
    assert extracted.text == "正文没有问题。" and extracted.images[0].skipped == "time"
    report = review_extracted(get_reviewer(), extracted)
    assert report.meta["warnings"][-1]["code"] == "images_not_read" and "time" in report.meta["warnings"][-1]["message"]
    assert "ocr" in report.meta["incomplete"] and report.verdict != "pass"


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@needs_ocr
@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_large_images_memory_is_given_back_after_reading():
    # a hostile trial: a 57 KB PNG of 7,700 × 7,700 pixels left a service worker 540 MB larger for good (the
    # decoded pixels, freed, stayed in the reading thread's heap); the models' own memory is loaded first
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image

    def png(side: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (side, side), "white").save(out, format="PNG")
        return out.getvalue()

    with ThreadPoolExecutor(1) as lane:  # read in a thread of its own, as the service's upload lane does
        lane.submit(extract, png(200), "small.png").result()  # loads the models
        before = _rss_mb()
        extracted = lane.submit(extract, png(6_000), "large.png").result()  # 108 MB of RGB, more while read
        grown = _rss_mb() - before
    assert extracted.images[0].width == 6_000
    assert grown < 60, grown

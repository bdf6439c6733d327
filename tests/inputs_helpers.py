"""Files the input tests build on the fly: .docx (python-docx), PDF (matplotlib with a CJK font), WeChat-article
HTML, and images of text rendered with a CJK font (Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei (.ci/run installs it)
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def cjk_font() -> str | None:
    """A CJK font file installed on this machine, or None."""
    return next((path for path in FONT_PATHS if Path(path).exists()), None)


def render_text_image(lines: list[str], size: int = 32, width: int | None = None, margin: int = 24,
                      spacing: float = 1.8, font_path: str | None = None) -> bytes:
    """A PNG of black text lines on white, one line each, in a CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path or cjk_font(), size)
    width = width or max(200, int(max(len(line) for line in lines) * size * 1.05) + 2 * margin)
    height = int(len(lines) * size * spacing) + 2 * margin
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((margin, margin + number * size * spacing), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None, image: bytes | None = None,
              image_after: int = 0, author: str | None = None) -> bytes:
    """A .docx with these paragraphs, an optional table after them, and an optional picture in its own paragraph
    after paragraph number `image_after` (0: none)."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    for number, text in enumerate(paragraphs, 1):
        document.add_paragraph(text)
        if image is not None and number == image_after:
            document.add_picture(io.BytesIO(image), width=Inches(5))
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    if author:
        document.core_properties.author = author
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer: each page's lines drawn in a CJK font (matplotlib embeds it with a ToUnicode map)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    font = font_manager.FontProperties(fname=cjk_font())
    out = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(out) as pdf:
        for lines in pages:
            figure = plt.figure(figsize=(8.27, 11.69))
            for number, line in enumerate(lines):
                figure.text(0.08, 0.92 - number * 0.05, line, fontproperties=font, fontsize=12)
            pdf.savefig(figure)
            plt.close(figure)
    return out.getvalue()


def wechat_html(title: str, paragraphs: list[str], author: str = "市卫健委", account: str = "健康某市",
                timestamp: int = 1747540800, images: list[str] = ()) -> str:
    """A WeChat article page as a browser saves it: scripts, styles, the meta block and #js_content."""
    body = "".join(f"<p><span style='font-size:15px'>{text}</span></p>" for text in paragraphs)
    body += "".join(f'<p><img data-src="https://mmbiz.qpic.cn/x/640" src="{src}"></p>' for src in images)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><style>.rich_media_title{{font-size:22px}} p::before{{content:'样式'}}</style>
<script>var ct = "{timestamp}"; var msg_title = '{title}'; document.write("脚本里的字不审校");</script></head>
<body><div id="js_article"><h1 class="rich_media_title" id="activity-name"> {title} </h1>
<div id="meta_content"><span id="js_author_name">{author}</span><a id="js_name">{account}</a>
<em id="publish_time"></em></div><div class="rich_media_content" id="js_content">{body}</div>
<script>var noise = "另一段脚本";</script><div id="js_pc_qr_code">微信扫一扫关注该公众号</div></div></body></html>"""

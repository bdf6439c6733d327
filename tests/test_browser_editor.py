"""The editor page end to end in real headless Chromium (Debian's `chromium`, driven by Playwright): load the
page, submit a post with an error, see it highlighted, accept the suggestion, see the text change."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from server_helpers import free_port

from service.app import create_app
from service.config import ServiceConfig

CHROMIUM = os.environ.get("REVIEW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MOJIBAKE = "天气很好".encode("utf-8").decode("cp1252", errors="ignore")
# A typo for the typo check and a mis-encoded phrase for the garbled check: both come with a suggestion.
POST_TEXT = f"我们要再接再励，做好民生工作。今天{MOJIBAKE}，欢迎市民出行。"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which("chromium")),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)",
)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The app under uvicorn in a background thread, on a free loopback port."""
    port = free_port()
    db = tmp_path_factory.mktemp("browser") / "settings.sqlite3"
    app = create_app(ServiceConfig(db_path=str(db)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture()
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_review_highlight_and_accept(page, server_url, tmp_path):
    page.goto(server_url + "/")
    assert page.title() == "政务新媒体内容审校"
    page.wait_for_selector("#account-type option", state="attached")
    types = page.eval_on_selector_all("#account-type option", "options => options.map(o => o.value)")
    page.select_option("#account-type", "government" if "government" in types else types[0])
    page.fill("#post-text", POST_TEXT)
    page.click("#review-button")
    page.wait_for_selector("mark.finding")

    assert page.inner_text("#score") not in ("", "—")
    assert page.inner_text("#verdict") in ("通过", "修改后发布", "不予发布（单项否决）")
    accept_buttons = page.locator("li.finding button.accept")
    assert accept_buttons.count() >= 1
    # Prefer the typo when the typo check is installed; otherwise the mis-encoded phrase.
    items = page.locator("li.finding:has(button.accept)")
    chosen = next((i for i in range(items.count()) if "错别字" in items.nth(i).inner_text()), 0)
    item = items.nth(chosen)
    wrong, right = item.locator("del").inner_text(), item.locator("ins").inner_text()
    marked = page.locator("#annotated mark.finding").all_inner_texts()
    assert wrong in marked  # highlighted in place
    page.screenshot(path=str(tmp_path / "editor-findings.png"), full_page=True)

    item.locator("button.accept").click()
    page.wait_for_function(
        "([wrong, right]) => { const v = document.getElementById('post-text').value;"
        " return v.includes(right) && !v.includes(wrong); }",
        arg=[wrong, right],
    )
    page.wait_for_function("() => !document.getElementById('review-button').disabled")
    page.wait_for_function(
        "(wrong) => ![...document.querySelectorAll('#annotated mark')].some(m => m.textContent === wrong)", arg=wrong
    )
    value = page.input_value("#post-text")
    assert value == POST_TEXT.replace(wrong, right, 1)
    page.screenshot(path=str(tmp_path / "editor-accepted.png"), full_page=True)
    assert (tmp_path / "editor-accepted.png").stat().st_size > 0


def test_bad_input_shows_the_error(page, server_url):
    page.goto(server_url + "/")
    page.fill("#post-text", "字" * 20_001)
    page.click("#review-button")
    page.wait_for_selector("#status.error")
    assert "20000" in page.inner_text("#status")


def test_repeats_are_one_item_with_every_place(page, server_url):
    """Four identical annotations: one list item, "4 处", four marks, each place button marks its own span."""
    text = "，".join("持續(xù)工作" for _ in range(4)) + "。"
    page.goto(server_url + "/")
    page.fill("#post-text", text)
    page.click("#review-button")
    page.wait_for_selector("li.finding button.place")
    items = page.locator("li.finding", has_text="正文夹杂注音")
    assert items.count() == 1 and "4 处" in items.first.inner_text()
    assert page.locator("#annotated mark.finding").all_inner_texts().count("(xù)") == 4
    places = items.first.locator("button.place")
    assert places.count() == 4
    places.nth(2).click()
    index = places.nth(2).get_attribute("data-index")
    assert page.locator(f"#annotated mark.active[data-index='{index}']").count() == 1
    assert "active" in (items.first.get_attribute("class") or "")
    items.first.locator("button.accept").click()
    page.wait_for_function("() => !document.getElementById('post-text').value.includes('(xù)')")
    assert page.input_value("#post-text") == text.replace("(xù)", "")


UPLOAD_TYPO = "我们要再接再励，做好民生工作。"


def test_docx_dropped_on_the_page_is_reviewed_with_its_paragraphs(page, server_url, tmp_path):
    """A .docx dropped on the drop zone: its text fills the editor, the typo is marked, the list says which
    paragraph it is in; the file picker takes the same file."""
    import base64

    from inputs_helpers import make_docx

    data = make_docx(["关于做好夏季防汛工作的通知", UPLOAD_TYPO])
    page.goto(server_url + "/")
    page.wait_for_selector("#account-type option", state="attached")
    page.evaluate(
        """([name, encoded]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "application/octet-stream" }));
            const zone = document.getElementById("drop-zone");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        ["通知.docx", base64.b64encode(data).decode()],
    )
    page.wait_for_selector("#annotated mark.finding")
    assert page.input_value("#post-text") == "关于做好夏季防汛工作的通知\n" + UPLOAD_TYPO
    assert "再接再励" in page.locator("#annotated mark.finding").all_inner_texts()
    item = page.locator("li.finding", has_text="再接再厉")
    assert "第 2 段" in item.first.locator(".source").inner_text()
    assert "通知.docx" in page.inner_text("#file-info") and "Word" in page.inner_text("#file-info")
    page.screenshot(path=str(tmp_path / "editor-docx.png"), full_page=True)

    path = tmp_path / "again.docx"
    path.write_bytes(make_docx(["第二份文件：" + UPLOAD_TYPO]))
    page.set_input_files("#file-input", str(path))
    page.wait_for_function("() => document.getElementById('post-text').value.startsWith('第二份文件')")
    page.wait_for_selector("#annotated mark.finding")
    assert "again.docx" in page.inner_text("#file-info")


def test_image_upload_marks_the_text_read_from_it(page, server_url, tmp_path):
    """An image chosen with the file picker: its text is read offline (OCR), the typo is marked and the list
    names the image and the box it is in."""
    from inputs_helpers import cjk_font, render_text_image

    from review.inputs import ocr_problem

    if ocr_problem():
        pytest.skip(ocr_problem())  # the extra or a system library it needs is missing: the message says which
    if cjk_font() is None:
        pytest.skip("no CJK font to render the image (apt-get install fonts-wqy-zenhei)")
    path = tmp_path / "poster.png"
    path.write_bytes(render_text_image(["防汛安全提示", UPLOAD_TYPO]))
    page.goto(server_url + "/")
    page.set_input_files("#file-input", str(path))
    page.wait_for_selector("#annotated mark.finding", timeout=120_000)
    assert "再接再励" in page.input_value("#post-text")
    item = page.locator("li.finding", has_text="再接再厉")
    source = item.first.locator(".source").inner_text()
    assert "图片 poster.png" in source and "位置" in source
    assert "图片" in page.inner_text("#file-info")
    page.wait_for_selector("#image-preview .box")  # the finding's line boxed on the picture itself
    index = page.locator("#image-preview .box").first.get_attribute("data-index")
    page.locator("#image-preview .box").first.click()
    assert page.locator(f"li.finding.active[data-indices~='{index}']").count() == 1
    page.screenshot(path=str(tmp_path / "editor-image.png"), full_page=True)


def test_accepting_a_suggestion_in_a_file_with_windows_line_breaks(page, server_url, tmp_path):
    """A third hostile trial: a .txt saved on Windows ("\\r\\n") filled the textarea, which keeps "\\n" only, and
    采纳 then said the text had changed; the page brings the text and the offsets to the textarea's form."""
    path = tmp_path / "windows.txt"
    path.write_bytes("第一行通知。\r\n我们要再接再励，做好民生工作。\r\n第三行再接再励。\r\n".encode("utf-8"))
    page.goto(server_url + "/")
    page.wait_for_selector("#account-type option", state="attached")
    page.set_input_files("#file-input", str(path))
    page.wait_for_selector("#annotated mark.finding")
    assert page.input_value("#post-text") == "第一行通知。\n我们要再接再励，做好民生工作。\n第三行再接再励。\n"
    item = page.locator("li.finding:has(button.accept)", has_text="再接再厉").first
    item.locator("button.accept").first.click()
    page.wait_for_function("() => document.getElementById('post-text').value.includes('再接再厉')")
    assert "已改动" not in page.inner_text("#status")
    assert page.input_value("#post-text").count("再接再厉") >= 1

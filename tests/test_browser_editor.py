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

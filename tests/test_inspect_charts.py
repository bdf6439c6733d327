"""The inspection report's charts: Chinese labels and the real unit names with a CJK font (found on disk even when
matplotlib's font cache predates it), and a page that says why they are in English without one."""

from __future__ import annotations

import re
import warnings

import pytest
from inspect_helpers import (
    ACCOUNTS,
    CHECKED_AT,
    TEST_CHECKS,
    feed_posts,
    register_marker_check,
    unregister_marker_check,
    write_jsonl,
)

from review.inspect import html, inspect_feed
from review.model import parse_datetime
from review.pipeline import ReviewOptions

HAN = re.compile(r"[\u4e00-\u9fff]")
UNITS = {unit for _, _, _, unit in ACCOUNTS.values()}


@pytest.fixture(scope="module")
def inspection(tmp_path_factory):
    folder = tmp_path_factory.mktemp("charts")
    register_marker_check()
    try:
        return inspect_feed(str(write_jsonl(folder / "feed.jsonl", feed_posts())), str(folder / "out"),
                            parse_datetime(CHECKED_AT, "checked_at"), options=ReviewOptions.make(enable=TEST_CHECKS))
    finally:
        unregister_marker_check()


def _texts(figure) -> dict[str, list[str]]:
    """The words a figure shows: titles, bar labels (y ticks) and legend entries."""
    shown: dict[str, list[str]] = {"titles": [], "bars": [], "legend": []}
    for ax in figure.axes:
        shown["titles"].append(ax.get_title())
        shown["bars"] += [label.get_text() for label in ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            shown["legend"] += [text.get_text() for text in legend.get_texts()]
    return shown


def test_charts_are_labelled_in_chinese_with_the_units_names(inspection):
    import matplotlib.pyplot as plt

    font = html.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
    (_, by_category), (_, by_unit) = html.figures(inspection, {}, font)
    category, unit = _texts(by_category), _texts(by_unit)
    plt.close("all")
    words = category["titles"] + category["bars"] + unit["titles"] + unit["legend"]
    assert words and all(HAN.search(word) for word in words), words  # 监测时间点前2周内无更新, 错别字 …, not `stale`
    assert "发稿出现未来时间" in category["bars"] and "错别字" in category["bars"]
    assert set(unit["bars"]) == UNITS  # the real names, not "unit 1 … unit 6"
    # every character is drawn from the font: matplotlib warns of each glyph it has to leave out as a box
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = html.charts(inspection, {})
    assert len(images) == 2
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing[:3]


def test_without_a_cjk_font_the_page_says_so_and_names_the_units(inspection, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(html, "cjk_font", lambda: None)
    figures = html.figures(inspection, {}, None)
    shown = [_texts(figure) for _, figure in figures]
    plt.close("all")
    assert all(word.isascii() for texts in shown for words in texts.values() for word in words)
    page = html.render_html(inspection, [], {}, "巡检报告")
    assert html.NO_FONT_NOTE.split(" / ")[0] in page and "No CJK font is installed" in page
    unit_names = [text for text in shown[1]["bars"]]
    assert sorted(unit_names) == sorted(f"unit {i + 1}" for i in range(len(UNITS)))
    for i, unit in enumerate(html.chart_units(inspection)[0]):  # the page says which unit each "unit N" is
        assert f"unit {i + 1} = {unit.name}" in page


def test_a_cjk_font_installed_after_matplotlibs_cache_is_found(monkeypatch):
    from matplotlib import font_manager

    if html.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
    # matplotlib's cached font list as it was before the font was installed: no CJK family in it
    cjk_files = {font.fname for font in font_manager.fontManager.ttflist if font.name in html.CJK_FONTS}
    stale = [font for font in font_manager.fontManager.ttflist if font.fname not in cjk_files]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    html.cjk_font.cache_clear()
    try:
        assert html.cjk_font() in html.CJK_FONTS
    finally:
        html.cjk_font.cache_clear()

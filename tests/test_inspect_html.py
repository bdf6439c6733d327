"""The inspection's HTML report renders in headless Chromium; the screenshot stays under the test output."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from inspect_helpers import (
    CHECKED_AT,
    TEST_CHECKS,
    feed_posts,
    register_marker_check,
    unregister_marker_check,
    write_jsonl,
)

from review.inspect import inspect_feed
from review.model import parse_datetime
from review.pipeline import ReviewOptions

CHROMIUM = next((path for path in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if path), None)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_html_report_renders_in_headless_chromium(tmp_path):
    import numpy as np
    from matplotlib.image import imread

    register_marker_check()
    try:
        inspect_feed(str(write_jsonl(tmp_path / "feed.jsonl", feed_posts())), str(tmp_path / "out"),
                     parse_datetime(CHECKED_AT, "checked_at"), options=ReviewOptions.make(enable=TEST_CHECKS))
    finally:
        unregister_marker_check()
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--hide-scrollbars", "--window-size=1200,2000", f"--screenshot={screenshot}",
         (tmp_path / "out" / "report.html").as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    pixels = imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    # the page is not blank: the charts' red bars and the table text are drawn
    red = (pixels[..., 0] > 0.6) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)
    dark = pixels.max(axis=2) < 0.3
    assert red.sum() > 5000 and dark.sum() > 5000
    assert np.unique(pixels.reshape(-1, 3), axis=0).shape[0] > 50

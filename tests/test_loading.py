"""Loading with the garbage collector paused (issue 22) leaves the collector as it found it."""

from __future__ import annotations

import gc

import pytest

from review.pipeline import Reviewer
from review.resources import collector_paused


def test_the_collector_is_paused_while_loading_and_restored_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError("a lexicon that does not load")
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_keeps_it_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_loading_checks_leaves_the_collector_on():
    reviewer = Reviewer(checks=["numbers", "punctuation"])
    reviewer.warm_up()
    assert reviewer.review({"text": "2025年2月30日召开会议。"}).findings
    assert gc.isenabled()

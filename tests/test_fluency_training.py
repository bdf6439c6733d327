"""The fluency trainer's parts: the spinner, the garbler, the split and the logistic regression."""

from __future__ import annotations

import json
import lzma
import random
from pathlib import Path

import numpy as np

from review.training.fluency import (
    MODERN_FROM,
    REPORTS,
    classifier_split,
    fit_logistic,
    garble,
    kept_for_heads,
    report_chunks,
    spin_text,
)


def test_spin_text_replaces_the_share_asked() -> None:
    """The spinner replaces round(rate × occurrences) occurrences, each by its spun form, and says how many."""
    text = "人民政府为人民服务，人民满意。"
    spun, replaced = spin_text(text, {"人民": "国民", "服务": "供职"}, 0.5, random.Random(1))
    assert replaced == 2
    assert spun.count("国民") + spun.count("供职") == 2
    assert len(spun) == len(text)
    assert spin_text(text, {"农业": "农事"}, 1.0, random.Random(1)) == (text, 0)


def test_garble_keeps_the_clauses_or_drops_characters() -> None:
    """Shuffling keeps every clause and character; dropping removes characters but never 。 or line breaks."""
    text = "第一句，第二句，第三句。\n另一段，再一段。\n"
    shuffled = garble(text, random.Random(5), True, 0.0)
    assert sorted(shuffled) == sorted(text)
    dropped = garble(text, random.Random(5), False, 0.5)
    assert len(dropped) < len(text)
    assert dropped.count("。") == 2 and dropped.count("\n") == 2


def test_classifier_split_is_a_stable_tenth() -> None:
    """About a tenth of the texts go to the classifier, half "fit" and half "check", the same each time."""
    texts = [f"第{k}篇文章的内容" for k in range(4000)]
    splits = [classifier_split(text) for text in texts]
    assert splits == [classifier_split(text) for text in texts]
    held = [s for s in splits if s is not None]
    assert 0.07 < len(held) / len(texts) < 0.13
    assert 0.35 < held.count("fit") / len(held) < 0.65


def test_fit_logistic_separates_two_classes() -> None:
    """On two shifted clouds the fitted weights point along the shift and classify held-out points."""
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(0, 1, (300, 2)) + [3.0, 0.0]])
    y = np.r_[np.zeros(300), np.ones(300)]
    weights, bias = fit_logistic(x, y)
    assert weights[0] > 1.0 and abs(weights[1]) < 0.5
    test = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(0, 1, (100, 2)) + [3.0, 0.0]])
    predicted = (test @ weights + bias) > 0
    assert (predicted == np.r_[np.zeros(100), np.ones(100)]).mean() > 0.9


def _reports(folder: Path, rows: list[dict]) -> Path:
    """A data folder holding `rows` as the government work reports file."""
    path = folder.joinpath(*REPORTS)
    path.parent.mkdir(parents=True)
    with lzma.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder


def test_report_chunks_before_a_year(tmp_path) -> None:
    """`before` keeps the chunks of reports dated earlier only; a report without a year counts as modern."""
    line = "各位代表，现在我代表国务院向大会作政府工作报告，请予审议。\n"
    rows = [{"title": f"{year}年政府工作报告", "year": year, "script": "simplified", "text": line * 40}
            for year in ("1956", "1990")]
    rows.append({"title": "关于政府工作报告的决议", "script": "simplified", "text": line * 40})
    rows.append({"title": "1957年政府工作报告（繁体）", "year": "1957", "script": "traditional", "text": line * 40})
    data = _reports(tmp_path, rows)
    every = report_chunks(data, None)
    old = report_chunks(data, None, before=MODERN_FROM)
    assert len(every) == 3 * len(old) and len(old) >= 1
    assert report_chunks(data, None, before="1956") == []


def test_heads_leave_out_clean_posts_of_an_older_register_only() -> None:
    """A clean chunk of an old report is no negative; its spun and garbled copies, and every other post, stay."""
    kinds = ["clean", "spun", "shuffled", "clean", "spun-unknown"]
    texts = ["旧报告", "旧报吿", "报告旧", "新报告", "新报吿"]
    assert kept_for_heads(kinds, texts, {"旧报告"}).tolist() == [False, True, True, True, True]
    assert kept_for_heads(kinds, texts, set()).all()

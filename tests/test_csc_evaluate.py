"""Sentence-level CSC metrics on hand-made examples."""
from __future__ import annotations

import pytest

from review.training.csc_eval import sentence_metrics


def test_metrics_hand_made():
    srcs = ["再接再励", "一如继往", "今天天气好", "我们在一起", "迫不急待"]
    tgts = ["再接再厉", "一如既往", "今天天气好", "我们在一起", "迫不及待"]
    preds = ["再接再厉",   # correct detection + correction
             "一如即往",   # right position, wrong char: detection TP, correction FP
             "今天天气好",  # untouched clean sentence
             "我们再一起",  # false alarm on a clean sentence
             "迫不急待"]   # missed
    m = sentence_metrics(srcs, tgts, preds)
    assert m["n"] == 5 and m["n_err"] == 3 and m["n_clean"] == 2 and m["n_changed"] == 3
    assert m["det_p"] == pytest.approx(2 / 3) and m["det_r"] == pytest.approx(2 / 3)
    assert m["cor_p"] == pytest.approx(1 / 3) and m["cor_r"] == pytest.approx(1 / 3)
    assert m["cor_f1"] == pytest.approx(1 / 3)
    assert m["fpr"] == pytest.approx(0.5)
    assert m["cor_acc"] == pytest.approx(2 / 5)  # sentence 1 and the untouched clean one


def test_metrics_partial_fix_is_not_a_hit():
    m = sentence_metrics(["再接再励一如继往"], ["再接再厉一如既往"], ["再接再厉一如继往"])
    assert m["det_p"] == 0.0 and m["cor_r"] == 0.0


def test_metrics_empty_and_length_check():
    m = sentence_metrics([], [], [])
    assert m["cor_f1"] == 0.0 and m["fpr"] == 0.0
    with pytest.raises(ValueError):
        sentence_metrics(["ab"], ["ab"], ["a"])

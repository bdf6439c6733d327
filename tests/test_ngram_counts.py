"""Counting the n-gram model: raw counts that add up, the text sources, and the cross-fitting fold models."""

from __future__ import annotations

import json
import lzma

import numpy as np
import pytest

from review.training import corpora
from review.training import ngram as ngram_training
from review.training.ngram import count_raw, count_texts
from review.training.rerank import training_news, tuning_news
from review.typo.ngram import bigram_keys, encode, trigram_keys

TEXTS = ["各地要认真落实防汛责任。", "市政府召开常务会议。", "各地要认真落实安全生产责任制。", "全市召开防汛会议。"]


def _trigram_count(model, text: str) -> float:
    codes = encode(text)
    return float(model.trigrams.lookup(trigram_keys(codes[:1], codes[1:2], codes[2:3]))[0])


def test_raw_counts_add_up_to_the_counts_of_all_texts():
    whole = count_texts(TEXTS, min_count=1)
    summed = (count_raw(TEXTS[:2]) + count_raw(TEXTS[2:])).model(min_count=1)
    for name in ("unigrams", "bigrams", "trigrams"):
        a, b = getattr(whole, name), getattr(summed, name)
        # n-grams of boundary symbols only depend on how texts were batched (the padding of neighbours meets)
        inner_a, inner_b = a.keys > 0, b.keys > 0
        assert np.array_equal(a.keys[inner_a], b.keys[inner_b])
        assert np.array_equal(a.counts[inner_a], b.counts[inner_b])
    assert whole.vocab_size == summed.vocab_size


def test_pruning_keeps_every_unigram_and_drops_rare_bigrams():
    model = count_raw(TEXTS).model(min_count=2)
    codes = encode("政府")
    # 政府 occurs once: pruned; 各地 twice: kept; the characters themselves stay
    assert model.bigrams.lookup(bigram_keys(codes[:1], codes[1:]))[0] == 0
    ge = encode("各地")
    assert model.bigrams.lookup(bigram_keys(ge[:1], ge[1:]))[0] == 2
    assert model.unigram_counts(codes).min() == 1


def test_fold_models_leave_out_their_own_folds_targets(monkeypatch):
    targets = {0: ["甲乙丙丁戊。"] * 2, 1: ["子丑寅卯辰。"] * 2}
    monkeypatch.setitem(corpora.SOURCES, "formal", lambda data: iter(TEXTS * 2))
    monkeypatch.setattr(corpora, "pair_target_texts", lambda data, fold=None: iter(targets.get(fold, [])))
    models = ngram_training.fold_models(None, ["formal", "pairs"], min_count=2, folds=2, progress=False)
    assert _trigram_count(models[0], "甲乙丙") == 0 and _trigram_count(models[0], "子丑寅") == 2
    assert _trigram_count(models[1], "甲乙丙") == 2 and _trigram_count(models[1], "子丑寅") == 0
    assert _trigram_count(models[0], "各地要") == _trigram_count(models[1], "各地要") == 4
    # without the pairs source every fold gets the same model
    same = ngram_training.fold_models(None, ["formal"], min_count=2, folds=3, progress=False)
    assert same[0] is same[2] and _trigram_count(same[0], "甲乙丙") == 0


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown n-gram source"):
        list(corpora.source_texts(None, ["formal-ish"]))


def test_informal_texts_read_weibo_train_and_reviews_only(tmp_path):
    weibo = tmp_path / "weibo-smp2020-ewect"
    weibo.mkdir()
    (weibo / "usual_train.jsonl").write_text(json.dumps({"id": "1", "text": "今天天气真好"}, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    (weibo / "usual_test.jsonl").write_text(json.dumps({"id": "2", "text": "测试集不能读"}, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    reviews = tmp_path / "informal-reviews"
    reviews.mkdir()
    (reviews / "waimai_10k.csv").write_text('label,review\n1,"很快，好吃"\n', encoding="utf-8")
    assert list(corpora.informal_texts(tmp_path)) == ["今天天气真好", "很快，好吃"]


def test_training_news_and_tuning_news_come_from_disjoint_periods(tmp_path):
    folder = tmp_path / "formal-xinwenlianbo"
    folder.mkdir()
    rows = [
        {"date": "20260101", "title": "", "text": "一月的新闻是计数用的文本。"},
        {"date": "20260401", "title": "", "text": "四月的新闻用于训练重排序。另一句四月的新闻。"},
        {"date": "20260701", "title": "", "text": "七月的新闻只用于调阈值。"},
    ]
    with lzma.open(folder / "xinwenlianbo_2022-2026.jsonl.xz", "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    training = {p.src for p in training_news(tmp_path, 10)}
    tuning = {p.src for p in tuning_news(tmp_path)}
    assert training and tuning and not training & tuning
    assert len(training_news(tmp_path, 1)) == 1 and len(training_news(tmp_path, 0)) == 0
    assert all("四月" in s for s in training) and all("七月" in s for s in tuning)
    counted = "".join(corpora.counted_news_texts(tmp_path))
    assert "一月" in counted and "四月" not in counted and "七月" not in counted


class _Confusion:
    """实/时 and 政/正 confuse each other (enough for a few candidates)."""

    table = {"实": {"same_tone": {"时"}}, "时": {"same_tone": {"实"}}, "政": {"same_tone": {"正"}}, "正": {"same_tone": {"政"}}}

    def candidates(self, char):
        return frozenset(self.table.get(char, {}).get("same_tone", ()))

    def __contains__(self, char):
        return char in self.table


def test_fold_rows_are_scored_by_the_model_without_their_own_fold(monkeypatch):
    from types import SimpleNamespace

    from review.training import rerank as train_rerank
    from review.training.csc_data import Pair
    from review.typo.candidates import FEATURE_INDEX, CandidateGenerator

    pairs = [Pair("各地要认真落时防汛责任。", "各地要认真落实防汛责任。", "a"),
             Pair("市正府召开常务会议。", "市政府召开常务会议。", "b"),
             Pair("全市召开防汛会议，落时责任。", "全市召开防汛会议，落实责任。", "c"),
             Pair("各地要认真落时安全生产责任制。", "各地要认真落实安全生产责任制。", "d")]
    folds = [train_rerank.fold_of(p) for p in pairs]
    # each fold's model: the shared texts plus the targets of the other folds' pairs, as fold_models builds it
    models = [count_texts(TEXTS + [p.tgt for p, f in zip(pairs, folds) if f != k], min_count=1)
              for k in range(train_rerank.FOLDS)]
    shipped = count_texts(TEXTS + [p.tgt for p in pairs], min_count=1)
    monkeypatch.setattr(ngram_training, "read_stats", lambda folder: {"sources": ["formal", "pairs"], "min_count": 1})
    monkeypatch.setattr(ngram_training, "fold_models", lambda *args, **kwargs: models)
    generator = CandidateGenerator(shipped, _Confusion(), {}, floor=-1e9)
    args = SimpleNamespace(ngram="models/ngram/ngram.npz", data="unused")
    rows = train_rerank.build_fold_rows(args, generator, None, pairs)
    assert generator.ngram is shipped  # put back afterwards
    assert len(rows["y"]) and rows["y"].sum() >= 3
    gain = FEATURE_INDEX["gain"]
    for i, pair in enumerate(pairs):
        mine = rows["pair"] == i
        assert mine.any()
        # the rows of pair i carry exactly the gains its own fold's model gives (not the shipped model's)
        fold_generator = CandidateGenerator(models[folds[i]], _Confusion(), {}, floor=-1e9)
        expected = np.concatenate([fold_generator.generate(s).features[:, gain] for s in (pair.src, pair.tgt)])
        assert np.allclose(np.sort(rows["x"][mine, gain]), np.sort(expected))
        assert {chr(c) for c in rows["src"][mine]} <= set(pair.src) | set(pair.tgt)
    # sentences keep distinct owners across folds
    assert len(np.unique(rows["owner"])) == 2 * len(pairs)

"""The cloze model: its windows, the exported arrays against the torch module, its reranker features, training."""

from __future__ import annotations

import argparse
import json
import lzma

import numpy as np
import pytest

from review.training.ngram import count_texts
from review.typo.candidates import FEATURE_INDEX, FEATURES, CandidateGenerator
from review.typo.cloze import PAD, ClozeModel, load_cloze, window_ids

torch = pytest.importorskip("torch")

CHARS = "各地要认真落实时防汛责任确保安全度渡。，市政府召开常务会议研究部署生产工作"
CLEAN = [
    "各级部门要切实落实防汛主体责任。",
    "确保群众安全度汛，落实各项防汛措施。",
    "市政府常务会议研究部署防汛工作，要求认真落实。",
] * 20


class TinyConfusion:
    """实/时 and 度/渡 confuse each other."""

    table = {"实": {"same_tone": {"时"}}, "时": {"same_tone": {"实"}}, "度": {"same_tone": {"渡"}},
             "渡": {"same_tone": {"度"}}}

    def candidates(self, char):
        return frozenset(self.table.get(char, {}).get("same_tone", ()))

    def __contains__(self, char):
        return char in self.table


def test_windows_read_nearest_first_and_stop_at_padding():
    ids = np.array([5, 6, 7, PAD, 8, 9], dtype=np.int64)
    w = window_ids(ids, np.array([1, 4]), width=2)
    # position 1: left 5 then the text's start; right 7, then the PAD closes the window
    assert w[0].tolist() == [5, 0, 7, 0]
    # position 4: left the PAD closes at once (7 beyond it is not read); right 9, then the end
    assert w[1].tolist() == [0, 0, 9, 0]


def _tiny_cloze(folder, seed: int = 0) -> ClozeModel:
    """A random cloze network over CHARS, exported like a trained one (weights already float16-exact)."""
    from review.training.cloze import export, make_model

    torch.manual_seed(seed)
    model = make_model(len(CHARS) + 2, width=3, dim=8, hidden=16, out_dim=8)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    args = argparse.Namespace(width=3)
    export(model, CHARS, args, {"steps": 0}, folder)
    return model


def test_exported_arrays_score_as_the_torch_module(tmp_path):
    from review.training.cloze import windows_torch

    module = _tiny_cloze(tmp_path)
    cloze = load_cloze(tmp_path)
    assert cloze is not None and cloze.width == 3
    text = "会议要求各地要认真落时防汛责任\n确保安全渡汛"
    ids = cloze.ids(np.array([ord(c) for c in text]))
    assert ids[text.index("\n")] == PAD and ids.min() >= 0
    positions = np.array([0, 10, 14, 16, len(text) - 1])
    cands = ids[[3, 10, 5, 6, 2]]
    ours = cloze.scores(cloze.hidden(ids, positions), np.arange(5), cands)
    # the first layer precomputed per slot and character gives the same scores
    cloze.prepare()
    assert np.allclose(cloze.scores(cloze.hidden(ids, positions), np.arange(5), cands), ours, atol=1e-5)
    padded = torch.from_numpy(np.concatenate([np.zeros(3, np.int64), ids, np.zeros(3, np.int64)]))
    windows = windows_torch(padded, torch.from_numpy(positions + 3), 3, 0.0, None, None, None)
    assert np.array_equal(windows.numpy(), window_ids(ids, positions, 3))
    with torch.no_grad():
        theirs = module(windows, torch.from_numpy(cands)[:, None])[:, 0].numpy()
    assert np.allclose(ours, theirs, atol=1e-4)


def test_cloze_features_are_log_probabilities_among_the_candidates(tmp_path):
    _tiny_cloze(tmp_path, seed=1)
    cloze = load_cloze(tmp_path)
    generator = CandidateGenerator(count_texts(CLEAN, min_count=1), TinyConfusion(), {"落实": 100}, floor=0.5,
                                   cloze=cloze)
    sentences = ["各地要认真落时防汛责任，确保安全渡汛。", "会议要求各地要认真落时", "渡"]
    together = generator.generate_many(sentences)
    f = FEATURE_INDEX
    for sentence, found in zip(sentences, together):
        alone = generator.generate(sentence)
        assert found.chars == alone.chars and found.positions.tolist() == alone.positions.tolist()
        assert np.allclose(found.features, alone.features, atol=1e-5)
    found = together[0]
    assert found.chars and found.features[:, f["cloze_src"]].max() < 0
    row = found.features[0]
    p, cand = int(found.positions[0]), found.chars[0]
    sentence = sentences[0]
    ids = cloze.ids(np.array([ord(c) for c in sentence]))
    query = cloze.hidden(ids, np.array([p]))
    options = [sentence[p]] + [c for q, c in zip(found.positions.tolist(), found.chars) if q == p]
    scores = cloze.scores(query, np.zeros(len(options), dtype=np.int64), cloze.ids(np.array([ord(c) for c in options])))
    log_probs = scores - np.log(np.exp(scores - scores.max()).sum()) - scores.max()
    assert row[f["cloze_src"]] == pytest.approx(log_probs[0], abs=1e-4)
    assert row[f["cloze_cand"]] == pytest.approx(log_probs[options.index(cand)], abs=1e-4)
    assert row[f["cloze_gain"]] == pytest.approx(scores[options.index(cand)] - scores[0], abs=1e-4)
    # without a cloze model the three features stay 0 and the others do not change
    plain = CandidateGenerator(generator.ngram, TinyConfusion(), {"落实": 100}, floor=0.5).generate(sentence)
    cols = [f["cloze_gain"], f["cloze_src"], f["cloze_cand"]]
    assert not plain.features[:, cols].any()
    assert np.array_equal(np.delete(plain.features, cols, 1), np.delete(found.features, cols, 1))


def _fake_data(root):
    """The four clean sources `clean_texts` reads, tiny; one article dated in the held-out period."""
    news = root / "formal-xinwenlianbo"
    news.mkdir(parents=True)
    rows = [{"date": "20250105", "title": "防汛", "text": t} for t in CLEAN + ["Щ这篇文章在计数期。"]]
    rows.append({"date": "20260405", "title": "留出", "text": "Ж这篇文章在留出期。"})
    with lzma.open(news / "xinwenlianbo_2022-2026.jsonl.xz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    reports = root / "formal-gov-reports"
    reports.mkdir()
    for name in ("government_work_reports.jsonl.xz", "cpc_congress_reports.jsonl.xz"):
        with lzma.open(reports / name, "wt", encoding="utf-8") as handle:
            handle.write(json.dumps({"title": "报告", "text": "确保安全度汛。"}, ensure_ascii=False) + "\n")
    admin = root / "admin-litigation-cases"
    admin.mkdir()
    for name in ("cnews.train.txt", "cnews.val.txt"):
        (admin / name).write_text("体育\t各地要认真落实防汛责任。\n", encoding="utf-8")
    (root / "news-msra").mkdir()
    (root / "news-msra" / "msra_sentences.txt").write_text("市政府召开常务会议。\n", encoding="utf-8")
    (root / "csc-macro-correct").mkdir()


def test_training_resumes_and_exports_a_loadable_model(tmp_path):
    from review.training.cloze import main

    _fake_data(tmp_path / "data")
    confusion = tmp_path / "confusion.tsv"
    confusion.write_text("# char\tsame_tone\n实\t时\n时\t实\n度\t渡\n渡\t度\n", encoding="utf-8")
    common = ["--data", str(tmp_path / "data"), "--ckpt", str(tmp_path / "ckpt"), "--out", str(tmp_path / "out"),
              "--confusion", str(confusion), "--dim", "8", "--hidden", "16", "--out-dim", "8", "--batch", "32",
              "--threads", "1"]
    assert main(common + ["--steps", "6"]) == 0
    first = torch.load(tmp_path / "ckpt" / "last.pt")
    assert first["step"] == 6
    assert main(common + ["--steps", "12"]) == 0
    assert torch.load(tmp_path / "ckpt" / "last.pt")["step"] == 12
    model = load_cloze(tmp_path / "out")
    assert model is not None and model.meta["steps"] == 12
    assert "实" in model.chars and "汛" in model.chars
    # the counted period's article was read, the held-out period's was not
    assert "Щ" in model.chars and "Ж" not in model.chars


def test_a_reranker_trained_with_the_cloze_model_needs_it(tmp_path, monkeypatch):
    from review.typo.rerank import RERANK_FILE, load_rerank_corrector
    from review.typo.trees import TreeEnsemble

    ensemble = TreeEnsemble(np.array([-1]), np.array([0.0], np.float32), np.array([0]), np.array([0]),
                            np.array([0.5]), np.array([0]), 0.0, 1, FEATURES)
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    ensemble.save(folder / RERANK_FILE, {"threshold": 0.5, "floor": 2.0, "neural": False, "cloze": True})
    ngram = count_texts(CLEAN, min_count=1)
    monkeypatch.setenv("REVIEW_MODELS", str(tmp_path / "models"))
    with pytest.raises(FileNotFoundError, match="cloze"):
        load_rerank_corrector(folder, None, TinyConfusion(), ngram, {})
    _tiny_cloze(tmp_path / "models" / "cloze")
    corrector = load_rerank_corrector(folder, None, TinyConfusion(), ngram, {})
    assert corrector.generator.cloze is not None and corrector.generator.cloze.width == 3

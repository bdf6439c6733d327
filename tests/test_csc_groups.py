"""The confusable groups' context classifiers: the groups file, the hashed features, training, the reranker's
use of them."""

from __future__ import annotations

import numpy as np
import pytest

from review.resources import lexicon_path
from review.training.groups import accuracy, collect, fit_softmax
from review.training.ngram import count_texts
from review.typo.candidates import FEATURE_INDEX, CandidateGenerator
from review.typo.edits import Edit
from review.typo.groups import TEMPLATES, GroupModel, feature_buckets, load_groups, read_groups
from review.typo.ngram import encode
from review.typo.trees import TreeEnsemble

# 得 after a verb before an adverb of degree, 地 after an adverb before a verb, 的 before a noun
TRAIN = [
    "他跑得很快。", "她写得很好。", "我们认真地学习。", "大家努力地工作。", "美丽的城市。", "我的朋友。",
    "他说得很对。", "孩子们开心地唱歌。", "新的时代。", "她跳得很高。", "我们积极地参与。", "他的书。",
] * 30


def _tiny_model(bits: int = 12) -> GroupModel:
    """Group classifiers for 的地得 and 在再, fitted on TRAIN."""
    groups = ["的地得", "在再"]
    empty = GroupModel(groups, np.zeros((5, 1), np.float32), np.zeros(5, np.float32), bits, {})
    examples = collect(TRAIN, empty, progress=False)
    weights, biases = [], []
    for group, (x, y) in zip(groups, examples):
        w, b = fit_softmax(x, y, len(group), bits, epochs=5, lr=0.3) if len(y) else (
            np.zeros((len(group), 1 << bits), np.float32), np.zeros(len(group), np.float32))
        weights.append(w)
        biases.append(b)
    return GroupModel(groups, np.concatenate(weights), np.concatenate(biases), bits, {"note": "tiny"})


def test_the_shipped_groups_file_is_disjoint_and_read_back(tmp_path):
    groups = read_groups(lexicon_path("confusion", "groups.tsv"))
    assert "的地得" in groups and "在再" in groups
    members = "".join(groups)
    assert len(set(members)) == len(members)
    bad = tmp_path / "groups.tsv"
    bad.write_text("# comment\n的地得\t…\n得到\t…\n", encoding="utf-8")
    with pytest.raises(ValueError, match="already in group"):
        read_groups(bad)
    bad.write_text("的\tone character\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two or more"):
        read_groups(bad)


def test_features_stop_at_boundaries_and_do_not_read_the_position_itself():
    at = np.array([2])
    alone = feature_buckets(encode("他跑得很快"), at, 16)
    assert alone.shape == (1, len(TEMPLATES))
    # the same sentence before a full stop and another sentence: the same features
    assert np.array_equal(alone, feature_buckets(encode("他跑得很快。我们走吧"), at, 16))
    # another character at the position itself: the same features (the classifier must not see it)
    assert np.array_equal(alone, feature_buckets(encode("他跑的很快"), at, 16))
    # another neighbour: other features, and all ids within 2**bits
    other = feature_buckets(encode("他写得很快"), at, 16)
    assert not np.array_equal(alone, other)
    assert other.min() >= 0 and other.max() < 1 << 16


def test_a_fitted_classifier_prefers_the_member_the_context_wants(tmp_path):
    model = _tiny_model()
    codes = encode("他唱的很好，我们认真的工作，在家")
    positions = model.member_positions(codes)
    assert positions.tolist() == [2, 10, 14]
    probs = model.probabilities(codes, positions)
    assert probs.shape == (3, model.widest) == (3, 3)
    assert np.allclose(probs.sum(1), 1.0) and probs[2, 2] == 0  # 在 is in a group of 2: nothing past it
    assert probs[0].argmax() == 2  # 唱_很好: 得
    assert probs[1].argmax() == 1  # 认真_工作: 地
    # the kept-out accuracy of the training helper is what the weights give
    empty = GroupModel(["的地得"], np.zeros((3, 1), np.float32), np.zeros(3, np.float32), 12, {})
    (x, y), = collect(TRAIN[:12], empty, progress=False)
    assert accuracy(model.weights[:3], model.bias[:3], x, y) == 1.0
    model.save(tmp_path / "groups.npz")
    loaded = load_groups(tmp_path)
    assert loaded.groups == model.groups and loaded.meta == {"note": "tiny"}
    assert np.allclose(loaded.probabilities(codes, positions), probs, atol=1e-2)  # float16 storage
    assert load_groups(tmp_path / "missing") is None


class GroupConfusion:
    """的/地/得 confuse each other."""

    table = {c: {"same_tone": set("的地得") - {c}} for c in "的地得"}

    def candidates(self, char):
        return frozenset(self.table.get(char, {}).get("same_tone", ()))

    def __contains__(self, char):
        return char in self.table


def test_the_group_pass_examines_members_the_classifier_doubts_and_describes_them():
    model = _tiny_model()
    clean = [s for s in TRAIN if "的" in s] * 3 + TRAIN  # trigrams that know 的 best
    ngram = count_texts(clean, min_count=1)
    f = FEATURE_INDEX
    sentence = "他唱的很好。"
    generator = CandidateGenerator(ngram, GroupConfusion(), {}, floor=2.0, gate=-1e9, groups=model,
                                   group_gate=0.5, group_floor=0.2)
    # the main pass: the gate examines no position, and the group columns are -1
    assert not generator.generate(sentence).chars
    ungated = CandidateGenerator(ngram, GroupConfusion(), {}, floor=-50.0, groups=model).generate(sentence)
    assert ungated.chars and (ungated.features[:, [f["group_src"], f["group_cand"]]] == -1).all()
    # the group pass: the doubted 的 gets 得 whatever its trigram gain, and the classifier's two probabilities
    found = generator.generate(sentence, groups_only=True)
    assert "得" in found.chars and set(found.chars) <= {"地", "得"}
    k = found.chars.index("得")
    assert int(found.positions[k]) == 2
    row = found.features[k]
    assert row[f["group_src"]] < 0.5 and row[f["group_cand"]] >= 0.2
    assert row[f["group_src"]] + row[f["group_cand"]] <= 1.0 + 1e-6
    assert row[f["gain"]] == pytest.approx(ungated.features[ungated.chars.index("得"), f["gain"]], abs=1e-4)
    # a member the classifier trusts is not examined; several sentences at once give the same rows
    assert not generator.generate("他唱得很好。", groups_only=True).chars
    together = generator.generate_many([sentence, "他唱得很好。", sentence], groups_only=True)
    assert [c.chars for c in together] == [found.chars, [], found.chars]
    assert np.allclose(together[2].features, found.features)


def _stump(feature: str, names) -> TreeEnsemble:
    """P = sigmoid(+5) when `feature` > 0.5, else sigmoid(-5)."""
    index = list(names).index(feature)
    return TreeEnsemble(np.array([index, -1, -1]), np.array([0.5, 0, 0], np.float32), np.array([1, 0, 0]),
                        np.array([2, 0, 0]), np.array([0.0, -5.0, 5.0]), np.array([0]), 0.0, 2, names)


def test_the_group_pass_fills_positions_the_other_edits_leave_and_needs_its_classifiers(tmp_path, monkeypatch):
    from review.typo.candidates import FEATURES, GROUP_FEATURES
    from review.typo.rerank import GROUP_PASS_FILE, RERANK_FILE, RerankCorrector, load_rerank_corrector

    folder = tmp_path / "checkpoint"
    folder.mkdir()
    # a main reranker that never corrects (the gain is never above 1e6), a group pass that trusts its classifier
    never = _stump("gain", FEATURES)
    never.threshold[0] = 1e6
    never.save(folder / RERANK_FILE, {"threshold": 0.5, "floor": 2.0, "gate": -1e9, "neural": False})
    _stump("group_cand", GROUP_FEATURES).save(folder / GROUP_PASS_FILE,
                                              {"threshold": 0.5, "group_gate": 0.5, "group_floor": 0.2})
    ngram = count_texts(TRAIN, min_count=1)
    monkeypatch.setenv("REVIEW_MODELS", str(tmp_path / "models"))
    with pytest.raises(FileNotFoundError, match="group classifiers"):
        load_rerank_corrector(folder, None, GroupConfusion(), ngram, {})
    (tmp_path / "models" / "groups").mkdir(parents=True)
    _tiny_model().save(tmp_path / "models" / "groups" / "groups.npz")
    corrector = load_rerank_corrector(folder, None, GroupConfusion(), ngram, {})
    assert isinstance(corrector, RerankCorrector) and corrector.group_pass.threshold == 0.5
    (edits,) = corrector.correct(["他唱的很好。"])
    assert [(e.index, e.source, e.suggestion) for e in edits] == [(2, "的", "得")] and edits[0].probability > 0.99
    # a protected position, or one another edit already holds, is left alone
    assert corrector.correct(["他唱的很好。"], protected=[[(2, 3)]]) == [[]]
    held = [[Edit(2, "的", "地", 0.9)]]
    assert corrector.add_group_edits(["他唱的很好。"], held) == held
    # a member the classifier trusts gets no group candidate; sentences read together keep their own offsets
    assert corrector.correct(["他唱得很好。"]) == [[]]
    together = corrector.correct(["他唱得很好。", "我说，他唱的很好。"])
    assert together[0] == [] and [(e.index, e.source, e.suggestion) for e in together[1]] == [(5, "的", "得")]

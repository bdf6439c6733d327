"""Candidate reranking: the corrector's decision, from n-gram, dictionary and neural evidence together.

The small character transformer (models/csc) trained on a 2-core CPU is a poor corrector on its own: it rarely
dares to change a character. A character trigram model of clean formal text (models/ngram) is a good proposer
but cries wolf on rare names and constructions. Neither alone decides well, so the decision is learnt:

1. **Propose**: at every Chinese character, its confusion-set neighbours (lexicons/confusion) are scored by the
   trigram model; those that fit at least ``floor`` nats better than the character itself are candidates.
2. **Describe** each (position, candidate) with a handful of numbers (``FEATURES``): the trigram gain (and its
   left- and right-context parts) and both local log-probabilities, how the candidate ranks at its position,
   character frequencies, which confusion column links the two characters, whether either makes a dictionary
   word with its neighbours, how well the neighbouring characters fit, whether the position is inside a short
   quoted term, the ±5-character cloze model's scores (review/typo/cloze.py, models/cloze) and, optionally,
   the transformer's log-probabilities of the candidate and of the source character.
3. **Decide**: a small gradient-boosted tree ensemble (trained by ``review.training.rerank`` on the real
   training pairs, stored as plain arrays in ``models/csc/rerank.npz``) turns the numbers into the
   probability that the candidate is the right correction; the best candidate of a position is suggested when
   that probability reaches the threshold tuned for precision.

Everything here runs on NumPy; the transformer is optional (its two features are then zero, and a reranker
trained without them must be used).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import numpy as np

from review.typo.candidates import (
    FEATURE_INDEX,
    GROUP_FEATURES,
    CandidateGenerator,
    Candidates,
    JoinedCandidates,
    ScoredText,
    add_neural_features,
)
from review.typo.cloze import CLOZE_FILE, load_cloze
from review.typo.confusion import ConfusionSet
from review.typo.edits import Correction, Corrector, Edit, Spans, covered
from review.typo.groups import GROUPS_FILE, GroupModel, load_groups
from review.typo.ngram import NgramModel
from review.typo.trees import TreeEnsemble
from review.typo.words import WordCorrector, load_word_corrector, merge_word_edits

if TYPE_CHECKING:
    from review.typo.transformer import Corrector as NeuralCorrector

RERANK_FILE = "rerank.npz"


@dataclass(frozen=True)
class GroupPass:
    """The group pass's decision (`CandidateGenerator.generate(groups_only=True)` proposes): its own ensemble over
    GROUP_FEATURES and threshold; its suggestions go to positions no other edit touches."""

    ensemble: TreeEnsemble
    threshold: float


class RerankCorrector(Corrector):
    """The corrector used by the typo check and `review eval csc`: propose, describe, decide.

    `words` (whole-word homophone corrections, review/typo/words.py) are merged into the character edits and
    `group_pass` adds its suggestions when present; `meta` and `path` are the rerank.npz it came from.
    """

    def __init__(self, generator: CandidateGenerator, ensemble: TreeEnsemble,
                 neural: Optional["NeuralCorrector"] = None, threshold: float = 0.5, neural_gate: float = -math.inf,
                 *, words: Optional[WordCorrector] = None, group_pass: Optional[GroupPass] = None,
                 meta: Optional[dict] = None, path: Optional[Path] = None) -> None:
        self.generator = generator
        self.ensemble = ensemble
        self.neural = neural
        self.threshold = threshold
        # sentences whose best trigram gain is below this skip the transformer (their nn features stay 0):
        # the cheap first pass that keeps the model off most clean sentences
        self.neural_gate = neural_gate
        self.words = words
        self.group_pass = group_pass
        self.meta: dict = dict(meta or {})
        self.path = path

    def with_parts(self, words: Optional[WordCorrector], group_pass: Optional[GroupPass]) -> "RerankCorrector":
        """The same corrector with other whole-word and group passes (training compares with and without)."""
        return RerankCorrector(self.generator, self.ensemble, self.neural, self.threshold, self.neural_gate,
                               words=words, group_pass=group_pass, meta=self.meta, path=self.path)

    def prepare(self) -> None:
        """The n-gram hash tables, the dictionary-word index, the cloze and group tables, the pinyin tables."""
        ngram = self.generator.ngram
        for table in (ngram.unigrams, ngram.bigrams, ngram.trigrams):
            table.prepare()
        self.generator.prepare()
        if self.words is not None:
            self.words.prepare()

    def save_threshold(self, threshold: float, note: dict) -> None:
        """Store a newly tuned threshold (and how it was chosen) in the rerank.npz this corrector came from."""
        self.threshold = float(threshold)
        self.meta.update(threshold=self.threshold, tuned=note)
        if self.path is not None:
            self.ensemble.save(self.path, self.meta)

    def scored(self, sentences: Sequence[str]) -> List[Tuple[Candidates, np.ndarray]]:
        """Per sentence its candidates and their probabilities of being the right correction."""
        joined, probs = self.scored_joined(sentences)
        b = joined.bounds
        return [(joined.sentence(i), probs[b[i]: b[i + 1]]) for i in range(len(sentences))]

    def scored_joined(self, sentences: Sequence[str]) -> Tuple[JoinedCandidates, np.ndarray]:
        """`scored` as one block: the sentences' candidates joined, and every row's probability (one
        prediction over all rows: the per-call overhead dominates for short sentences)."""
        joined = self.generator.generate_joined(sentences)
        if self.neural is not None:
            gain = FEATURE_INDEX["gain"]
            # each sentence's rows are a view of the joined rows: the transformer features land in them
            views = [joined.sentence(i) for i in range(len(sentences))]
            need = [i for i, c in enumerate(views) if len(c.chars) and c.features[:, gain].max() >= self.neural_gate]
            if need:
                logprobs = self.neural.char_logprobs([sentences[i] for i in need])
                for i, lp in zip(need, logprobs):
                    add_neural_features(views[i], sentences[i], lp, self.neural.vocab)
        return joined, self.ensemble.predict(joined.found.features)

    @staticmethod
    def sentences_with(joined: JoinedCandidates, probs: np.ndarray, low: float, high: float = math.inf) -> List[int]:
        """The sentences of `joined` holding a row whose probability is in [low, high)."""
        rows = np.flatnonzero((probs >= low) & (probs < high))
        return np.unique(np.searchsorted(joined.bounds, rows, side="right") - 1).tolist()

    def decide_joined(self, sentences: Sequence[str], joined: JoinedCandidates, probs: np.ndarray, threshold: float,
                      protected: Optional[Spans] = None) -> List[List[Edit]]:
        """`decide` for each sentence of a `scored_joined` result; only sentences with a row at the threshold
        are looked at (on clean text a few in a hundred)."""
        out: List[List[Edit]] = [[] for _ in sentences]
        b = joined.bounds
        for si in self.sentences_with(joined, probs, threshold):
            out[si] = self.decide(sentences[si], joined.sentence(si), probs[b[si]: b[si + 1]], threshold,
                                  protected[si] if protected else ())
        return out

    @staticmethod
    def decide(sentence: str, cands: Candidates, prob: np.ndarray, threshold: float,
               protected: Sequence[Tuple[int, int]] = ()) -> List[Edit]:
        """At each position the most probable candidate, when it reaches `threshold` and is not protected."""
        best: Dict[int, Tuple[float, str]] = {}
        for p, ch, pr in zip(cands.positions.tolist(), cands.chars, prob.tolist()):
            if pr >= threshold and pr > best.get(p, (-1.0, ""))[0] and not any(a <= p < b for a, b in protected):
                best[p] = (pr, ch)
        return sorted(Edit(p, sentence[p], ch, round(pr, 4)) for p, (pr, ch) in best.items())

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None) -> List[List[Edit]]:
        """Suggest corrections: at each position the most probable candidate, when it reaches the threshold."""
        thr = self.threshold if threshold is None else float(threshold)
        joined, probs = self.scored_joined(sentences)
        return self.add_passes(sentences, self.decide_joined(sentences, joined, probs, thr, protected), protected,
                               joined.scored)

    def add_passes(self, sentences: Sequence[str], edits: List[List[Edit]], protected: Optional[Spans] = None,
                   scored: Optional[ScoredText] = None) -> List[List[Edit]]:
        """`edits` with the word corrector's edits merged in, then the group pass's added; `scored` is the main
        pass's n-gram reading of the joined sentences (`JoinedCandidates.scored`), which both reuse."""
        edits = self.add_word_edits(sentences, edits, protected, scored)
        return self.add_group_edits(sentences, edits, protected, scored=scored)

    def scored_groups(self, sentences: Sequence[str], scored: Optional[ScoredText] = None
                      ) -> List[Tuple[Candidates, np.ndarray]]:
        """Per sentence the group pass's candidates and their probabilities (needs the group pass)."""
        if self.group_pass is None:
            raise ValueError("this corrector has no group pass")
        joined = self.generator.generate_joined(sentences, groups_only=True, scored=scored)
        probs, b = self.group_pass.ensemble.predict(joined.found.features), joined.bounds
        return [(joined.sentence(i), probs[b[i]: b[i + 1]]) for i in range(len(sentences))]

    def add_group_edits(self, sentences: Sequence[str], edits: List[List[Edit]], protected: Optional[Spans] = None,
                        threshold: Optional[float] = None, *, scored: Optional[ScoredText] = None
                        ) -> List[List[Edit]]:
        """`edits` with the group pass's suggestions at the positions no edit touches (unchanged without it).

        The sentences are read as one text, joined as `generate_many` joins them (so the main pass's n-gram
        reading `scored` is reused), and only sentences with a row at the threshold are decided one by one: on
        clean text that is almost none.
        """
        if self.group_pass is None or not sentences:
            return edits
        thr = self.group_pass.threshold if threshold is None else float(threshold)
        joined = self.generator.generate_joined(sentences, groups_only=True, scored=scored)
        if not len(joined.found.chars):
            return edits
        prob = self.group_pass.ensemble.predict(joined.found.features)
        found = self.decide_joined(sentences, joined, prob, thr, protected)
        out = list(edits)
        for si, new in enumerate(found):
            if not new:
                continue
            taken = covered(edits[si])
            extra = [e for e in new if e.index not in taken]
            if extra:
                out[si] = sorted(list(edits[si]) + extra)
        return out

    def add_word_edits(self, sentences: Sequence[str], edits: List[List[Edit]], protected: Optional[Spans] = None,
                       scored: Optional[ScoredText] = None) -> List[List[Edit]]:
        """`edits` with the word corrector's edits merged in (unchanged without a word corrector)."""
        if self.words is None:
            return edits
        found = self.words.correct(sentences, protected=protected, scored=scored)
        return [merge_word_edits(e, w) for e, w in zip(edits, found)]


class HybridCorrector(Corrector):
    """The reranker's suggestions, plus the transformer's own where the reranker hesitates.

    For a reranker trained without transformer features. The transformer reads only the sentences where the
    reranker's best candidate is plausible but below the threshold (probability in [``hesitant``,
    threshold)): on clean text that is a small share of sentences, so the slow model stays off the hot path.
    Its suggestions at its own tuned threshold fill positions the reranker left alone.
    """

    def __init__(self, rerank: RerankCorrector, neural: "NeuralCorrector", hesitant: float) -> None:
        self.rerank = rerank
        self.neural = neural
        self.hesitant = hesitant
        self.generator = rerank.generator

    @property
    def threshold(self) -> float:
        """The reranker's decision threshold."""
        return self.rerank.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.rerank.threshold = float(value)

    def prepare(self) -> None:
        """The reranker's tables (see `RerankCorrector.prepare`)."""
        self.rerank.prepare()

    def save_threshold(self, threshold: float, note: dict) -> None:
        """Store a newly tuned reranker threshold in its rerank.npz."""
        self.rerank.save_threshold(threshold, note)

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None) -> List[List[Edit]]:
        """Reranker edits (at `threshold`), then transformer edits at free positions of hesitant sentences."""
        return self.correct_within(sentences, threshold, protected).edits

    def correct_within(self, sentences: Sequence[str], threshold: Optional[float] = None,
                       protected: Optional[Spans] = None, neural_chars: Optional[int] = None) -> Correction:
        """`correct`, with the transformer reading hesitant sentences, in order, only while their characters add
        up to at most `neural_chars` (None: no limit); the answer says how many it read."""
        rerank = self.rerank
        thr = rerank.threshold if threshold is None else float(threshold)
        joined, probs = rerank.scored_joined(sentences)
        out = rerank.decide_joined(sentences, joined, probs, thr, protected)
        need = rerank.sentences_with(joined, probs, self.hesitant, thr)
        if neural_chars is not None:
            within, used = [], 0
            for i in need:
                if used + len(sentences[i]) <= neural_chars:
                    within.append(i)
                    used += len(sentences[i])
            need = within
        if need:
            extra = self.neural.correct([sentences[i] for i in need],
                                        protected=[protected[i] for i in need] if protected else None)
            for si, edits in zip(need, extra):
                taken = covered(out[si])
                out[si] = sorted(out[si] + [e for e in edits if e.index not in taken])
        edits = rerank.add_passes(sentences, out, protected, joined.scored)
        return Correction(edits, len(need), sum(len(sentences[i]) for i in need))


GROUP_PASS_FILE = "rerank_groups.npz"


@dataclass(frozen=True)
class GroupPassFiles:
    """What the group pass of a checkpoint folder needs: the group classifiers, their gates and the decider."""

    groups: GroupModel
    gate: float
    floor: float
    decider: GroupPass


def load_group_pass(folder: Path) -> Optional[GroupPassFiles]:
    """The group pass of `folder`'s rerank_groups.npz, with the group classifiers of models/groups (None when
    the folder has no such file)."""
    path = Path(folder) / GROUP_PASS_FILE
    if not path.exists():
        return None
    from review.resources import model_path

    groups = load_groups(model_path("groups"))
    if groups is None:
        raise FileNotFoundError(f"{path} needs the group classifiers, and {model_path('groups', GROUPS_FILE)} is "
                                "missing (`review train groups`)")
    ensemble, meta = TreeEnsemble.load(path, GROUP_FEATURES)
    return GroupPassFiles(groups, float(meta["group_gate"]), float(meta["group_floor"]),
                          GroupPass(ensemble, float(meta["threshold"])))


def load_rerank_corrector(folder: Path, neural: Optional["NeuralCorrector"], confusion: ConfusionSet,
                          ngram: Optional[NgramModel] = None, word_freq: Optional[Dict[str, int]] = None,
                          row_caps: Tuple[float, float, float] = (0.0, 0.0, 0.0), group_pass: bool = True
                          ) -> RerankCorrector | HybridCorrector | None:
    """The corrector of checkpoint directory `folder` with its rerank.npz (None when it has none).

    A `RerankCorrector`, or a `HybridCorrector` when the reranker was trained without transformer features.

    `neural` is the folder's transformer (a loaded ``Corrector``); the n-gram model defaults to models/ngram and
    the dictionary to the project's jieba tokenizer; `row_caps` bound the candidates a text may have (the
    character generator's two caps, see `CandidateGenerator`, then the word generator's; the typo check sets
    them, evaluation and training do not); `group_pass` False leaves the folder's group pass out.
    """
    path = Path(folder) / RERANK_FILE
    if not path.exists():
        return None
    ensemble, meta = TreeEnsemble.load(path)
    if ngram is None:
        from review.resources import model_path
        from review.typo.ngram import load_ngram

        ngram = load_ngram(str(model_path("ngram", "ngram.npz")))
    if word_freq is None:
        from review.segment import get_tokenizer

        word_freq = get_tokenizer().FREQ
    cloze = None
    if meta.get("cloze"):
        from review.resources import model_path

        cloze = load_cloze(model_path("cloze"))
        if cloze is None:
            raise FileNotFoundError(f"{path} was trained with the cloze model, and {model_path('cloze', CLOZE_FILE)} "
                                    "is missing (`review train cloze`)")
    groups = load_group_pass(Path(folder)) if group_pass else None
    generator = CandidateGenerator(ngram, confusion, word_freq, floor=float(meta["floor"]),
                                   max_candidates=int(meta.get("max_candidates", 0)), observed=meta.get("observed"),
                                   gate=float(meta.get("gate", math.inf)), cloze=cloze,
                                   groups=groups.groups if groups else None,
                                   group_gate=groups.gate if groups else 0.5,
                                   group_floor=groups.floor if groups else 0.2,
                                   row_caps=(row_caps[0], row_caps[1]))
    with_features = bool(meta.get("neural", True))
    corrector = RerankCorrector(generator, ensemble, neural if with_features else None,
                                threshold=float(meta["threshold"]),
                                neural_gate=float(meta.get("neural_gate", -math.inf)),
                                words=load_word_corrector(Path(folder), ngram, word_freq, cloze, row_caps[2]),
                                group_pass=groups.decider if groups else None, meta=meta, path=path)
    if with_features or neural is None:
        return corrector
    return HybridCorrector(corrector, neural, float(meta.get("hesitant", 0.1)))

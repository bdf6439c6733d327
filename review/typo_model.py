"""The model path of the typo check: an n-gram first pass picks sentences, the neural corrector reads them.

Most sentences of a post have no error, and the corrector costs milliseconds per sentence, so a character
trigram model of clean formal text (review/ngram.py, models/ngram/) looks first: at every Chinese character
whose trigrams are unlikely it asks whether a confusion-set neighbour fits much better. Only sentences with such
a position go to the corrector (review/csc/infer.py), loaded once per process and run batched. Its suggestions
are kept when the confusion set allows them, the position is not a protected word (person, place and
organisation names, gov dictionary terms, idioms and other long dictionary words), and either the model is
confident or the n-gram model agrees.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from review.ngram import NgramModel, encode, load_ngram, padded
from review.resources import lexicon_path, model_path
from review.segment import get_tokenizer

if TYPE_CHECKING:
    from review.document import Document

log = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# Long-running processes (the service, batch and inspection workers) set this to "torch": they pay its import
# once and then run the corrector about ten times faster per window than the NumPy backend.
BACKEND_ENV = "REVIEW_TYPO_BACKEND"


@dataclass(frozen=True)
class Suspect:
    """A position the first pass doubts: the best neighbour and how much better it fits (natural log)."""

    position: int
    char: str
    gain: float


@dataclass(frozen=True)
class ModelEdit:
    """A correction proposed by the model path, in normalised offsets."""

    start: int
    end: int
    suggestion: str
    confidence: float


class FirstPass:
    """Confusion-set candidates scored by the trigram model, over a whole text at once."""

    def __init__(self, ngram: NgramModel, confusion, gate: float, margin: float, max_candidates: int = 0) -> None:
        self.ngram = ngram
        self.confusion = confusion
        self.gate = gate
        self.margin = margin
        self.max_candidates = max_candidates
        self._candidates: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def candidates(self, char: str) -> np.ndarray:
        """Code points of the confusion-set neighbours of `char` (cached)."""
        found = self._candidates.get(char)
        if found is None:
            found = np.array(sorted(ord(c) for c in self.confusion.candidates(char)), dtype=np.int64)
            if self.max_candidates and len(found) > self.max_candidates:
                # the most frequent neighbours: a correction is far more often a common character
                counts = self.ngram.unigrams.lookup(found)
                found = np.sort(found[np.argsort(-counts, kind="stable")[: self.max_candidates]])
            with self._lock:
                self._candidates[char] = found
        return found

    def score(
        self, codes_padded: np.ndarray, positions: np.ndarray, chars: np.ndarray, owners: np.ndarray | None = None
    ) -> np.ndarray:
        """Local log-probability of putting chars[k] at positions[owners[k]] (or positions[k])."""
        return self.ngram.local_logprob(codes_padded, positions, chars, owners)

    def suspects(self, text: str) -> list[Suspect]:
        """Positions where a neighbour beats the character by at least `margin`."""
        codes = encode(text)
        positions = np.nonzero(codes)[0]
        if len(positions) == 0:
            return []
        codes_padded = padded(codes)
        base = self.score(codes_padded, positions, codes[positions])
        low = base < self.gate
        positions, base = positions[low], base[low]
        if len(positions) == 0:
            return []
        cand_lists = [self.candidates(text[p]) for p in positions]
        sizes = np.array([len(c) for c in cand_lists])
        if sizes.sum() == 0:
            return []
        owners = np.repeat(np.arange(len(positions)), sizes)
        chars = np.concatenate(cand_lists)
        scores = self.score(codes_padded, positions, chars, owners)
        best = np.full(len(positions), -np.inf)
        np.maximum.at(best, owners, scores)
        found = []
        for k in np.nonzero(best - base >= self.margin)[0]:
            mine = owners == k
            char = chr(int(chars[mine][np.argmax(scores[mine])]))
            found.append(Suspect(int(positions[k]), char, float(best[k] - base[k])))
        return found

    def gain(self, text: str, position: int, char: str) -> float:
        """How much better `char` fits at `position` than the character there."""
        codes_padded = padded(encode(text))
        pos = np.array([position])
        new = self.score(codes_padded, pos, np.array([ord(char)], dtype=np.int64))
        old = self.score(codes_padded, pos, np.array([ord(text[position])], dtype=np.int64))
        return float(new[0] - old[0])

    def windows(self, text: str, sentences: list[tuple[int, int]], radius: int) -> list[tuple[int, int]]:
        """Spans the model must read: `radius` characters around each suspect, inside its sentence, merged."""
        marks = sorted(s.position for s in self.suspects(text))
        spans: list[tuple[int, int]] = []
        i = 0
        for start, end in sentences:
            while i < len(marks) and marks[i] < end:
                if marks[i] >= start:
                    a, b = max(start, marks[i] - radius), min(end, marks[i] + radius + 1)
                    if spans and a <= spans[-1][1] and spans[-1][0] >= start:
                        spans[-1] = (spans[-1][0], max(spans[-1][1], b))
                    else:
                        spans.append((a, b))
                i += 1
        return spans


@dataclass
class Protection:
    """Which words the model may never change."""

    pos_tags: frozenset[str]
    word_length: int
    gov_words: frozenset[str]

    def spans(self, sentence: str) -> list[tuple[int, int]]:
        """Protected half-open spans of `sentence`."""
        tokenizer = get_tokenizer()
        tagger = _pos_tagger()
        spans, offset = [], 0
        for pair in tagger.cut(sentence):
            word, flag = pair.word, pair.flag
            start, end = offset, offset + len(word)
            offset = end
            if (
                flag in self.pos_tags
                or word in self.gov_words
                or (len(word) >= self.word_length and tokenizer.FREQ.get(word, 0) > 0)
                or not any("\u4e00" <= c <= "\u9fff" for c in word)
            ):
                spans.append((start, end))
        return spans


_tagger = None
_tagger_lock = threading.Lock()


def _pos_tagger():
    """jieba's part-of-speech tagger over the project's tokenizer (created once)."""
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import jieba.posseg

                _tagger = jieba.posseg.POSTokenizer(get_tokenizer())
    return _tagger


def _gov_words() -> frozenset[str]:
    path = lexicon_path("gov_userdict.txt")
    if not path.exists():
        return frozenset()
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.split()[0] for line in handle if line.strip() and not line.startswith("#"))


class ModelPass:
    """First pass + corrector + protection + agreement, producing `ModelEdit`s for a document."""

    def __init__(self, first_pass: FirstPass, corrector, settings: dict) -> None:
        self.first_pass = first_pass
        self.corrector = corrector
        self.severity = settings.get("severity", "major")
        self.threshold = float(settings["threshold"])
        self.confident = float(settings["confident"])
        self.radius = int(settings.get("radius", 10))
        self.protection = Protection(
            pos_tags=frozenset(settings.get("protected_pos", ())),
            word_length=int(settings.get("protected_word_length", 3)),
            gov_words=_gov_words(),
        )

    def edits(self, doc: "Document") -> list[ModelEdit]:
        """Corrections inside the windows of `doc` that the first pass picks."""
        text = doc.text
        spans = self.first_pass.windows(text, doc.sentences, self.radius)
        if not spans:
            return []
        sentences = [text[a:b] for a, b in spans]
        results = self.corrector.correct(sentences, threshold=self.threshold)
        # Protection needs jieba's POS tables (slow to load): compute it only for sentences with a suggestion.
        results = [
            [edit for edit in found if not any(a <= edit[0] < b for a, b in self.protection.spans(sentence))]
            if found
            else found
            for sentence, found in zip(sentences, results)
        ]
        edits = []
        for (offset, _), sentence, found in zip(spans, sentences, results):
            for index, source, target, prob in found:
                if prob < self.confident and self.first_pass.gain(sentence, index, target) <= 0:
                    continue
                edits.append(ModelEdit(offset + index, offset + index + 1, target, round(float(prob), 4)))
        return edits


def has_weights(folder: Path) -> bool:
    """True when `folder` holds a HuggingFace-format checkpoint (config and weights)."""
    return (folder / "config.json").exists() and any((folder / name).exists() for name in WEIGHT_FILES)


def load_model_pass(settings: dict, model_dir: Path | None = None, corrector=None) -> ModelPass | None:
    """The model path, or None (with one log line saying why) when it is disabled or lacks its files."""
    if not settings.get("enabled", True):
        log.info("typo: model path disabled in lexicons/typo/typo.toml")
        return None
    ngram_file = model_path(*settings["ngram"].split("/"))
    folder = model_dir or model_path(settings["model_dir"])
    if corrector is None and not has_weights(folder):
        log.warning("typo: 未找到纠错模型权重（%s），跳过模型纠错 / no CSC weights in %s: model path skipped", folder, folder)
        return None
    if not ngram_file.exists():
        log.warning("typo: 未找到 n 元模型（%s），跳过模型纠错 / no n-gram model: model path skipped", ngram_file)
        return None
    from review.csc.confusion import ConfusionSet

    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    if corrector is None:
        from review.csc.infer import Corrector

        corrector = Corrector(str(folder), confusion=confusion, batch_size=int(settings.get("batch_size", 32)),
                              num_threads=int(settings.get("threads", 1)), backend=os.environ.get(BACKEND_ENV, settings.get("backend", "numpy")))
    first_pass = FirstPass(load_ngram(str(ngram_file)), confusion, float(settings["gate"]), float(settings["margin"]),
                           int(settings.get("max_candidates", 0)))
    return ModelPass(first_pass, corrector, settings)

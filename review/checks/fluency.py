"""语句不通 and 疑似洗稿/机器改写: a post a synonym spinner rewrote or a machine garbled, and its worst sentences.

The whole-post judgement is two logistic regressions, spun and garbled (models/fluency/classifier.json,
`review train fluency`), over post features: spinner words whose original reads better in their place under WORD
bigram counts of formal news (models/fluency/words.npz: lexicons/fluency/spinner.tsv and the `train` half of
spin_pairs.tsv), words of no list that fit their place far worse than a commoner distributional neighbour
(models/fluency/neighbours.npz: spins the check was never told of), word pairs that formal text never writes
though both words are common (dead collocations), orphaned single characters and unknown words (dropped
characters), paragraphs ending in a comma (shuffled clauses), and the mean log-probability of the post's
characters under the typo check's trigram model. Sentences are scored by that trigram model and the same word
evidence; the worst ones are reported when the post is judged. Figures: docs/fluency.md.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from review.checks.base import Check, register
from review.document import Document
from review.lexicon import compile_lexicon_regex
from review.model import Finding
from review.resources import lexicon_path, load_toml, model_path, open_arrays
from review.segment import Token
from review.typo.ngram import BOUNDARY, HashIndex, NgramModel, encode, load_ngram, padded

CONFIG = ("fluency", "fluency.toml")
SPINNER = ("fluency", "spinner.tsv")
SPIN_PAIRS = ("fluency", "spin_pairs.tsv")
WORDS_MODEL = ("fluency", "words.npz")
NEIGHBOURS_MODEL = ("fluency", "neighbours.npz")
NO_NEIGHBOUR = 65535  # a free slot of a word's neighbour row (word ids fit in uint16)
CLASSIFIER = ("fluency", "classifier.json")
NUMBER, LATIN, PARAGRAPH = "<num>", "<lat>", "<p>"  # symbols no jieba token can be
_NUMBER = re.compile(r"[0-9.%]+")
_LATIN = re.compile(r"[A-Za-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Spin:
    """One spinner word found in the text, with how much better its original word reads there."""

    start: int
    end: int
    spun: str
    original: str
    gain: float  # nats by which the original beats the spun word in its context


@dataclass(frozen=True)
class Sentence:
    """One scored sentence: its span in the normalised text, mean log-probability and spinner evidence."""

    start: int
    end: int
    mean: float
    chars: int
    spins: tuple[Spin, ...]
    severity: str | None  # None: not flagged


@dataclass(frozen=True)
class SpinnerEntry:
    """One line of lexicons/fluency/spinner.tsv: a spun word, its original, and when an occurrence counts."""

    spun: str
    original: str
    ngram_test: bool  # False: the context rule alone makes an occurrence evidence
    when: re.Pattern[str] | None  # must match a span covering the occurrence (in a window around it)
    unless: re.Pattern[str] | None  # must not match a span covering it


# characters either side of an occurrence that its `when` / `unless` rules read
RULE_WINDOW = 10


@lru_cache(maxsize=1)
def load_spinner_entries() -> tuple[SpinnerEntry, ...]:
    """The entries of lexicons/fluency/spinner.tsv, longest spun word first."""
    entries = []
    path = lexicon_path(*SPINNER)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")] + ["", "", ""]
        spun, original, test, when, unless = cells[:5]
        where = f"lexicons/fluency/spinner.tsv:{number}"
        if test not in ("", "ngram", "none"):
            raise ValueError(f"{where}: test must be ngram or none, not {test!r}")
        if test == "none" and not when:
            raise ValueError(f"{where}: an entry without the n-gram test needs a `when` rule")
        entries.append(SpinnerEntry(
            spun, original, test != "none",
            compile_lexicon_regex(when, f"{where}:when") if when else None,
            compile_lexicon_regex(unless, f"{where}:unless") if unless else None,
        ))
    return tuple(sorted(entries, key=lambda entry: -len(entry.spun)))


def load_spinner() -> tuple[tuple[str, str], ...]:
    """(spun, original) pairs of lexicons/fluency/spinner.tsv, longest spun word first."""
    return tuple((entry.spun, entry.original) for entry in load_spinner_entries())


def _covers(pattern: re.Pattern[str], window: str, start: int, end: int) -> bool:
    """Whether `pattern` matches a span of `window` that covers [start, end)."""
    return any(m.start() <= start and end <= m.end() for m in pattern.finditer(window))


def char_logprobs(ngram: NgramModel, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Log P(c | two characters before) of every character of `text` (one vectorised pass) and its Han mask."""
    codes = encode(text)
    han = codes != BOUNDARY
    if not len(codes):
        return np.zeros(0), han
    # the first of source_logprob's three parts is the trigram ending at the position: the character's
    # probability given what precedes it, the chain rule's term
    logs = ngram.source_logprob(padded(codes), np.arange(len(codes)), parts=True)[0]
    return logs, han


def chain_logprob(ngram: NgramModel, left: str, word: str, right: str) -> float:
    """Log-probability of `word` + `right` after `left` (the window a substitution changes), by the chain rule."""
    codes = padded(encode(left + word + right))
    a, b, c = codes[:-2], codes[1:-1], codes[2:]
    logs = np.log(ngram.p_trigram(a, b, c))
    # padded adds two boundaries at the start: position k of the window is row k of a, b, c shifted by 2
    first = len(left)
    last = len(left) + len(word) + len(right)
    return float(logs[first:last].sum())


class Word(NamedTuple):
    """One token as the word model reads it: its form (numbers, Latin runs and line breaks as symbols) and span
    (a named tuple: hundreds are made per post)."""

    form: str
    start: int
    end: int


def word_units(tokens: list[Token]) -> list[Word]:
    """The tokens as models/fluency/words.npz counts them: a number or a Latin run is one symbol, a line break the
    paragraph symbol; other whitespace is dropped."""
    words = []
    append = words.append
    for form, start, end in tokens:
        if form[0] < "\u0080":  # ASCII only: Chinese words skip the tests (hundreds of tokens a post)
            if form.isspace():
                if "\n" in form:
                    append(Word(PARAGRAPH, start, end))
                continue
            if _NUMBER.fullmatch(form):
                form = NUMBER
            elif _LATIN.fullmatch(form):
                form = LATIN
        append(Word(form, start, end))
    return words


def _strings(array: np.ndarray) -> list[str]:
    """Strings stored as the UTF-8 bytes of their line-joined text (no pickle in the model files)."""
    return array.tobytes().decode("utf-8").split("\n")


def pack_strings(strings: list[str]) -> np.ndarray:
    """The inverse of `_strings`: line-joined UTF-8 bytes (no string may hold a line break)."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


@dataclass(frozen=True)
class WordCounts:
    """Word and word-pair counts of formal news (models/fluency/words.npz): which pairs formal text writes."""

    index: dict[str, int]
    counts: np.ndarray  # per word id
    total: float
    pairs: HashIndex  # keys: left id * vocabulary size + right id (the n-gram model's count index)
    alone: dict[str, float]  # a single character: the share of its occurrences that are a word on their own
    vocabulary: tuple[str, ...] = ()  # the word of each id

    def ids(self, forms: list[str]) -> np.ndarray:
        """Word ids of `forms` (-1: not in the vocabulary)."""
        get = self.index.get
        return np.fromiter((get(form, -1) for form in forms), dtype=np.int64, count=len(forms))

    def pair_counts(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """How often formal text writes word `left` right before word `right` (0 where either is unknown)."""
        known = (left >= 0) & (right >= 0)
        return self.pairs.lookup(np.where(known, left * len(self.counts) + right, -1))

    def expected(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The pair's count if the two words were independent (0 where either is unknown)."""
        known = (left >= 0) & (right >= 0)
        return np.where(known, self.counts[np.maximum(left, 0)] * self.counts[np.maximum(right, 0)] / self.total, 0.0)

    def pmi(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Smoothed log ratio of the pair's count to its independent expectation (0 where either is unknown)."""
        return np.log((self.pair_counts(left, right) + 0.5) / (self.expected(left, right) + 0.5))


@lru_cache(maxsize=2)
def load_word_counts(path: str) -> WordCounts:
    """models/fluency/words.npz, once per process (its pair index is built here)."""
    with open_arrays(path) as data:
        vocab = _strings(data["vocab"])
        alone = dict(zip(_strings(data["alone_chars"]), data["alone_share"].astype(float).tolist()))
        pairs = HashIndex.build(data["bigram_keys"].astype(np.int64), data["bigram_counts"].astype(np.uint32))
        return WordCounts({word: k for k, word in enumerate(vocab)}, data["counts"].astype(np.float64),
                          float(data["total"]), pairs, alone, tuple(vocab))


@lru_cache(maxsize=2)
def load_neighbours(path: str) -> np.ndarray:
    """models/fluency/neighbours.npz, once per process: for each word id, the ids of the commoner words a spinner
    might have replaced with it (-1: a free slot)."""
    with open_arrays(path) as data:
        table = data["neighbours"].astype(np.int64)
    table[table == NO_NEIGHBOUR] = -1
    return table


DETECTOR_MODEL = ("fluency", "detector.npz")
DETECTOR_CHARS = 4  # characters of a word whose embeddings the detector averages (the first four)


@dataclass(frozen=True)
class ReplacedWordDetector:
    """A learnt replaced-word detector (models/fluency/detector.npz, `python -m review.training.fluency_detector`):
    for each word, the logit that a spinner put it there, from the words within three places of it. Word embeddings
    (words.npz's vocabulary; unknown words by length) plus the mean of the word's character embeddings (a spun word
    outside the vocabulary still has its characters), two 1-D convolutions (widths `kernels`), one logit a word.
    numpy only: the weights are float16 in the file, float32 here."""

    word_embeddings: np.ndarray  # (vocabulary + unknown-by-length rows, dimension)
    char_index: dict[str, int]  # character → row of char_embeddings (row 0: padding, 1: any other character)
    char_embeddings: np.ndarray
    convolutions: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weights (width × in, out), bias) per layer
    out_weights: np.ndarray
    out_bias: float
    vocabulary: int  # words.npz's vocabulary size: ids from here on are the unknown-by-length rows

    def inputs(self, forms: list[str], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows the detector reads for each word: its embedding row (an unknown word: the row of its length,
        1 to 4+) and the rows of its first `DETECTOR_CHARS` characters (0: padding)."""
        return detector_inputs(forms, ids, self.vocabulary, self.char_index)

    def logits(self, word_rows: np.ndarray, char_rows: np.ndarray) -> np.ndarray:
        """The replaced-word logit of every word of one post (one batched pass)."""
        if not len(word_rows):
            return np.zeros(0, dtype=np.float32)
        chars = self.char_embeddings[char_rows]  # (n, DETECTOR_CHARS, d)
        present = np.maximum((char_rows > 0).sum(axis=1, keepdims=True), 1).astype(np.float32)
        x = self.word_embeddings[word_rows] + chars.sum(axis=1) / present  # float32 throughout: BLAS's sgemm
        for weights, bias in self.convolutions:
            width = weights.shape[0] // x.shape[1]
            pad = width // 2
            padded_x = np.pad(x, ((pad, pad), (0, 0)))
            windows = np.lib.stride_tricks.sliding_window_view(padded_x, (width, x.shape[1]))[:, 0]
            x = np.maximum(windows.reshape(len(x), -1) @ weights + bias, 0.0)
        return x @ self.out_weights + self.out_bias


def detector_inputs(forms: list[str], ids: np.ndarray, vocabulary: int,
                    char_index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Word rows and character rows of `forms` (their word-model `ids`, -1 unknown) as the detector reads them
    (training encodes with the same function)."""
    lengths = np.fromiter((min(len(form), 4) for form in forms), dtype=np.int64, count=len(forms))
    word_rows = np.where(ids >= 0, ids, vocabulary + lengths - 1)
    char_rows = np.zeros((len(forms), DETECTOR_CHARS), dtype=np.int64)
    get = char_index.get
    for k, form in enumerate(forms):
        if form[0] >= "\u0080":  # symbols (<num>, <p>) and ASCII have no character rows
            for j, char in enumerate(form[:DETECTOR_CHARS]):
                char_rows[k, j] = get(char, 1)
    return word_rows, char_rows


@lru_cache(maxsize=2)
def load_detector(path: str) -> ReplacedWordDetector | None:
    """models/fluency/detector.npz, once per process (None when the file is absent: the features read 0)."""
    try:
        data = open_arrays(path)
    except FileNotFoundError:
        return None
    with data:
        layers = int(data["layers"])
        convolutions = tuple(
            (data[f"conv{k}_weight"].astype(np.float32), data[f"conv{k}_bias"].astype(np.float32))
            for k in range(layers))
        chars = _strings(data["chars"])
        return ReplacedWordDetector(
            data["word_embeddings"].astype(np.float32), {char: k + 2 for k, char in enumerate(chars)},
            data["char_embeddings"].astype(np.float32), convolutions, data["out_weight"].astype(np.float32),
            float(data["out_bias"]), int(data["vocabulary"]))


@dataclass(frozen=True)
class ClassifierHead:
    """One logistic regression over the post features: "spun" (clean against spun posts) or "garbled" (clean
    against garbled ones), with its own threshold."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        """The probability that the post is of this head's kind."""
        x = (np.array([values[name] for name in self.features]) - self.mean) / self.scale
        return float(1 / (1 + math.exp(-min(50.0, max(-50.0, float(x @ self.weights) + self.bias)))))


@dataclass(frozen=True)
class PostClassifier:
    """The whole-post judgement (models/fluency/classifier.json, `review train fluency`): a post is judged when
    any head reaches its threshold (a spin and a garble leave different evidence: one regression for both let the
    garbles' dozen features drown the spins' few)."""

    heads: tuple[ClassifierHead, ...]

    def judge(self, values: dict[str, float]) -> tuple[float, bool]:
        """The probability of the head that fires (the highest of them; else the highest of all) and whether one
        fires."""
        scored = [(head.probability(values), head.threshold) for head in self.heads]
        fired = [p for p, threshold in scored if p >= threshold]
        return max(fired or [p for p, _ in scored]), bool(fired)


def _head(name: str, data: dict) -> ClassifierHead:
    """One head of classifier.json."""
    return ClassifierHead(name, tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                          np.array(data["weights"]), float(data["bias"]), float(data["threshold"]))


@lru_cache(maxsize=2)
def load_classifier(path: str) -> PostClassifier:
    """models/fluency/classifier.json, once per process (a file of one regression, as earlier versions wrote, is
    one head)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if "heads" not in data:
        return PostClassifier((_head("post", data),))
    return PostClassifier(tuple(_head(name, head) for name, head in data["heads"].items()))


@lru_cache(maxsize=1)
def load_spin_pairs(half: str) -> tuple[tuple[str, str], ...]:
    """(original, spun) pairs of one half (`train` or `eval`) of lexicons/fluency/spin_pairs.tsv."""
    pairs = []
    for line in lexicon_path(*SPIN_PAIRS).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            original, spun, which = (cell.strip() for cell in line.split("\t")[:3])
            if which == half:
                pairs.append((original, spun))
    return tuple(pairs)


def comma_ends(words: list[Word]) -> int:
    """Paragraphs that end in a comma (a shuffled sentence's last clause moved inside it), unless the text is
    hard-wrapped: where half of the lines (two or more) end in a word character, cut mid-sentence as text copied
    from a PDF is (the government work reports), a comma at a line's end says nothing. A title line or two
    without a full stop does not make a text hard-wrapped."""
    ends = [a.form for a, b in zip(words, words[1:]) if b.form == PARAGRAPH and a.form != PARAGRAPH]
    if words and words[-1].form != PARAGRAPH:
        ends.append(words[-1].form)
    cut = sum(1 for form in ends if _HAN.match(form) or form in (NUMBER, LATIN))
    if cut >= 2 and cut * 2 >= len(ends):
        return 0
    return sum(1 for form in ends if form in "，、,")


# the post features the classifier reads, in its order (review/training/fluency.py trains on the same function)
FEATURES = (
    "log_words", "spins_log", "spins_rate", "dead1_log", "dead1_rate", "dead5_log",
    "dead5_rate", "pmi3_log", "pmi3_rate", "orphan_log", "orphan_rate", "unknown_log", "unknown_rate",
    "comma_end_log", "char_mean", "char_rare_rate", "swap_log", "swap_rate", "swap_weak_log", "swap_weak_rate",
    "detect_log", "detect_rate", "detect_weak_rate", "detect_top",
)


@dataclass(frozen=True)
class PostAnalysis:
    """What the check found in a post: scored sentences, spinner evidence, features and the judgement."""

    sentences: list[Sentence]
    spins: list[Spin]
    anomalies: list[int]  # text offsets of dead collocations and orphaned characters
    features: dict[str, float]
    probability: float | None  # None: too few words to judge
    flagged: bool


@register
class FluencyCheck(Check):
    """Flags a post that reads as machine-rewritten or garbled, with its worst sentences."""

    name = "fluency"
    category = "fluency"
    fields = ("text",)
    enabled_by_default = False

    def __init__(self, spin_pairs: tuple[tuple[str, str], ...] | None = None) -> None:
        """`spin_pairs`: the (original, spun) pairs among the check's spinner words, the train half of
        spin_pairs.tsv by default (training passes part of it, to learn how unknown spins look)."""
        config = load_toml(*CONFIG)
        where = "lexicons/fluency/fluency.toml"
        self.sentence_end = compile_lexicon_regex(config["sentence_end"], f"{where}:sentence_end")
        self.min_chars = int(config["min_chars"])
        self.floor = float(config["floor"])
        self.minor_below = float(config["minor_below"])
        self.major_below = float(config["major_below"])
        self.spin_margin = float(config["spin_margin"])
        self.spin_context_margin = float(config["spin_context_margin"])
        self.spin_fit_below = float(config["spin_fit_below"])
        self.spin_sentence_below = float(config["spin_sentence_below"])
        self.word_spin_margin = float(config["word_spin_margin"])
        self.word_spin_fit_below = float(config["word_spin_fit_below"])
        self.word_spin_unknown_fit = float(config["word_spin_unknown_fit"])
        self.dead_expected = tuple(float(value) for value in config["dead_expected"])
        self.pmi_below = float(config["pmi_below"])
        self.orphan_below = float(config["orphan_below"])
        self.char_rare_below = float(config["char_rare_below"])
        self.post_min_words = int(config["post_min_words"])
        self.report_sentences = int(config["report_sentences"])
        self.swap_fit_below = float(config["swap_fit_below"])
        self.swap_frequency_weight = float(config["swap_frequency_weight"])
        self.swap_margin = float(config["swap_margin"])
        self.swap_weak_margin = float(config["swap_weak_margin"])
        self.detect_logit = float(config["detect_logit"])
        self.detect_weak_logit = float(config["detect_weak_logit"])
        self.detect_top_share = float(config["detect_top_share"])
        self.spinner = load_spinner_entries()
        # spun word → the entries that name it: spinner.tsv's (with their context rules) and the train half of
        # spin_pairs.tsv; the eval half stays out so that the benchmark measures spins the check never saw
        self.word_spinner: dict[str, list[SpinnerEntry]] = {}
        for entry in self.spinner:
            self.word_spinner.setdefault(entry.spun, []).append(entry)
        for original, spun in load_spin_pairs("train") if spin_pairs is None else spin_pairs:
            self.word_spinner.setdefault(spun, []).append(SpinnerEntry(spun, original, True, None, None))
        self._ngram: NgramModel | None = None
        self._words: WordCounts | None = None
        self._neighbours: np.ndarray | None = None
        self._classifier: PostClassifier | None = None
        self._detector: ReplacedWordDetector | None = None
        self._detector_loaded = False
        self._vocabulary_rows: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def ngram(self) -> NgramModel:
        """The typo check's trigram model (one copy per process: load_ngram caches it)."""
        if self._ngram is None:
            self._ngram = load_ngram(str(model_path("ngram", "ngram.npz")))
        return self._ngram

    @property
    def words(self) -> WordCounts:
        """The word and word-pair counts of formal news (one copy per process)."""
        if self._words is None:
            self._words = load_word_counts(str(model_path(*WORDS_MODEL)))
        return self._words

    @property
    def neighbours(self) -> np.ndarray:
        """Each word's distributional neighbours among commoner words (one copy per process)."""
        if self._neighbours is None:
            self._neighbours = load_neighbours(str(model_path(*NEIGHBOURS_MODEL)))
        return self._neighbours

    @property
    def classifier(self) -> PostClassifier:
        """The whole-post classifier (one copy per process)."""
        if self._classifier is None:
            self._classifier = load_classifier(str(model_path(*CLASSIFIER)))
        return self._classifier

    @property
    def detector(self) -> ReplacedWordDetector | None:
        """The learnt replaced-word detector (one copy per process; None without models/fluency/detector.npz)."""
        if not self._detector_loaded:
            self.use_detector(load_detector(str(model_path(*DETECTOR_MODEL))))
        return self._detector

    def use_detector(self, detector: ReplacedWordDetector | None) -> None:
        """Read the post with `detector` instead of the shipped one (training and the benchmark's --models)."""
        self._detector, self._detector_loaded, self._vocabulary_rows = detector, True, None
        if detector is not None:
            # its matrix products are small (a post's words × 320): a second BLAS thread on a busy 2-core machine
            # made them 20 times slower, never faster (as the typo check's cloze model found)
            from review.typo.cloze import limit_blas_threads

            limit_blas_threads(1)

    def warm_up(self) -> None:
        """Load the models before the first post."""
        _ = self.ngram, self.words, self.neighbours, self.classifier, self.detector

    def detected(self, words: list[Word], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The replaced-word detector's logits for the post's Chinese words, and their positions in `words`
        (both empty without a detector)."""
        detector = self.detector
        if detector is None or not len(words):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self._vocabulary_rows is None:
            # the vocabulary's character rows and Chinese-word mask, once: only unknown words are read one by one
            forms = list(self.words.vocabulary)
            char_rows = detector.inputs(forms, np.arange(len(forms)))[1]
            self._vocabulary_rows = (char_rows, np.array([bool(_HAN.match(form)) for form in forms]))
        vocabulary_chars, vocabulary_han = self._vocabulary_rows
        known = ids >= 0
        unknown = np.flatnonzero(~known)
        char_rows = vocabulary_chars[np.maximum(ids, 0)]
        han = vocabulary_han[np.maximum(ids, 0)]
        if len(unknown):
            forms = [words[k].form for k in unknown.tolist()]
            char_rows[unknown] = detector.inputs(forms, ids[unknown])[1]
            han[unknown] = [bool(_HAN.match(form)) for form in forms]
        lengths = np.fromiter((min(len(words[k].form), 4) for k in unknown.tolist()), dtype=np.int64,
                              count=len(unknown))
        word_rows = ids.copy()
        word_rows[unknown] = detector.vocabulary + lengths - 1
        at = np.flatnonzero(han)
        if not len(at):
            return np.zeros(0, dtype=np.float32), at
        return detector.logits(word_rows, char_rows)[at], at

    def spins(self, text: str) -> list[Spin]:
        """Spinner words of spinner.tsv in `text` whose original word reads at least `spin_margin` nats better in
        their place under the character trigrams (or that their context rule alone makes evidence)."""
        found: list[Spin] = []
        taken = np.zeros(len(text), dtype=bool)
        for entry in self.spinner:
            spun, original = entry.spun, entry.original
            at = text.find(spun)
            while at >= 0:
                end = at + len(spun)
                if not taken[at:end].any() and self._context_allows(entry, text, at, end):
                    left, right = text[max(0, at - 2) : at], text[end : end + 2]
                    gain = chain_logprob(self.ngram, left, original, right) - chain_logprob(
                        self.ngram, left, spun, right)
                    # the context must favour the original beyond how much commoner it is anyway: 国民 in 提升国民
                    # 素养 loses to 人民 on frequency alone
                    prior = self._prior(spun, original)
                    # ... and the spun word must read badly in its place, not merely worse than a commoner word
                    fit = chain_logprob(self.ngram, left, spun, right) / (len(spun) + len(right))
                    if not entry.ngram_test or (gain >= self.spin_margin and gain - prior >= self.spin_context_margin
                                                and fit <= self.spin_fit_below):
                        found.append(Spin(at, end, spun, original, gain))
                        taken[at:end] = True
                at = text.find(spun, at + 1)
        return sorted(found, key=lambda spin: spin.start)

    def word_spins(self, text: str, words: list[Word], ids: np.ndarray) -> list[Spin]:
        """Spinner words (a whole token) whose original fits its two neighbours better, by word-pair counts.

        A word's fit is its pointwise mutual information with the word before plus that with the word after
        (frequency cancels: a commoner original does not win on frequency alone). Evidence: the best original
        fits `word_spin_margin` better, and the spun word itself fits no better than `word_spin_fit_below`."""
        at = [k for k, word in enumerate(words) if word.form in self.word_spinner]
        if not at:
            return []
        counts = self.words
        lefts, spuns, rights, originals, owners = [], [], [], [], []
        for k in at:
            entries = [entry for entry in self.word_spinner[words[k].form] if entry.ngram_test
                       and self._context_allows(entry, text, words[k].start, words[k].end)]
            for entry in entries:
                lefts.append(ids[k - 1] if k > 0 else -1)
                rights.append(ids[k + 1] if k + 1 < len(ids) else -1)
                spuns.append(ids[k])
                originals.append(counts.index.get(entry.original, -1))
                owners.append((k, entry.original))
        if not owners:
            return []
        left, right, spun, original = (np.array(v, dtype=np.int64) for v in (lefts, rights, spuns, originals))
        # a spinner word outside the vocabulary (rare in formal news: 农夫, 干系) has no pairs to read: it fits as
        # badly as `word_spin_unknown_fit`, so a common original that fits there outweighs it
        spun_fit = np.where(spun >= 0, counts.pmi(left, spun) + counts.pmi(spun, right), self.word_spin_unknown_fit)
        original_fit = counts.pmi(left, original) + counts.pmi(original, right)
        gain = np.where(original >= 0, original_fit - spun_fit, -np.inf)
        best: dict[int, Spin] = {}
        for (k, name), g, fit in zip(owners, gain.tolist(), spun_fit.tolist()):
            if g >= self.word_spin_margin and fit <= self.word_spin_fit_below:
                if k not in best or g > best[k].gain:
                    best[k] = Spin(words[k].start, words[k].end, words[k].form, name, round(g, 2))
        return [best[k] for k in sorted(best)]

    def swaps(self, words: list[Word], ids: np.ndarray,
              pair_pmi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Words a spinner may have put in place of a commoner neighbour, spinner list or not: (positions, the
        neighbour's id, gain in nats), one vectorised pass (`pair_pmi`: the smoothed PMI of each adjacent pair of
        `ids`, when at hand).

        A word that fits its two neighbours poorly (PMI with the word before plus that with the word after at most
        `swap_fit_below`) is compared with its distributional neighbours among commoner words
        (models/fluency/neighbours.npz: 展开 → 开展, 举办 → 召开 …); the gain is the best neighbour's fit minus the
        word's plus `swap_frequency_weight` × the log of how much commoner it is (a spinner picks the rarer
        synonym)."""
        table = self.neighbours
        counts = self.words
        size = len(ids)
        empty = np.zeros(0, dtype=np.int64)
        if not size:
            return empty, empty, np.zeros(0)
        before = np.concatenate([[-1], ids[:-1]])
        after = np.concatenate([ids[1:], [-1]])
        if pair_pmi is None:
            pair_pmi = counts.pmi(ids[:-1], ids[1:])
        # a word's fit: the pair before it and the pair after it (a pair with an unknown word has PMI 0)
        fit = np.concatenate([[0.0], pair_pmi]) + np.concatenate([pair_pmi, [0.0]])
        rows = table[np.maximum(ids, 0)]
        at = np.flatnonzero((ids >= 0) & (fit <= self.swap_fit_below) & (rows[:, 0] >= 0))
        if not len(at):
            return empty, empty, np.zeros(0)
        candidates = rows[at]
        filled = candidates >= 0
        slot_row = np.nonzero(filled)[0]  # only the filled slots are looked up: most rows hold fewer than 16
        flat = candidates[filled]
        gain = np.full(candidates.shape, -np.inf)
        commoner = np.log(counts.counts[flat] / counts.counts[ids[at]][slot_row])
        gain[filled] = (counts.pmi(before[at][slot_row], flat) + counts.pmi(flat, after[at][slot_row])
                        + self.swap_frequency_weight * commoner)
        best = gain.argmax(axis=1)
        return at, candidates[np.arange(len(at)), best], gain[np.arange(len(at)), best] - fit[at]

    @staticmethod
    def _context_allows(entry: SpinnerEntry, text: str, at: int, end: int) -> bool:
        """Whether the entry's `when` rule holds and its `unless` rule does not, around text[at:end]."""
        if entry.when is None and entry.unless is None:
            return True
        origin = max(0, at - RULE_WINDOW)
        window = text[origin : end + RULE_WINDOW]
        start, stop = at - origin, end - origin
        if entry.when is not None and not _covers(entry.when, window, start, stop):
            return False
        return entry.unless is None or not _covers(entry.unless, window, start, stop)

    def _prior(self, spun: str, original: str) -> float:
        """How many nats better the original reads than the spun word with no context (between breaks)."""
        return chain_logprob(self.ngram, "", original, "") - chain_logprob(self.ngram, "", spun, "")

    def sentences(self, text: str, scored: tuple[np.ndarray, np.ndarray] | None = None,
                  spins: list[Spin] | None = None) -> list[Sentence]:
        """Every sentence of `text` with enough Chinese characters, scored by the character trigrams (`scored`:
        the text's `char_logprobs` when at hand; `spins`: the spinner evidence, `self.spins(text)` by default)."""
        logs, han = char_logprobs(self.ngram, text) if scored is None else scored
        floored = np.maximum(logs, self.floor)
        spins = self.spins(text) if spins is None else spins
        bounds = [0] + [m.end() for m in self.sentence_end.finditer(text)] + [len(text)]
        result = []
        for start, end in zip(bounds, bounds[1:]):
            mask = han[start:end]
            count = int(mask.sum())
            if count < self.min_chars:
                continue
            mean = float(floored[start:end][mask].mean())
            inside = tuple(spin for spin in spins if start <= spin.start < end)
            result.append(Sentence(start, end, mean, count, inside, self._severity(mean, inside)))
        return result

    def analyse(self, text: str, tokens: list[Token], judge: bool = True) -> PostAnalysis:
        """Score `text` (its jieba `tokens`: the pipeline's, segmented once per post) and judge the whole post
        (`judge=False`: the features only, for training the classifier)."""
        logs, han = char_logprobs(self.ngram, text)
        words = word_units(tokens)
        counts = self.words
        ids = counts.ids([word.form for word in words])
        char_spins = self.spins(text)
        word_spins = self.word_spins(text, words, ids)
        seen = {spin.start for spin in char_spins}
        spins = sorted(char_spins + [spin for spin in word_spins if spin.start not in seen], key=lambda s: s.start)
        han_words = sum(1 for word in words if _HAN.match(word.form))
        features: dict[str, float] = {"log_words": math.log1p(han_words)}
        per_word = max(han_words, 1)

        def count(name: str, hits: int) -> None:
            features[f"{name}_log"] = math.log1p(hits)
            features[f"{name}_rate"] = hits / per_word

        # one count for both tests: the classifier learns it from the train half's spins, and spinner.tsv's words
        # (当局, 情状 …, many found by the character test or their context rule alone) weigh the same
        count("spins", len(spins))
        left, right = ids[:-1], ids[1:]
        known = (left >= 0) & (right >= 0)
        observed = counts.pair_counts(left, right)
        expected = counts.expected(left, right)
        pmi = np.log((observed + 0.5) / (expected + 0.5))
        dead = known & (observed == 0)
        count("dead1", int((dead & (expected >= self.dead_expected[0])).sum()))
        count("dead5", int((dead & (expected >= self.dead_expected[1])).sum()))
        weak = known & (pmi < self.pmi_below)
        count("pmi3", int(weak.sum()))
        alone = counts.alone
        orphan = [word.start for word in words
                  if len(word.form) == 1 and _HAN.match(word.form) and alone.get(word.form, 0.0) < self.orphan_below]
        count("orphan", len(orphan))
        count("unknown", sum(1 for word, k in zip(words, ids) if k < 0 and len(word.form) > 1
                             and _HAN.match(word.form)))
        # spins with words no list holds: a word whose commoner distributional neighbour fits its place far better
        swap_at, swap_to, swap_gain = self.swaps(words, ids, pmi)
        count("swap", int((swap_gain >= self.swap_margin).sum()))
        count("swap_weak", int((swap_gain >= self.swap_weak_margin).sum()))
        seen = {spin.start for spin in spins}
        vocabulary = counts.vocabulary
        swapped = [Spin(words[k].start, words[k].end, words[k].form, vocabulary[to], round(gain, 2))
                   for k, to, gain in zip(swap_at.tolist(), swap_to.tolist(), swap_gain.tolist())
                   if gain >= self.swap_margin and words[k].start not in seen]
        spins = sorted(spins + swapped, key=lambda s: s.start)
        # the learnt detector: words that three words either side say a spinner put there (no list, no original)
        logits, logit_at = self.detected(words, ids)
        strong = logit_at[logits >= self.detect_logit]
        count("detect", len(strong))
        features["detect_weak_rate"] = float((logits >= self.detect_weak_logit).sum()) / per_word
        top = max(3, math.ceil(self.detect_top_share * len(logits)))
        features["detect_top"] = float(np.sort(logits)[-top:].mean()) if len(logits) else 0.0
        seen = {spin.start for spin in spins}
        spins = sorted(spins + [Spin(words[k].start, words[k].end, words[k].form, "", round(float(logit), 2))
                                for k, logit in zip(logit_at.tolist(), logits.tolist())
                                if logit >= self.detect_logit and words[k].start not in seen],
                       key=lambda s: s.start)
        features["comma_end_log"] = math.log1p(comma_ends(words))
        features["char_mean"] = float(np.maximum(logs, self.floor)[han].mean()) if han.any() else 0.0
        # a dropped character leaves trigrams formal text never writes: the share of characters that unlikely
        features["char_rare_rate"] = float((logs[han] < self.char_rare_below).mean()) if han.any() else 0.0
        anomalies = sorted(orphan + [words[k + 1].start for k in np.flatnonzero(weak | (dead & (
            expected >= self.dead_expected[0]))).tolist()])
        sentences = self.sentences(text, (logs, han), spins)
        if not judge or han_words < self.post_min_words:
            return PostAnalysis(sentences, spins, anomalies, features, None, False)
        probability, flagged = self.classifier.judge(features)
        return PostAnalysis(sentences, spins, anomalies, features, probability, flagged)

    def _severity(self, mean: float, spins: tuple[Spin, ...]) -> str | None:
        """Major for a very unlikely sentence or a spun one that also reads badly, minor for an unlikely one."""
        if mean < self.major_below or (spins and mean < self.spin_sentence_below):
            return "major"
        if mean < self.minor_below or spins:
            return "minor"
        return None

    def worst_sentences(self, analysis: PostAnalysis) -> list[Sentence]:
        """The sentences to report for a judged post: the most spinner words and broken word pairs, then the
        lowest trigram mean, at most `report_sentences`, in text order."""
        def badness(sentence: Sentence) -> tuple[float, float]:
            inside = sum(1 for at in analysis.anomalies if sentence.start <= at < sentence.end)
            trigram = {"major": 2, "minor": 1}.get(sentence.severity or "", 0)
            return 3 * len(sentence.spins) + inside + trigram, -sentence.mean

        ranked = sorted(analysis.sentences, key=badness, reverse=True)
        chosen = [s for s in ranked[: self.report_sentences] if badness(s)[0] > 0]
        return sorted(chosen, key=lambda s: s.start)

    def check(self, doc: Document) -> list[Finding]:
        """When the post is judged spun or garbled: one whole-post finding and one for each worst sentence."""
        analysis = self.analyse(doc.text, doc.tokens)
        if not analysis.flagged:
            return []
        worst = self.worst_sentences(analysis)
        findings = [self._sentence_finding(doc, sentence) for sentence in worst]
        words = "、".join(dict.fromkeys(f"{spin.spun}（{spin.original or '?'}）" for spin in analysis.spins))
        message = (f"全文语句不通顺，疑似洗稿或机器改写（判定概率 {analysis.probability:.2f}）；"
                   f"最不通顺的 {len(worst)} 句已标出")
        if words:
            message += f"；疑似同义词替换：{words[:80]}"
        evidence = [{name: round(value, 4) for name, value in analysis.features.items()}]
        findings.append(self.finding(doc, None, None, rule="fluency.post", severity="major", message=message,
                                     confidence=1.0, evidence=evidence))
        return findings

    def _sentence_finding(self, doc: Document, sentence: Sentence) -> Finding:
        """The finding of one reported sentence (major: part of a post judged rewritten): its span, its score
        and its spinner words as evidence."""
        end = sentence.end
        while end > sentence.start and doc.text[end - 1] in "\n。！？；!?; ":
            end -= 1  # the span is the sentence, not its closing mark
        if sentence.spins:
            words = "、".join(f"“{spin.spun}”（原词应为“{spin.original}”）" if spin.original
                             else f"“{spin.spun}”（疑似替换词）" for spin in sentence.spins)
            message = f"语句疑似经同义词替换改写（洗稿）：{words}"
            rule = "fluency.spinner"
        else:
            message = "语句不通顺，用词搭配不合常规，疑似机器改写或文字缺漏错乱"
            rule = "fluency.sentence"
        evidence = [{"mean_logprob": round(sentence.mean, 3), "chars": sentence.chars}]
        evidence += [{"spun": spin.spun, "original": spin.original, "gain": round(spin.gain, 2)}
                     for spin in sentence.spins]
        return self.finding(doc, sentence.start, end, rule=rule, severity="major", message=message,
                            confidence=0.95, evidence=evidence)

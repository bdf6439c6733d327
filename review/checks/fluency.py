"""语句不通 and 疑似洗稿/机器改写: sentences the formal register's character n-gram model finds unlikely.

Off by default (`enabled_by_default = False`): the decision to turn it on follows the review of its figures
(docs/fluency.md). Each sentence is scored by the mean log-probability of its Chinese characters under the typo
check's trigram model; a synonym spinner's words (lexicons/fluency/spinner.tsv: 当局 for 政府, 供职 for 服务 …)
count as evidence where the original word reads better in their place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from review.checks.base import Check, register
from review.document import Document
from review.lexicon import compile_lexicon_regex
from review.model import Finding
from review.resources import lexicon_path, load_toml, model_path
from review.typo.ngram import BOUNDARY, NgramModel, encode, load_ngram, padded

CONFIG = ("fluency", "fluency.toml")
SPINNER = ("fluency", "spinner.tsv")


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


@register
class FluencyCheck(Check):
    """Flags sentences that read as machine-rewritten or garbled, and a post made mostly of them."""

    name = "fluency"
    category = "fluency"
    fields = ("text",)
    enabled_by_default = False

    def __init__(self) -> None:
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
        self.post_below = float(config["post_below"])
        self.post_min_chars = int(config["post_min_chars"])
        self.spin_sentence_below = float(config["spin_sentence_below"])
        self.post_share = float(config["post_share"])
        self.post_min_sentences = int(config["post_min_sentences"])
        self.post_spins = int(config["post_spins"])
        self.spinner = load_spinner_entries()
        self._ngram: NgramModel | None = None

    @property
    def ngram(self) -> NgramModel:
        """The typo check's trigram model (one copy per process: load_ngram caches it)."""
        if self._ngram is None:
            self._ngram = load_ngram(str(model_path("ngram", "ngram.npz")))
        return self._ngram

    def spins(self, text: str) -> list[Spin]:
        """Spinner words in `text` whose original word reads at least `spin_margin` nats better in their place."""
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

    def sentences(self, text: str, scored: tuple[np.ndarray, np.ndarray] | None = None) -> list[Sentence]:
        """Every sentence of `text` with enough Chinese characters, scored and judged (`scored`: the text's
        `char_logprobs` when at hand)."""
        logs, han = char_logprobs(self.ngram, text) if scored is None else scored
        floored = np.maximum(logs, self.floor)
        spins = self.spins(text)
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

    def judge(self, text: str) -> tuple[list[Sentence], float | None]:
        """The scored sentences of `text` and the mean log-probability of its Chinese characters (None when it
        has fewer than `post_min_chars`)."""
        logs, han = char_logprobs(self.ngram, text)
        count = int(han.sum())
        post_mean = float(np.maximum(logs, self.floor)[han].mean()) if count >= self.post_min_chars else None
        return self.sentences(text, (logs, han)), post_mean

    def post_flagged(self, scored: list[Sentence], post_mean: float | None) -> bool:
        """Whether the whole post reads as spun or garbled: most sentences flagged, several spinner words, or an
        unlikely post overall."""
        if not scored:
            return False
        flagged = sum(1 for s in scored if s.severity)
        many = flagged >= self.post_min_sentences and flagged >= self.post_share * len(scored)
        spins = sum(len(s.spins) for s in scored)
        return many or spins >= self.post_spins or (post_mean is not None and post_mean < self.post_below)

    def _severity(self, mean: float, spins: tuple[Spin, ...]) -> str | None:
        """Major for a very unlikely sentence or a spun one that also reads badly, minor for an unlikely one."""
        if mean < self.major_below or (spins and mean < self.spin_sentence_below):
            return "major"
        if mean < self.minor_below or spins:
            return "minor"
        return None

    def check(self, doc: Document) -> list[Finding]:
        """A finding per flagged sentence and, when most sentences are flagged, one for the whole post."""
        scored, post_mean = self.judge(doc.text)
        flagged = [s for s in scored if s.severity]
        whole = self.post_flagged(scored, post_mean)
        # in a post judged rewritten throughout, each flagged sentence is part of that rewrite, not a slip: major
        findings = [self._sentence_finding(doc, replace(s, severity="major") if whole else s) for s in flagged]
        if whole:
            words = "、".join(dict.fromkeys(f"{spin.spun}（{spin.original}）" for s in scored for spin in s.spins))
            message = f"全文{len(scored)}句中{len(flagged)}句语句不通顺，疑似洗稿或机器改写"
            if words:
                message += f"；疑似同义词替换：{words[:80]}"
            findings.append(self.finding(doc, None, None, rule="fluency.post", severity="major", message=message,
                                         confidence=1.0))
        return findings

    def _sentence_finding(self, doc: Document, sentence: Sentence) -> Finding:
        """The finding of one flagged sentence: the sentence span, its score and spinner words as evidence."""
        end = sentence.end
        while end > sentence.start and doc.text[end - 1] in "\n。！？；!?; ":
            end -= 1  # the span is the sentence, not its closing mark
        if sentence.spins:
            words = "、".join(f"“{spin.spun}”（原词应为“{spin.original}”）" for spin in sentence.spins)
            message = f"语句疑似经同义词替换改写（洗稿）：{words}"
            rule = "fluency.spinner"
        else:
            message = "语句不通顺，用词搭配不合常规，疑似机器改写或文字缺漏错乱"
            rule = "fluency.sentence"
        evidence = [{"mean_logprob": round(sentence.mean, 3), "chars": sentence.chars}]
        evidence += [{"spun": spin.spun, "original": spin.original, "gain": round(spin.gain, 2)}
                     for spin in sentence.spins]
        return self.finding(doc, sentence.start, end, rule=rule, severity=sentence.severity or "minor",
                            message=message, confidence=0.7 if sentence.severity == "minor" else 0.95,
                            evidence=evidence)

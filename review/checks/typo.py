"""错别字 (typo): an authored error lexicon, context rules, fixed phrases, non-words and the neural corrector.

Five sources of findings, in order of trust:

1. the error lexicon (lexicons/typo/errors.tsv: 再接再励→再接再厉 …), matched with one Aho-Corasick automaton
   over the normalised text. A hit whose edges cut a dictionary word (以经|济, 按|排名) or that lies inside a
   longer word (以德报怨 around 报怨) is kept only if the corrected text segments clearly better, and an entry
   that also fires on correct text has a context guard (lexicons/typo/guards.toml: 超2周未更新);
2. context rules (lexicons/typo/context_rules.toml) for pairs that are each right somewhere (截止/截至,
   权利/权力 …): regular expressions with left/right context, never blind replacement;
3. fixed phrases written with one wrong character (严惩不待; review/typo/word_forms.py);
4. non-words, unknown tokens one confusable character from a word (国姿委; review/typo/nonwords.py) and
   characters that make no word where a neighbour makes a frequent one (预越, 应锁|要; counts of formal text), and
   function words the context says are the wrong member of their group (认真的学习 → 地; review/typo/function_words.py);
5. the character-level corrector (models/csc), only on sentences a cheap n-gram first pass picks
   (review/typo/model_pass.py), held to the evidence rules of `ModelEvidence`; skipped with a log message when
   no weights are installed.

A typo in a leader's name is the expression check's job and is not reported here.
"""

from __future__ import annotations

import logging
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

import numpy as np

from review.budget import OutOfTime
from review.checks.base import Check, register
from review.document import Document
from review.lexicon import Entry, LexiconError, compile_lexicon_regex, load_entries
from review.model import SEVERITIES, Finding
from review.options import RuntimeSettings, TakesRuntimeSettings
from review.resources import lexicon_path, load_toml
from review.segment import get_tokenizer

if TYPE_CHECKING:
    from review.typo.function_words import FunctionWordDetector
    from review.typo.model_pass import ModelEdit, Protection
    from review.typo.nonwords import NonwordDetector, SeenBigrams
    from review.typo.word_forms import WordFormDetector

log = logging.getLogger(__name__)

LEXICON_FOLDER = "typo"
LEXICON_FILES = "errors.tsv"
LEXICON_CATEGORIES = ("idiom", "word", "gov", "variant", "term")
RULES_FILE = "context_rules.toml"
SETTINGS_FILE = "typo.toml"
# the source the generated variants' entries name (review/typo/term_variants.py's VARIANTS_FILE)
VARIANTS_SOURCE = "term_variants.tsv"


def typo_message(wrong: str, right: str, category: str = "") -> str:
    """Chinese message naming the differing characters: 疑似错别字：“励”应为“厉”."""
    prefix = "用字不规范" if category == "variant" else "疑似错别字"
    if len(wrong) == len(right):
        pairs = [(a, b) for a, b in zip(wrong, right) if a != b]
        if len(pairs) == 1:
            a, b = pairs[0]
            suffix = f"（{right}）" if len(right) > 1 else ""
            return f"{prefix}：“{a}”应为“{b}”{suffix}"
    return f"{prefix}：“{wrong}”应为“{right}”"


# ---- the error lexicon -----------------------------------------------------------------------------------


class ErrorLexicon:
    """Wrong forms with their corrections, found by their first two characters, then looked up whole.

    `variants` (generated misspelling -> canonical term, lexicons/typo/term_variants.tsv) are held as that
    mapping, their `Entry` made when one is hit: 43,000 entries made at start-up cost 0.1 s and 20 MB. A text's
    character pairs are searched among the wrong forms' first pairs in one sorted array (a 1,000-character post
    has ~35 such starts), and only there are its substrings of the lengths that pair begins looked up: the hits
    of the Aho-Corasick automaton this replaced, in its order, at a fifth of its time (0.3 ms a 1,000-character
    post) and without its 0.08 s and 11 MB.
    """

    def __init__(self, entries: tuple[Entry, ...], variants: dict[str, str] | None = None) -> None:
        variants = variants or {}
        problems = [f"{e.source}: no suggestion" for e in entries if not e.suggestion]
        problems += [f"{e.source}: suggestion equals the term" for e in entries if e.suggestion == e.term]
        problems += [f"{e.source}: a wrong form needs two characters" for e in entries if len(e.term) < 2]
        problems += [f"{VARIANTS_SOURCE}:{term}: variant equals the term" for variant, term in variants.items()
                     if not term or variant == term or len(variant) < 2]
        if problems:
            raise ValueError("typo lexicon problems:\n" + "\n".join(problems))
        self.authored = {entry.term: entry for entry in entries}
        self.variants = {variant: term for variant, term in variants.items() if variant not in self.authored}
        self._made: dict[str, Entry] = {}  # the variants' entries made so far
        # first character pair (two code points, 21 bits each) -> the lengths of the wrong forms it begins, longest
        # first (the automaton reported the longer of two hits ending at one character first)
        lengths: dict[int, set[int]] = {}
        for term in (*self.authored, *self.variants):
            lengths.setdefault(ord(term[0]) << 21 | ord(term[1]), set()).add(len(term))
        self._pairs = np.array(sorted(lengths), dtype=np.int64)
        self._lengths = {pair: tuple(sorted(sizes, reverse=True)) for pair, sizes in lengths.items()}

    def __len__(self) -> int:
        return len(self.authored) + len(self.variants)

    @property
    def entries(self) -> dict[str, Entry]:
        """Every wrong form -> its entry (the variants' all made: for tests and tools, not the check)."""
        return {**self.authored, **{variant: self._variant_entry(variant) for variant in self.variants}}

    def _variant_entry(self, variant: str) -> Entry:
        """The entry of a generated variant, as `review.typo.term_variants.variant_entries` writes it."""
        entry = self._made.get(variant)
        if entry is None:
            term = self.variants[variant]
            entry = self._made[variant] = Entry(term=variant, category="term", severity="major", suggestion=term,
                                                note="规范用语", source=f"{VARIANTS_SOURCE}:{term}")
        return entry

    def matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """Every (start, end, entry) hit in `text`, overlapping ones included, by end (the longer first)."""
        if not len(self) or len(text) < 2:
            return []
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        pairs = codes[:-1] << 21 | codes[1:]
        at = np.minimum(np.searchsorted(self._pairs, pairs), len(self._pairs) - 1)
        hits = []
        for start in np.flatnonzero(self._pairs[at] == pairs).tolist():
            for size in self._lengths[int(pairs[start])]:
                words = text[start : start + size]
                if len(words) < size:
                    continue
                entry = self.authored.get(words)
                if entry is None and words in self.variants:
                    entry = self._variant_entry(words)
                if entry is not None:
                    hits.append((start, start + size, entry))
        hits.sort(key=lambda hit: (hit[1], hit[0]))
        return hits


@lru_cache(maxsize=2)
def load_error_lexicon(term_variants: bool = False) -> ErrorLexicon:
    """lexicons/typo/errors.tsv, validated (the shared loader of review/lexicon.py), once per process; with
    `term_variants`, plus the generated misspellings of canonical terms (lexicons/typo/term_variants.tsv, see
    review/typo/term_variants.py), the authored entries winning where both have a term."""
    authored = load_entries(LEXICON_FOLDER, LEXICON_FILES, LEXICON_CATEGORIES)
    if not term_variants:
        return ErrorLexicon(authored)
    from review.typo.term_variants import read_variants

    return ErrorLexicon(authored, read_variants())


# ---- guards: entries that also fire on correct text ------------------------------------------------------

GUARDS_FILE = "guards.toml"


@dataclass(frozen=True)
class Guard:
    """When a lexicon entry's hit is correct text after all (lexicons/typo/guards.toml)."""

    term: str
    off: bool = False
    unless_before: re.Pattern | None = None
    unless_after: re.Pattern | None = None
    fires: tuple[str, ...] = ()
    clean: tuple[str, ...] = ()

    def spares(self, text: str, start: int, end: int) -> bool:
        """True when the hit text[start:end] is correct in its context."""
        if self.off:
            return True
        if self.unless_before is not None and self.unless_before.search(text[max(0, start - 8) : start]):
            return True
        return self.unless_after is not None and bool(self.unless_after.search(text[end : end + 8]))


def parse_guards(data: dict, source: str = GUARDS_FILE) -> dict[str, Guard]:
    """Validate and compile the `[[guard]]` tables."""
    guards, problems = {}, []
    for index, table in enumerate(data.get("guard", []), 1):
        where = f"{source}: guard {index} ({table.get('term', '?')})"
        term = table.get("term")
        if not term or term in guards:
            problems.append(f"{where}: needs a term of its own")
            continue
        try:
            patterns = {key: compile_lexicon_regex(table[key], f"{where} {key}") if table.get(key) else None
                        for key in ("unless_before", "unless_after")}
        except LexiconError as error:
            problems.extend(error.problems)
            continue
        if not table.get("off") and not any(patterns.values()):
            problems.append(f"{where}: needs off = true or a context")
            continue
        guards[term] = Guard(term, bool(table.get("off")), patterns["unless_before"], patterns["unless_after"],
                             tuple(table.get("fires", ())), tuple(table.get("clean", ())))
    if problems:
        raise ValueError("typo guard problems:\n" + "\n".join(problems))
    return guards


@lru_cache(maxsize=1)
def load_guards() -> dict[str, Guard]:
    """lexicons/typo/guards.toml, compiled once per process."""
    path = lexicon_path(LEXICON_FOLDER, GUARDS_FILE)
    if not path.exists():
        return {}
    with open(path, "rb") as handle:
        return parse_guards(tomllib.load(handle))


# ---- context rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContextRule:
    """A regular expression whose group `w` (or `w2`) is replaced by `suggestion`."""

    id: str
    pattern: re.Pattern
    suggestion: str
    message: str
    severity: str
    confidence: float
    unless: re.Pattern | None = None
    # literal words the replaced group can match (empty: unknown, always search): most rules replace one fixed
    # word (截止, 权利 …) absent from most texts, and `in` skips their regular expressions there
    triggers: tuple[str, ...] = ()

    def hits(self, text: str) -> list[tuple[int, int]]:
        """Spans of the replaced group in `text`."""
        if self.triggers and not any(word in text for word in self.triggers):
            return []
        spans = []
        for match in self.pattern.finditer(text):
            group = "w" if match.group("w") is not None else "w2"
            start, end = match.span(group)
            if self.unless is not None:
                window = text[max(0, start - 6) : end + 6]
                if self.unless.search(window):
                    continue
            spans.append((start, end))
        return spans


# a named replaced group that holds plain characters only: (?P<w>截止)
LITERAL_GROUP = re.compile(r"\(\?P<w2?>([^()\[\]\\.*+?{}|^$]+)\)")


def literal_triggers(pattern: re.Pattern) -> tuple[str, ...]:
    """The literal words every replaced group of `pattern` matches, or () when a group is not a plain word."""
    words = LITERAL_GROUP.findall(pattern.pattern)
    if len(words) != len(pattern.groupindex):
        return ()
    return tuple(dict.fromkeys(words))


def parse_rules(data: dict, source: str = RULES_FILE) -> list[ContextRule]:
    """Validate and compile the `[[rule]]` tables of a context-rule file."""
    rules, problems = [], []
    for index, table in enumerate(data.get("rule", []), 1):
        where = f"{source}: rule {index} ({table.get('id', '?')})"
        try:
            # guarded like every lexicon regex: one that backtracks super-linearly is refused at load
            pattern = compile_lexicon_regex(table["pattern"], where)
            unless = compile_lexicon_regex(table["unless"], f"{where} unless") if table.get("unless") else None
        except KeyError as error:
            problems.append(f"{where}: bad pattern: missing {error}")
            continue
        except LexiconError as error:
            problems.extend(error.problems)
            continue
        if "w" not in pattern.groupindex:
            problems.append(f"{where}: the pattern has no group named w")
            continue
        if table.get("severity") not in SEVERITIES or not table.get("suggestion") or not table.get("message"):
            problems.append(f"{where}: needs suggestion, message and a severity in {SEVERITIES}")
            continue
        rules.append(
            ContextRule(
                id=table["id"],
                pattern=pattern,
                suggestion=table["suggestion"],
                message=table["message"],
                severity=table["severity"],
                confidence=float(table.get("confidence", 0.8)),
                unless=unless,
                triggers=literal_triggers(pattern),
            )
        )
    if problems:
        raise ValueError("typo context-rule problems:\n" + "\n".join(problems))
    return rules


@lru_cache(maxsize=1)
def load_rules() -> tuple[ContextRule, ...]:
    """lexicons/typo/context_rules.toml, compiled once per process."""
    with open(lexicon_path(LEXICON_FOLDER, RULES_FILE), "rb") as handle:
        return tuple(parse_rules(tomllib.load(handle)))


# ---- word-boundary protection ----------------------------------------------------------------------------


def segmentation_logprob(text: str) -> float:
    """jieba's best-path log-probability of `text` (its own unigram word model)."""
    tokenizer = get_tokenizer()
    dag = tokenizer.get_DAG(text)
    route: dict = {}
    tokenizer.calc(text, dag, route)
    return route[0][0] if text else 0.0


def cuts_a_word(doc: Document, start: int, end: int) -> bool:
    """True when a dictionary word of two or more characters crosses [start, end) or contains it."""
    freq = get_tokenizer().FREQ
    for token in doc.tokens_between(start, end):  # the runs around the span, not the whole post, are segmented
        inside = start <= token.start and token.end <= end
        if not inside and token.end - token.start > 1 and freq.get(token.word, 0) > 0:
            return True
    return False


def fits_better(text: str, start: int, end: int, replacement: str, window: int, margin: float) -> bool:
    """Does replacing text[start:end] make the surrounding window segment better by `margin`?"""
    left = max(0, start - window)
    right = min(len(text), end + window)
    before = text[left:right]
    after = text[left:start] + replacement + text[end:right]
    return segmentation_logprob(after) - segmentation_logprob(before) >= margin


# ---- fixed phrases ---------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def load_phrase_list(name: str) -> dict[str, int]:
    """The fixed phrases of lexicons/typo/`name` (phrase → frequency), once per process."""
    phrases: dict[str, int] = {}
    with open(lexicon_path(LEXICON_FOLDER, name), encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                word, freq, *_ = line.rstrip("\n").split("\t")
                phrases[word] = int(freq)
    return phrases


def load_word_forms(settings: dict, protection: "Protection | None" = None) -> "WordFormDetector | None":
    """The fixed-phrase detector of the [word_forms] settings (None without them or without the n-gram model)."""
    table = settings.get("word_forms")
    model = settings.get("model", {})
    if not table or not model.get("ngram"):
        return None
    from review.resources import model_path
    from review.typo.confusion import shipped_confusion
    from review.typo.ngram import load_ngram
    from review.typo.word_forms import WordFormDetector, WordFormSettings

    path = model_path(model["ngram"])
    if not path.exists():
        return None
    detector_settings = WordFormSettings.from_table(table)
    freq = get_tokenizer().FREQ
    return WordFormDetector(freq, shipped_confusion(), load_ngram(str(path)), detector_settings,
                            load_phrase_list(table["phrases"]),
                            blocks=protection_veto(protection) if protection is not None else None)


def build_nonword_detector(settings: dict, seen: "SeenBigrams | None" = None, load_model: bool = True,
                           protection: "Protection | None" = None) -> "NonwordDetector | None":
    """The non-word detector of the [nonwords] settings (None without them, the n-gram model or the pair
    counts; without its trained model it proposes candidates but decides none)."""
    table = settings.get("nonwords")
    model = settings.get("model", {})
    if not table or not table.get("enabled", True) or not model.get("ngram"):
        return None
    from review.resources import model_path
    from review.typo.confusion import shipped_confusion
    from review.typo.ngram import load_ngram
    from review.typo.nonwords import NonwordDetector, NonwordModel, SeenBigrams
    from review.typo.word_forms import Neighbours, WordIndex

    folder = model_path(table["model_dir"])
    ngram_path = model_path(model["ngram"])
    if not ngram_path.exists() or (seen is None and not (folder / "seen_bigrams.npz").exists()):
        return None
    seen = seen if seen is not None else SeenBigrams.load(folder / "seen_bigrams.npz")
    decider = NonwordModel.load(folder / "nonword.npz") if load_model and (folder / "nonword.npz").exists() else None
    if "threshold" in table and decider is not None:
        decider.threshold = float(table["threshold"])
    min_freq = {int(k): int(v) for k, v in table["min_freq"].items()}
    freq = get_tokenizer().FREQ
    # the index as `review train nonwords` wrote it (reading it is several times faster than building it from the
    # whole dictionary at start-up); built from the dictionary when the file is absent
    written = folder / "index.tsv"
    index = WordIndex.load(written) if written.exists() else WordIndex(freq, min_freq)
    confusion = shipped_confusion()
    return NonwordDetector(freq, index, Neighbours(confusion, tuple(table["columns"])), confusion,
                           load_ngram(str(ngram_path)), seen, decider,
                           blocks=protection_veto(protection) if protection is not None else None,
                           max_seen=int(table.get("max_seen", 0)))


def build_function_word_detector(settings: dict) -> "FunctionWordDetector | None":
    """The function-word detector of the [function_words] settings (None when it is off or has no model)."""
    table = settings.get("function_words")
    if not table or not table.get("enabled", True):
        return None
    from review.resources import model_path
    from review.typo.function_words import MODEL_FILE, FunctionWordDetector, FunctionWordModel, parse_thresholds

    path = model_path(table["model_dir"], MODEL_FILE)
    if not path.exists():
        log.info("function-word model %s not installed: the typo check runs without it", path)
        return None
    second = None
    if table.get("second_opinion"):
        from review.typo.groups import load_groups

        second = load_groups(model_path(table["second_opinion"]))
    return FunctionWordDetector(FunctionWordModel.load(path), parse_thresholds(table["thresholds"]), second,
                                table.get("second_opinion_for"), int(table.get("max_per_1000_chars", 5)))


def protection_veto(protection: "Protection") -> Callable[[str, int, int, str], bool]:
    """The model path's protection (names, places, protected terms) as the phrase and non-word detectors' veto:
    blocks(text, start, end, word) is True when writing `word` over text[start:end] changes a protected span."""

    def blocks(text: str, start: int, end: int, word: str) -> bool:
        changed = [i for i in range(start, end) if text[i] != word[i - start]]
        spans = protection.spans_around(text, changed)
        return any(protection.blocks(text, spans, i, i + 1, word[i - start]) for i in changed)

    return blocks


# ---- how much a model suggestion must show -----------------------------------------------------------------


@dataclass(frozen=True)
class ModelEvidence:
    """What a model suggestion must show to be reported, and to be `major` ([evidence] in typo.toml).

    Nothing below `min_confidence` is reported. A real-word swap (the written character is part of a dictionary
    word of the segmentation: 检测/监测, 战疫/战役) is reported only at `real_word_confidence` or above. Any
    suggestion is `major` only when the evidence is overwhelming: confidence `major_confidence` or above and
    the corrected text makes a dictionary word at least `major_word_freq` frequent and `major_word_ratio` times
    as frequent as the best word the written text makes; otherwise `minor`, shown with its suggestion but no
    reason to send a post back.
    """

    real_word_confidence: float
    major_confidence: float
    major_word_freq: int
    major_word_ratio: float
    # below this confidence no suggestion is reported at all
    min_confidence: float = 0.0

    @classmethod
    def from_table(cls, table: dict) -> "ModelEvidence":
        """Settings from the [evidence] table."""
        return cls(float(table["real_word_confidence"]), float(table["major_confidence"]),
                   int(table["major_word_freq"]), float(table["major_word_ratio"]),
                   float(table.get("min_confidence", 0.0)))

    def reported(self, tokens: list, edit: "ModelEdit") -> bool:
        """Is `edit` confident enough to be reported at all (a real-word swap at `real_word_confidence`)?"""
        if edit.confidence < self.min_confidence:
            return False
        if edit.confidence >= self.real_word_confidence:
            return True
        freq = get_tokenizer().FREQ
        # the tokens covering the edit: they are sorted and contiguous, so a binary search finds the first
        first = bisect_right(tokens, edit.start, key=_token_end)
        for token in tokens[first:]:
            if token.start >= edit.end:
                break
            if token.end - token.start > 1 and freq.get(token.word, 0) > 0:
                return False
        return True

    def severity(self, text: str, tokens: list, edit: "ModelEdit", severity: str) -> str | None:
        """The severity `edit` is reported at (None: not reported)."""
        from review.typo.model_pass import best_word_freq

        if not self.reported(tokens, edit):
            return None
        if severity != "major" or edit.confidence < self.major_confidence:
            return "minor" if severity == "major" else severity
        written = best_word_freq(text, edit.start, edit.end)
        fixed = best_word_freq(text[: edit.start] + edit.suggestion + text[edit.end :], edit.start, edit.end)
        if fixed >= self.major_word_freq and fixed >= self.major_word_ratio * written:
            return "major"
        return "minor"


# ---- the check -------------------------------------------------------------------------------------------


@register
class TypoCheck(Check, TakesRuntimeSettings):
    """错别字: error lexicon, context rules, then the neural corrector on sentences the n-gram picks."""

    name = "typo"
    category = "typo"
    slow = True

    def __init__(self, runtime: RuntimeSettings | None = None) -> None:
        TakesRuntimeSettings.__init__(self, runtime)
        self.settings = load_toml(LEXICON_FOLDER, SETTINGS_FILE)
        lexicon_settings = self.settings["lexicon"]
        self.lexicon = load_error_lexicon(bool(lexicon_settings.get("term_variants", False)))
        self.rules = load_rules()
        self.guards = load_guards()
        self.boundary_margin = float(lexicon_settings["boundary_margin"])
        self.window = int(lexicon_settings["window"])
        self.confidence = {k: float(v) for k, v in lexicon_settings["confidence"].items()}
        from review.typo.model_pass import load_model_pass

        self.model_pass = load_model_pass(self.settings["model"], backend=self.runtime.typo_backend)
        self.evidence = ModelEvidence.from_table(self.settings["evidence"])
        protection = self.model_pass.protection if self.model_pass is not None else None
        self.word_forms = load_word_forms(self.settings, protection)
        self.nonwords = build_nonword_detector(self.settings, protection=protection)
        from review.typo.nonwords import load_counted_detector

        self.counted_nonwords = load_counted_detector(
            self.settings, self.nonwords, protection_veto(protection) if protection is not None else None)
        nonword_table = self.settings.get("nonwords", {})
        self.nonword_severity = str(nonword_table.get("severity", "major"))
        self.nonword_major_from = float(nonword_table.get("major_from", 1.0))
        self.function_words = build_function_word_detector(self.settings)
        function_table = self.settings.get("function_words", {})
        self.function_word_severity = str(function_table.get("severity", "minor"))

    def warm_up(self) -> None:
        """The model path's hash tables and POS tables, and the non-word detectors' count indexes, before the first
        post."""
        if self.model_pass is not None:
            self.model_pass.warm_up()
        if self.nonwords is not None:
            self.nonwords.seen.prepare()
        if self.counted_nonwords is not None:
            self.counted_nonwords.tokens.prepare()
            self.counted_nonwords.seen.prepare()

    def check(self, doc: Document) -> list[Finding]:
        """Lexicon and rule findings, then fixed phrases and non-words, then model findings, each kept only where
        no earlier one holds its span.

        Each finding carries its words as `term`: an account's allow terms drop it in the pipeline
        (`review.pipeline.drop_allowed`), and a dropped lexicon or rule finding still keeps the model's
        suggestions off its span (the account says those words are right).
        """
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for start, end, entry in self._lexicon_hits(doc):
            findings.append(self.finding(
                doc, start, end, rule=f"typo.lexicon.{entry.category}", severity=entry.severity,
                message=typo_message(entry.term, entry.suggestion or "", entry.category),
                suggestion=entry.suggestion, confidence=self.confidence.get(entry.category, 0.9), term=entry.term,
            ))
            taken.append((start, end))
        for rule in self.rules:
            for start, end in rule.hits(doc.text):
                if _overlaps(start, end, taken):
                    continue
                words = doc.text[start:end]
                findings.append(self.finding(
                    doc, start, end, rule=f"typo.context.{rule.id}", severity=rule.severity,
                    message=f"疑似误用：“{words}”应为“{rule.suggestion}”（{rule.message}）",
                    suggestion=rule.suggestion, confidence=rule.confidence, term=words,
                ))
                taken.append((start, end))
        if self.word_forms is not None:
            for hit in self.word_forms.find(doc.text, doc.tokens):
                self._add_word_finding(findings, taken, doc, hit.start, hit.end, hit.word, "typo.phrase",
                                       self.word_forms.settings.severity, self.word_forms.settings.confidence)
        if self.nonwords is not None:
            for hit in self.nonwords.find(doc.text, doc.tokens):
                severity = self.nonword_severity if hit.probability >= self.nonword_major_from else "minor"
                self._add_word_finding(findings, taken, doc, hit.start, hit.end, hit.word, "typo.nonword", severity,
                                       round(hit.probability, 4))
        if self.counted_nonwords is not None:
            counted = self.counted_nonwords.settings
            for hit in self.counted_nonwords.find(doc.text, doc.tokens):
                severity = counted.severity if hit.probability >= counted.major_from else "minor"
                self._add_word_finding(findings, taken, doc, hit.start, hit.end, hit.word, "typo.nonword.counts",
                                       severity, round(hit.probability, 4))
        if self.function_words is not None:
            self._add_function_word_findings(doc, findings, taken)
        if self.model_pass is not None:
            tokens = doc.tokens

            def wanted(edit: "ModelEdit") -> bool:
                # what `_model_findings` would drop whatever the protection says: its POS tagging is not needed
                return not _overlaps(edit.start, edit.end, taken) and self.evidence.reported(tokens, edit)

            try:
                edits = self.model_pass.edits(doc, wanted)
            except OutOfTime as stopped:  # the request's time ran out: the findings so far go into the report
                findings.extend(self._model_findings(doc, stopped.partial, taken))
                raise OutOfTime(findings) from None
            findings.extend(self._model_findings(doc, edits, taken))
        return findings

    def _add_function_word_findings(self, doc: Document, findings: list[Finding], taken: list[tuple[int, int]]
                                    ) -> None:
        """Function words the detector is very sure of, outside short quotations and titles."""
        hits = self.function_words.find(doc.text, doc.tokens)
        if not hits:
            return
        from review.typo.word_forms import quoted_spans

        quoted = quoted_spans(doc.text)
        for hit in hits:
            if not _inside(hit.start, hit.end, quoted):
                self._add_word_finding(findings, taken, doc, hit.start, hit.end, hit.word, "typo.function_word",
                                       self.function_word_severity, round(hit.probability, 4))

    def _add_word_finding(self, findings: list[Finding], taken: list[tuple[int, int]], doc: Document, start: int,
                          end: int, word: str, rule: str, severity: str, confidence: float) -> None:
        """A phrase or non-word finding (text[start:end] should read `word`), unless an earlier one holds the span."""
        if _overlaps(start, end, taken):
            return
        words = doc.text[start:end]
        findings.append(self.finding(doc, start, end, rule=rule, severity=severity, message=typo_message(words, word),
                                     suggestion=word, confidence=confidence, term=words))
        taken.append((start, end))

    def _model_findings(self, doc: Document, edits: list[ModelEdit], taken: list[tuple[int, int]]) -> list[Finding]:
        """Findings of the model path's edits that overlap no lexicon or rule finding, held to the evidence
        rules of `ModelEvidence`."""
        from review.typo.word_forms import quoted_spans

        findings = []
        tokens = doc.tokens
        quoted = quoted_spans(doc.text) if edits else []
        for edit in edits:
            if _overlaps(edit.start, edit.end, taken):
                continue
            severity = self.evidence.severity(doc.text, tokens, edit, self.model_pass.severity_of(edit.confidence))
            # a short quotation or title (“岂曰无衣，与子同袍”, 《…》, a slogan, a name) keeps its wording unless the
            # evidence is overwhelming
            if severity is None or (severity == "minor" and _inside(edit.start, edit.end, quoted)):
                continue
            words = doc.text[edit.start : edit.end]
            findings.append(self.finding(
                doc, edit.start, edit.end, rule="typo.model", severity=severity,
                message=typo_message(words, edit.suggestion), suggestion=edit.suggestion,
                confidence=edit.confidence, term=words,
            ))
        return findings

    def _lexicon_hits(self, doc: Document) -> list[tuple[int, int, Entry]]:
        """Lexicon matches that respect word boundaries; of overlapping hits the longest wins."""
        text = doc.text
        kept: list[tuple[int, int, Entry]] = []
        hits = sorted(self.lexicon.matches(text), key=lambda h: (h[0], -(h[1] - h[0])))
        for start, end, entry in hits:
            if kept and start < kept[-1][1]:
                continue
            guard = self.guards.get(entry.term)
            if guard is not None and guard.spares(text, start, end):
                continue
            # a generated misspelling of a term (category term) that cuts a word is dropped outright: its edited
            # character joins the neighbour (卫生健康安|全 is not 卫生健康委), and a strong user-dictionary term
            # would win the segmentation test anyway
            # so is a non-standard form (category variant) that cuts one: 本想|像当初 is no 想像 (→ 想象)
            if cuts_a_word(doc, start, end) and (entry.category in ("term", "variant") or not fits_better(
                text, start, end, entry.suggestion or "", self.window, self.boundary_margin
            )):
                continue
            kept.append((start, end, entry))
        return kept


def _token_end(token) -> int:
    return token.end


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


__all__ = ["TypoCheck", "ErrorLexicon", "ContextRule", "Guard", "ModelEvidence", "load_error_lexicon", "load_guards",
           "load_rules", "typo_message", "build_function_word_detector"]

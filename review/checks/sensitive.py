"""敏感/违禁表述: curated lexicons matched robustly to evasions, judged in their context.

The same word is ordinary government work in one sentence (依法打击网络赌博, 禁毒宣传) and a single-veto
problem in another (澳门赌场线上开户，首充送88元): cues around each match (lexicons/sensitive/context.toml)
lower enforcement and publicity mentions to `info` and raise promotional ones to the category's promotion
severity. Advertising-law absolute claims marked `context=promo` are raised only in promotional context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import permutations
from typing import Iterable

from review.checks.base import Check, register
from review.document import Document
from review.lexicon import Entry, compile_lexicon_regex, load_entries, load_phrases
from review.lexicon_match import (
    CASE,
    EXACT,
    MIXED_PINYIN,
    PINYIN,
    REPEATED,
    SPACED,
    VARIANT,
    LexiconMatcher,
    Match,
    document_skeleton,
)
from review.model import SEVERITY_RANK, Finding
from review.pinyin import same_reading_chars, term_readings
from review.resources import load_toml

FOLDER = "sensitive"
CLAUSE_ENDS = "，,。；;！!？?\n"
STANCE = "stance"
DENY_CATEGORY = "deny"
CONFIDENCE = {EXACT: 0.95, VARIANT: 0.85, PINYIN: 0.8, MIXED_PINYIN: 0.8}
EVASION_CONFIDENCE = 0.9
INFO_CONFIDENCE = 0.5
ENFORCEMENT, PROMOTION = "enforcement", "promotion"


EVASION_ONLY = "evasion"  # context of an entry reported only when disguised (lexicons/sensitive/disguised.tsv)
PLAIN_KINDS = frozenset({EXACT, CASE, SPACED, REPEATED})
HOMOPHONES_PER_CHAR = 24  # same-reading characters tried per position (GB2312 order: the common ones first)


def split_variants(entry: Entry) -> list[str]:
    """An entry's curated homophone/variant spellings (the `variants` column, `|`-separated)."""
    raw = entry.get("variants")
    return [v.strip() for v in raw.split("|") if v.strip()] if raw else []


def disguised_spellings(term: str, kinds: Iterable[str]) -> list[str]:
    """Generated disguises of a name (the `disguise` column of disguised.tsv): `homophone` (one character for another
    of the same reading: 工产党, 邓晓平), `reorder` (every other order of three characters, else reversed: 产党共, 平小邓),
    `initials` (jzm, gcd), `letter` (one character as its pinyin initial: 共c党), `mixed` (one as its pinyin: 共chan党)."""
    kinds = set(kinds)
    readings = term_readings(term)
    if len(readings) != len(term) or not all(r.isascii() and r.isalpha() for r in readings):
        return []
    out: list[str] = []
    if "homophone" in kinds:
        same = same_reading_chars()
        for index, char in enumerate(term):
            for other in same.get(readings[index], ())[:HOMOPHONES_PER_CHAR]:
                if other != char:
                    out.append(term[:index] + other + term[index + 1 :])
    if "reorder" in kinds:
        orders = {"".join(p) for p in permutations(term)} if len(term) == 3 else {term[::-1]}
        out.extend(sorted(orders - {term}))
    if "initials" in kinds and len(term) >= 3:
        out.append("".join(r[0] for r in readings))
    for index, reading in enumerate(readings):
        if "letter" in kinds:
            out.append(term[:index] + reading[0] + term[index + 1 :])
        if "mixed" in kinds:
            out.append(term[:index] + reading + term[index + 1 :])
    return out


def entry_spellings(entry: Entry) -> list[str]:
    """Curated variants and, for an evasion-only entry, its generated disguises."""
    spellings = split_variants(entry)
    if entry.get("context") == EVASION_ONLY:
        spellings += disguised_spellings(entry.term, (entry.get("disguise") or "").split("|"))
    return spellings


def on_word_boundaries(doc: Document, start: int, end: int) -> bool:
    """Whether [start, end) starts and ends between words of the segmentation: the evidence that a short entry is
    the word itself, not the end of one word and the start of the next (爸妈|的 is not 妈的, 节日|你好 not 日你).
    Segments only the runs of words around the match (`Document.tokens_between`)."""
    return not any(token.start < start < token.end or token.start < end < token.end
                   for token in doc.tokens_between(start, end))


class ContextReader:
    """Decides whether the words around a match are enforcement/publicity or promotion."""

    def __init__(self, config: dict, window: int) -> None:
        self.window = window
        enforcement, promotion = config["enforcement"], config["promotion"]
        self.enforcement_cues = tuple(enforcement["cues"])
        self.document_cues = tuple(enforcement["document_cues"])
        self.promotion_cues = tuple(promotion["cues"])
        # Categories with their own promotion cues (ad_law) use those instead of the general list.
        self.category_cues = {
            name: tuple(table["cues"]) for name, table in promotion.items() if isinstance(table, dict)
        }
        tables = {name: table for name, table in promotion.items() if isinstance(table, dict)}
        self.category_weak_cues = {name: tuple(table.get("weak_cues", ())) for name, table in tables.items()}
        self.category_claim_cues = {name: tuple(table.get("claim_cues", ())) for name, table in tables.items()}
        # Per category: words right after a match that make it an ordinal or a title (全国第一个, 国家级非物质文化遗产).
        self.not_followed_by = {name: tuple(table.get("not_followed_by", ())) for name, table in tables.items()}
        # Each pattern is refused on its own if it backtracks super-linearly, so the error names the culprit.
        for number, pattern in enumerate(promotion["contact_patterns"], 1):
            compile_lexicon_regex(pattern, f"sensitive/context.toml: promotion.contact_patterns[{number}]")
        self.contact = re.compile("|".join(f"(?:{p})" for p in promotion["contact_patterns"]))

    def framed_as_enforcement(self, doc: Document) -> bool:
        """True when the post as a whole, title or body, is enforcement or publicity (警方提醒, 禁毒宣传 …).

        Read in the whole post's normalised text, as every cue is: 禁毒宣傳, a full-width or a zero-width character
        inside a cue frame the post as 禁毒宣传 does.
        """
        whole = doc.whole
        cached = whole.cache.get("sensitive.framed")
        if cached is None:
            cached = any(cue in whole.text for cue in self.document_cues)
            whole.cache["sensitive.framed"] = cached
        return cached

    def around(self, doc: Document, start: int, end: int) -> str:
        """The words around a match: up to `window` characters each side within its sentence and the
        sentences next to it, the match itself left out (a term is not its own cue)."""
        spans = doc.sentences
        index = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
        low, high = 0, len(doc.text)
        if index is not None:
            low = spans[max(0, index - 1)][0]
            high = spans[min(len(spans) - 1, index + 1)][1]
        text = doc.text
        before = text[max(low, start - self.window) : start]
        after = text[end : min(high, end + self.window)]
        return before.lower() + "\n" + after.lower()

    def enforcement(self, window: str) -> bool:
        """Enforcement or publicity cues in the window."""
        return any(cue in window for cue in self.enforcement_cues)

    def promotion(self, window: str, category: str) -> bool:
        """Promotional cues in the window: one of the category's own strong cues where it has them (ad_law: 本店,
        下单) or two different weak ones (品质, 价格), else at least two of the general list (a lone 价格 or 服务 in a
        news sentence is not an advertisement)."""
        if category in self.category_cues:
            if any(cue in window for cue in self.category_cues[category]):
                return True
            weak = sum(cue in window for cue in self.category_weak_cues[category])
            return weak + any(cue in window for cue in self.category_claim_cues[category]) >= 2
        return sum(cue in window for cue in self.promotion_cues) >= 2

    def fact_or_title(self, text: str, end: int, category: str) -> bool:
        """Whether the words right after a match make it an ordinal, a count or a title rather than a claim."""
        return any(text.startswith(word, end) for word in self.not_followed_by.get(category, ()))

    def has_contact(self, window: str) -> bool:
        """A phone number, messenger id or web address in the window."""
        return self.contact.search(window) is not None


@dataclass(frozen=True)
class StanceRule:
    """A verb of support followed by a separatist or subversive goal (lexicons/sensitive/stances.toml)."""

    name: str
    note: str
    regex: re.Pattern[str]
    goal_not_before: tuple[str, ...]
    verb_after: tuple[str, ...] | None


@dataclass(frozen=True)
class Stance:
    """A stance found in normalised text: its span and the rule."""

    start: int
    end: int
    rule: StanceRule


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


class StanceReader:
    """Finds stances (支持台湾独立, 鼓吹港独, 主张推翻……政权) that are not criticism or enforcement."""

    def __init__(self, config: dict) -> None:
        self.negations = tuple(config["negations"])
        self.criticism_cues = tuple(config["criticism_cues"])
        self.rules = []
        for number, table in enumerate(config["rule"], 1):
            gap = f"[^{CLAUSE_ENDS}]{{0,{int(table.get('max_gap', config['max_gap']))}}}?"
            goals = [_alternation(table.get("goals", []))] if table.get("goals") else []
            goals += [f"(?:{p})" for p in table.get("goal_patterns", [])]
            pattern = f"(?:{_alternation(table['verbs'])}){gap}(?:{'|'.join(goals)})"
            regex = compile_lexicon_regex(pattern, f"sensitive/stances.toml: rule[{number}] ({table['name']})")
            verb_after = table.get("verb_after")
            self.rules.append(StanceRule(table["name"], table["note"], regex, tuple(table.get("goal_not_before", ())),
                                         tuple(verb_after) if verb_after is not None else None))

    def find(self, text: str) -> list[Stance]:
        """Stances in normalised `text` outside criticism, enforcement and negation."""
        found = []
        for rule in self.rules:
            for match in rule.regex.finditer(text):
                start, end = match.span()
                clause_start = max(text.rfind(c, 0, start) for c in CLAUSE_ENDS) + 1
                ends = [i for i in (text.find(c, end) for c in CLAUSE_ENDS) if i >= 0]
                clause_end = min(ends) if ends else len(text)
                before = text[clause_start:start]
                if any(before.endswith(n) for n in self.negations):
                    continue
                # The stance itself left out: 反对 is a criticism cue and the verb of 反对统一.
                around = before + "\n" + text[end:clause_end]
                if any(cue in around for cue in self.criticism_cues):
                    continue
                if any(text.startswith(w, end) for w in rule.goal_not_before):
                    continue
                if rule.verb_after is not None and not any(before.strip() == w or (w and before.endswith(w))
                                                           for w in rule.verb_after):
                    continue
                found.append(Stance(start, end, rule))
        return found


@register
class SensitiveCheck(Check):
    """敏感词: political, porn, gambling, drugs, weapons, violence/terror, fraud, vulgar and ad-law terms."""

    name = "sensitive"
    category = "sensitive"

    def __init__(self) -> None:
        config = load_toml(FOLDER, "matching.toml")
        self.categories: dict[str, dict] = config["categories"]
        evasion = config["evasion"]
        pinyin_categories = frozenset(evasion["pinyin_categories"])
        pinyin_rank = SEVERITY_RANK[evasion["pinyin_min_severity"]]
        self.evaded_min_severity = evasion["evaded_min_severity"]
        self.boundary_max_chars = int(config["context"]["word_boundary_max_chars"])
        self.neutral_topic_severity = config["context"]["neutral_topic_severity"]
        entries = load_entries(FOLDER, "*.tsv", tuple(sorted(self.categories)))
        self.matcher = LexiconMatcher(
            entries,
            load_phrases(FOLDER, "allow.txt"),
            pinyin_for=lambda e: (
                e.category in pinyin_categories
                and SEVERITY_RANK[e.severity] >= pinyin_rank
                and e.get("context") != "promo"
                and (e.get("context") != EVASION_ONLY or "pinyin" in (e.get("disguise") or "").split("|"))
            ),
            variants_for=entry_spellings,
            exact_for=lambda e: e.get("context") != EVASION_ONLY,
            max_gap=int(evasion["max_gap"]),
            min_pinyin_letters=int(evasion["min_pinyin_letters"]),
            max_pinyin_chars=int(evasion["max_pinyin_chars"]),
            pinyin_inside_min_letters=int(evasion["pinyin_inside_min_letters"]),
        )
        self.context = ContextReader(load_toml(FOLDER, "context.toml"), int(config["context"]["window"]))
        self.stances = StanceReader(load_toml(FOLDER, "stances.toml"))

    def warm_up(self) -> None:
        """Load the segmenter, which the word-boundary evidence of short entries reads."""
        from review.segment import get_tokenizer

        get_tokenizer()

    def check(self, doc: Document) -> list[Finding]:
        """Findings for lexicon matches, severity set by context."""
        deny = [Entry(term, DENY_CATEGORY, "major", source="deny_terms") for term in sorted(doc.options.deny_terms)]
        # Allow terms steer the matching too: a match overlapping an allowed term is vetoed before the longest
        # match at a spot wins (a vetoed long match must not hide a shorter one); the pipeline drops the rest.
        matches = self.matcher.find(doc.text, document_skeleton(doc), doc.options.allow_terms, deny)
        stances = self.stances.find(doc.text)
        findings = [self._stance_finding(doc, stance) for stance in stances]
        # A term inside a stance (台独 in 支持台独) is told once, by the stance.
        stance_spans = [(stance.start, stance.end) for stance in stances]
        for match in matches:
            if any(a <= match.start and match.end <= b for a, b in stance_spans):
                continue
            judged = self._judge(doc, match)
            # Word boundaries last: segmenting costs more than reading the context that dismisses most matches.
            if judged is not None and self._on_its_own(doc, match):
                findings.append(self._finding(doc, match, *judged))
        return findings

    def _on_its_own(self, doc: Document, match: Match) -> bool:
        """Whether a short entry, one marked boundary=word, or a disguised name stands as words of its own."""
        entry = match.entry
        short = (len(entry.term) <= self.boundary_max_chars or entry.get("boundary") == "word"
                 or entry.get("context") == EVASION_ONLY)
        return not short or entry.category == DENY_CATEGORY or on_word_boundaries(doc, match.start, match.end)

    def _stance_finding(self, doc: Document, stance: Stance) -> Finding:
        written = doc.text[stance.start : stance.end]
        return self.finding(
            doc,
            stance.start,
            stance.end,
            rule="sensitive.political",
            severity="critical",
            message=f"{self.categories['political']['label']}：“{written}”，{stance.rule.note}",
            confidence=0.9,
            evidence=[{"stance": stance.rule.name, "lexicon": "sensitive/stances.toml", "context": STANCE}],
            term=written,
        )

    def _judge(self, doc: Document, match: Match) -> tuple[str, str | None] | None:
        """(severity, context kind) for a match, or None when it is not a problem here."""
        entry = match.entry
        if entry.get("context") == EVASION_ONLY and match.kind in PLAIN_KINDS:
            return None  # 共产党, 习近平 written plainly
        category = self.categories.get(entry.category)
        if category is None or not category["contextual"]:
            return entry.severity, None
        window = self.context.around(doc, match.start, match.end)
        enforcement = self.context.enforcement(window)
        promotion = self.context.promotion(window, entry.category)
        contact = self.context.has_contact(window)
        if entry.get("context") == "promo":
            # An absolute claim or an ordinary weapon name matters only when something is being sold, and then at
            # the category's promotion severity (an absolute claim in an advertisement: major).
            if self.context.fact_or_title(doc.text, match.end, entry.category):
                return None
            if (promotion or contact) and not enforcement and not self.context.framed_as_enforcement(doc):
                raised = category["promotion_severity"]
                return (raised if SEVERITY_RANK[raised] > SEVERITY_RANK[entry.severity] else entry.severity), PROMOTION
            return None
        if (enforcement or self.context.framed_as_enforcement(doc)) and not (promotion and contact):
            return "info", ENFORCEMENT
        severity = entry.severity
        if match.evasion and SEVERITY_RANK[severity] < SEVERITY_RANK[self.evaded_min_severity]:
            severity = self.evaded_min_severity
        if promotion or contact:
            raised = category["promotion_severity"]
            return (raised if SEVERITY_RANK[raised] > SEVERITY_RANK[severity] else severity), PROMOTION
        if severity == "minor" and not match.evasion:
            return self.neutral_topic_severity, None  # a topic word in a news sentence (恐怖袭击, 台独)
        return severity, None

    def _finding(self, doc: Document, match: Match, severity: str, context: str | None) -> Finding:
        entry = match.entry
        if entry.category == DENY_CATEGORY:
            label = "本账号禁用词"
        else:
            label = self.categories[entry.category]["label"]
        message = f"{label}：“{entry.term}”"
        if match.evasion:
            message += f"（{match.evasion}写法）"
        if context == ENFORCEMENT:
            message += "，处于执法或宣传语境，仅作提示"
        elif context == PROMOTION:
            message += "，处于推广招揽语境"
        if entry.note:
            message += f"。{entry.note}"
        confidence = CONFIDENCE.get(match.kind, EVASION_CONFIDENCE)
        if severity == "info":
            confidence = INFO_CONFIDENCE
        return self.finding(
            doc,
            match.start,
            match.end,
            rule=f"sensitive.{entry.category}",
            severity=severity,
            message=message,
            suggestion=entry.suggestion,
            confidence=confidence,
            evidence=[{"term": entry.term, "lexicon": entry.source, "spelling": match.kind, "context": context}],
            term=entry.term,
        )

"""敏感/违禁表述: curated lexicons matched robustly to evasions, judged in their context.

The same word is ordinary government work in one sentence (依法打击网络赌博, 禁毒宣传) and a single-veto
problem in another (澳门赌场线上开户，首充送88元): cues around each match (lexicons/sensitive/context.toml)
lower enforcement and publicity mentions to `info` and raise promotional ones to the category's promotion
severity. Advertising-law absolute claims marked `context=promo` are raised only in promotional context.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import permutations
from typing import Callable, Iterable

import ahocorasick

from review.checks.base import Check, register
from review.document import SENTENCE_END, Document
from review.lexicon import Entry, compile_lexicon_regex, load_entries, load_phrases
from review.lexicon_match import (
    CASE,
    EXACT,
    HOMOPHONE,
    MATCHER_TABLES_FORMAT,
    MIXED_PINYIN,
    PINYIN,
    REPEATED,
    SEPARATOR_RE,
    SPACED,
    VARIANT,
    LexiconMatcher,
    Match,
    MatcherTables,
    build_skeleton,
    document_skeleton,
    latin_edges_ok,
    pinyin_variants,
    skeleton_form,
    syllable_count,
)
from review.model import SEVERITY_RANK, Finding
from review.pinyin import same_reading_chars, term_readings
from review.resources import files_digest, lexicon_path, load_toml
from review.segment import RE_HAN

FOLDER = "sensitive"
# The matcher's keys, derived from this folder's lists and the pinyin tables, prebuilt: deriving them is most of the
# check's start-up. `python -m review.training.sensitive_tables` rebuilds the file; tests/test_sensitive_tables.py
# fails when it no longer matches a rebuild, and a file whose sources changed since is not used (built as before).
TABLES_FILE = "matcher_tables.npz"
log = logging.getLogger(__name__)
CLAUSE_ENDS = "，,。；;！!？?\n"
STANCE = "stance"
DENY_CATEGORY = "deny"
CONFIDENCE = {EXACT: 0.95, VARIANT: 0.85, PINYIN: 0.8, MIXED_PINYIN: 0.8, HOMOPHONE: 0.7}
EVASION_CONFIDENCE = 0.9
INFO_CONFIDENCE = 0.5
ENFORCEMENT, PROMOTION, QUOTED = "enforcement", "promotion", "quoted"
QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "\"": "\""}


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


def ordinary_word(word: str) -> bool:
    """Whether `word` is in the segmenter's dictionary: a same-reading swap that spells a real word (进行交易 holds
    行交易, 共产党 reads like 共惨党, 出手 like 出售) is that word, not a disguise."""
    from review.segment import get_tokenizer

    return get_tokenizer().FREQ.get(word, 0) > 0


def on_word_boundaries(doc: Document, start: int, end: int, word_edge: bool = False,
                       not_before: tuple[str, ...] = ()) -> bool:
    """Whether [start, end) starts and ends between words of the segmentation: the evidence that a short entry is
    the word itself, not the end of one word and the start of the next (爸妈|的 is not 妈的, 节日|你好 not 日你).
    With `word_edge`, the start or the end of one longer word will do as well (情色|电影 glued as 情色电影, 黄色网站
    as 色网站): a compound built on the entry, unless the rest of the word is one of `not_before` (轮奸案 is a
    case), while a match across two words (公开|房屋) or inside one (水乳交融) is still refused. Segments only the
    runs of words around the match (`Document.tokens_between`)."""
    text = doc.text
    # A span with a non-word character (not RE_HAN) on each side is cut there whatever the segmentation: no need to
    # segment (\r\n, one token, is the only pair of non-word characters jieba keeps together).
    if ((start == 0 or (not RE_HAN.match(text[start - 1]) and text[start - 1 : start + 1] != "\r\n"))
            and (end >= len(text) or (not RE_HAN.match(text[end]) and text[end - 1 : end + 1] != "\r\n"))):
        return True
    tokens = doc.tokens_between(start, end)
    if not any(token.start < start < token.end or token.start < end < token.end for token in tokens):
        return True
    return word_edge and any((token.start == start and end < token.end
                              and doc.text[end : token.end] not in not_before)
                             or (token.start < start and end == token.end) for token in tokens)


class ContextReader:
    """Decides whether the words around a match are enforcement/publicity or promotion."""

    def __init__(self, config: dict, window: int) -> None:
        self.window = window
        enforcement, promotion = config["enforcement"], config["promotion"]
        self.enforcement_cues = tuple(enforcement["cues"])
        self.document_cues = tuple(enforcement["document_cues"])
        self.promotion_cues = tuple(promotion["cues"])
        self.quotation_cues = tuple(config["quotation"]["cues"])
        self.speech_marks = tuple(config["quotation"].get("speech_marks", ()))
        # Categories with their own promotion cues (ad_law) use those instead of the general list.
        self.category_cues = {
            name: tuple(table["cues"]) for name, table in promotion.items() if isinstance(table, dict)
        }
        tables = {name: table for name, table in promotion.items() if isinstance(table, dict)}
        self.category_weak_cues = {name: tuple(table.get("weak_cues", ())) for name, table in tables.items()}
        self.category_claim_cues = {name: tuple(table.get("claim_cues", ())) for name, table in tables.items()}
        # Per category: words right after a match that make it an ordinal or a title (全国第一个, 国家级非物质文化遗产).
        self.not_followed_by = {name: tuple(table.get("not_followed_by", ())) for name, table in tables.items()}
        # Per category: a negation right before a match denies the claim (世界上没有包治百病的灵丹妙药).
        self.not_preceded_by = {name: tuple(table.get("not_preceded_by", ())) for name, table in tables.items()}
        # Each pattern is refused on its own if it backtracks super-linearly, so the error names the culprit.
        for number, pattern in enumerate(promotion["contact_patterns"], 1):
            compile_lexicon_regex(pattern, f"sensitive/context.toml: promotion.contact_patterns[{number}]")
        self.contact = re.compile("|".join(f"(?:{p})" for p in promotion["contact_patterns"]))
        # Every cue list in one automaton: a window is read once per match, not once per cue (some 250 substring
        # searches a match, most of the context's cost).
        lists = {ENFORCEMENT: self.enforcement_cues, PROMOTION: self.promotion_cues, QUOTED: self.quotation_cues}
        for name in tables:
            lists.update({f"{name}.cues": self.category_cues[name], f"{name}.weak": self.category_weak_cues[name],
                          f"{name}.claim": self.category_claim_cues[name]})
        tags: dict[str, set[str]] = {}
        for tag, cues in lists.items():
            for cue in cues:
                tags.setdefault(cue, set()).add(tag)
        self.always = Counter(tag for tag in tags.pop("", ()))  # an empty cue is in every window
        self.cue_automaton = ahocorasick.Automaton()
        for cue, cue_tags in tags.items():
            self.cue_automaton.add_word(cue, (cue, tuple(sorted(cue_tags))))
        if tags:
            self.cue_automaton.make_automaton()

    def cues(self, window: str) -> Counter[str]:
        """How many different cues of each list the window holds (enforcement, promotion, quoted, ad_law.weak …)."""
        counts = Counter(self.always)
        if self.cue_automaton.kind != ahocorasick.EMPTY:
            for _cue, cue_tags in {value for _end, value in self.cue_automaton.iter(window)}:
                counts.update(cue_tags)
        return counts

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
        # The sentence ends are read in the window only, not the whole post (`doc.sentences`): the window ends where
        # the sentence before the match's starts, or where the sentence after it ends.
        text = doc.text
        low = max(0, start - self.window)
        before = text[low:start]
        ends = [m.end() for m in SENTENCE_END.finditer(before)]
        if len(ends) >= 2:
            before = before[ends[-2]:]
        after = text[end : end + self.window]
        ends = [m.end() for m in SENTENCE_END.finditer(after)]
        if len(ends) >= 2:
            after = after[: ends[1]]
        return before.lower() + "\n" + after.lower()

    def quoted_or_criticised(self, doc: Document, start: int, end: int) -> bool:
        """Whether a match sits inside quotation marks within its clause (骂过“猪脑子”), or the words around it report
        or criticise speech (斥之为, 所谓): `context.toml [quotation] cues`."""
        text = doc.text
        clause_start = max(text.rfind(c, max(0, start - self.window), start) for c in CLAUSE_ENDS) + 1
        before = text[max(clause_start, start - self.window) : start]
        for opening, closing in QUOTE_PAIRS.items():
            at = before.rfind(opening)
            if at >= 0 and closing not in before[at + 1 :]:
                if closing in text[end : end + self.window]:
                    return True
        if self.speech_marks and self.in_direct_speech(text, start, end):
            return True
        return self.cues(self.around(doc, start, end))[QUOTED] > 0

    def in_direct_speech(self, text: str, start: int, end: int) -> bool:
        """Whether a match lies inside a quotation opened right after a speech mark (名言说：“……白痴……”), however
        many clauses the quotation runs to, within `window` characters each side."""
        before = text[max(0, start - self.window) : start]
        for opening, closing in QUOTE_PAIRS.items():
            at = before.rfind(opening)
            if at < 0 or closing in before[at + 1 :] or closing == opening:
                continue
            if before[:at].endswith(self.speech_marks) and closing in text[end : end + self.window]:
                return True
        return False

    def enforcement(self, window: str) -> bool:
        """Enforcement or publicity cues in the window."""
        return self.cues(window)[ENFORCEMENT] > 0

    def promotion(self, window: str, category: str) -> bool:
        """Promotional cues in the window (see `promoted`)."""
        return self.promoted(self.cues(window), category)

    def promoted(self, counts: Counter[str], category: str) -> bool:
        """Whether a window's cue counts (`cues`) make a promotion: one of the category's own strong cues where it has
        them (ad_law: 本店, 下单) or two different weak ones (品质, 价格), else at least two of the general list (a lone
        价格 or 服务 in a news sentence is not an advertisement)."""
        if category in self.category_cues:
            if counts[f"{category}.cues"]:
                return True
            return counts[f"{category}.weak"] + (counts[f"{category}.claim"] > 0) >= 2
        return counts[PROMOTION] >= 2

    def fact_or_title(self, text: str, end: int, category: str) -> bool:
        """Whether the words right after a match make it an ordinal, a count or a title rather than a claim."""
        return any(text.startswith(word, end) for word in self.not_followed_by.get(category, ()))

    def denied(self, text: str, start: int, category: str) -> bool:
        """Whether a negation right before a match denies the claim (没有包治百病的灵丹妙药, 并非最好)."""
        return text.endswith(self.not_preceded_by.get(category, ()), 0, start)

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


TRADE_WINDOW = 48  # characters each side of goods searched for a dealing word (six syllables of pinyin and more)
COMPONENT = "component"  # context of a compound's part (lexicons/sensitive/compounds.toml): never a finding alone


@dataclass(frozen=True)
class CompoundRule:
    """Goods and a dealing word in one phrase (lexicons/sensitive/compounds.toml): 出售……手枪, 弓弩专卖, 卖手枪."""

    name: str
    category: str
    severity: str
    note: str
    goods: frozenset[str]
    trades: frozenset[str]
    before: frozenset[str]
    after: frozenset[str]
    max_between: int
    max_between_goods_first: int


@dataclass(frozen=True)
class SingleCharRule:
    """A character that is a word of its own only in porn or abuse (淫, 骚), except inside ordinary words (骚乱)."""

    char: str
    entry: Entry
    exceptions: tuple[str, ...]
    starts_word: bool = False  # only as a word's first character, glued to a Han character after it (淫棍, not 能淫)
    dictionary_words: bool = False  # a word of the segmenter's dictionary holding it counts too (傻屄)
    followed_by: frozenset[str] = frozenset()  # the characters that may follow it (empty: any)


class CompoundReader:
    """Pairs the goods and dealing words the matcher found (as side entries) into compounds."""

    def __init__(self, config: dict, evasion_names: Iterable[str] = ()) -> None:
        shared = {name: list(words) for name, words in config["words"].items()}
        self.stop_chars = frozenset(config["stop_chars"])
        self.singles = {
            table["char"]: SingleCharRule(
                table["char"],
                Entry(table["char"], table["category"], table["severity"], note=table["note"],
                      source="sensitive/compounds.toml"),
                tuple(table["except"]), bool(table.get("starts_word", False)),
                bool(table.get("dictionary_words", False)), frozenset(table.get("followed_by", ())))
            for table in config.get("single", ())
        }
        self.rules: list[CompoundRule] = []
        for table in config["rule"]:
            goods = set(table.get("goods", ()))
            for parts in [table["goods_parts"]] if "goods_parts" in table else []:
                goods.update(a + b for a in parts[0] for b in parts[1])
            trades: set[str] = set(evasion_names) if table.get("trades_from_evasion_names") else set()
            for word in table["trades"]:
                trades.update(shared[word[1:]] if word.startswith("@") else [word])
            self.rules.append(CompoundRule(
                table["name"], table["category"], table["severity"], table["note"], frozenset(goods),
                frozenset(trades), frozenset(table.get("before", ())), frozenset(table.get("after", ())),
                int(table.get("max_between", config["max_between"])),
                int(table.get("max_between_goods_first", config["max_between_goods_first"]))))
        # Part → the rules it is goods of and the rules it is a dealing word of.
        self.goods_of: dict[str, tuple[int, ...]] = {}
        self.trade_of: dict[str, tuple[int, ...]] = {}
        for number, rule in enumerate(self.rules):
            for word in rule.goods:
                self.goods_of[word] = self.goods_of.get(word, ()) + (number,)
            for word in rule.trades:
                self.trade_of[word] = self.trade_of.get(word, ()) + (number,)

        # Dealing words are common (出售, 视频, 服务): rather than have the automaton report each one in every text, they
        # are looked for only around goods, with one regex over the skeleton of the words nearby, as written or in
        # pinyin (chushou, chu售).
        self.trade_entries = {word: Entry(word, COMPONENT, "major", source="sensitive/compounds.toml",
                                          extra={"context": COMPONENT}) for word in self.trade_of}
        spellings: dict[str, set[str]] = {}
        for word in self.trade_of:
            for form in [word] + [spelled for _kind, spelled in pinyin_variants(word, max_pinyin_chars=8)]:
                key = skeleton_form(form)
                # qq collapses to one letter in the skeleton: kept, but a hit must be written as the word (below).
                if len(key) >= 2 or (len(key) == 1 and form.isascii() and len(form) >= 2):
                    spellings.setdefault(key, set()).add(word)
        self.trade_spellings = {key: tuple(sorted(words)) for key, words in spellings.items()}
        # The first reading of each `before` character (卖 → mai), from the shipped table: a review never imports
        # pypinyin.
        first_reading = {char: reading for reading, chars in same_reading_chars().items() for char in chars}
        self.readings = {char: first_reading[char] for rule in self.rules for char in rule.before
                         if char in first_reading}
        self.needs_skeleton = re.compile(f"{SEPARATOR_RE.pattern}|[A-Z]|(.)\\1")
        self.trade_re = re.compile("|".join(re.escape(key) for key in sorted(spellings, key=lambda k: (-len(k), k))))

    def parts(self) -> list[Entry]:
        """Every goods word as a side entry for the matcher (matched with evasions, never reported alone)."""
        return [Entry(word, COMPONENT, "major", source="sensitive/compounds.toml", extra={"context": COMPONENT})
                for word in sorted(self.goods_of) if len(word) >= 2]

    def trades_near(self, text: str, good: Match) -> list[tuple[Match, tuple[int, ...]]]:
        """Dealing words within `TRADE_WINDOW` characters of a goods match, with the rules they serve."""
        return self.trades_in(text, max(0, good.start - TRADE_WINDOW), min(len(text), good.end + TRADE_WINDOW))

    def trades_in(self, text: str, low: int, high: int) -> list[tuple[Match, tuple[int, ...]]]:
        """Dealing words in text[low:high], with the rules they serve."""
        window = text[low:high]
        # Most windows hold no separator, capital or repeat: their skeleton is themselves.
        skeleton = build_skeleton(window) if self.needs_skeleton.search(window) else None
        found = []
        for hit in self.trade_re.finditer(skeleton.text if skeleton else window):
            if skeleton is None:
                start, end = low + hit.start(), low + hit.end()
            else:
                start = low + skeleton.span(hit.start())[0]
                end = low + skeleton.span(hit.end() - 1)[1]
            if not latin_edges_ok(text, start, end):
                continue
            written = text[start:end]
            for word in self.trade_spellings[hit.group()]:
                if len(hit.group()) == 1 and written.lower() != word:
                    continue  # the one letter of qq, written otherwise (q, Q*Q)
                if written == word:
                    kind = EXACT
                elif any("a" <= c <= "z" for c in hit.group()) and not word.isascii():
                    kind = PINYIN
                else:
                    kind = SPACED
                found.append((Match(self.trade_entries[word], start, end, kind), self.trade_of[word]))
        return found

    def single_chars(self, text: str) -> list[Match]:
        """Occurrences of the single-character words outside their ordinary words (淫僧 yes, 淫秽 no)."""
        found = []
        hits = sorted(at for char in self.singles for at in _occurrences(text, char))
        for at in hits:
            rule = self.singles[text[at]]
            ordinary = False
            for word in rule.exceptions:
                offset = word.find(rule.char)
                while offset >= 0 and not ordinary:
                    ordinary = text.startswith(word, at - offset)
                    offset = word.find(rule.char, offset + 1)
                if ordinary:
                    break
            # A word glued to no other character is an item of a list (杀、烧、淫、掠), not the slang word.
            following = _neighbour(text, at, 1)
            after = _is_han(following) and (not rule.followed_by or following in rule.followed_by)
            glued = after if rule.starts_word else _is_han(_neighbour(text, at, -1)) or after
            # A word's first character may begin a dictionary word (淫棍, 淫妇), never end or sit inside one (奸淫妇女).
            if not ordinary and glued and (rule.dictionary_words
                                           or not _inside_dictionary_word(text, at, own_start=rule.starts_word)):
                found.append(Match(rule.entry, at, at + 1, EXACT))
        return found

    def _joined(self, text: str, start: int, end: int, limit: int) -> bool:
        """Whether text[start:end], between the two parts, keeps them in one phrase: at most `limit` characters
        once spaces and symbols are dropped, no clause punctuation, quote or function word."""
        if end - start > 6 * limit + 8:
            return False
        between = SEPARATOR_RE.sub("", text[start:end])
        if any(c in self.stop_chars or not c.isalnum() for c in between):
            return False
        return phrase_length(between) <= limit

    def find(self, text: str, parts: list[Match], accept: Callable[[Match], bool] | None = None) -> list[Match]:
        """Compounds among the matched parts, each as a match of a made-up entry in the rule's category.

        `accept(goods)` is asked only of goods that do pair with a dealing word (it may segment the text)."""
        goods = [(m, self.goods_of[m.entry.term]) for m in parts if m.entry.term in self.goods_of]
        # The dealing words are read once in each stretch where goods' windows overlap (a report names 毒品 ten
        # times), then each goods takes those inside its own window.
        windows = sorted((max(0, m.start - TRADE_WINDOW), min(len(text), m.end + TRADE_WINDOW)) for m, _ in goods)
        stretches: list[list[int]] = []
        for low, high in windows:
            if stretches and low <= stretches[-1][1]:
                stretches[-1][1] = max(stretches[-1][1], high)
            else:
                stretches.append([low, high])
        read = [trade for low, high in stretches for trade in self.trades_in(text, low, high)]
        found: list[Match] = []
        for good, numbers in goods:
            low, high = max(0, good.start - TRADE_WINDOW), min(len(text), good.end + TRADE_WINDOW)
            trades = [(trade, rules) for trade, rules in read if low <= trade.start and trade.end <= high]
            for number in numbers:
                rule = self.rules[number]
                pair = self._pair(text, good, rule, number, trades)
                if pair is not None:
                    if accept is None or accept(good):
                        found.append(pair)
                    break
        # Goods side by side (出售54式手枪: 54式 and 手枪 each pair with 出售) make one compound.
        found.sort(key=lambda m: (m.start, -m.end))
        merged: list[Match] = []
        for match in found:
            last = merged[-1] if merged else None
            if last is not None and match.start <= last.end and match.entry.category == last.entry.category:
                if match.end > last.end:
                    entry = Entry(text[last.start : match.end], last.entry.category, last.entry.severity,
                                  note=last.entry.note, source=last.entry.source, extra=last.entry.extra)
                    extra = dict(last.entry.extra)
                    extra["homophone_parts"] = "|".join(p for p in (extra.get("homophone_parts"),
                                                                     match.entry.get("homophone_parts")) if p)
                    entry = Entry(entry.term, entry.category, entry.severity, note=entry.note, source=entry.source,
                                  extra=extra)
                    merged[-1] = Match(entry, last.start, match.end, last.kind if last.evasion else match.kind)
                continue
            merged.append(match)
        return merged

    def _pair(self, text: str, good: Match, rule: CompoundRule, number: int,
              trades: list[tuple[Match, tuple[int, ...]]]) -> Match | None:
        for trade, numbers in trades:
            if number not in numbers or (trade.start < good.end and good.start < trade.end):
                continue
            if trade.end <= good.start:
                joined = self._joined(text, trade.end, good.start, rule.max_between)
            else:
                joined = self._joined(text, good.end, trade.start, rule.max_between_goods_first)
            if joined:
                return self._compound(text, rule, min(trade.start, good.start), max(trade.end, good.end),
                                      (trade, good))
        if good.start > 0 and text[good.start - 1] in rule.before:
            return self._compound(text, rule, good.start - 1, good.end, (good,))
        before = self._spelled_before(text, good.start, rule)
        if before:
            return self._compound(text, rule, good.start - before, good.end, (good,))
        if good.end < len(text) and text[good.end] in rule.after:
            return self._compound(text, rule, good.start, good.end + 1, (good,))
        return None

    def _spelled_before(self, text: str, start: int, rule: CompoundRule) -> int:
        """The length of one of the rule's `before` characters spelt in pinyin right before `start` (maishouqiang),
        or 0."""
        if start == 0 or not ("a" <= text[start - 1].lower() <= "z"):
            return 0
        for char in rule.before:
            reading = self.readings.get(char, char)
            at = start - len(reading)
            if at >= 0 and text[at:start].lower() == reading and (at == 0 or not text[at - 1].isascii()
                                                                 or not text[at - 1].isalnum()):
                return len(reading)
        return 0

    @staticmethod
    def _compound(text: str, rule: CompoundRule, start: int, end: int, parts: tuple[Match, ...]) -> Match:
        kind = next((part.kind for part in parts if part.evasion), EXACT)
        swapped = "|".join(part.entry.term for part in parts if part.kind == HOMOPHONE)
        entry = Entry(text[start:end], rule.category, rule.severity, note=rule.note,
                      source="sensitive/compounds.toml", extra={"compound": rule.name, "homophone_parts": swapped})
        return Match(entry, start, end, kind)


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _inside_dictionary_word(text: str, at: int, longest: int = 4, own_start: bool = False) -> bool:
    """Whether text[at] lies in a word of the segmenter's dictionary (奇技淫巧, 淫威, 骚扰): the character is part of
    that word, not a word of its own. A dictionary word that is itself a listed term is reported by its entry. With
    `own_start`, words that start at `at` do not count."""
    return any(ordinary_word(text[start:end])
               for start in range(max(0, at - longest + 1), at + (0 if own_start else 1))
               for end in range(max(start + 2, at + 1), min(len(text), start + longest) + 1))


def _neighbour(text: str, at: int, step: int, max_gap: int = 3) -> str:
    """The character next to text[at] in direction `step`, past up to `max_gap` inserted spaces or symbols."""
    index = at + step
    for _ in range(max_gap + 1):
        if not 0 <= index < len(text):
            return ""
        if not SEPARATOR_RE.match(text[index]):
            return text[index]
        index += step
    return ""


def _occurrences(text: str, char: str) -> Iterable[int]:
    at = text.find(char)
    while at >= 0:
        yield at
        at = text.find(char, at + 1)


def phrase_length(between: str) -> int:
    """Characters between two parts of a compound, a run of pinyin counted in syllables (fangzhen: 2)."""
    length = 0
    for run in re.findall(r"[a-zA-Z]+|[^a-zA-Z]", between):
        count = syllable_count(run.lower()) if run.isascii() and run.isalpha() else None
        length += count if count is not None else len(run)
    return length


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


class StanceReader:
    """Finds stances (支持台湾独立, 鼓吹港独, 主张推翻……政权) that are not criticism or enforcement."""

    def __init__(self, config: dict) -> None:
        self.negations = tuple(config["negations"])
        self.criticism_cues = tuple(config["criticism_cues"])
        self.rules = []
        necessary: list[str] | None = []  # words of which every match of some rule holds one: goals, or verb + goal
        for number, table in enumerate(config["rule"], 1):
            max_gap = int(table.get("max_gap", config["max_gap"]))
            gap = f"[^{CLAUSE_ENDS}]{{0,{max_gap}}}?"
            goals = [_alternation(table.get("goals", []))] if table.get("goals") else []
            goals += [f"(?:{p})" for p in table.get("goal_patterns", [])]
            pattern = f"(?:{_alternation(table['verbs'])}){gap}(?:{'|'.join(goals)})"
            regex = compile_lexicon_regex(pattern, f"sensitive/stances.toml: rule[{number}] ({table['name']})")
            leads = [re.match(r"[\u4e00-\u9fff]+", goal) for goal in table.get("goal_patterns", [])]
            words = list(table.get("goals", [])) + [lead.group() for lead in leads if lead]
            if max_gap == 0 and not leads:
                words = [verb + word for verb in table["verbs"] for word in words]
            if necessary is not None and all(leads) and words and all(words):
                necessary += words
            else:
                necessary = None  # a goal pattern without a leading word: no gate
            verb_after = table.get("verb_after")
            self.rules.append(StanceRule(table["name"], table["note"], regex, tuple(table.get("goal_not_before", ())),
                                         tuple(verb_after) if verb_after is not None else None))
        # One search of plain words decides whether any rule can match: most posts hold no goal (台独, 推翻) and no
        # 反对统一, while the rules' own patterns start with verbs that news uses everywhere (支持, 实现, 要求).
        self.gate = re.compile(_alternation(necessary)) if necessary else None

    def find(self, text: str) -> list[Stance]:
        """Stances in normalised `text` outside criticism, enforcement and negation."""
        found = []
        if self.gate is not None and self.gate.search(text) is None:
            return []
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


def matcher_sources_digest() -> str:
    """SHA-256 of every data file the matcher's keys derive from: this folder's (less the prebuilt tables), the
    pinyin tables and lexicons/reduplicated.txt (about 2.5 MB: a few milliseconds)."""
    folder, pinyin = lexicon_path(FOLDER), lexicon_path("pinyin")
    paths = [path for path in sorted(folder.iterdir()) if path.is_file() and path.name != TABLES_FILE]
    paths += [path for path in sorted(pinyin.iterdir()) if path.is_file()] + [lexicon_path("reduplicated.txt")]
    return files_digest(f"matcher tables {MATCHER_TABLES_FORMAT}", paths)


def shipped_matcher_tables(digest: str) -> MatcherTables | None:
    """The prebuilt matcher tables when they were built from the sources named by `digest`, else None."""
    tables = MatcherTables.load(lexicon_path(FOLDER, TABLES_FILE))
    if tables is not None and tables.digest != digest:
        log.info("lexicons/%s/%s was built from other lists: deriving the matcher's keys (slower start); run "
                 "`python -m review.training.sensitive_tables` to rebuild it", FOLDER, TABLES_FILE)
        return None
    return tables


@register
class SensitiveCheck(Check):
    """敏感词: political, porn, gambling, drugs, weapons, violence/terror, fraud, vulgar and ad-law terms."""

    name = "sensitive"
    category = "sensitive"

    def __init__(self, prebuilt: bool = True, keep_tables: bool = False) -> None:
        """`prebuilt`: use lexicons/sensitive/matcher_tables.npz where it matches its sources (else derive);
        `keep_tables`: keep the matcher's tables (`matcher.tables`) to write them."""
        config = load_toml(FOLDER, "matching.toml")
        self.categories: dict[str, dict] = config["categories"]
        evasion = config["evasion"]
        pinyin_categories = frozenset(evasion["pinyin_categories"])
        pinyin_rank = SEVERITY_RANK[evasion["pinyin_min_severity"]]
        self.evaded_min_severity = evasion["evaded_min_severity"]
        self.boundary_max_chars = int(config["context"]["word_boundary_max_chars"])
        self.strict_boundary_categories = frozenset(config["context"]["strict_boundary_categories"])
        self.word_edge_not_before = tuple(config["context"]["word_edge_not_before"])
        self.neutral_topic_severity = config["context"]["neutral_topic_severity"]
        entries = load_entries(FOLDER, "*.tsv", tuple(sorted(self.categories)))
        names = [e.term for e in entries if e.get("context") == EVASION_ONLY]
        # Terms whose same-reading spellings clean writing uses (国家及, 出手): generated, see the file's header.
        homophone_stops = frozenset(load_phrases(FOLDER, "homophone_stop.txt"))
        # Short entries that clean writing never holds, even across two words (嫩穴, 淫图, 鸡吧): no segmentation needed
        # as evidence that they are words of their own (generated, see the file's header).
        self.boundary_free = frozenset(load_phrases(FOLDER, "boundary_free.txt"))
        self.compounds = CompoundReader(load_toml(FOLDER, "compounds.toml"), names)
        self.sources_digest = matcher_sources_digest()
        self.matcher = LexiconMatcher(
            list(entries) + self.compounds.parts(),
            load_phrases(FOLDER, "allow.txt"),
            pinyin_for=lambda e: e.category == COMPONENT or (
                e.category in pinyin_categories
                and SEVERITY_RANK[e.severity] >= pinyin_rank
                and e.get("context") != "promo"
                and (e.get("context") != EVASION_ONLY or "pinyin" in (e.get("disguise") or "").split("|"))
            ),
            variants_for=entry_spellings,
            exact_for=lambda e: e.get("context") != EVASION_ONLY,
            side_for=lambda e: e.category == COMPONENT,
            # A same-reading swap in a term of three characters or more, or in a compound's part (paired, so safe):
            # two-character terms have too many namesakes (冰毒, 病毒).
            homophones_for=lambda e: e.term not in homophone_stops and (e.category == COMPONENT or (
                len(e.term) >= 3 and e.category in pinyin_categories and e.get("context") not in ("promo", EVASION_ONLY)
                and SEVERITY_RANK[e.severity] >= pinyin_rank)),
            max_gap=int(evasion["max_gap"]),
            min_pinyin_letters=int(evasion["min_pinyin_letters"]),
            max_pinyin_chars=int(evasion["max_pinyin_chars"]),
            pinyin_inside_min_letters=int(evasion["pinyin_inside_min_letters"]),
            tables=shipped_matcher_tables(self.sources_digest) if prebuilt else None,
            keep_tables=keep_tables,
        )
        self.context = ContextReader(load_toml(FOLDER, "context.toml"), int(config["context"]["window"]))
        self.stances = StanceReader(load_toml(FOLDER, "stances.toml"))

    def warm_up(self) -> None:
        """Load the segmenter, which the word-boundary evidence of short entries reads."""
        from review.segment import get_tokenizer

        get_tokenizer()

    def check(self, doc: Document) -> list[Finding]:
        """Findings for lexicon matches, severity set by context."""
        return self.judged(doc)[0]

    def judged(self, doc: Document) -> tuple[list[Finding], list[str]]:
        """The findings, and the terms of the same-reading swaps among them (an entry's, or a compound's parts'), which
        `review.training.sensitive_lists --homophone-stops` collects from clean writing."""
        deny = [Entry(term, DENY_CATEGORY, "major", source="deny_terms") for term in sorted(doc.options.deny_terms)]
        # Allow terms steer the matching too: a match overlapping an allowed term is vetoed before the longest
        # match at a spot wins (a vetoed long match must not hide a shorter one); the pipeline drops the rest.
        matches = self.matcher.find(doc.text, document_skeleton(doc), doc.options.allow_terms, deny)
        parts = [m for m in matches if m.entry.category == COMPONENT]
        if parts:
            matches = [m for m in matches if m.entry.category != COMPONENT]
            # A goods word swapped for a same-reading one must not spell a dictionary word (病毒 for 冰毒).
            parts = [m for m in parts if m.kind != HOMOPHONE or not ordinary_word(doc.text[m.start : m.end])]
        stances = self.stances.find(doc.text)
        findings = [self._stance_finding(doc, stance) for stance in stances]
        swapped: list[str] = []
        # A term inside a stance (台独 in 支持台独) is told once, by the stance.
        told = [(stance.start, stance.end) for stance in stances]
        for match in matches:
            if any(a <= match.start and match.end <= b for a, b in told):
                continue
            if match.kind == HOMOPHONE and ordinary_word(doc.text[match.start : match.end]):
                continue
            judged = self._judge(doc, match)
            # Word boundaries last: segmenting costs more than reading the context that dismisses most matches.
            if judged is not None and self._on_its_own(doc, match):
                findings.append(self._finding(doc, match, *judged))
                told.append((match.start, match.end))
                if match.kind == HOMOPHONE:
                    swapped.append(match.entry.term)
        # A compound whose parts an entry already reported (出售冰毒) is told by that entry.
        # A swapped goods word must also be words of its own, as an entry's swap must (过去|四年 holds 去四, which reads
        # like 去死): asked only where it pairs, since segmenting costs more than the pairing that dismisses most.
        compounds = self.compounds.find(doc.text, parts, lambda good: good.kind != HOMOPHONE or on_word_boundaries(
            doc, good.start, good.end)) if parts else []
        for match in compounds + self.compounds.single_chars(doc.text):
            if any(a < match.end and match.start < b for a, b in told):
                continue
            judged = self._judge(doc, match)
            if judged is not None:
                findings.append(self._finding(doc, match, *judged))
                told.append((match.start, match.end))
                swapped.extend(term for term in (match.entry.get("homophone_parts") or "").split("|") if term)
        return findings, swapped

    def _on_its_own(self, doc: Document, match: Match) -> bool:
        """Whether a short entry, one marked boundary=word, or a disguised name stands as words of its own; a
        same-reading swap must too (国家机关 holds 国家机, which reads like a listed term)."""
        entry = match.entry
        if match.kind == HOMOPHONE:
            return on_word_boundaries(doc, match.start, match.end)
        strict = entry.get("boundary") == "word" or entry.get("context") == EVASION_ONLY
        short = len(entry.term) <= self.boundary_max_chars or strict
        if not short or entry.category == DENY_CATEGORY:
            return True
        # An insult or a disguised name must be a word of its own; another short entry may start or end a longer one.
        word_edge = not strict and entry.category not in self.strict_boundary_categories
        if word_edge and entry.term in self.boundary_free:
            return True
        return on_word_boundaries(doc, match.start, match.end, word_edge, self.word_edge_not_before)

    def boundary_checked(self, entry: Entry) -> bool:
        """Whether an entry is reported only with word-boundary evidence that `boundary_free.txt` may waive: a short
        entry (at most `word_boundary_max_chars`) outside the strict categories, not marked boundary=word."""
        return (len(entry.term) <= self.boundary_max_chars and entry.get("boundary") != "word"
                and entry.get("context") != EVASION_ONLY and entry.category not in self.strict_boundary_categories
                and entry.category not in (DENY_CATEGORY, COMPONENT))

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
        if category is None:
            return entry.severity, None
        if self.context.denied(doc.text, match.start, entry.category):
            return None  # a claim denied is no claim: 世界上没有包治百病的灵丹妙药
        if not category["contextual"]:
            # An insult quoted or criticised (被人骂过“猪脑子”) is reported speech, not the post's own voice.
            if self.context.quoted_or_criticised(doc, match.start, match.end):
                return "info", QUOTED
            return entry.severity, None
        window = self.context.around(doc, match.start, match.end)
        counts = self.context.cues(window)
        enforcement = counts[ENFORCEMENT] > 0
        promotion = self.context.promoted(counts, entry.category)
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
        elif context == QUOTED:
            message += "，处于引用或批评语境，仅作提示"
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

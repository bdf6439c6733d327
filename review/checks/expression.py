"""规范表述: Xinhua-style banned expressions, canonical political formulations, leaders' names and posts.

Three readers over one post (three parts of the one `expression` check), each driven by data under
lexicons/expression/:
- BannedExpressions, banned.tsv: wrong or discouraged expressions with their correct form (台湾总统 → 台湾地区领导人);
- Formulations, formulations.toml: 四个意识、四个自信 … with their items: a wrong number (三个自信) or, where the items are
  listed next to the name, a wrong, missing or reordered item;
- LeaderNames, leaders.tsv + posts.toml: a leader's name next to a post that is not theirs on the post's date, or a
  misspelt leader's name next to a post, is critical (单项否决);
- OwnAuthority, authority.toml (run by BannedExpressions): 当局 for one's own government (省当局, 国民当局, 当局网站,
  中国当局) is critical.
Renamed terms (banned.tsv `since`) and leaders' posts (terms in leaders.tsv) are judged as of the post's publication
date, or its monitoring time when it has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from review.chars import HAN_CLASS, is_han
from review.checks.base import Check, register
from review.document import Document
from review.lexicon import Entry, compile_lexicon_regex, load_entries, load_phrases, parse_entries
from review.lexicon_match import SPACED, LexiconMatcher, SentinelAutomaton, document_skeleton
from review.model import CHINA_TZ, Finding
from review.pinyin import same_reading_chars, term_readings
from review.resources import lexicon_path, load_toml

FOLDER = "expression"
BANNED_CATEGORIES = ("sovereignty", "discrimination", "legal", "formulation", "institution")
CATEGORY_LABELS = {
    "sovereignty": "涉主权和港澳台表述",
    "discrimination": "不当称谓",
    "legal": "法律用语",
    "formulation": "规范提法",
    "institution": "机构名称",
}
NUMERALS = "一二三四五六七八九十两"
FORMULATION_NAME = re.compile(f"^([{NUMERALS}]+)(个|项|大|条|位)(.+)$")
HAN = HAN_CLASS
# Function words that may follow a formulation's core (四个意识的, 四个自信和…).
CORE_MAY_CONTINUE = "的和与及是要为上中不"
# Enumerations of items right before a formulation's name (…、…、…的新发展理念) or right after it (四个自信，即…).
LIST_BEFORE = re.compile(f"((?:[{HAN}]{{1,16}}[、，,])+[{HAN}]{{1,16}}?)(等)?(?:的|这|是|即)?[“\"]?$")
LIST_AFTER = re.compile(f"^[”\"]?(?:，即|，就是|，包括|即|就是|是指|包括|[，,：:])?[：:]?((?:[{HAN}]{{1,16}}[、，,])+[{HAN}]{{1,16}})")
LAST_JOINER = re.compile("(?:和|以及|及|与)")


@dataclass(frozen=True)
class Formulation:
    """A canonical formulation: its name, ordered items, and which checks apply."""

    name: str
    items: tuple[str, ...]
    number_check: bool
    list_items: bool


Term = tuple[date | None, date | None]  # from (inclusive), to (exclusive); None is open


@dataclass(frozen=True)
class Leader:
    """A national leader: the name, every post held with its terms, and whether the name is common."""

    name: str
    posts: frozenset[str]
    summary: str
    common_name: bool
    terms: dict[str, tuple[Term, ...]] = field(default_factory=dict, compare=False, hash=False)
    known_from: date | None = None

    def holds(self, post: str, day: date) -> bool:
        """True when the leader held `post` on `day` (any day before the terms are known counts as held)."""
        if self.known_from is not None and day < self.known_from:
            return True  # terms before this date are not listed: nothing to judge by
        terms = self.terms.get(post, ())
        return any((start is None or start <= day) and (end is None or day < end) for start, end in terms)

    def posts_on(self, day: date, titles: frozenset[str]) -> list[str]:
        """The titles among `titles` the leader held on `day`, in the data's order."""
        return [post for post in self.terms if post in titles and self.holds(post, day)]


def parse_terms(posts: str, where: str) -> dict[str, tuple[Term, ...]]:
    """`国务院副总理@2018-03-19~2023-03-12|国家副主席@2023-03-10|委员` → {post: ((from, to), …)}."""
    terms: dict[str, list[Term]] = {}
    for item in filter(None, posts.split("|")):
        title, _, span = item.partition("@")
        start_text, _, end_text = span.partition("~")
        try:
            term = (
                date.fromisoformat(start_text) if start_text else None,
                date.fromisoformat(end_text) if end_text else None,
            )
        except ValueError:
            raise ValueError(f"{where}: bad term in {item!r} (title@YYYY-MM-DD~YYYY-MM-DD)") from None
        terms.setdefault(title, []).append(term)
    return {title: tuple(spans) for title, spans in terms.items()}


def review_date(doc: Document) -> date:
    """The day a post is judged as of: its publication date, else its monitoring time (default now), in China."""
    post = doc.post
    moment = post.published_at or post.checked_at or datetime.now(CHINA_TZ)
    return moment.astimezone(CHINA_TZ).date()


def name_misspellings(name: str, curated: list[str], neighbours: Callable[[str], Iterable[str]] | None = None
                      ) -> set[str]:
    """One-character substitutions of a name: same pinyin, the character's confusion-set neighbours (sound and
    shape: 习湛平, 孝强) when `neighbours` is given, plus the curated look-alikes."""
    table = same_reading_chars()
    readings = term_readings(name)
    variants = set(curated)
    for index, reading in enumerate(readings):
        chars = set(table.get(reading, ()))
        if neighbours is not None:
            chars.update(char for char in neighbours(name[index]) if is_han(char))
        for char in chars:
            if char != name[index]:
                variants.add(name[:index] + char + name[index + 1 :])
    variants.discard(name)
    return variants


class ExpressionPart(Check):
    """One reader of the expression check: its findings are the `expression` check's (name, category, rules)."""

    name = "expression"
    category = "expression"


class BannedExpressions(ExpressionPart):
    """banned.tsv: wrong or discouraged expressions with their correct form (台湾总统 → 台湾地区领导人), and 当局 for
    one's own government (OwnAuthority)."""

    def __init__(self) -> None:
        banned = load_entries(FOLDER, "banned.tsv", BANNED_CATEGORIES)
        self.matcher = LexiconMatcher(banned, load_phrases(FOLDER, "allow.txt"), max_gap=1)
        # renamed or retired terms: wrong only from the day the change took effect, and never as the old body's name
        self.since = {
            entry.term: date.fromisoformat(entry.get("since") or "") for entry in banned if entry.get("since")
        }
        self.former_markers = tuple(load_toml(FOLDER, "renamed.toml").get("former_markers", ()))
        # a banned expression too, found by patterns rather than a list of terms
        self.authority = OwnAuthority()

    def check(self, doc: Document) -> list[Finding]:
        """Findings for banned expressions, with their correct form, then for 当局 said of our own government."""
        return self._listed(doc) + self.authority.check(doc)

    def _listed(self, doc: Document) -> list[Finding]:
        """Findings for the terms of banned.tsv."""
        findings = []
        day = review_date(doc)
        # Allow terms steer the matching (see SensitiveCheck.check); the pipeline drops the findings of the rest.
        for match in self.matcher.find(doc.text, document_skeleton(doc), doc.options.allow_terms):
            entry = match.entry
            if match.kind == SPACED and _only_adds_a_separator(entry.term, entry.suggestion):
                continue  # the entry is a missing separator (中共中央国务院), and this spelling has one: 中共中央 国务院
            since = self.since.get(entry.term)
            if since is not None and (day < since or doc.text.endswith(self.former_markers, 0, match.start)):
                continue  # the old name was right when the post was published, or it names the old body (原环保局)
            start, end = match.start, match.end
            if match.kind != SPACED and entry.suggestion and entry.term in entry.suggestion:
                wrapped = _wrapped_span(doc.text, start, end, entry.term, entry.suggestion)
                if wrapped is None:
                    continue  # already written as the suggestion says (所谓“麦克马洪线”), or distanced (所谓麦克马洪线)
                start, end = wrapped
            message = f"{CATEGORY_LABELS[entry.category]}：“{entry.term}”"
            if entry.suggestion:
                message += f"应为“{entry.suggestion}”"
            message += f"（{entry.note}）" if entry.note else ""
            message += f"（{since.isoformat()}起）" if since is not None else ""
            findings.append(
                self.finding(
                    doc,
                    start,
                    end,
                    rule=f"expression.{entry.category}",
                    severity=entry.severity,
                    message=message,
                    suggestion=entry.suggestion,
                    confidence=0.9,
                    evidence=[{"term": entry.term, "lexicon": entry.source}],
                    term=entry.term,
                )
            )
        return findings


class Formulations(ExpressionPart):
    """formulations.toml: a canonical formulation with a wrong number (三个自信), or its listed items wrong, missing
    or reordered."""

    def __init__(self) -> None:
        config = load_toml(FOLDER, "formulations.toml")
        self.subset_openers = tuple(config.get("subset_openers", ()))
        self.formulations = [
            Formulation(
                name=item["name"],
                items=tuple(item.get("items", ())),
                number_check=bool(item.get("number_check", False)),
                list_items=bool(item.get("list_items", True)),
            )
            for item in config["formulation"]
        ]
        self._build_numbers()

    def check(self, doc: Document) -> list[Finding]:
        """Findings for wrong numbers, then for wrong listed items."""
        return self._numbers(doc) + self._items(doc)

    def _build_numbers(self) -> None:
        valid: dict[str, dict[str, str]] = {}  # core -> {numeral+unit: name}
        for formulation in self.formulations:
            parsed = FORMULATION_NAME.match(formulation.name)
            if formulation.number_check and parsed:
                valid.setdefault(parsed.group(3), {})[parsed.group(1) + parsed.group(2)] = formulation.name
        self.number_cores = valid
        if valid:
            cores = "|".join(sorted(map(re.escape, valid), key=len, reverse=True))
            # A core continued by another Han character (三个伟大飞跃, 意识形态) is a different word.
            # Built from lexicon data, so guarded like a lexicon regex; the lookbehind keeps a long run of numerals
            # from being retried at each of its characters.
            self.number_re: re.Pattern[str] | None = compile_lexicon_regex(
                f"(?<![{NUMERALS}])([{NUMERALS}]+)(个|项|大|条|位)({cores})(?=$|[^{HAN}]|[{CORE_MAY_CONTINUE}])",
                "expression/formulations.toml: numbered formulations",
            )
        else:
            self.number_re = None

    def _numbers(self, doc: Document) -> list[Finding]:
        if self.number_re is None:
            return []
        findings = []
        for match in self.number_re.finditer(doc.text):
            numeral, unit, core = match.groups()
            known = self.number_cores[core]
            if numeral + unit in known or numeral == "一":
                continue
            if all(not name.endswith(unit) for name in known):
                continue  # another unit is another phrase: 十六大确立 (the 16th congress) is no count of 两个确立
            correct = " / ".join(known.values())
            findings.append(
                self.finding(
                    doc,
                    match.start(),
                    match.end(),
                    rule="expression.formulation_number",
                    severity="major",
                    message=f"规范提法数目错误：“{match.group()}”应为“{correct}”",
                    suggestion=next(iter(known.values())) if len(known) == 1 else None,
                    confidence=0.9,
                )
            )
        return findings

    def _items(self, doc: Document) -> list[Finding]:
        text = doc.text
        findings = []
        for formulation in self.formulations:
            if not formulation.list_items or not formulation.items:
                continue
            start = text.find(formulation.name)
            while start >= 0:
                end = start + len(formulation.name)
                for partial, before_name, tokens in self._adjacent_lists(text, start, end):
                    finding = self._compare_items(doc, formulation, tokens, partial, before_name)
                    if finding is not None:
                        findings.append(finding)
                start = text.find(formulation.name, end)
        return findings

    @staticmethod
    def _adjacent_lists(text: str, start: int, end: int) -> list[tuple[bool, bool, list[tuple[int, int]]]]:
        """Enumerations touching a name: (ends with 等, lies before the name, [(token start, token end)])."""
        found = []
        window_start = max(0, start - 120)
        before = LIST_BEFORE.search(text[window_start:start])
        if before:
            partial = before.group(2) is not None  # …等 lists only some items
            found.append((partial, True, _tokens(text, window_start + before.start(1), window_start + before.end(1))))
        after = LIST_AFTER.match(text[end : end + 160])
        if after:
            partial = text.startswith("等", end + after.end(1))
            found.append((partial, False, _tokens(text, end + after.start(1), end + after.end(1))))
        return [(partial, before_name, spans) for partial, before_name, spans in found if len(spans) >= 2]

    def _compare_items(
        self,
        doc: Document,
        formulation: Formulation,
        tokens: list[tuple[int, int]],
        partial: bool,
        before_name: bool,
    ) -> Finding | None:
        """A finding when a listed enumeration has a wrong, missing or reordered item."""
        text = doc.text
        items = formulation.items
        tokens = list(tokens)
        listed = text[tokens[0][0] : tokens[-1][1]]
        if "、" not in listed:
            return None  # clauses joined by commas, not an enumeration
        seen: list[str | None] = []
        last = len(tokens) - 1
        for index, (token_start, token_end) in enumerate(tokens):
            token = text[token_start:token_end]
            seen.append(_item_hit(token, items, first=index == 0, last=index == last))
        # The token touching the name must be an item, or this is not the formulation's list.
        if seen and seen[-1 if before_name else 0] is None:
            return None
        if not before_name and seen[0] is not None:
            lead_in = text[tokens[0][0] : tokens[0][1]][: -len(seen[0])]
            if lead_in.startswith(self.subset_openers):
                partial = True  # 纠治“四风”，重点纠治形式主义、官僚主义: some items singled out, not the list
        # On its far side a list found by punctuation may run into the neighbouring clause: drop tokens there
        # that are neither items nor shaped like one (no shared ending such as 意识, 自信).
        suffix = _common_suffix(items)
        # A far-side token that ends (before the name) or starts (after it) with an item is that item behind a
        # long lead-in or tail: 牢固树立和贯彻落实|创新、协调… , 基本要求，全面落实|经济建设、政治建设…
        if before_name:
            while seen and seen[0] is None:
                token = text[tokens[0][0] : tokens[0][1]]
                seen[0] = next((item for item in items if token.endswith(item)), None)
                if seen[0] is not None:
                    tokens[0] = (tokens[0][1] - len(seen[0]), tokens[0][1])  # the span starts at the item
                    break
                if suffix and token.endswith(suffix):
                    break
                seen, tokens = seen[1:], tokens[1:]
        else:
            while seen and seen[-1] is None:
                token = text[tokens[-1][0] : tokens[-1][1]]
                seen[-1] = next((item for item in items if token.startswith(item)), None)
                if seen[-1] is not None:
                    tokens[-1] = (tokens[-1][0], tokens[-1][0] + len(seen[-1]))
                    break
                if suffix and token.endswith(suffix):
                    break
                seen, tokens = seen[:-1], tokens[:-1]
        known = [hit for hit in seen if hit is not None]
        if len(known) * 2 < len(seen) or len(known) < 2:
            return None  # not an enumeration of this formulation
        list_start, list_end = tokens[0][0], tokens[-1][1]
        missing = [item for item in items if item not in known]
        wrong = [text[s:e] for (s, e), hit in zip(tokens, seen) if hit is None]
        if wrong or (missing and not partial) or len(seen) > len(items):
            wrong_part = f"“{'、'.join(wrong)}”不属于“{formulation.name}”" if wrong else ""
            missing_part = f"缺少“{'、'.join(missing)}”" if missing else ""
            detail = "，".join(part for part in (wrong_part, missing_part) if part)
            return self.finding(
                doc,
                list_start,
                list_end,
                rule="expression.formulation_items",
                severity="major",
                message=f"“{formulation.name}”内容表述有误：{detail}；规范表述为“{'、'.join(items)}”",
                suggestion=None,
                confidence=0.85,
            )
        if not missing and known != [item for item in items if item in known]:
            return self.finding(
                doc,
                list_start,
                list_end,
                rule="expression.formulation_order",
                severity="minor",
                message=f"“{formulation.name}”各项顺序与规范表述不一致，应为“{'、'.join(items)}”",
                # Replace only when the list is exactly the items (no verb or tail inside the span).
                suggestion="、".join(items) if text[list_start:list_end] in ("、".join(known), "，".join(known)) else None,
                confidence=0.8,
            )
        return None


class LeaderNames(ExpressionPart):
    """leaders.tsv + posts.toml: a leader's name next to a post that is not theirs, or a misspelt leader's name next
    to their post, is critical (单项否决)."""

    def __init__(self) -> None:
        entries: list[Entry] = parse_entries([lexicon_path(FOLDER, "leaders.tsv")], ("leader",))
        posts = load_toml(FOLDER, "posts.toml")
        self.full_posts = frozenset(posts["full"])
        self.short_posts = frozenset(posts["short"])
        self.honorifics = tuple(posts["honorifics"])
        self.former_markers = tuple(posts.get("former_markers", ()))
        self.post_max = max(map(len, self.full_posts | self.short_posts))
        self.leaders: dict[str, Leader] = {}
        # names and misspellings in the order found, added to the automaton at once (its filter in one numpy pass)
        patterns: dict[str, tuple[str, bool]] = {}
        names = {entry.term for entry in entries}
        # a look-alike is reported only beside the leader's own post, so every confusion-set neighbour may stand
        from review.typo.confusion import shipped_confusion

        confusion = shipped_confusion()
        for entry in entries:
            terms = parse_terms(entry.get("posts") or "", entry.source)
            known_from = entry.get("known_from")
            leader = Leader(
                name=entry.term,
                posts=frozenset(terms),
                summary=entry.note or "",
                common_name=entry.get("common_name") == "yes",
                terms=terms,
                known_from=date.fromisoformat(known_from) if known_from else None,
            )
            self.leaders[leader.name] = leader
            patterns[leader.name] = (leader.name, False)
            curated = [v for v in (entry.get("variants") or "").split("|") if v]
            for variant in name_misspellings(leader.name, curated, confusion.candidates):
                if variant not in names and variant not in patterns:
                    patterns[variant] = (leader.name, True)
        automaton = SentinelAutomaton()
        automaton.add_many(list(patterns), list(patterns.values()))
        automaton.build()
        self.names = automaton

    def _vocabulary(self, leader: Leader) -> frozenset[str]:
        return self.full_posts if leader.common_name else self.full_posts | self.short_posts

    def _post_before(self, text: str, start: int, vocabulary: frozenset[str]) -> str | None:
        for length in range(min(self.post_max, start), 1, -1):
            post = text[start - length : start]
            if post in vocabulary:
                # A short title inside a longer one (执行主席, 全国妇联主席) belongs to that other office.
                if post in self.full_posts or start - length == 0 or not is_han(text[start - length - 1]):
                    return post
                return None
        return None

    def _post_after(self, text: str, end: int, vocabulary: frozenset[str]) -> str | None:
        for length in range(min(self.post_max, len(text) - end), 1, -1):
            if text[end : end + length] in vocabulary:
                return text[end : end + length]
        return None

    def check(self, doc: Document) -> list[Finding]:
        """Findings for a leader's name beside a post that is not theirs, or misspelt beside their own."""
        text = doc.text
        day = review_date(doc)
        findings = []
        for end_index, (name, misspelt) in self.names.iter(text):
            leader = self.leaders[name]
            start, end = end_index - len(name) + 1, end_index + 1
            vocabulary = self._vocabulary(leader)
            before = self._post_before(text, start, vocabulary)
            after = self._post_after(text, end, vocabulary)
            if misspelt:
                # A look-alike name counts only beside this leader's own post (国务院总理李墙); beside another
                # post it is someone else (全国人大常委会副委员长李锡铭 is not a misspelt 李希).
                own_post = (before in leader.posts) or (after in leader.posts)
                honoured = not leader.common_name and text.startswith(self.honorifics, end)
                if own_post or honoured:
                    findings.append(
                        self.finding(
                            doc,
                            start,
                            end,
                            rule="expression.leader_name",
                            severity="critical",
                            message=f"领导人姓名疑似错误：“{text[start:end]}”应为“{name}”（{leader.summary}）",
                            suggestion=name,
                            confidence=0.9,
                        )
                    )
                continue
            if before is not None and text.endswith(self.former_markers, 0, start - len(before)):
                before = None  # 时任国家副主席习近平: a post held then
            for post in (before, after):
                if post is not None and not leader.holds(post, day):
                    findings.append(self._wrong_post(doc, start, end, leader, post, day))
        return findings

    def _wrong_post(self, doc: Document, start: int, end: int, leader: Leader, post: str, day: date) -> Finding:
        """A leader_post finding: `post` was not the leader's on `day` (never, or at another time)."""
        held = "、".join(leader.posts_on(day, self.full_posts)) or leader.summary
        later = [start for start, _ in leader.terms.get(post, ()) if start is not None and start > day]
        if post in leader.posts and not later:
            # a post held before: a former post wants 时任/原 (时任国务院副总理韩正)
            message = f"领导人职务错误：{day.isoformat()}时{leader.name}任{held}，已不任“{post}”（指当时职务请写“时任”或“原”）"
        elif later:
            message = f"领导人职务错误：{day.isoformat()}时{leader.name}任{held}，{min(later).isoformat()}起才任“{post}”"
        else:
            message = f"领导人职务错误：{day.isoformat()}时{leader.name}任{held}，不是“{post}”"
        return self.finding(
            doc,
            start,
            end,
            rule="expression.leader_post",
            severity="critical",
            message=message,
            suggestion=None,
            confidence=0.9,
            evidence=[{"post": post, "as_of": day.isoformat(), "posts": leader.posts_on(day, leader.posts)}],
        )


@dataclass(frozen=True)
class AuthorityRule:
    """One authority.toml rule: a pattern for 当局 said of a Chinese government body, and the right name."""

    pattern: re.Pattern[str]
    suggestion: str
    note: str


class OwnAuthority(ExpressionPart):
    """authority.toml: 当局 for one's own government (省当局, 国民当局, 当局网站, 中国当局) is critical; Taiwan's,
    foreign, colonial and past regimes' 当局 and 有关当局 are left alone."""

    def __init__(self) -> None:
        config = load_toml(FOLDER, "authority.toml")
        self.legitimate_before = tuple(config.get("legitimate_before", ()))
        self.not_after = tuple(config.get("not_after", ()))
        self.places: dict[str, str] = dict(config.get("places", {}))
        self.rules = [
            AuthorityRule(
                pattern=compile_lexicon_regex(item["pattern"], f"expression/authority.toml: rule {index}"),
                suggestion=item["suggestion"],
                note=item.get("note", ""),
            )
            for index, item in enumerate(config["rule"], 1)
        ]
        self.examples: list[dict] = list(config.get("example", ()))

    def check(self, doc: Document) -> list[Finding]:
        """Findings for 当局 said of a Chinese government body, with the right name."""
        text = doc.text
        if "当局" not in text:
            return []
        taken: list[tuple[int, int]] = []
        findings = []
        for rule in self.rules:
            for match in rule.pattern.finditer(text):
                start, end = match.span()
                if any(start < taken_end and taken_start < end for taken_start, taken_end in taken):
                    continue  # an earlier rule has this span (北京当局 before the provinces)
                if text.startswith(self.not_after, end) or text.endswith(self.legitimate_before, 0, start):
                    continue  # 局外人; 国民党湖南当局, 美国有关当局: someone else's 当局
                taken.append((start, end))
                groups = match.groupdict()
                place = groups.get("place")
                suggestion = rule.suggestion.format(
                    unit=groups.get("unit") or "", place=self.places.get(place, place) if place else ""
                )
                message = f"涉政称谓：不得称我国政府机关为“当局”，“{match.group()}”应为“{suggestion}”"
                message += f"（{rule.note}）" if rule.note else ""
                findings.append(
                    self.finding(
                        doc,
                        start,
                        end,
                        rule="expression.own_authority",
                        severity="critical",
                        message=message,
                        suggestion=suggestion,
                        confidence=0.85,
                        term=match.group(),
                    )
                )
        return sorted(findings, key=lambda finding: finding.start or 0)


@register
class ExpressionCheck(Check):
    """规范表述: banned expressions (当局 for one's own government among them), formulations with counts and items,
    leaders' names and posts (three parts)."""

    name = "expression"
    category = "expression"

    def __init__(self) -> None:
        self.banned_part = BannedExpressions()
        self.formulations_part = Formulations()
        self.leaders_part = LeaderNames()
        # in this order, as the one check always reported them
        self.parts: tuple[ExpressionPart, ...] = (self.banned_part, self.formulations_part, self.leaders_part)

    @property
    def formulations(self) -> list[Formulation]:
        """The canonical formulations read (review lexicons counts them)."""
        return self.formulations_part.formulations

    @property
    def leaders(self) -> dict[str, Leader]:
        """The leaders read, by name (review lexicons counts them)."""
        return self.leaders_part.leaders

    def check(self, doc: Document) -> list[Finding]:
        """Each part's findings, in turn."""
        return [finding for part in self.parts for finding in part.check(doc)]


SEPARATORS = "、·・，, "


# Opening and closing quotation marks that a suggestion may wrap a term in (所谓“麦克马洪线”, “台独”分裂势力).
QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", '"': '"'}


def _wrapped_span(text: str, start: int, end: int, term: str, suggestion: str) -> tuple[int, int] | None:
    """For an entry whose suggestion wraps its term (所谓“麦克马洪线”, “台独”分裂势力): None when the text at
    text[start:end] already reads as the suggestion, or has the suggestion's words before the term with or without
    its quotation marks (所谓麦克马洪线: the writer keeps the distance the suggestion asks for); else the span to
    replace, widened over quotation marks the text already has around the term (“麦克马洪线” → 所谓“麦克马洪线”, so
    that putting the suggestion in its place does not double them)."""
    at = suggestion.index(term)
    prefix, suffix = suggestion[:at], suggestion[at + len(term):]
    if text.endswith(prefix, 0, start) and text.startswith(suffix, end):
        return None
    words = prefix.rstrip("".join(QUOTES))
    if words and (text.endswith(words, 0, start) or any(text.endswith(words + quote, 0, start) for quote in QUOTES)):
        return None
    if start > 0 and text[start - 1] in QUOTES and text.startswith(QUOTES[text[start - 1]], end):
        opening = text[start - 1]
        if prefix.endswith(opening) and suffix.startswith(QUOTES[opening]):
            return start - 1, end + 1
    return start, end


def _only_adds_a_separator(term: str, suggestion: str | None) -> bool:
    """True when `suggestion` is `term` with separators inside it and nothing else (中共中央、国务院), not with
    quotation marks (“十四五”规划) or other words."""
    if not suggestion or suggestion[0] in SEPARATORS or suggestion[-1] in SEPARATORS:
        return False
    return "".join(char for char in suggestion if char not in SEPARATORS) == term and suggestion != term


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split an enumeration into item spans on 、，, and a final 和/及/与."""
    spans: list[tuple[int, int]] = []
    position = start
    for index in range(start, end + 1):
        if index == end or text[index] in "、，,":
            if index > position:
                spans.append((position, index))
            position = index + 1
    if spans:
        last_start, last_end = spans[-1]
        joiner = None
        for joiner in LAST_JOINER.finditer(text, last_start, last_end):
            pass
        if joiner is not None and joiner.start() > last_start and joiner.end() < last_end:
            spans[-1:] = [(last_start, joiner.start()), (joiner.end(), last_end)]
    return spans


def _item_hit(token: str, items: tuple[str, ...], first: bool, last: bool) -> str | None:
    """The item a list token names: itself, or with a short verb before it (增强政治意识) when it opens
    the list, or a short tail after it (文化自信等) when it closes the list."""
    for item in items:
        if token == item:
            return item
        if first and token.endswith(item) and len(token) - len(item) <= 4:
            return item
        if last and token.startswith(item) and len(token) - len(item) <= 2:
            return item
    return None


def _common_suffix(items: tuple[str, ...]) -> str:
    """The ending every item shares (政治意识、大局意识 → 意识), or ''."""
    if not items:
        return ""
    shortest = min(map(len, items))
    length = 0
    while length < shortest and len({item[len(item) - length - 1] for item in items}) == 1:
        length += 1
    return items[0][len(items[0]) - length :] if length else ""

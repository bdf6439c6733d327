"""标点符号用法 (GB/T 15834-2011): half-width marks in Chinese text, doubled end marks, unbalanced pairs, 顿号 misuse
and spaces between Chinese characters. Rules, messages and examples live in lexicons/norms/punctuation.toml."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from review.chars import HAN_CLASS, is_han
from review.checks._norms import Detector, Hit, NormRule, NormsCheck
from review.checks.base import register
from review.document import Document

OPEN_TO_CLOSE = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "（": "）", "【": "】", "〔": "〕", "「": "」", "『": "』"}
CLOSE_TO_OPEN = {close: open_ for open_, close in OPEN_TO_CLOSE.items()}
PAIR_NAMES = {"“": "引号", "‘": "引号", "《": "书名号", "〈": "书名号", "（": "括号", "【": "括号", "〔": "括号",
              "「": "引号", "『": "引号"}
CJK_OPENING = set(OPEN_TO_CLOSE)
# every opening and closing mark of a pair: the pairing scans step from one to the next, not through each character
PAIR_MARK = re.compile("[" + re.escape("".join(OPEN_TO_CLOSE) + "".join(CLOSE_TO_OPEN)) + "]")
CJK_CLOSING = set(CLOSE_TO_OPEN) | set("。，、；：？！…—")
# the full-width opening marks whose half-width pair is reported as one finding, with the closing mark they take
PAIRED_HALF = {"（": "）", "“": "”", "‘": "’"}
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）", ".": "。"}
END_RANK = "？！。；：，、"  # which mark of a conflicting run to keep: the first of these that occurs
# URLs and e-mail addresses keep their half-width marks; possessive repeats keep the scan linear
PROTECTED = re.compile(
    r"(?:https?://|www\.)[!-~]++|(?<![A-Za-z0-9_.+-])[A-Za-z0-9_.+-]++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)++"
)
# lines that credit people (记者 张三 李四) separate names with spaces by custom
BYLINE = re.compile(r"记者|编辑|通讯员|来源|责编|审核|校对|摄影|作者|供稿|出品|监制|策划|编审|制作|主播")
# a line with no point mark is a headline (伊朗否认与美国谈判 美媒称……), where a space separates the parts
SENTENCE_MARK = re.compile(r"[。，；！？]")
# after the space, a name of 2-4 characters and a colon: the label of who speaks, 总指挥 刘峰：……
SPEAKER = re.compile(f"[{HAN_CLASS}]{{2,4}}[：:]")
# a name or slogan quoted as written keeps its spaces (“中国发展 世界机遇”, 《锚定奋斗目标 汇聚智慧力量》);
# possessive and stopping at the next opening mark, so the scan is linear
PHRASE_STOP = frozenset(" \u00a0\u3000\n“”《》「」，。；：！？、")
QUOTED = re.compile(r"“[^“”\n]*+”|《[^《》\n]*+》|「[^「」\n]*+」")
# how far an unclosed 《 or （ is taken to reach when suggesting where its partner goes
PAIR_REACH = re.compile(r"[^，。；：！？、\n”’》）】〕」』]{1,40}")


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each paragraph of `text`, newline excluded.

    A line break right after an opening mark, right before a closing one, or that leaves a mark open before a
    short line without a full stop (《⏎国家中长期科学和技术发展规划纲要⏎》, （PM⏎2.5⏎）) is no paragraph end:
    scraped pages break lines around links and formulas, and no paragraph of real writing ends that way.
    """
    lines = text.split("\n")
    start = offset = 0
    depth: dict[str, int] = {}  # opening marks other than quotation marks left open in the paragraph so far
    for index, line in enumerate(lines):
        end = offset + len(line)
        _count_marks(line, depth)
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is not None and _runs_on(line, following, any(depth.values())):
            offset = end + 1
            continue
        yield start, end
        start = offset = end + 1
        depth.clear()


def _next_paragraph(text: str, paragraphs: list[tuple[int, int]], index: int) -> str:
    """The first non-blank paragraph after paragraph `index`, leading spaces trimmed ("" when there is none)."""
    for following in range(index + 1, len(paragraphs)):
        begin, finish = paragraphs[following]
        if text[begin:finish].strip():
            return text[begin:finish].lstrip(" \u3000")
    return ""


def _count_marks(line: str, depth: dict[str, int]) -> None:
    """Add the opening marks `line` leaves open (quotation marks aside) to `depth`."""
    for char in PAIR_MARK.findall(line):
        if char in OPEN_TO_CLOSE and char not in "“‘":
            depth[char] = depth.get(char, 0) + 1
        elif char in CLOSE_TO_OPEN and depth.get(CLOSE_TO_OPEN[char]):
            depth[CLOSE_TO_OPEN[char]] -= 1


def _runs_on(line: str, following: str, open_mark: bool) -> bool:
    """True when the break between `line` and the `following` one cannot end a paragraph."""
    before = line.rstrip(" \u3000")
    after = following.lstrip(" \u3000")
    if not before or not after:
        return False
    if before[-1] in OPEN_TO_CLOSE or after[0] in CLOSE_TO_OPEN:
        return True
    return open_mark and len(after) <= 30 and not any(mark in after for mark in "。！？；")


class Lines:
    """Line starts and ends of a text, found once, so that a finding's line costs a bisection, not a scan back."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.length = len(text)

    def start(self, offset: int) -> int:
        """Where the line holding `offset` starts."""
        return self.starts[bisect_right(self.starts, offset) - 1]

    def end(self, offset: int) -> int:
        """Where the line holding `offset` ends (its newline excluded)."""
        index = bisect_right(self.starts, offset)
        return self.starts[index] - 1 if index < len(self.starts) else self.length


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """True when `offset` falls in one of `spans` (sorted, disjoint)."""
    index = bisect_right(spans, (offset, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def _phrase_run(text: str, at: int, step: int, cap: int = 8) -> int:
    """How many characters of one phrase (no space, no point mark, no outer quotation or title mark; inner ‘’
    count) run from `at` (step 1) or end just before it (step -1), counted up to `cap`."""
    count, index = 0, at if step > 0 else at - 1
    while count < cap and 0 <= index < len(text) and text[index] not in PHRASE_STOP:
        count, index = count + 1, index + step
    return count


def _latinish(char: str) -> bool:
    """True for an ASCII letter or digit (Latin text, numbers, codes)."""
    return char.isascii() and char.isalnum()


@register
class PunctuationCheck(NormsCheck):
    """Reports breaches of GB/T 15834-2011 that a scan can tell for certain, each with its replacement."""

    name = "punctuation"

    def detector_table(self) -> dict[str, Detector]:
        """Rule id -> detector."""
        return {
            "punctuation.halfwidth": self._halfwidth,
            "punctuation.doubled_end": self._doubled_end,
            "punctuation.unbalanced": self._unbalanced,
            "punctuation.nested_quote": self._nested_quote,
            "punctuation.dunhao_range": self._dunhao_range,
            "punctuation.dunhao_list_number": self._dunhao_list_number,
            "punctuation.dunhao_before_deng": self._dunhao_before_deng,
            "punctuation.space_between_han": self._space_between_han,
        }

    # --- detectors: each yields Hits for one rule -------------------------------------------------------------

    def _halfwidth(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """Half-width marks in Chinese text; a pair of them on one line, (区、市) or "慰安妇", is one finding."""
        text = doc.text
        hits = list(self._halfwidth_marks(doc, rule))
        index = 0
        while index < len(hits):
            hit = hits[index]
            index += 1
            closing = PAIRED_HALF.get(hit.details["full"])
            # the half-width partner on the same line, within 60 characters, flagged or not: (M2)。 has a ")" that
            # touches no Chinese, and fixing only the "(" would leave the pair mismatched
            partner = -1
            if closing:
                half = ")" if hit.details["mark"] == "(" else hit.details["mark"]
                limit = min(len(text), hit.end + 60)
                newline = text.find("\n", hit.end, limit)
                partner = text.find(half, hit.end, limit if newline < 0 else newline)
            if partner < 0:
                yield hit
                continue
            if index < len(hits) and hits[index].start == partner:
                index += 1  # the partner was a finding of its own: now part of this one
            mark = hit.details["mark"] + text[partner]
            yield Hit(hit.start, partner + 1, {"mark": mark, "full": hit.details["full"] + closing,
                                               "fix": hit.details["full"] + text[hit.end:partner] + closing})

    def _halfwidth_marks(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """A half-width mark that touches Chinese text and does not sit in a number, URL, address or Latin text."""
        text = doc.text
        protected = [(m.start(), m.end()) for m in PROTECTED.finditer(text)]
        lines = Lines(text)
        quotes = {'"': 0, "'": 0}  # straight quotes seen in this line, to tell opening from closing
        line_start = 0
        for match in rule.pattern.finditer(text):
            start, end = match.start(), match.end()
            if lines.start(start) != line_start:
                line_start, quotes = lines.start(start), {'"': 0, "'": 0}
            if _inside(protected, start):
                continue
            mark = match.group()
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            han_before = is_han(before) or before in CJK_CLOSING
            han_after = is_han(after) or after in CJK_OPENING
            if mark in "\"'":
                count = quotes[mark]
                quotes[mark] += 1
                if _latinish(before) and _latinish(after):
                    continue  # an apostrophe: Xi'an
                if not (is_han(before) or is_han(after) or before in CJK_CLOSING or after in CJK_OPENING):
                    continue
                pair = "“”" if mark == '"' else "‘’"
                full = pair[count % 2]
            elif mark[0] == ".":
                # a full stop after Chinese, not a decimal point, abbreviation or domain name
                if not han_before or _latinish(after):
                    continue
                full = "……" if len(mark) >= 3 else "。"
            elif mark == ":":
                if not han_before:
                    continue  # 10:30, 3:2, http:
                full = "："
            elif mark in "()":
                if not (han_before or han_after):
                    continue
                full = FULL_WIDTH[mark]
            else:
                if _latinish(before) and _latinish(after):
                    continue  # 8,500; a,b
                if not (han_before or han_after):
                    continue
                full = FULL_WIDTH[mark]
            yield Hit(start, end, {"mark": mark, "full": full, "fix": full})

    def _doubled_end(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """Two point marks in a row, except ？！-style runs of question and exclamation marks."""
        text = doc.text
        for match in rule.pattern.finditer(text):
            marks = match.group()
            if set(marks) <= set("？！"):
                continue
            kept = "".join(c for c in marks if c in "？！") or next(c for c in END_RANK if c in marks)
            yield Hit(match.start(), match.end(), {"marks": marks, "kept": kept})

    def _pair_problems(self, doc: Document) -> list[tuple[str, int, str]]:
        """The pairing problems of the document, found once for both rules that report them."""
        key = ("punctuation", "pairs")
        if key not in doc.cache:
            doc.cache[key] = list(self._pairs(doc.text))
        return doc.cache[key]

    @staticmethod
    def _pairs(text: str) -> Iterator[tuple[str, int, str]]:
        """(kind, offset, mark) for every pairing problem: 'unclosed', 'stray' or 'nested'."""
        paragraphs = list(_paragraphs(text))
        for index, (begin, finish) in enumerate(paragraphs):
            stack: list[tuple[str, int]] = []
            open_count: dict[str, int] = {}  # openers on the stack by mark, so a lookup costs no scan
            for found in PAIR_MARK.finditer(text, begin, finish):
                offset, char = found.start(), found.group()
                if char in OPEN_TO_CLOSE:
                    if char == "“" and open_count.get("“"):
                        yield "nested", offset, char
                    stack.append((char, offset))
                    open_count[char] = open_count.get(char, 0) + 1
                elif char in CLOSE_TO_OPEN:
                    if char == "’" and offset > begin and _latinish(text[offset - 1]):
                        continue  # an apostrophe written as a closing quote: Xi’an
                    opener = CLOSE_TO_OPEN[char]
                    if not open_count.get(opener):
                        yield "stray", offset, char
                        continue
                    while stack[-1][0] != opener:  # the marks opened inside and never closed
                        yield "unclosed", stack[-1][1], stack[-1][0]
                        open_count[stack.pop()[0]] -= 1
                    open_count[stack.pop()[0]] -= 1
            if not stack:
                continue
            # a quotation that runs on: each paragraph opens with “ and only the last one closes it
            following = _next_paragraph(text, paragraphs, index) if open_count.get("“") or open_count.get("‘") else ""
            for mark, offset in stack:
                if mark in "“‘" and following.startswith("“"):
                    continue
                yield "unclosed", offset, mark

    def _unbalanced(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """An opening mark without its closing partner in the paragraph, or a closing one without its opener."""
        text = doc.text
        for kind, offset, mark in self._pair_problems(doc):
            name = PAIR_NAMES.get(mark) or PAIR_NAMES[CLOSE_TO_OPEN[mark]]
            if kind == "stray":
                yield Hit(offset, offset + 1, {"name": name, "mark": mark, "how": "，多余的应删去", "fix": ""})
            elif kind == "unclosed":
                reach = PAIR_REACH.match(text, offset + 1) if mark in "《〈（【〔" else None
                if reach:
                    # the likely end of the title or aside is the next point mark: put the partner there
                    yield Hit(offset, reach.end(), {"name": name, "mark": mark, "how": "，应补上" + OPEN_TO_CLOSE[mark],
                                                    "fix": text[offset:reach.end()] + OPEN_TO_CLOSE[mark]})
                else:
                    yield Hit(offset, offset + 1, {"name": name, "mark": mark,
                                                   "how": f"，应补上{OPEN_TO_CLOSE[mark]}或删去", "fix": ""})

    def _nested_quote(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """A double quotation mark opened inside another."""
        for kind, offset, _mark in self._pair_problems(doc):
            if kind == "nested":
                yield Hit(offset, offset + 1, {})

    def _dunhao_range(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """三、四个: two adjacent numbers that make an approximate one take no 顿号."""
        text = doc.text
        digits = "一二三四五六七八九十"
        for match in rule.pattern.finditer(text):
            first, second = match.group(1), match.group(2)
            if digits.index(second) != digits.index(first) + 1:
                continue
            yield Hit(match.start(), match.end(), {"span": match.group(), "fix": first + second})

    def _dunhao_list_number(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """1、…2、… run into one line: list numbers inside a sentence."""
        text = doc.text
        lines = Lines(text)
        by_line: dict[int, list[tuple[int, int]]] = {}
        for match in rule.pattern.finditer(text):
            line = lines.start(match.start())
            by_line.setdefault(line, []).append((int(match.group(1)), match.start()))
        for line, marks in by_line.items():
            values = {value for value, _ in marks}
            for value, offset in marks:
                if value + 1 not in values and value - 1 not in values:
                    continue  # a lone "3、" is no list
                if offset - line <= 4 and not text[line:offset].strip(" \u3000"):
                    continue  # a list item that starts its own line (after at most a short indent)
                yield Hit(offset, offset + 2, {"span": text[offset:offset + 2], "fix": f"（{value}）"})

    def _dunhao_before_deng(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """北京、上海、等城市: the 顿号 before the 等 that closes a list."""
        text = doc.text
        for match in rule.pattern.finditer(text):
            word = match.group(1)
            yield Hit(match.start(), match.end(), {"word": word})

    def _space_between_han(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """A space between two Chinese characters in running text: not in a byline, a headline or a quoted name."""
        text = doc.text
        lines = Lines(text)
        exempt: dict[int, bool] = {}  # per line start, so a line is searched once however many spaces it holds
        quoted: list[tuple[int, int]] | None = None
        for match in rule.pattern.finditer(text):
            line = lines.start(match.start())
            if line not in exempt:
                end = lines.end(match.start())
                exempt[line] = (BYLINE.search(text, line, end) is not None
                                or SENTENCE_MARK.search(text, line, end) is None)
            if exempt[line]:
                continue
            if match.start() - line <= 30 and SPEAKER.match(text, match.end()) \
                    and not SENTENCE_MARK.search(text, line, match.start()):
                continue  # a speaker label opening a line of a transcript or interview: 目击者 彭树旺：……
            if quoted is None:
                quoted = [(m.start(), m.end()) for m in QUOTED.finditer(text)]
            # a slogan or title quoted as written separates phrases of 3+ characters (凝侨心 聚侨力 谋发展); a space
            # with a shorter run on either side splits a word (“中 国服务”)
            if _inside(quoted, match.start()) and _phrase_run(text, match.start(), -1) >= 3 \
                    and _phrase_run(text, match.end(), 1) >= 3:
                continue
            yield Hit(match.start(), match.end(), {})

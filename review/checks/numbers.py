"""数字用法 (GB/T 15835-2011): full-width digits, Chinese and Arabic forms of one kind of quantity in one post,
range marks, misplaced thousand separators, dates that do not exist and weekdays that do not match their dates.
Rules, messages and examples live in lexicons/norms/numbers.toml."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from review.checks._norms import Detector, Hit, NormRule, NormsCheck
from review.checks.base import register
from review.document import Document

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
WEEKDAYS = "一二三四五六日"
# Chinese-numeral forms of two kinds of quantity that also have an Arabic form; a 点 followed by 分/刻/十 is a
# clock time (十二点五十分), and 一点一滴, 一点一点, 两点一线 are phrases, not decimals
# 百分之百 is a phrase (百分之百确定), and 百分之二、三 / 百分之二十到三十 are approximate or ranges in words, which
# turn into no single Arabic number
CN_PERCENT = re.compile(r"百分之(?!百)[零〇一二三四五六七八九十百两]{1,12}(?:点[零〇一二三四五六七八九]{1,8})?"
                        r"(?![零〇一二三四五六七八九十百两、]|[到至—~～-][零〇一二三四五六七八九十百两])")
CN_DECIMAL = re.compile(r"(?<![零〇一二三四五六七八九十百千两之])[零〇一二三四五六七八九十百千两]{1,12}"
                        r"点[零〇一二三四五六七八九]{1,8}(?![分刻十零〇一二三四五六七八九、滴线点]|[到至—~～-][零〇一二三四五六七八九十两])")
AR_PERCENT = re.compile(r"(?<![0-9.])[0-9]{1,9}(?:\.[0-9]{1,6})?%")
AR_DECIMAL = re.compile(r"(?<![0-9.])[0-9]{1,9}\.[0-9]{1,6}(?![0-9.%])")
LUNAR = re.compile(r"农历|阴历|夏历|旧历")
# a code just before the digits (GB/T 15834-2011, WZ-10, ISO 8601-1): the hyphen is part of a name, not a range
LATIN_BEFORE = re.compile(r"[A-Za-z][ /]?$")


@dataclass(frozen=True)
class DateParts:
    """A written date's year (None when not written), month and day, and where it sits."""

    year: int | None
    month: int
    day: int
    start: int
    end: int


def chinese_to_int(numeral: str) -> int | None:
    """二〇二五 -> 2025 (digit by digit), 三十一 -> 31, 一百二十三 -> 123; None when it is not a numeral."""
    if all(c in CN_DIGITS for c in numeral):
        return int("".join(str(CN_DIGITS[c]) for c in numeral))
    total, digit = 0, None
    for char in numeral:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (1 if digit is None else digit) * CN_UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def chinese_to_arabic(numeral: str) -> str | None:
    """一百二十三点五 -> 123.5, 百分之六点二 -> 6.2%; None when a part is not a numeral."""
    percent = numeral.startswith("百分之")
    body = numeral[3:] if percent else numeral
    whole, _, fraction = body.partition("点")
    integer = chinese_to_int(whole)
    if integer is None or any(c not in CN_DIGITS for c in fraction):
        return None
    text = str(integer) + ("." + "".join(str(CN_DIGITS[c]) for c in fraction) if fraction else "")
    return text + ("%" if percent else "")


def small_chinese(number: int) -> str:
    """31 -> 三十一, 10 -> 十: a month or day in Chinese numerals."""
    digits = "〇一二三四五六七八九"
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones or not head else "")


def _group_thousands(digits: str) -> str:
    """1234567 -> 1,234,567."""
    return f"{int(digits):,}"


def _date_problem(year: int | None, month: int, day: int) -> str | None:
    """Why a date cannot exist, or None when it can (a date without a year may be 29 February)."""
    if not 1 <= month <= 12:
        return f"没有{month}月"
    last = calendar.monthrange(year if year else 2024, month)[1]
    if not 1 <= day <= last:
        if month == 2 and day == 29 and year:
            return f"{year}年不是闰年，2月只有28天"
        return f"{month}月只有{last}天"
    return None


@register
class NumbersCheck(NormsCheck):
    """Reports breaches of GB/T 15835-2011 and dates that cannot be right, each with its replacement."""

    name = "numbers"

    def detector_table(self) -> dict[str, Detector]:
        """Rule id -> detector."""
        return {
            "numbers.fullwidth_digit": self._fullwidth_digit,
            "numbers.mixed_forms": self._mixed_forms,
            "numbers.range": self._range,
            "numbers.separator": self._separator,
            "numbers.impossible_date": self._impossible_date,
            "numbers.weekday": self._weekday,
        }

    def _fullwidth_digit(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """２０２５: read in the original text, since normalising turns full-width digits into ASCII."""
        for match in rule.pattern.finditer(doc.original):
            fix = unicodedata.normalize("NFKC", match.group())
            yield Hit(match.start(), match.end(), {"span": match.group(), "fix": fix}, original=True)

    def _mixed_forms(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """百分之六点二 beside 1.2%, 一百二十三点五万 beside 123.5万: each Chinese form, when Arabic ones exist."""
        text = doc.text
        for kind, chinese, arabic in (("百分数", CN_PERCENT, AR_PERCENT), ("小数", CN_DECIMAL, AR_DECIMAL)):
            other = arabic.search(text)
            if other is None:
                continue
            for match in chinese.finditer(text):
                fix = chinese_to_arabic(match.group())
                if fix is None:
                    continue
                yield Hit(match.start(), match.end(), {"kind": kind, "span": match.group(), "other": other.group(),
                                                       "fix": fix})

    def _range(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """8月8日-8月10日, 2021-2025年, 3%-5%: a hyphen where the standard puts 一字线 (time) or 浪纹线 (values)."""
        text = doc.text
        for match in rule.pattern.finditer(text):
            if LATIN_BEFORE.search(text[max(0, match.start() - 2): match.start()]):
                continue  # GB/T 15834-2011, WZ-10: a code, not a range
            g = match.groups()
            if g[0] is not None:
                month, day, month2, day2 = g[0], g[1], g[2], g[3]
                end = f"{day2}日" if month2 in (None, month) else f"{month2}月{day2}日"
                fix, what = f"{month}月{day}日—{end}", "时间起止"
            elif g[4] is not None:
                fix, what = f"{g[4]}—{g[5]}年", "时间起止"
            else:
                low, low_percent, high, unit = g[6], g[7], g[8], g[9]
                if unit in ("年", "月", "日", "周"):
                    fix, what = f"{low}—{high}{unit}", "时间起止"
                else:
                    percent = unit if unit in ("%", "‰") else ""  # 15%～30%, not 15～30% (GB/T 15835)
                    fix = f"{low}{low_percent or percent}～{high}{unit}"
                    what = "数值范围"
            yield Hit(match.start(), match.end(), {"span": match.group(), "fix": fix, "what": what})

    def _separator(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """12,34,567: thousand separators that do not mark groups of three."""
        for match in rule.pattern.finditer(doc.text):
            groups = match.group().split(",")
            if all(len(g) == 1 for g in groups):
                continue  # 1,2,3: numbers listed with half-width commas, not one number
            if len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
                continue
            if any(len(g) == 1 for g in groups[1:]) or groups[0].startswith("0"):
                continue  # 3,1: a list; a leading zero is no number either
            fix = _group_thousands("".join(groups))
            yield Hit(match.start(), match.end(), {"span": match.group(), "fix": fix})

    def _dates(self, doc: Document, rule: NormRule) -> Iterator[tuple[DateParts, re.Match[str]]]:
        """Every written date the rule's pattern finds, Arabic (groups 1-3) or Chinese (groups 4-6)."""
        for match in rule.pattern.finditer(doc.text):
            g = match.groups()
            if g[1] is not None:
                year, month, day = (int(g[0]) if g[0] else None), int(g[1]), int(g[2])
            else:
                year = chinese_to_int(g[3]) if g[3] else None
                month, day = chinese_to_int(g[4]), chinese_to_int(g[5])
                if month is None or day is None:
                    continue
            yield DateParts(year, month, day, match.start(), match.end()), match

    def _impossible_date(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """2月30日, 11月31日, 二〇二五年十一月三十一日 (a lunar date may have 三十日 in any month)."""
        text = doc.text
        for date, match in self._dates(doc, rule):
            if LUNAR.search(text, max(0, date.start - 4), date.start):
                continue
            why = _date_problem(date.year, date.month, date.day)
            if why is None:
                continue
            month = min(max(date.month, 1), 12)
            last = calendar.monthrange(date.year or 2024, month)[1]
            # the nearest real date: the month's last day, in the form the span is written in
            day = min(max(date.day, 1), last)
            if match.group(2) is not None:
                fix = f"{date.year}年" if date.year else ""
                fix += f"{month}月{day}日"
            else:
                fix = f"{match.group(4)}年" if match.group(4) else ""
                fix += f"{small_chinese(month)}月{small_chinese(day)}日"
            yield Hit(date.start, date.end, {"span": match.group(), "why": why, "fix": fix})

    def _weekday(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """2025年11月27日（星期三）: the weekday written is not the date's (a date without its year is read in the
        year nearest the post's publication, when the post says when that was)."""
        published = doc.post.published_at
        for match in rule.pattern.finditer(doc.text):
            g = match.groups()
            if g[0] is not None:
                year, month, day, word, written = int(g[0]), int(g[1]), int(g[2]), g[3], g[4]
                span = (match.start(4), match.end(5))
            elif g[5] is not None:
                year, month, day = chinese_to_int(g[5]), chinese_to_int(g[6]), chinese_to_int(g[7])
                word, written = g[8], g[9]
                span = (match.start(9), match.end(10))
            else:
                month, day, word, written = int(g[10]), int(g[11]), g[12], g[13]
                span = (match.start(13), match.end(14))
                year = _nearest_year(published.date(), month, day) if published else None
            if year is None or month is None or day is None or _date_problem(year, month, day) is not None:
                continue  # no year to read it in, or the impossible-date rule speaks for it
            right = WEEKDAYS[dt.date(year, month, day).weekday()]
            if written == right or (written == "天" and right == "日"):
                continue
            yield Hit(span[0], span[1], {"date": f"{year}年{month}月{day}日", "right": word + right,
                                         "wrong": word + written, "fix": word + right})


def _nearest_year(published: dt.date, month: int, day: int) -> int | None:
    """The year, of the publication's and the two beside it, in which month/day falls nearest `published`."""
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        if _date_problem(year, month, day) is None:
            candidates.append((abs((dt.date(year, month, day) - published).days), year))
    return min(candidates)[1] if candidates else None

"""公文格式 (GB/T 9704-2012, 党政机关公文处理工作条例): document numbers, titles, the date line and attachments of
posts shaped like an official document. Rules, messages and examples live in lexicons/norms/format.toml."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from review.checks._norms import Detector, Hit, NormRule, NormsCheck
from review.checks.base import register
from review.checks.numbers import chinese_to_int
from review.document import Document

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
# Line patterns are used with fullmatch on lines with their spaces trimmed (`Line.text`), so none starts with a
# repeat that a run of spaces could make slow.
# a line that is only a document number, with any brackets (the bracket rule then says which are right)
DOC_NUMBER_LINE = re.compile(rf"[{HAN}]{{1,12}}[\[(（【〔{{] ?[0-9]{{2,4}} ?[\])）】〕}}] ?第?[0-9]{{1,5}}号")
ARABIC_DATE_LINE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
CHINESE_DATE_LINE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
DOC_TYPES = ("通知", "意见", "决定", "决议", "命令", "令", "公报", "公告", "通告", "通报", "报告", "请示", "批复", "议案",
             "函", "纪要", "办法", "规定", "方案", "细则", "规划", "要点", "条例", "规则", "计划", "答复", "复函", "通知书")
# kinds of paper that government accounts publish under a 关于 title and a 主送-like salutation, which are no 公文
# of the 条例's 15 types and are not held to them (关于……的倡议书 / 公示 / 告知书)
OTHER_PAPERS = ("公示", "倡议书", "倡议", "公开信", "一封信", "告知书", "声明", "启事", "须知", "指南", "清单", "名单",
                "目录", "章程", "预案", "守则", "公约", "说明")
MIXED_TYPES = {"请示报告": "请示", "报告请示": "请示"}
# a 主送机关 line names bodies (各区人民政府，市政府各委、办、局：; 各有关单位：); 会议指出： or 他表示： does not
ADDRESSEE_ENDS = ("政府", "委员会", "局", "厅", "部", "办", "委", "处", "院", "室", "所", "站", "中心", "单位", "公司",
                  "部门", "机关", "学校", "街道", "乡镇", "党委", "党组", "党工委", "企业", "社区", "集团", "机构", "银行",
                  "队", "团", "会", "校")
ATTACHMENT_NOTE = re.compile(r"附件[：:]")
ATTACHMENT_ITEM = re.compile(r"([0-9]{1,2})[．.、] *+(\S[^\n]*)")
ATTACHMENT_HEADING = re.compile(r"附件 ?([0-9]{0,2})")
ATTACHMENT_REFERENCE = re.compile(r"附件 *([0-9]{1,2})")


@dataclass(frozen=True)
class Line:
    """One non-empty line of the text: where it starts and ends, and what it says (spaces trimmed)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Shape:
    """Where a document's parts are, when the text is shaped like an official document at all."""

    lines: list[Line]
    title: Line | None
    date: Line | None
    official: bool


def _lines(text: str) -> list[Line]:
    """The non-empty lines, with their offsets."""
    found, start = [], 0
    for piece in text.split("\n"):
        stripped = piece.strip(" \u3000\t\r")
        if stripped:
            lead = len(piece) - len(piece.lstrip(" \u3000\t\r"))
            found.append(Line(start + lead, start + lead + len(stripped), stripped))
        start += len(piece) + 1
    return found


def document_shape(doc: Document) -> Shape:
    """Find the number line, 主送 line, title and 成文日期 line of the text (once per document)."""
    key = ("format", "shape")
    if key in doc.cache:
        return doc.cache[key]
    lines = _lines(doc.text)
    head = lines[:8]
    has_number = any(DOC_NUMBER_LINE.fullmatch(line.text) for line in head)
    addressee = next((i for i, line in enumerate(head) if line.text.endswith(("：", ":")) and len(line.text) <= 80
                      and "。" not in line.text and line.text[:-1].endswith(ADDRESSEE_ENDS)), None)
    # the 成文日期 line sits near the end, before any attachments
    tail_end = next((i for i, line in enumerate(lines) if ATTACHMENT_HEADING.fullmatch(line.text)
                     and i > (addressee or 0)), len(lines))
    date = next((line for line in reversed(lines[max(0, tail_end - 8):tail_end])
                 if ARABIC_DATE_LINE.fullmatch(line.text) or CHINESE_DATE_LINE.fullmatch(line.text)), None)
    official = has_number or (addressee is not None and date is not None)
    title = None
    if official:
        limit = addressee if addressee is not None else len(head)
        title = next((line for line in head[:limit] if "关于" in line.text and "。" not in line.text
                      and len(line.text) <= 100), None)
        if title is not None and title.text.rstrip("。").endswith(OTHER_PAPERS):
            official, title = False, None  # a 倡议书 or 公示 is no 公文: GB/T 9704 does not govern its layout
    shape = doc.cache[key] = Shape(lines, title, date, official)
    return shape


@register
class FormatCheck(NormsCheck):
    """Reports breaches of GB/T 9704-2012 in posts that are official documents, and malformed document numbers."""

    name = "format"

    def detector_table(self) -> dict[str, Detector]:
        """Rule id -> detector."""
        return {
            "format.doc_number_brackets": self._doc_number_brackets,
            "format.doc_number_form": self._doc_number_form,
            "format.title_type": self._title_type,
            "format.date_form": self._date_form,
            "format.attachment": self._attachment,
        }

    def _doc_number_brackets(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """京政办发[2025]12号: any brackets but 〔〕 around the year (in any post: numbers are quoted everywhere)."""
        for match in rule.pattern.finditer(doc.text):
            if match.group(2) == "〔" and match.group(4) == "〕":
                continue
            year = match.group(3)
            full_year = year if len(year) == 4 else str(2000 + int(year[-2:]))
            fix = f"{match.group(1)}〔{full_year}〕{int(match.group(6))}号"
            yield Hit(match.start(), match.end(), {"span": match.group(), "fix": fix})

    def _doc_number_form(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """京政办发〔2025〕第12号 / 012号 / 〔25〕: a 第, a padded number or a short year."""
        for match in rule.pattern.finditer(doc.text):
            prefix, year, di, number = match.groups()
            whys = []
            if len(year) != 4:
                whys.append("年份未标全称")
            if di:
                whys.append("顺序号前加了“第”字")
            if number.startswith("0"):
                whys.append("顺序号编了虚位")
            if not whys:
                continue
            # a two-digit year is this century's: 〔25〕 -> 〔2025〕
            full_year = year if len(year) == 4 else str(2000 + int(year[-2:]))
            fix = f"{prefix}〔{full_year}〕{int(number)}号"
            yield Hit(match.start(), match.end(), {"span": match.group(), "why": "、".join(whys), "fix": fix})

    def _title_type(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """关于……: a title that does not end with a document type, or mixes 请示 with 报告."""
        title = document_shape(doc).title
        if title is None:
            return
        text = title.text.rstrip("。")
        for mixed, right in MIXED_TYPES.items():
            if text.endswith(mixed):
                yield Hit(title.start, title.end, {"span": title.text, "why": f"文种“{mixed}”混用，请示应单独行文",
                                                   "fix": text[: -len(mixed)] + right})
                return
        if not text.endswith(DOC_TYPES):
            yield Hit(title.start, title.end, {"span": title.text, "why": "没有以文种（通知、意见、报告、请示、函……）结尾",
                                               "fix": None})

    def _date_form(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """二〇二五年十一月三十日 or 2025年03月05日 as the 成文日期: Arabic numerals, no padding."""
        shape = document_shape(doc)
        if not shape.official or shape.date is None:
            return
        line = shape.date
        chinese = CHINESE_DATE_LINE.fullmatch(line.text)
        if chinese:
            year, month, day = (chinese_to_int(part) for part in chinese.groups())
            why = "用了汉字数字"
        else:
            arabic = ARABIC_DATE_LINE.fullmatch(line.text)
            if not arabic or not (arabic.group(2).startswith("0") or arabic.group(3).startswith("0")):
                return
            year, month, day = (int(part) for part in arabic.groups())
            why = "月、日编了虚位"
        yield Hit(line.start, line.end, {"span": line.text, "why": why, "fix": f"{year}年{month}月{day}日"})

    def _attachment(self, doc: Document, rule: NormRule) -> Iterator[Hit]:
        """附件说明 against the attachments appended and the ones the text refers to."""
        shape = document_shape(doc)
        if not shape.official:
            return
        lines = shape.lines
        note_index = next((i for i, line in enumerate(lines) if ATTACHMENT_NOTE.match(line.text)
                           and not ATTACHMENT_HEADING.fullmatch(line.text)), None)
        if note_index is None:
            return
        note = lines[note_index]
        first = ATTACHMENT_ITEM.fullmatch(note.text[ATTACHMENT_NOTE.match(note.text).end():].strip(" \u3000"))
        listed = 1
        block_end = note.end
        if first:
            listed = int(first.group(1))
            for line in lines[note_index + 1:]:
                item = ATTACHMENT_ITEM.fullmatch(line.text)
                if not item or int(item.group(1)) != listed + 1:
                    break
                listed, block_end = listed + 1, line.end
        headings = [(line, int(m.group(1) or 1)) for line in lines[note_index + 1:]
                    if (m := ATTACHMENT_HEADING.fullmatch(line.text))]
        appended = max((number for _, number in headings), default=0)
        if headings and appended != listed:
            line = headings[-1][0]
            yield Hit(line.start, line.end, {"why": f"附件说明列了{listed}个附件，文末附了{appended}个，两者应一致",
                                             "fix": None})
        heading_starts = {line.start for line, _ in headings}
        for match in ATTACHMENT_REFERENCE.finditer(doc.text):
            if note.start <= match.start() < block_end or match.start() in heading_starts:
                continue
            if int(match.group(1)) > listed:
                yield Hit(match.start(), match.end(), {"why": f"正文提到“{match.group()}”，附件说明只列了{listed}个附件",
                                                       "fix": None})

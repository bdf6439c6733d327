"""Rendering a report: JSON for machines (`report_json`) and a readable, optionally coloured terminal view."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from review.model import Finding, Report
from review.normalise import LONE_SURROGATE

# a UTF-16 surrogate alone (a JSON "\ud800" escape with no partner decodes to one): it has no UTF-8 form
_LONE_SURROGATE = re.compile(LONE_SURROGATE)


def report_json(value: Any, indent: int | None = None, compact: bool = False) -> str:
    """`value` as JSON text that always encodes to UTF-8: readable characters as they are, and a lone surrogate
    of the caller's text (which UTF-8 cannot hold) as its \\u escape, so the reader gets the same string back."""
    separators = (",", ":") if compact else None
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    if _LONE_SURROGATE.search(text):
        # json.dumps leaves them raw with ensure_ascii=False; inside a JSON string the escape means the same
        text = _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text


def printable(text: str) -> str:
    """`text` for people (terminal, HTML, CSV, Excel): a lone surrogate, which no file or terminal encoding
    holds, shown as the replacement character �."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# What a terminal would act on rather than show: C0 controls but tab and line feed (ESC starts colour, title and
# reset sequences, CR and BS overwrite what was printed), DEL and the C1 controls, and the bidirectional overrides
# and isolates (U+202E turns a line around). One character each, so columns stay where they were.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` from a post, a file or a feed for a terminal: what the terminal would act on (escape sequences,
    carriage returns, bidi overrides) shown as �, as are lone surrogates. Our own colours are added after it."""
    return printable(_TERMINAL_CONTROLS.sub("\ufffd", text))


SEVERITY_ZH = {"info": "提示", "minor": "轻微", "major": "较重", "critical": "严重"}
CATEGORY_ZH = {
    "typo": "错别字",
    "sensitive": "敏感/违禁表述",
    "expression": "规范表述",
    "offtopic": "无关信息",
    "entertainment": "过度娱乐化",
    "timeliness": "时效",
    "garbled": "乱码",
    "norms": "写作规范",
    "fluency": "语句不通",
}
VERDICT_ZH = {"pass": "通过", "revise": "修改后发布", "reject": "不予发布（单项否决）"}
_COLOURS = {"info": "36", "minor": "33", "major": "31", "critical": "1;41"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _context(text: str, finding: Finding, color: bool, width: int = 16) -> str:
    assert finding.start is not None and finding.end is not None
    left = text[max(0, finding.start - width) : finding.start].replace("\n", " ")
    right = text[finding.end : finding.end + width].replace("\n", " ")
    middle = _paint(text[finding.start : finding.end], "4;" + _COLOURS[finding.severity].split(";")[-1], color)
    return f"…{left}{middle}{right}…"


@dataclass(frozen=True)
class FindingGroup:
    """Findings that tell the same problem (same rule, severity, message and suggestion), in report order."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        """The group's first finding, which speaks for all."""
        return self.findings[0]


def group_findings(findings: list[Finding]) -> list[FindingGroup]:
    """Findings grouped by rule, severity, message and suggestion, each group where its first finding stands.

    Views show a group once with its count and every place; the report's JSON keeps one finding per span.
    """
    groups: dict[tuple[str, str, str, str | None], list[Finding]] = {}
    for finding in findings:
        key = (finding.rule, finding.severity, finding.message, finding.suggestion)
        groups.setdefault(key, []).append(finding)
    return [FindingGroup(tuple(members)) for members in groups.values()]


def _where(finding: Finding, source: str) -> str:
    """`12:3` (line:column) of a spanned finding, with 标题 before it on the title."""
    line, column = line_col(source, finding.start or 0)
    return f"{'标题' if finding.field == 'title' else ''}{line}:{column}"


REASON_ZH = {
    "critical": "严重问题（单项否决）",
    "serious": "较重问题",
    "score_below": "得分低于",
    "whole_post": "全文判断",
    "incomplete": "未完成的检查",
}


def reason_text(code: str) -> str:
    """A verdict reason code (`kind:detail`, see `Scorer.reasons`) for people: 严重问题（单项否决） sensitive.gambling."""
    kind, _, detail = code.partition(":")
    return f"{REASON_ZH.get(kind, kind)} {detail}".strip()


def _terminal_finding(finding: Finding) -> Finding:
    """A finding whose text, message and suggestion are safe to print (see terminal_safe)."""
    return replace(finding, text=terminal_safe(finding.text) if finding.text is not None else None,
                   message=terminal_safe(finding.message),
                   suggestion=terminal_safe(finding.suggestion) if finding.suggestion is not None else None)


def render_text(report: Report, text: str, title: str | None = None, color: bool = False) -> str:
    """A terminal report: score, verdict and each problem once, with its places in context and its suggestion."""
    verdict = report.verdict or "error"
    # what the post brings is made safe for the terminal before any colour of ours is added (one character for one,
    # so the findings' offsets still hold)
    text = terminal_safe(text)
    title = terminal_safe(title) if title is not None else None
    groups = group_findings([_terminal_finding(finding) for finding in report.findings])
    total = (report.meta or {}).get("findings_total", len(report.findings))
    head = f"得分 {report.score}  结论 {VERDICT_ZH.get(verdict, verdict)} ({verdict})  问题 {total} 处"
    if total > len(report.findings):
        head += f"（列出最严重的 {len(report.findings)} 处）"  # the report keeps the most serious ones
    elif len(groups) < len(report.findings):
        head += f"（{len(groups)} 类）"
    lines = [_paint(head, "1", color)]
    reasons = [reason_text(code) for code in report.meta.get("verdict_reasons", [])] if report.meta else []
    if reasons:
        lines.append("原因：" + "；".join(dict.fromkeys(reasons)))
    if not report.findings:
        lines.append("未发现问题。")
    for number, group in enumerate(groups, 1):
        finding = group.first
        source = title if finding.field == "title" else text
        label = SEVERITY_ZH.get(finding.severity, finding.severity)
        severity = _paint(label, _COLOURS.get(finding.severity, "0"), color)
        category = CATEGORY_ZH.get(finding.category, finding.category)
        count = len(group.findings)
        if finding.start is None or source is None:
            where = "全文" if finding.field == "text" else "标题"
            lines.append(f"{number:>3}. [{severity}] {category} · {where}: {finding.message}")
        elif count == 1:
            lines.append(f"{number:>3}. [{severity}] {category} · {_where(finding, source)} “{finding.text}”: "
                         f"{finding.message}")
            lines.append(f"       {_context(source, finding, color)}")
        else:
            lines.append(f"{number:>3}. [{severity}] {category} · {count} 处 “{finding.text}”: {finding.message}")
            for place in group.findings:
                place_source = title if place.field == "title" else text
                if place.start is None or place_source is None:
                    continue
                lines.append(f"       {_where(place, place_source)} {_context(place_source, place, color)}")
        if finding.suggestion is not None:
            shown = finding.suggestion if finding.suggestion else "（删除）"
            confidence = min(f.confidence for f in group.findings)
            lines.append(f"       建议: {shown}   置信度 {confidence:.2f}   规则 {finding.rule}")
    return printable("\n".join(lines))

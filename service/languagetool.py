"""LanguageTool's HTTP API (`/v2/check`, `/v2/languages`) on top of review reports, so editor plug-ins that
speak LanguageTool can use this server. Offsets are in UTF-16 code units, as LanguageTool (Java) counts them."""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from review import __version__
from review.errors import InputError
from review.report import CATEGORY_ZH
from service.bodies import finite_float, no_constant

LANGUAGES = [{"name": "Chinese", "code": "zh", "longCode": "zh-CN"}]
CONTEXT_CHARS = 40  # characters of context on each side, like LanguageTool's default
SENTENCE_REACH = 200  # a match's `sentence` reaches at most this far each side of it
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
# LanguageTool's issue types are ITS 2.0 localization-quality issue types.
ISSUE_TYPE = {
    "typo": "misspelling",
    "sensitive": "legal",
    "expression": "terminology",
    "offtopic": "register",
    "entertainment": "register",
    "timeliness": "inconsistency",
    "garbled": "characters",
}


def check_language(code: str | None) -> str:
    """The language code to echo back; only Chinese (or `auto`) is supported."""
    value = (code or "").strip()
    if not value:
        raise InputError("missing_language", "缺少 language 参数 / the parameter language is required", "language")
    if value.lower() == "auto" or value.lower().split("-")[0] == "zh":
        return "zh-CN" if value.lower() in ("auto", "zh") else value
    raise InputError(
        "unsupported_language", f"不支持的语言 / unsupported language: {value} (supported: zh-CN, auto)", "language"
    )


def utf16_offsets(text: str) -> list[int] | None:
    """UTF-16 offset of every code-point offset 0..len(text), or None when every character is in the BMP
    (then the two counts are equal)."""
    if not text or max(text) < "\U00010000":
        return None
    offsets, position = [0], 0
    for char in text:
        position += 2 if ord(char) > 0xFFFF else 1
        offsets.append(position)
    return offsets


@dataclass
class AnnotatedText:
    """LanguageTool's `data` parameter: text with markup. `plain` is what gets reviewed (text plus each
    markup's `interpretAs`); `full` is what the caller's offsets count (text plus markup)."""

    plain: str
    full: str
    plain_starts: list[int]
    full_starts: list[int]
    is_markup: list[bool]

    @classmethod
    def from_text(cls, text: str) -> "AnnotatedText":
        """Plain text: both views are the same."""
        return cls(text, text, [0], [0], [False])

    @classmethod
    def from_data(cls, raw: str) -> "AnnotatedText":
        """Parse `{"annotation": [{"text": ...} | {"markup": ..., "interpretAs": ...}, ...]}`."""
        try:
            data = json.loads(raw, parse_constant=no_constant, parse_float=finite_float)  # strictly, as bodies are
        except (ValueError, RecursionError):
            raise InputError("invalid_data", "data 不是有效的 JSON / data is not valid JSON", "data") from None
        items = data.get("annotation") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise InputError(
                "invalid_data", "data 应为 {\"annotation\": [...]} / data must have an annotation list", "data"
            )
        plain, full, plain_starts, full_starts, is_markup = [], [], [], [], []
        plain_length = full_length = 0
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                shown = counted = item["text"]
                markup = False
            elif isinstance(item, dict) and isinstance(item.get("markup"), str):
                shown = item.get("interpretAs", "")
                counted = item["markup"]
                markup = True
                if not isinstance(shown, str):
                    raise InputError("invalid_data", "interpretAs 应为字符串 / interpretAs must be a string", "data")
            else:
                raise InputError(
                    "invalid_data", "annotation 的每项应含 text 或 markup / each annotation needs text or markup", "data"
                )
            plain_starts.append(plain_length)
            full_starts.append(full_length)
            is_markup.append(markup)
            plain.append(shown)
            full.append(counted)
            plain_length += len(shown)
            full_length += len(counted)
        return cls("".join(plain), "".join(full), plain_starts, full_starts, is_markup)

    def to_full(self, position: int, is_end: bool) -> int:
        """Map a code-point position of `plain` to `full`; inside a markup's interpretAs it snaps to the markup."""
        # A start belongs to the last piece starting at or before it; an end to the last piece starting before it.
        if is_end:
            index = max(bisect_left(self.plain_starts, position) - 1, 0)
        else:
            index = max(bisect_right(self.plain_starts, position) - 1, 0)
        if self.is_markup[index]:
            if is_end:
                return self.full_starts[index + 1] if index + 1 < len(self.full_starts) else len(self.full)
            return self.full_starts[index]
        return self.full_starts[index] + position - self.plain_starts[index]


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around [start, end), at most SENTENCE_REACH characters each side of it: a text without full
    stops (的 × 20,000) once sent its whole length with every match, 2.9 MB an answer."""
    low = max(0, start - SENTENCE_REACH)
    left = low
    for match in SENTENCE_END.finditer(text, low, start):
        left = match.end()
    high = min(len(text), end + SENTENCE_REACH)
    match = SENTENCE_END.search(text, max(end, left), high)
    right = match.end() if match else high
    return text[left:right].strip()


def _context(text: str, start: int, end: int) -> tuple[str, int, int]:
    """(context text, offset of the error in it, its length) in code points."""
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text), end + CONTEXT_CHARS)
    prefix = "..." if left > 0 else ""
    suffix = "..." if right < len(text) else ""
    snippet = (prefix + text[left:right] + suffix).replace("\n", " ")
    return snippet, len(prefix) + start - left, end - start


def _units(text: str, start: int, end: int) -> tuple[int, int]:
    """UTF-16 (offset, length) of a code-point span of `text`."""
    table = utf16_offsets(text)
    if table is None:
        return start, end - start
    return table[start], table[end] - table[start]


def to_match(finding: dict, text: AnnotatedText) -> dict:
    """One review finding as a LanguageTool match."""
    plain = text.plain
    start, end = finding["start"], finding["end"]
    if start is None or end is None:  # a whole-post finding covers the whole text
        start, end = 0, len(plain)
    full_start, full_end = text.to_full(start, False), text.to_full(end, True)
    offset, length = _units(text.full, full_start, full_end)
    snippet, snippet_start, snippet_length = _context(plain, start, end)
    context_offset, context_length = _units(snippet, snippet_start, snippet_start + snippet_length)
    category = finding["category"]
    suggestion = finding.get("suggestion")
    return {
        "message": finding["message"],
        "shortMessage": CATEGORY_ZH.get(category, category),
        "replacements": [] if suggestion is None else [{"value": suggestion}],
        "offset": offset,
        "length": length,
        "context": {"text": snippet, "offset": context_offset, "length": context_length},
        "sentence": _sentence(plain, start, end),
        "type": {"typeName": "Other"},
        "rule": {
            "id": finding["rule"],
            "description": CATEGORY_ZH.get(category, category),
            "issueType": ISSUE_TYPE.get(category, "uncategorized"),
            "category": {"id": category.upper(), "name": CATEGORY_ZH.get(category, category)},
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


def check_response(report: dict, text: AnnotatedText, language: str, disabled: set[str]) -> dict:
    """LanguageTool's /v2/check response for a review report (title findings do not apply)."""
    matches = [
        to_match(finding, text)
        for finding in report["findings"]
        if finding.get("field", "text") == "text"
        and finding["rule"] not in disabled
        and finding["category"].upper() not in disabled
    ]
    return {
        "software": {
            "name": "review",
            "version": __version__,
            "buildDate": None,
            "apiVersion": 1,
            "premium": False,
            "status": "",
        },
        # LanguageTool's own flag: a check that did not finish in time (meta.incomplete) makes the results partial
        "warnings": {"incompleteResults": bool(report.get("meta", {}).get("incomplete"))},
        "language": {
            "name": "Chinese",
            "code": language,
            "detectedLanguage": {"name": "Chinese", "code": "zh-CN", "confidence": 1.0},
        },
        "matches": matches,
    }


def split_list(value: Any) -> set[str]:
    """A comma-separated LanguageTool list parameter as a set."""
    if not isinstance(value, str):
        return set()
    return {item.strip() for item in value.split(",") if item.strip()}

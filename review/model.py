"""The contract's data types: a post in, findings and a report out (see ../shared/CONTRACT.md)."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from review.errors import InputError
from review.normalise import INVISIBLE_CLASS

MAX_TEXT_CHARS = 20_000
# a headline is short (WeChat allows 64 characters); a longer "title" is a scraper's mistake, refused like an
# over-long text rather than reviewed at the cost of a second body
MAX_TITLE_CHARS = 1_000
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
SEVERITIES = ("info", "minor", "major", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
# text of white space and invisible characters only (a zero-width space, a BOM, NUL) looks blank to the editor
BLANK_TEXT = re.compile(f"[\\s{INVISIBLE_CLASS}]*")
# dates outside these years are placeholders (0001-01-01 is .NET's and Go's zero date, 9999-12-31 "no date"), and
# the date arithmetic of the checks would overflow on them: refused as invalid dates
DATE_YEARS = (1900, 2999)


def parse_datetime(value: Any, field_name: str) -> datetime:
    """Parse an ISO 8601 date or date-time; naive values are taken as China Standard Time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        raw = value.strip()
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise InputError(
                "invalid_date",
                f"{field_name} 不是有效的 ISO 8601 时间 / {field_name} is not a valid ISO 8601 date: {value!r}",
                field_name,
            ) from None
    else:
        raise InputError(
            "invalid_date",
            f"{field_name} 应为 ISO 8601 字符串 / {field_name} must be an ISO 8601 string",
            field_name,
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    try:
        year = parsed.astimezone(CHINA_TZ).year
    except OverflowError:
        year = parsed.year
    if not DATE_YEARS[0] <= year <= DATE_YEARS[1]:
        first, last = DATE_YEARS
        raise InputError(
            "invalid_date",
            f"{field_name} 不在 {first}–{last} 年之间，疑似占位日期 / {field_name} is outside the years "
            f"{first}-{last} (a placeholder date?): {value!r}",
            field_name,
        )
    return parsed


def _optional_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(
            "invalid_type",
            f"字段 {key} 应为字符串 / field {key} must be a string, got {type(value).__name__}",
            key,
        )
    return value


def _as_text(value: str | int, field_name: str) -> str:
    """A string or integer field as text (an integer past Python's 4,300 digits is refused, not a crash)."""
    try:
        return str(value)
    except ValueError:
        raise InputError("invalid_type", f"{field_name} 数字过长 / {field_name} is a number too long", field_name) from None


def check_identifier(value: str, field_name: str) -> str:
    """Refuse an id holding an unpaired surrogate (a JSON "\\ud800" escape): no store could hold it as a key.
    Reviewed text may (the `garbled` check reports it), and display fields are shown with �."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "invalid_text",
            f"{field_name} 含有不成对的代理字符 / {field_name} has an unpaired surrogate escape",
            field_name,
        ) from None
    return value


def check_text_length(text: str, field_name: str = "text", limit: int = MAX_TEXT_CHARS) -> None:
    """Refuse text over the contract's limit (`limit` characters) with a clear error."""
    if len(text) > limit:
        raise InputError(
            f"{field_name}_too_long",
            f"{field_name} 长度 {len(text)} 超过上限 {limit} 字 / "
            f"{field_name} has {len(text)} characters, the limit is {limit}",
            field_name,
        )


@dataclass(frozen=True)
class Account:
    """The publishing account; `type` is the raw value, `effective_type` what the engine uses."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    platform: str | None = None
    unit: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> "Account":
        """Validate the contract's `account` object."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise InputError("invalid_type", "account 应为对象 / account must be an object", "account")
        values = {}
        for key in ("id", "name", "type", "platform", "unit"):
            value = data.get(key)
            if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
                raise InputError(
                    "invalid_type",
                    f"account.{key} 应为字符串 / account.{key} must be a string",
                    f"account.{key}",
                )
            values[key] = None if value is None else _as_text(value, f"account.{key}")
        if values["id"] is not None:  # the key of stored settings and per-account reports; the rest is display
            check_identifier(values["id"], "account.id")
        return cls(**values)


def known_account_types() -> dict[str, str]:
    """The contract's account types and their Chinese names, from lexicons/account_types.toml (empty when absent)."""
    from review.resources import lexicon_path, load_toml

    if not lexicon_path("account_types.toml").exists():
        return {}
    return {name: str(entry.get("label", name)) for name, entry in load_toml("account_types.toml")["accounts"].items()}


def unknown_account_type_warning(account_type: str | None) -> str | None:
    """The bilingual warning for an account type the engine does not know (it is reviewed as `other`), or None."""
    known = known_account_types()
    if account_type is None or not known or account_type in known:
        return None
    shown = account_type if len(account_type) <= 40 else account_type[:40] + "…"  # a warning stays short
    # "卫健" should point at health (卫生健康): compare with the Chinese names as well as the codes
    by_label = {label: name for name, label in known.items()}
    close = difflib.get_close_matches(account_type[:40], list(known) + list(by_label), n=1, cutoff=0.5)
    hint_zh = hint_en = ""
    if close:
        name = by_label.get(close[0], close[0])
        hint_zh, hint_en = f"（是否应为 {name}，{known[name]}？）", f" (did you mean {name}?)"
    return (f"未知的账号类型“{shown}”，按 other 审校{hint_zh} / unknown account type \"{shown}\", reviewed as other"
            f"{hint_en}; 可用 / known: {', '.join(known)}")


@dataclass(frozen=True)
class Post:
    """One post as the contract defines it; build it with `Post.from_dict` to validate."""

    text: str
    id: str | None = None
    title: str | None = None
    account: Account = field(default_factory=Account)
    published_at: datetime | None = None
    checked_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: Any) -> "Post":
        """Validate a JSON object against the contract; raises InputError with a clear message."""
        if not isinstance(data, dict):
            raise InputError("invalid_post", "输入应为 JSON 对象 / a post must be a JSON object")
        if "text" not in data or data["text"] is None:
            raise InputError("missing_text", "缺少 text 字段 / the field text is required", "text")
        text = data["text"]
        if not isinstance(text, str):
            raise InputError(
                "invalid_type",
                f"text 应为字符串 / text must be a string, got {type(text).__name__}",
                "text",
            )
        if BLANK_TEXT.fullmatch(text):
            raise InputError("empty_text", "text 为空（或只有不可见字符）/ text is empty (or invisible characters only)", "text")
        check_text_length(text)
        post_id = data.get("id")
        if post_id is not None and not isinstance(post_id, (str, int)) or isinstance(post_id, bool):
            raise InputError("invalid_type", "id 应为字符串 / id must be a string", "id")
        title = _optional_str(data, "title")
        if title is not None:
            check_text_length(title, "title", MAX_TITLE_CHARS)
        published = data.get("published_at")
        checked = data.get("checked_at")
        return cls(
            text=text,
            id=None if post_id is None else check_identifier(_as_text(post_id, "id"), "id"),
            title=title,
            account=Account.from_dict(data.get("account")),
            published_at=None if published in (None, "") else parse_datetime(published, "published_at"),
            checked_at=None if checked in (None, "") else parse_datetime(checked, "checked_at"),
        )


@dataclass
class Finding:
    """One problem: a span of the caller's original text (or the whole post) and what to do."""

    category: str
    rule: str
    severity: str
    start: int | None
    end: int | None
    text: str | None
    suggestion: str | None
    confidence: float
    message: str
    field: str = "text"
    evidence: list[dict] | None = None
    # The words an account's allow terms are matched against (the normalised span, or the lexicon term that made
    # the finding); None where allow terms do not apply. Read by the pipeline, never reported.
    term: str | None = None
    # Where the text came from when it was extracted from a file (review.inputs): paragraph, page, HTML element or
    # image with its box (docs/inputs.md); None for a post sent as text.
    source: dict | None = None

    def to_dict(self) -> dict:
        """The finding as the contract's JSON object (extra fields only when set)."""
        data = asdict(self)
        data.pop("term")
        data["confidence"] = round(float(self.confidence), 4)
        if self.evidence is None:
            data.pop("evidence")
        if self.source is None:
            data.pop("source")
        return data


@dataclass
class Report:
    """The contract's report for one post."""

    id: str | None
    score: float | None
    verdict: str | None
    findings: list[Finding]
    meta: dict
    error: dict | None = None

    def to_dict(self) -> dict:
        """The report as the contract's JSON object."""
        data: dict[str, Any] = {
            "id": self.id,
            "score": self.score,
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
            "meta": self.meta,
        }
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_error(cls, error: InputError, post_id: str | None, meta: dict | None = None) -> "Report":
        """A report that carries an input error instead of findings."""
        return cls(id=post_id, score=None, verdict=None, findings=[], meta=meta or {}, error=error.to_dict())

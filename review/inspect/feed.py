"""Reading an inspection feed (JSONL or CSV of posts) into posts to review, and what was wrong with it."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from review.errors import InputError
from review.model import known_account_types as model_account_types
from review.model import parse_datetime
from review.resources import load_toml

ACCOUNT_KEYS = ("id", "name", "type", "platform", "unit")
# CSV headers accepted for account fields besides the dotted `account.name` form
CSV_ACCOUNT_ALIASES = {f"account_{key}": key for key in ACCOUNT_KEYS}


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, shown in the `problems` section and on stderr."""

    code: str
    message: str
    line: int | None = None
    post_id: str | None = None

    def to_dict(self) -> dict:
        """The problem as JSON."""
        return {"code": self.code, "message": self.message, "line": self.line, "post_id": self.post_id}

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line is not None else "输入"
        return f"{where}：{self.message}"


@dataclass
class FeedPost:
    """One post of the feed: the contract post to review plus what the account checks need."""

    line: int  # line (JSONL) or row (CSV, header is row 1) in the feed
    key: str  # unique within the feed: the id, or id@line for a repeated or missing id
    post: dict  # the contract post sent to the reviewer
    account_key: str
    account: dict[str, str | None]
    published_at: datetime | None
    url: str | None = None

    @property
    def id(self) -> str | None:
        """The caller's post id."""
        return self.post.get("id")


@dataclass
class Feed:
    """The posts of a feed in input order and the problems found while reading it."""

    posts: list[FeedPost] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# a CSV cell may hold a whole article (the csv module's default limit is 131,072 characters): far longer ones are
# read, then refused per post as text_too_long, like the same post in JSONL
CSV_FIELD_LIMIT = 1 << 28


def decode_line(raw: bytes) -> str:
    """One line of a feed as text: UTF-8, else GB18030 (what Excel on Chinese Windows saves a CSV as), else UTF-8
    with damaged bytes as U+FFFD (the garbled check reports them). Line by line, not guessed once for the file: a
    feed pasted together from two sources holds both, and one GB18030 row at the start once set the encoding of a
    whole UTF-8 file (every row, the header too, read as mojibake, and no post reviewed)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def feed_lines(handle: Any) -> Iterator[tuple[int, str]]:
    """(line number, text with its line ending) of a binary feed; only b"\\n" ends a line (no UTF-8 or GB18030
    character holds that byte), and a UTF-8 BOM before the first is dropped."""
    for number, raw in enumerate(handle, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        yield number, decode_line(raw)


def _records(path: str, problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    """(line, raw object) pairs from a JSONL or CSV file; unreadable lines become problems."""
    if path.lower().endswith(".csv"):
        aliases = load_toml("inspection.toml").get("csv_headers", {})
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        with open(path, "rb") as handle:
            lines = (line for _number, line in feed_lines(handle))
            for row_number, row in enumerate(csv.DictReader(lines), 2):
                yield row_number, _from_csv_row(row, aliases)
        return
    with open(path, "rb") as handle:
        for number, line in feed_lines(handle):  # only "\n" ends a line, as in `review batch`
            line = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
            if not line.strip():
                continue
            try:
                record = json.loads(line, strict=False)  # a raw CR or tab inside a string is kept, as in batch
            except (ValueError, RecursionError) as error:  # syntax, an integer past 4,300 digits, absurd nesting
                reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error) or "嵌套过深"
                problems.append(Problem("invalid_json", f"不是有效的 JSON（{reason}），已跳过", number))
                continue
            if not isinstance(record, dict):
                problems.append(Problem("invalid_post", "不是 JSON 对象，已跳过", number))
                continue
            yield number, record


def _from_csv_row(row: dict[str | None, Any], aliases: dict[str, str]) -> dict:
    """A CSV row as a contract-shaped object: `account.name`, `account_name` or 账号名称 columns make `account`."""
    record: dict[str, Any] = {}
    account: dict[str, Any] = {}
    for header, value in row.items():
        if header is None:  # more cells than headers
            continue
        name = header.strip()
        name = aliases.get(name, name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            continue
        if name.startswith("account."):
            account[name.split(".", 1)[1]] = value
        elif name in CSV_ACCOUNT_ALIASES:
            account[CSV_ACCOUNT_ALIASES[name]] = value
        else:
            record[name] = value
    if account:
        record["account"] = account
    return record


def _account(record: dict, line: int, known_types: frozenset[str] | None, problems: list[Problem]) -> dict:
    raw = record.get("account")
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(Problem("invalid_account", "account 不是对象，按未知账号统计", line, _post_id(record)))
        raw = {}
    account = {key: (None if raw.get(key) in (None, "") else str(raw.get(key))) for key in ACCOUNT_KEYS}
    if not (account["id"] or account["name"]):
        problems.append(Problem("missing_account", "缺少账号名称和账号 ID，按“未知账号”统计", line, _post_id(record)))
    account_type = account["type"]
    if account_type is not None and known_types is not None and account_type not in known_types:
        problems.append(
            Problem("unknown_account_type", f"未知的账号类型“{account_type}”，按 other 审校", line, _post_id(record))
        )
    return account


def _post_id(record: dict) -> str | None:
    value = record.get("id")
    return None if value in (None, "") else str(value)


def known_account_types() -> frozenset[str] | None:
    """The contract's account types, from lexicons/account_types.toml (None when that file is absent)."""
    return frozenset(model_account_types()) or None


def account_key(account: dict[str, str | None]) -> str:
    """Which account a post belongs to: its id, else its name and platform."""
    if account.get("id"):
        return f"id:{account['id']}"
    if account.get("name"):
        return f"name:{account['name']}|{account.get('platform') or ''}"
    return "unknown"


def read_feed(path: str) -> Feed:
    """Read a feed; bad lines and fields become problems, and no valid post is dropped."""
    feed = Feed()
    if not os.path.exists(path):
        feed.problems.append(Problem("missing_feed", f"找不到输入文件 {path}"))
        return feed
    known_types = known_account_types()
    seen_ids: dict[str, int] = {}
    for line, record in _records(path, feed.problems):
        post_id = _post_id(record)
        account = _account(record, line, known_types, feed.problems)
        published_at = None
        raw_published = record.get("published_at")
        if raw_published in (None, ""):
            feed.problems.append(Problem("missing_date", "缺少发布时间 published_at，不计入更新与未来时间检查", line, post_id))
        else:
            try:
                published_at = parse_datetime(raw_published, "published_at")
            except InputError:
                feed.problems.append(
                    Problem("invalid_date", f"发布时间“{raw_published}”无法解析，不计入更新与未来时间检查", line, post_id)
                )
        if post_id is None:
            key = f"@{line}"
        elif post_id in seen_ids:
            feed.problems.append(
                Problem("duplicate_id", f"稿件 ID“{post_id}”与第 {seen_ids[post_id]} 行重复，两篇都审校", line, post_id)
            )
            key = f"{post_id}@{line}"
        else:
            seen_ids[post_id] = line
            key = post_id
        post = {name: record[name] for name in ("text", "title") if name in record}
        outside = False  # a file named outside the feed's folder: that problem alone, not also a missing text
        if "text" not in record and isinstance(record.get("file"), str) and record["file"].strip():
            # a .docx, PDF, HTML or image file (review.inputs), inside the feed's folder: a feed is written by others,
            # and a path out of it (/etc/hostname, ../../secret.txt) once put that file's text into the reports
            folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
            target = os.path.realpath(os.path.join(folder, record["file"]))
            if os.path.commonpath([folder, target]) == folder:
                post["file"] = target
            else:
                outside = True
                feed.problems.append(Problem(
                    "file_outside_feed", f"文件“{record['file']}”不在数据文件所在的文件夹内，未读取", line, post_id))
        if post_id is not None:
            post["id"] = post_id
        post["account"] = {k: v for k, v in account.items() if v is not None}
        if published_at is not None:
            post["published_at"] = published_at.isoformat()
        if not outside and "file" not in post and not (isinstance(record.get("text"), str) and record["text"].strip()):
            feed.problems.append(Problem("missing_text", "缺少正文 text，无法审校内容", line, post_id))
        url = record.get("url")
        feed.posts.append(
            FeedPost(
                line=line,
                key=key,
                post=post,
                account_key=account_key(account),
                account=account,
                published_at=published_at,
                url=str(url) if url not in (None, "") else None,
            )
        )
    if not feed.posts:
        feed.problems.append(Problem("empty_feed", "输入中没有可审校的稿件"))
    return feed

"""Per-account settings (allow/deny terms, checks, thresholds) kept in SQLite so they survive restarts."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from review.errors import InputError
from review.model import BLANK_TEXT
from review.pipeline import ReviewOptions, unknown_checks_error

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    enable TEXT,                          -- JSON list of check names, NULL for the defaults
    disable TEXT NOT NULL DEFAULT '[]',   -- JSON list of check names
    thresholds TEXT NOT NULL DEFAULT '{}',-- JSON object name -> number
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0    -- new random number per change: workers reuse parsed settings till then
);
CREATE TABLE IF NOT EXISTS account_terms (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('allow', 'deny')),
    term TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, term)
);
CREATE TABLE IF NOT EXISTS account_keys (
    account_id TEXT PRIMARY KEY,          -- independent of accounts: a key may exist before any settings
    key_hash TEXT NOT NULL,               -- sha256 hex of the key (the key itself is shown once, never stored)
    created_at TEXT NOT NULL
);
"""
# Version 1 files (no `version` column, no keys table) are upgraded in place on start.
MIGRATIONS = {
    2: (
        "ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
        "CREATE TABLE IF NOT EXISTS account_keys (account_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, "
        "created_at TEXT NOT NULL)",
    ),
}
TERM_KINDS = ("allow", "deny")
# Allow plus deny terms of one account. Every review of the account reads them all (measured in
# docs/service.md), so the cap bounds what one account's settings can cost each of its reviews.
MAX_ACCOUNT_TERMS = 2000
MAX_TERMS = MAX_ACCOUNT_TERMS  # one list can hold no more than the whole account
MAX_TERM_CHARS = 50
MAX_ACCOUNT_ID_CHARS = 128
KEY_PREFIX = "rak_"  # review account key: recognisable in logs and secret scanners


def _string_list(value: Any, name: str, max_chars: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError("invalid_type", f"{name} 应为字符串数组 / {name} must be a list of strings", name)
    # a term of white space or invisible characters only (U+200B, NUL) would never match: left out like an empty one
    items = sorted({item.strip() for item in value if not BLANK_TEXT.fullmatch(item)})
    bad = next((item for item in items if any(unicodedata.category(char) == "Cc" for char in item)), None)
    if bad is not None:
        raise InputError("invalid_terms", f"{name} 中的词含有控制字符 / {name} has a term with a control character",
                         name)
    if len(items) > MAX_TERMS:
        raise InputError("too_many_terms", f"{name} 超过 {MAX_TERMS} 项 / {name} has more than {MAX_TERMS} items", name)
    too_long = [item for item in items if len(item) > max_chars]
    if too_long:
        raise InputError(
            "term_too_long",
            f"{name} 中的词超过 {max_chars} 字 / {name} has items longer than {max_chars}: {too_long[0][:20]}…",
            name,
        )
    return items


def _thresholds(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise InputError("invalid_type", "thresholds 应为对象 / thresholds must be an object", "thresholds")
    result = {}
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 1:
            # a probability (NaN fails the comparison; a 400-digit integer compares without overflowing)
            raise InputError(
                "invalid_type", f"thresholds.{key} 应为 0–1 之间的数值 / thresholds.{key} must be a number from 0 to 1",
                f"thresholds.{key}",
            )
        result[key] = float(number)
    return result


def _is_noncharacter(char: str) -> bool:
    """U+FDD0-U+FDEF and the last two code points of every plane: never text, so never an id."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def check_account_id(account_id: str) -> str:
    """Refuse empty or over-long account ids, control characters, and U+FFFD or unpaired surrogates."""
    if BLANK_TEXT.fullmatch(account_id) or len(account_id) > MAX_ACCOUNT_ID_CHARS:  # blank: invisible only too
        raise InputError(
            "invalid_account_id",
            f"账号 ID 应为 1–{MAX_ACCOUNT_ID_CHARS} 个字符 / account id must have 1-{MAX_ACCOUNT_ID_CHARS} characters",
            "account_id",
        )
    # A path's percent-encoded bytes that are not UTF-8 reach us as U+FFFD, so %FF and %FE would name the
    # same account; NUL and other control characters would name accounts no one can type or see.
    bad = next(
        (
            char
            for char in account_id
            if char == "\ufffd" or "\ud800" <= char <= "\udfff" or unicodedata.category(char) in ("Cc", "Cf")
            or _is_noncharacter(char)
        ),
        None,
    )
    if bad is not None:
        # Cf: zero-width and direction marks (a1 and a1 + U+200B, or U+202E before a1, looked alike and were two
        # accounts)
        raise InputError(
            "invalid_account_id",
            f"账号 ID 含有控制字符、不可见字符或无效的 UTF-8（U+{ord(bad):04X}）/ account id has a control or "
            f"invisible character, or invalid UTF-8 (U+{ord(bad):04X})",
            "account_id",
        )
    normal = unicodedata.normalize("NFKC", account_id)
    if normal != account_id:
        # full-width ａ1 and a1, a decomposed é and é: one id each, written the one way
        raise InputError(
            "invalid_account_id",
            f"账号 ID 应使用规范写法“{normal}”（全角字母数字、分解的字符等会与其他 ID 混淆）/ account id must be "
            f"written in its normal form “{normal}” (full-width letters, decomposed characters and the like look "
            "like other ids)",
            "account_id",
        )
    return account_id


def hash_key(key: str) -> str:
    """The stored form of an account key (sha256: keys are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_matches(key: str, key_hash: str | None) -> bool:
    """Whether `key` is the one whose hash is stored, compared in constant time."""
    return key_hash is not None and hmac.compare_digest(hash_key(key), key_hash)


@dataclass(frozen=True)
class AccountSettings:
    """One account's review settings; field names follow ReviewOptions."""

    enable: tuple[str, ...] | None = None
    disable: tuple[str, ...] = ()
    allow_terms: tuple[str, ...] = ()
    deny_terms: tuple[str, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)

    FIELDS = ("enable", "disable", "allow_terms", "deny_terms", "thresholds")

    @classmethod
    def from_dict(cls, data: Any, base: "AccountSettings | None" = None) -> "AccountSettings":
        """Validate a JSON object; fields it lacks keep their value from `base` (or the defaults)."""
        if not isinstance(data, dict):
            raise InputError("invalid_settings", "设置应为 JSON 对象 / settings must be a JSON object")
        unknown = sorted(set(data) - set(cls.FIELDS) - {"account_id", "updated_at"})
        if unknown:
            raise InputError(
                "unknown_field", f"未知的设置项 / unknown settings: {', '.join(unknown)}", unknown[0]
            )
        current = base or cls()
        enable = current.enable
        if "enable" in data:
            enable = None if data["enable"] is None else tuple(_string_list(data["enable"], "enable", 64))
        return cls(
            enable=enable,
            disable=tuple(_string_list(data["disable"], "disable", 64)) if "disable" in data else current.disable,
            allow_terms=(
                tuple(_string_list(data["allow_terms"], "allow_terms", MAX_TERM_CHARS))
                if "allow_terms" in data
                else current.allow_terms
            ),
            deny_terms=(
                tuple(_string_list(data["deny_terms"], "deny_terms", MAX_TERM_CHARS))
                if "deny_terms" in data
                else current.deny_terms
            ),
            thresholds=_thresholds(data["thresholds"]) if "thresholds" in data else dict(current.thresholds),
        ).check_size()

    def check_size(self) -> "AccountSettings":
        """Refuse settings holding more than MAX_ACCOUNT_TERMS allow and deny terms together."""
        count = len(self.allow_terms) + len(self.deny_terms)
        if count > MAX_ACCOUNT_TERMS:
            raise InputError(
                "too_many_terms",
                f"每个账号最多 {MAX_ACCOUNT_TERMS} 个允许词和禁用词（合计），本次为 {count} 个 / an account holds at "
                f"most {MAX_ACCOUNT_TERMS} allow and deny terms together, this would make {count}",
                "terms",
            )
        return self

    def check_names(self, available: Iterable[str]) -> None:
        """Refuse check names the engine does not have."""
        known = set(available)
        unknown = sorted({*(self.enable or ()), *self.disable} - known)
        if unknown:
            # the same message as a review's (the valid names, and the closest one), pointed at the stored field
            error = unknown_checks_error(unknown, known)
            raise InputError(error.code, error.message, "enable")
        # a threshold for a check the engine does not have would be stored and never used: refused the same way
        unknown = sorted(set(self.thresholds) - known)
        if unknown:
            error = unknown_checks_error(unknown, known)
            raise InputError(error.code, error.message, "thresholds")

    def to_options(self, available: Iterable[str]) -> ReviewOptions:
        """ReviewOptions for a review call; checks removed from the engine since they were stored are skipped."""
        known = set(available)
        return ReviewOptions.make(
            enable=None if self.enable is None else [name for name in self.enable if name in known],
            disable=[name for name in self.disable if name in known],
            allow_terms=self.allow_terms,
            deny_terms=self.deny_terms,
            thresholds=self.thresholds,
        )

    def to_dict(self) -> dict:
        """The settings as JSON."""
        return {
            "enable": None if self.enable is None else list(self.enable),
            "disable": list(self.disable),
            "allow_terms": list(self.allow_terms),
            "deny_terms": list(self.deny_terms),
            "thresholds": dict(self.thresholds),
        }


def _retry_locked(statement, seconds: float = 30.0):
    """Run `statement`, retrying while SQLite says the database is locked.

    Switching a new file to WAL takes an exclusive lock without waiting on the busy timeout, so workers that
    start together could fail with "database is locked" (2 starts in 60 with 4 processes, measured); they now
    wait their turn like every other statement.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return statement()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@dataclass(frozen=True)
class Stored:
    """Settings as one transaction read or wrote them, with their version (new per change) and time."""

    settings: AccountSettings
    version: int
    updated_at: str

    def to_dict(self, account_id: str) -> dict:
        """The settings endpoints' JSON answer."""
        return {"account_id": account_id, **self.settings.to_dict(), "updated_at": self.updated_at}


class AccountStore:
    """SQLite storage of AccountSettings; each call opens its own connection, so it is safe across threads
    and worker processes, and every write is committed (and synced) before the call returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # WAL lets readers go on while a writer commits; it is a property of the file, set once.
            _retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
            db.execute("BEGIN IMMEDIATE")  # two workers starting together create (or upgrade) the schema once
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.execute("ROLLBACK")
                raise RuntimeError(
                    f"{self.path}: schema version {version} is newer than this engine ({SCHEMA_VERSION})"
                )
            if version == 0:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            else:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[step]:
                        db.execute(statement)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        finally:
            db.close()

    def _connect(self, immediate: bool = False) -> "Transaction":
        return Transaction(self.path, immediate)

    @staticmethod
    def _read(db: sqlite3.Connection, account_id: str) -> Stored | None:
        row = db.execute(
            "SELECT enable, disable, thresholds, version, updated_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        if row is None:
            return None
        terms = db.execute(
            "SELECT kind, term FROM account_terms WHERE account_id = ? ORDER BY term", (account_id,)
        ).fetchall()
        settings = AccountSettings(
            enable=None if row[0] is None else tuple(json.loads(row[0])),
            disable=tuple(json.loads(row[1])),
            allow_terms=tuple(term for kind, term in terms if kind == "allow"),
            deny_terms=tuple(term for kind, term in terms if kind == "deny"),
            thresholds=json.loads(row[2]),
        )
        return Stored(settings, row[3], row[4])

    @staticmethod
    def _write(db: sqlite3.Connection, account_id: str, settings: AccountSettings, version: int) -> str:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        db.execute(
            "INSERT INTO accounts (id, enable, disable, thresholds, updated_at, version) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET enable = excluded.enable, disable = excluded.disable, "
            "thresholds = excluded.thresholds, updated_at = excluded.updated_at, version = excluded.version",
            (
                account_id,
                None if settings.enable is None else json.dumps(list(settings.enable), ensure_ascii=False),
                json.dumps(list(settings.disable), ensure_ascii=False),
                json.dumps(settings.thresholds),
                now,
                version,
            ),
        )
        db.execute("DELETE FROM account_terms WHERE account_id = ?", (account_id,))
        db.executemany(
            "INSERT INTO account_terms (account_id, kind, term) VALUES (?, ?, ?)",
            [(account_id, "allow", term) for term in settings.allow_terms]
            + [(account_id, "deny", term) for term in settings.deny_terms],
        )
        return now

    def get(self, account_id: str) -> AccountSettings | None:
        """The stored settings of an account, or None."""
        stored = self.get_stored(account_id)
        return None if stored is None else stored.settings

    def get_stored(self, account_id: str) -> Stored | None:
        """The stored settings of an account with their version and time (one consistent read), or None."""
        with self._connect() as db:
            return self._read(db, account_id)

    def updated_at(self, account_id: str) -> str | None:
        """When an account's settings last changed (ISO 8601, UTC)."""
        with self._connect() as db:
            row = db.execute("SELECT updated_at FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else row[0]

    def update(
        self, account_id: str, change: Callable[[AccountSettings | None], AccountSettings]
    ) -> Stored:
        """Read an account's settings, apply `change` (given None for a new account) and store its result, all
        in one write transaction, so concurrent changes each see the one before; returns what was written.

        `change` may raise to refuse: nothing is written then.
        """
        with self._connect(immediate=True) as db:
            current = self._read(db, account_id)
            settings = change(None if current is None else current.settings).check_size()
            # Random rather than +1: an account deleted and created again must not repeat a version that a
            # worker still holds parsed settings for.
            version = secrets.randbits(62)
            now = self._write(db, account_id, settings, version)
        return Stored(settings, version, now)

    def put(self, account_id: str, settings: AccountSettings) -> Stored:
        """Store (replace) an account's settings in one transaction."""
        return self.update(account_id, lambda _current: settings)

    def delete(self, account_id: str) -> bool:
        """Forget an account's settings; True if it had any. Its key, if any, stays."""
        with self._connect() as db:
            deleted = db.execute("DELETE FROM accounts WHERE id = ?", (account_id,)).rowcount
        return deleted > 0

    def ids(self) -> list[str]:
        """Every account with stored settings."""
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT id FROM accounts ORDER BY id")]

    def new_key(self, account_id: str) -> tuple[str, str]:
        """Create or replace an account's key; returns the key (shown once, only its hash is kept) and when."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect(immediate=True) as db:
            db.execute(
                "INSERT INTO account_keys (account_id, key_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(account_id) "
                "DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at",
                (account_id, hash_key(key), now),
            )
        return key, now

    def delete_key(self, account_id: str) -> bool:
        """Revoke an account's key; True if it had one."""
        with self._connect() as db:
            return db.execute("DELETE FROM account_keys WHERE account_id = ?", (account_id,)).rowcount > 0

    def access(self, account_id: str) -> tuple[int | None, str | None]:
        """What a review needs first: the settings' version (None: no settings) and the key's hash (None: no key)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT (SELECT version FROM accounts WHERE id = ?), "
                "(SELECT key_hash FROM account_keys WHERE account_id = ?)",
                (account_id, account_id),
            ).fetchone()
        return row[0], row[1]


class Transaction:
    """A connection used as `with`: one transaction, committed on success, rolled back on error, then closed.

    `immediate` takes the write lock at BEGIN: a read-modify-write then cannot interleave with another writer
    (with a plain BEGIN two of them read the same state and the second commit undoes the first).
    """

    def __init__(self, path: str, immediate: bool = False) -> None:
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=FULL")
        self.begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def __enter__(self) -> sqlite3.Connection:
        try:
            # Waiting on a busy database is bounded by the connection's timeout (30 s); retry past a "locked"
            # that SQLite reports without waiting (a WAL reader racing a checkpoint).
            _retry_locked(lambda: self.db.execute(self.begin))
        except BaseException:
            self.db.close()
            raise
        return self.db

    def __exit__(self, kind, value, traceback) -> None:
        try:
            self.db.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self.db.close()

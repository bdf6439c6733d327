"""Errors raised for bad input, each with a stable code and a bilingual message."""

from __future__ import annotations


class InputError(ValueError):
    """A post or request that cannot be reviewed; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        """The error as the JSON object used in batch reports and HTTP error bodies."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body

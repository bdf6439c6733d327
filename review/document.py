"""The document every check sees: original and normalised text, the offset map, tokens, metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from review.budget import Deadline
from review.model import Finding, Post
from review.options import ReviewOptions
from review.normalise import Normalised, NoiseSpan, in_script_of, normalise, to_simplified
from review.segment import RE_HAN, Token, tokenize

SENTENCE_END = re.compile(r"[。！？!?；;\n]+|…{1,2}")


@dataclass
class Document:
    """One field of a post (`text` or `title`) ready for checks; findings come back in original offsets."""

    post: Post
    field: str
    normalised: Normalised
    options: ReviewOptions
    cache: dict = field(default_factory=dict)
    # when the request's time runs out (None: no limit): slow checks look at it between slices of work
    deadline: Deadline | None = None

    @classmethod
    def build(cls, post: Post, field_name: str, options: ReviewOptions, deadline: Deadline | None = None
              ) -> "Document":
        """Normalise one field of `post`."""
        original = post.text if field_name == "text" else (post.title or "")
        return cls(post=post, field=field_name, normalised=normalise(original), options=options, deadline=deadline)

    @property
    def original(self) -> str:
        """The caller's text as sent."""
        return self.normalised.original

    @property
    def text(self) -> str:
        """The normalised text the checks read."""
        return self.normalised.text

    @property
    def noise(self) -> list[NoiseSpan]:
        """Scraper noise and mojibake found by the normaliser (original offsets)."""
        return self.normalised.noise

    @property
    def is_body(self) -> bool:
        """True for the post's body (whole-post checks run only there)."""
        return self.field == "text"

    @cached_property
    def tokens(self) -> list[Token]:
        """jieba tokens of the normalised text."""
        return tokenize(self.text)

    def lead_tokens(self, limit: int) -> list[Token]:
        """The tokens that end by `limit`, exactly those of `tokens`, segmenting no further than needed.

        jieba segments each run of word characters (RE_HAN) on its own, so the text cut where such a run ends
        gives the same tokens before the cut; the off-topic check reads only a post's lead.
        """
        text = self.text
        if "tokens" in self.__dict__ or limit >= len(text):
            return [token for token in self.tokens if token.end <= limit]
        cached = self.cache.get(("lead_tokens", limit))
        if cached is None:
            run = RE_HAN.match(text, limit)  # the run that goes on past the limit, if any
            end = run.end() if run else limit
            if text[end - 1 : end + 1] == "\r\n":  # jieba keeps \r\n as one token
                end += 1
            cached = self.cache[("lead_tokens", limit)] = [t for t in tokenize(text[:end]) if t.end <= limit]
        return cached

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans of the normalised text (ending punctuation included)."""
        spans, start = [], 0
        for match in SENTENCE_END.finditer(self.text):
            if match.end() > start:
                spans.append((start, match.end()))
            start = match.end()
        if start < len(self.text):
            spans.append((start, len(self.text)))
        return spans

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span to the original text."""
        return self.normalised.to_original(start, end)

    def finding(
        self,
        start: int | None,
        end: int | None,
        *,
        category: str,
        rule: str,
        severity: str,
        message: str,
        suggestion: str | None = None,
        confidence: float = 1.0,
        evidence: list[dict] | None = None,
    ) -> Finding:
        """A finding for normalised span [start, end) (None for whole-post), mapped to the original."""
        if start is None or end is None:
            ostart = oend = None
            span_text = None
        else:
            ostart, oend = self.to_original(start, end)
            span_text = self.original[ostart:oend]
            read = self.text[start:end]
            if suggestion and span_text != read and to_simplified(span_text) == read:
                # the caller wrote this span in traditional script: the replacement keeps that script
                suggestion = in_script_of(suggestion, span_text)
        return Finding(
            category=category,
            rule=rule,
            severity=severity,
            start=ostart,
            end=oend,
            text=span_text,
            suggestion=suggestion,
            confidence=float(confidence),
            message=message,
            field=self.field,
            evidence=evidence,
        )

    def original_finding(
        self,
        start: int,
        end: int,
        *,
        category: str,
        rule: str,
        severity: str,
        message: str,
        suggestion: str | None = None,
        confidence: float = 1.0,
    ) -> Finding:
        """A finding whose span is already in ORIGINAL offsets."""
        return Finding(
            category=category,
            rule=rule,
            severity=severity,
            start=start,
            end=end,
            text=self.original[start:end],
            suggestion=suggestion,
            confidence=float(confidence),
            message=message,
            field=self.field,
        )

"""What the checks read: a post's title and body normalised once (`PostText`), and one field of it (`Document`):
original and normalised text, the offset map, tokens, metadata."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from review.budget import Deadline
from review.model import Finding, Post
from review.normalise import NoiseSpan, Normalised, in_script_of, normalise, to_simplified
from review.options import ReviewOptions
from review.segment import RE_HAN, Token, tokenize

SENTENCE_END = re.compile(r"[。！？!?；;\n]+|…{1,2}")
TITLE, BODY = "title", "text"
# Document.cache key of the lead segmented by `lead_tokens`: (where the cut ends, its tokens)
LEAD_CUT = "lead_cut"
# Between the title and the body in the whole-post text: a line break ends a sentence, and no cue or lexicon
# phrase holds one, so nothing read in the whole post runs from the title into the body.
FIELD_JOINER = "\n"


@dataclass(frozen=True)
class FieldSpan:
    """Where one field of a post lies in the whole-post normalised text: [start, end)."""

    field: str
    start: int
    end: int


@dataclass(frozen=True)
class OriginalSpan:
    """A span of one field's ORIGINAL text (what a finding or an evidence item reports), with the words there."""

    field: str
    start: int
    end: int
    text: str


@dataclass
class PostText:
    """A post's title and body, each normalised once, as spans of one normalised text: the title (when the post has
    one), a line break, the body. Whole-post readers (context cues, the topic) read `text`; each field's view is a
    `Document`, and offsets map back to each field's original text."""

    post: Post
    fields: dict[str, Normalised]  # "title" (when the post has a non-empty one), then "text"
    spans: dict[str, FieldSpan]
    text: str
    cache: dict = field(default_factory=dict)  # whole-post results that several fields' checks share

    @classmethod
    def build(cls, post: Post) -> "PostText":
        """Normalise the title and the body of `post`, each on its own (so each field reads exactly as alone)."""
        fields: dict[str, Normalised] = {}
        if post.title:
            fields[TITLE] = normalise(post.title)
        fields[BODY] = normalise(post.text)
        spans: dict[str, FieldSpan] = {}
        position = 0
        for name, normalised in fields.items():
            if spans:
                position += len(FIELD_JOINER)
            spans[name] = FieldSpan(name, position, position + len(normalised.text))
            position += len(normalised.text)
        text = FIELD_JOINER.join(normalised.text for normalised in fields.values())
        return cls(post=post, fields=fields, spans=spans, text=text)

    def field_text(self, name: str) -> str:
        """One field's normalised text ("" when the post has no such field)."""
        found = self.fields.get(name)
        return found.text if found is not None else ""

    def offset(self, name: str) -> int:
        """Where field `name` starts in the whole-post text."""
        return self.spans[name].start

    def locate(self, start: int, end: int) -> FieldSpan:
        """The field a whole-post span lies in, with the span in that field's normalised offsets."""
        for span in self.spans.values():
            if span.start <= start and end <= span.end:
                return FieldSpan(span.field, start - span.start, end - span.start)
        raise ValueError(f"span [{start}, {end}) of the whole post is not inside one field")

    def to_original(self, start: int, end: int) -> OriginalSpan:
        """Map a whole-post normalised span to its field's ORIGINAL text."""
        local = self.locate(start, end)
        return self.field_original(local.field, local.start, local.end)

    def field_original(self, name: str, start: int, end: int) -> OriginalSpan:
        """Map a span of field `name`'s normalised text to that field's ORIGINAL text."""
        normalised = self.fields[name]
        ostart, oend = normalised.to_original(start, end)
        return OriginalSpan(name, ostart, oend, normalised.original[ostart:oend])

    def document(self, field_name: str, options: ReviewOptions, deadline: Deadline | None = None) -> "Document":
        """The per-field view the checks read."""
        if field_name not in self.fields:
            raise ValueError(f"the post has no {field_name!r} field")
        return Document(whole=self, field=field_name, options=options, deadline=deadline)


@dataclass
class Document:
    """One field of a post (`text` or `title`) ready for checks; findings come back in original offsets.

    `whole` is the post as one normalised text: whole-post checks read it, never the raw post.
    """

    whole: PostText
    field: str
    options: ReviewOptions
    cache: dict = field(default_factory=dict)
    # when the request's time runs out (None: no limit): slow checks look at it between slices of work
    deadline: Deadline | None = None

    @classmethod
    def build(cls, post: Post, field_name: str, options: ReviewOptions, deadline: Deadline | None = None
              ) -> "Document":
        """Normalise `post` and return the view of one of its fields."""
        return PostText.build(post).document(field_name, options, deadline)

    @property
    def post(self) -> Post:
        """The post as the caller sent it (metadata: account, dates)."""
        return self.whole.post

    @property
    def normalised(self) -> Normalised:
        """This field's normalised text and offset map."""
        return self.whole.fields[self.field]

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
        return self.field == BODY

    @cached_property
    def tokens(self) -> list[Token]:
        """jieba tokens of the normalised text; the lead that `lead_tokens` segmented and the runs that
        `tokens_between` segmented are not cut again (each was cut where jieba cuts, so the rest is cut around them)."""
        text = self.text
        done: list[tuple[int, int, list[Token]]] = []  # [start, end) segmented already, and its tokens
        cut = self.cache.get(LEAD_CUT)
        if cut is not None:
            done.append((0, cut[0], cut[1]))
        done += [(key[1], key[2], found) for key, found in self.cache.items()
                 if isinstance(key, tuple) and key[0] == "tokens_between" and key[2] > key[1]]
        if not done:
            return tokenize(text)
        done.sort(key=lambda piece: (piece[0], -piece[1]))
        tokens: list[Token] = []
        position = 0
        for start, end, found in done:
            if start < position:
                continue  # overlaps a piece already taken (the pieces' own cuts agree, any one will do)
            if start > position:
                tokens += tokenize(text[position:start], position)
            tokens += found
            position = end
        if position < len(text):
            tokens += tokenize(text[position:], position)
        return tokens

    @cached_property
    def _token_bounds(self) -> tuple[list[int], list[int]]:
        """The starts and the ends of `tokens`, each in text order."""
        return [token.start for token in self.tokens], [token.end for token in self.tokens]

    @cached_property
    def _word_runs(self) -> tuple[list[int], list[int]]:
        """Starts and ends of the runs of word characters (RE_HAN) that jieba segments each on its own."""
        starts, ends = [], []
        for run in RE_HAN.finditer(self.text):
            starts.append(run.start())
            ends.append(run.end())
        return starts, ends

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """The tokens of `tokens` that overlap [start, end), segmenting only the runs of word characters there.

        jieba cuts each run of word characters (RE_HAN) on its own and every other character alone (\r\n as one
        token), so the runs around a span give exactly the whole text's tokens there: a check that asks about a
        few spans (the typo lexicon's word-boundary test) does not segment the whole post.
        """
        if "tokens" in self.__dict__:
            # tokens are in text order and do not overlap: the overlapping ones are one slice, found by bisection
            # (a scan of every token at every call made a post with many hits cost its hits × its tokens)
            starts, ends = self._token_bounds
            return self.tokens[bisect_right(ends, start) : bisect_left(starts, end)]
        text = self.text
        starts, ends = self._word_runs
        left, right = start, max(start, end)
        at = bisect_right(starts, left) - 1
        if at >= 0 and left < ends[at]:
            left = starts[at]
        elif text[left - 1 : left + 1] == "\r\n":
            left -= 1
        at = bisect_right(starts, right - 1) - 1
        if at >= 0 and right - 1 < ends[at]:
            right = ends[at]
        elif text[right - 1 : right + 1] == "\r\n":
            right += 1
        key = ("tokens_between", left, right)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = tokenize(text[left:right], left)
        return [token for token in found if token.start < end and start < token.end]

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
            head = tokenize(text[:end])
            if end > self.cache.get(LEAD_CUT, (0,))[0]:
                self.cache[LEAD_CUT] = (end, head)  # `tokens` goes on from here if a check needs them all
            cached = self.cache[("lead_tokens", limit)] = [t for t in head if t.end <= limit]
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
        term: str | None = None,
    ) -> Finding:
        """A finding for normalised span [start, end) (None for whole-post), mapped to the original.

        `term`: what an account's allow terms may dismiss the finding by (see `review.pipeline.drop_allowed`).
        """
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
            term=term,
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

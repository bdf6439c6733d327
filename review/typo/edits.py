"""A proposed correction (`Edit`) and what every corrector offers (`Corrector`).

An edit replaces `source` at `index` of a sentence by `suggestion`, of the same length: one character, or two
for a whole-word homophone edit (review/typo/words.py: 桂花 → 规划), kept or dropped whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Protocol, Sequence, Tuple

# per sentence, half-open (start, end) spans a corrector must leave alone
Spans = Sequence[Sequence[Tuple[int, int]]]


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """`source` at `index` of a sentence replaced by `suggestion` (same length), with the corrector's
    probability that it is right."""

    index: int
    source: str
    suggestion: str
    probability: float

    def __post_init__(self) -> None:
        if len(self.source) != len(self.suggestion) or not self.source:
            raise ValueError(f"an edit replaces characters one for one: {self.source!r} -> {self.suggestion!r}")

    @property
    def end(self) -> int:
        """The offset after the last character it changes."""
        return self.index + len(self.source)

    @property
    def is_word(self) -> bool:
        """True for a whole-word edit (more than one character)."""
        return len(self.source) > 1

    def positions(self) -> range:
        """The offsets it changes."""
        return range(self.index, self.end)

    def chars(self) -> Iterator[Tuple[int, str, str]]:
        """(offset, source character, suggested character) of each character it changes."""
        return zip(self.positions(), self.source, self.suggestion)

    def shifted(self, offset: int) -> "Edit":
        """The same edit `offset` characters further on (or back, when negative)."""
        return Edit(self.index + offset, self.source, self.suggestion, self.probability)


def covered(edits: Sequence[Edit]) -> set[int]:
    """Every offset that one of `edits` changes."""
    return {at for edit in edits for at in edit.positions()}


def apply_edits(sentence: str, edits: Sequence[Edit], threshold: float = 0.0) -> str:
    """`sentence` with the edits of probability >= `threshold` applied."""
    chars = list(sentence)
    for edit in edits:
        if edit.probability >= threshold:
            for at, _, new in edit.chars():
                chars[at] = new
    return "".join(chars)


@dataclass(frozen=True)
class Correction:
    """A corrector's answer for a batch of sentences, and how much of it the transformer read."""

    edits: list[list[Edit]]
    neural_sentences: int = 0  # sentences the transformer read to decide (beyond its use as a feature)
    neural_chars: int = 0  # their characters


class Corrector(Protocol):
    """What the typo check and `review eval csc` need of a corrector.

    A class that subclasses it explicitly inherits `correct_within` (no transformer stage to bound) and
    `prepare` (nothing to build); a corrector with such a stage overrides them.
    """

    threshold: float

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None) -> list[list[Edit]]:
        """Per sentence its edits, sorted by index; `protected` spans are never changed."""
        ...

    def correct_within(self, sentences: Sequence[str], threshold: Optional[float] = None,
                       protected: Optional[Spans] = None, neural_chars: Optional[int] = None) -> Correction:
        """`correct`, the transformer's reading of hesitant sentences bounded to `neural_chars` characters
        (None: no bound)."""
        return Correction(self.correct(sentences, threshold, protected))

    def prepare(self) -> None:
        """Build the lookup tables a first long text would otherwise pay for (long-running processes)."""

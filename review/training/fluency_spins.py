"""Spins of no list for the fluency trainers: substitutes a spinner might write, from the neighbour table reversed
and jieba's dictionary (lexicons/fluency/spin_pairs.tsv and the blind pairs are never read). Used by the
replaced-word detector's trainer (review/training/fluency_detector.py) and the classifier's
(review/training/fluency.py: "spun-generated" posts)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from review.checks.fluency import word_units
from review.segment import tokenize

REVERSED_SHARE = 0.6  # substitutes tried first from the reversed neighbour rows (else the dictionary first)


def starts_han(form: str) -> bool:
    """Whether a word form starts with a Chinese character (punctuation marks sort above them: compare both ends)."""
    return "\u4e00" <= form[0] <= "\u9fff"


def jieba_dictionary() -> dict[str, tuple[int, str]]:
    """jieba's own dictionary (dict.txt): word → (frequency, part of speech)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split(" ")
        if len(cells) == 3 and all("\u4e00" <= char <= "\u9fff" for char in cells[0]):
            words[cells[0]] = (int(cells[1]), cells[2])
    return words


class Substitutes:
    """Plausible substitutes for a word that no spinner list provides (see the module's docstring)."""

    def __init__(self, vocab: list[str], neighbours: np.ndarray, dictionary: dict[str, tuple[int, str]],
                 min_frequency: int = 20) -> None:
        """Index the reversed neighbour rows and jieba's dictionary by (length, part of speech, place, char)."""
        # a spinner's synonym is as long as the word it replaces and not a compound of it (政府 → 联邦政府 is no
        # spin): the reversed rows keep those only
        self.reverse: dict[str, list[str]] = {}
        for row, word in enumerate(vocab):
            for target in neighbours[row].tolist():
                original = vocab[target] if target != 65535 else ""
                if len(original) == len(word) and original not in word and word not in original:
                    self.reverse.setdefault(original, []).append(word)
        self.dictionary = dictionary
        # dictionary words of the word model's vocabulary are the reversed rows' business: the dictionary adds the
        # rare words a dictionary spinner writes (庶民-like words formal news hardly uses)
        known = set(vocab)
        self.by_shape: dict[tuple[int, str, int, str], list[str]] = {}
        for word, (frequency, pos) in dictionary.items():
            if 2 <= len(word) <= 4 and frequency >= min_frequency and word not in known:
                for place, char in enumerate(word):
                    self.by_shape.setdefault((len(word), pos, place, char), []).append(word)

    def pick(self, word: str, rng: random.Random) -> str | None:
        """A substitute for `word` (None: none found)."""
        first = rng.random() < REVERSED_SHARE
        for kind in ((0, 1) if first else (1, 0)):
            if kind == 0 and word in self.reverse:
                return rng.choice(self.reverse[word])
            if kind == 1 and word in self.dictionary:
                frequency, pos = self.dictionary[word]
                place = rng.randrange(len(word))
                options = self.by_shape.get((len(word), pos, place, word[place]), [])
                for _ in range(6):
                    if not options:
                        break
                    option = rng.choice(options)
                    if option != word and self.dictionary[option][0] < frequency:
                        return option
        return None


def substitute_text(text: str, substitutes: Substitutes, rate: float,
                    rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """`text` with `rate` of its Chinese words replaced (of those of two or more characters that have a
    substitute), and the spans of the substitutes in the new text."""
    words = word_units(tokenize(text))
    eligible = [k for k, word in enumerate(words) if len(word.form) >= 2 and starts_han(word.form)]
    wanted = round(rate * sum(1 for word in words if starts_han(word.form)))
    rng.shuffle(eligible)
    replaced: dict[int, str] = {}
    for k in eligible:
        if len(replaced) >= wanted:
            break
        option = substitutes.pick(words[k].form, rng)
        if option is not None:
            replaced[k] = option
    parts, spans, last, offset = [], [], 0, 0
    for k in sorted(replaced):
        parts.append(text[last : words[k].start])
        offset += words[k].start - last
        spans.append((offset, offset + len(replaced[k])))
        parts.append(replaced[k])
        offset += len(replaced[k])
        last = words[k].end
    parts.append(text[last:])
    return "".join(parts), spans



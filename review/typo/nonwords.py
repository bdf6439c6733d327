"""Non-words: a token of 2–3 characters that is no word, one confusable character away from a common word.

耐新 → 耐心, 锁要 → 索要, 预越 → 预约, 值首 → 值守, 善自 → 擅自. jieba's HMM joins characters it does not know as a
word into one token; such a token is a candidate when one character's sound or shape neighbour makes it a
dictionary word (the masked index of review/typo/word_forms.py). Names are such tokens too, and so are ordinary
pairings the dictionary lacks (送个, 配个), so boosted decision trees decide (models/nonwords/nonword.npz,
trained by `review train nonwords` on errors placed into clean 《新闻联播》 sentences of 2012–2021 against the
candidates of clean posts of the same years), from:

- the trigram gain of the neighbour over the written character, and the written character's own fit;
- the suggested word's dictionary frequency, and both characters' frequency as one-character words;
- how often the written pairs were counted in 45 M characters of formal text (models/nonwords/seen_bigrams.npz);
- which confusion column links the two characters, the window's length and the character's place in it.

The protected spans of the model path (names, places, organisations, protected terms) veto a candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Self, Sequence

import numpy as np

from review.chars import all_han
from review.resources import open_arrays
from review.segment import Token
from review.typo.confusion import ConfusionSet
from review.typo.ngram import HashIndex, NgramModel, encode
from review.typo.trees import TreeEnsemble
from review.typo.word_forms import WordIndex, local_pieces, quoted_spans

FEATURES = (
    "gain",  # trigram log-probability of the suggested character minus the written one's, at the position
    "base",  # trigram log-probability of the written character
    "word_freq",  # log(1 + dictionary frequency) of the suggested word
    "src_single",  # log(1 + dictionary frequency) of the written character as a one-character word
    "cand_single",  # the same of the suggested character
    "seen_pair",  # log(1 + count) of the most frequent written pair through the position, within the window
    "seen_fixed",  # the same with the suggested character in place
    "same_tone", "diff_tone", "shape", "observed",  # the confusion columns that link the two characters
    "length",  # the window's length (2 or 3)
    "first",  # 1 when the character is the window's first
    "n_cands",  # how many candidates the window has
)
COLUMNS = ("same_tone", "diff_tone", "shape", "observed")


class PackedCounts:
    """Counts of strings of basic-block CJK characters, keyed by their packed code-point offsets: sorted keys and
    their counts, as plain arrays (no pickle)."""

    BASE = 0x4E00
    SPAN = 0x5200  # the basic CJK block: 0x4E00–0x9FFF

    def __init__(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self.keys = keys
        self.counts = counts
        self._index: HashIndex | None = None

    def prepare(self) -> None:
        """Index the keys by hash (`review.typo.ngram.HashIndex`, ~22 bytes a key: 9 MB for the seen pairs, 3 MB
        for the token counts), so that a lookup reads one or two places a key instead of a binary search's twenty:
        a 1,000-character post's 1,000 pairs took 0.32 ms, 0.05 ms now. Long-running processes do it at warm-up
        (`TypoCheck.warm_up`); a one-shot command keeps the binary search. The same counts either way."""
        if self._index is None and len(self.keys):
            self._index = HashIndex.build(self.keys.astype(np.int64), self.counts.astype(np.uint32))

    @classmethod
    def load(cls, path: Path) -> Self:
        """The table at `path` (plain arrays, no pickle)."""
        with open_arrays(path) as data:
            return cls(data["keys"], data["counts"])

    def lookup_keys(self, keys: Sequence[int] | np.ndarray) -> np.ndarray:
        """The counts of packed keys at once (0 for a key of -1, outside the block, or never counted)."""
        wanted = np.asarray(keys, dtype=np.int64)
        if len(wanted) == 0:
            return np.zeros(0, dtype=np.int64)
        if self._index is not None:  # -1 is no key of the index (every key is >= 0): it reads 0
            return self._index.lookup(wanted).astype(np.int64)
        inside = wanted >= 0
        # searched as the table's own dtype: a mismatched one would copy the whole table every call
        probe = np.where(inside, wanted, 0).astype(self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, probe), len(self.keys) - 1)
        found = inside & (self.keys[at] == probe)
        return np.where(found, self.counts[at], 0).astype(np.int64)


class SeenBigrams(PackedCounts):
    """Counts (three or more) of the bigrams of Chinese characters in the formal corpora, keyed by both code
    points of the basic CJK block packed into one uint32 (models/nonwords/seen_bigrams.npz)."""

    @classmethod
    def key(cls, a: str, b: str) -> int:
        """The packed key of the pair (-1 outside the block)."""
        x, y = ord(a) - cls.BASE, ord(b) - cls.BASE
        return x * cls.SPAN + y if 0 <= x < cls.SPAN and 0 <= y < cls.SPAN else -1

    def count(self, a: str, b: str) -> int:
        """How often `a` followed by `b` was counted (0 when fewer than three times)."""
        return int(self.lookup_keys([self.key(a, b)])[0])

    def lookup(self, keys: Sequence[int]) -> np.ndarray:
        """The counts of packed keys at once (0 for a key of -1, outside the block)."""
        return self.lookup_keys(keys)


class TokenCounts(PackedCounts):
    """How often each word of 2–3 Chinese characters was a whole token of jieba's segmentation of the formal
    corpora (models/nonwords/token_counts.npz): a string counted as a token is a word of clean text, while a
    string that only occurs across tokens (产值|首次 holds 值首) is none. Keys pack the characters' offsets in the
    basic CJK block."""

    @classmethod
    def key(cls, word: str) -> int:
        """The packed key of a word of 2–3 characters of the basic block (-1 otherwise)."""
        if not 2 <= len(word) <= 3:
            return -1
        codes = [ord(ch) - cls.BASE for ch in word]
        if any(not 0 <= c < cls.SPAN for c in codes):
            return -1
        third = codes[2] + 1 if len(codes) == 3 else 0
        return (codes[0] * cls.SPAN + codes[1]) * (cls.SPAN + 1) + third

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """The token counts of `words` at once (0 for a word never counted or outside the block)."""
        return self.lookup_keys(np.asarray([self.key(w) for w in words], dtype=np.int64))

    def count(self, word: str) -> int:
        """How often `word` was a whole token."""
        return int(self.lookup([word])[0])


def trigram_gain(ngram: NgramModel, text: str,
                 candidates: Sequence[NonwordCandidate | CountedCandidate]) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's trigram log-probability gain around its position with the suggested character in place, and
    the written text's own log-probability there (gain, base)."""
    codes, where = local_pieces(text, [c.position for c in candidates])
    chars = encode("".join(c.word[c.position - c.start] for c in candidates))
    counts = ngram.text_counts(codes)
    base = ngram.source_logprob(codes, where, counts=counts)
    return ngram.local_logprob(codes, where, chars, counts=counts) - base, base


class NonwordModel:
    """Boosted trees over `FEATURES` (review/typo/trees.py) and the probability a candidate must reach."""

    def __init__(self, ensemble: TreeEnsemble, threshold: float) -> None:
        self.ensemble = ensemble
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path) -> "NonwordModel":
        """The model at `path` (plain arrays, no pickle); refused when its features are not ours."""
        ensemble, meta = TreeEnsemble.load(path, FEATURES)
        return cls(ensemble, float(meta["threshold"]))

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(the candidate is the right word) of each row."""
        return self.ensemble.predict(rows)


@dataclass(frozen=True)
class NonwordCandidate:
    """A window [start, end) of normalised text that may be `word` misspelt at `position`."""

    start: int
    end: int
    position: int
    word: str


@dataclass(frozen=True)
class NonwordHit:
    """A decided non-word."""

    start: int
    end: int
    position: int
    word: str
    probability: float


class NonwordDetector:
    """Finds non-words (see the module's docstring)."""

    def __init__(self, word_freq: dict[str, int], index: WordIndex, neighbours: Callable[[str], str],
                 confusion: ConfusionSet, ngram: NgramModel, seen: SeenBigrams, model: NonwordModel | None,
                 blocks: Callable[[str, int, int, str], bool] | None = None, max_seen: int = 0) -> None:
        self.word_freq = word_freq
        self.max_seen = max_seen
        self.index = index
        self.neighbours = neighbours
        self.confusion = confusion
        self.ngram = ngram
        self.seen = seen
        self.model = model
        self.blocks = blocks

    def candidates(self, text: str, tokens: Sequence[Token]) -> list[NonwordCandidate]:
        """Unknown tokens of 2–3 Chinese characters one neighbour away from an indexed word."""
        found = []
        freq = self.word_freq
        unknown = [t for t in tokens if 2 <= t.end - t.start <= 3 and not freq.get(t.word)]
        for token in unknown:
            length = token.end - token.start
            if not all_han(token.word):
                continue
            window = token.word
            for m in range(length):
                for char in self.index.confusable_fills(window, m, self.neighbours):
                    found.append(NonwordCandidate(token.start, token.end, token.start + m,
                                                  window[:m] + char + window[m + 1:]))
        return found

    def written_seen(self, text: str, candidates: Sequence[NonwordCandidate]) -> np.ndarray:
        """The larger pair count, as written, of the pairs through each candidate's position in its window."""
        keys = []
        for c in candidates:
            m = c.position - c.start
            pairs = [(i, i + 1) for i in (m - 1, m) if i >= 0 and i + 1 < c.end - c.start]
            pairs += [pairs[-1]] * (2 - len(pairs))
            keys.extend(SeenBigrams.key(text[c.start + a], text[c.start + b]) for a, b in pairs)
        return self.seen.lookup(keys).reshape(len(candidates), 2).max(axis=1)

    def features(self, text: str, candidates: Sequence[NonwordCandidate]) -> np.ndarray:
        """One row of `FEATURES` a candidate."""
        gain, base = trigram_gain(self.ngram, text, candidates)
        per_window: dict[tuple[int, int], int] = {}
        for c in candidates:
            per_window[(c.start, c.end)] = per_window.get((c.start, c.end), 0) + 1
        # the pairs through each position within its window, written and fixed, looked up at once
        pair_keys: list[int] = []
        for c in candidates:
            m = c.position - c.start
            for window in (text[c.start:c.end], c.word):
                pairs = [(i, i + 1) for i in (m - 1, m) if i >= 0 and i + 1 < len(window)]
                pairs += [pairs[-1]] * (2 - len(pairs))  # two a window (a repeat changes no maximum)
                pair_keys.extend(SeenBigrams.key(window[a], window[b]) for a, b in pairs)
        seen = self.seen.lookup(pair_keys).reshape(len(candidates), 2, 2).max(axis=2)
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        for k, c in enumerate(candidates):
            m = c.position - c.start
            src, cand = text[c.position], c.word[m]
            rows[k] = (
                gain[k], base[k], math.log1p(self.word_freq.get(c.word, 0)),
                math.log1p(self.word_freq.get(src, 0)), math.log1p(self.word_freq.get(cand, 0)),
                math.log1p(seen[k, 0]), math.log1p(seen[k, 1]),
                *(float(cand in self.confusion.column(src, column)) for column in COLUMNS),
                float(c.end - c.start), float(m == 0), float(per_window[(c.start, c.end)]),
            )
        return rows

    @staticmethod
    def _inside(c: NonwordCandidate, spans: list[tuple[int, int]]) -> bool:
        return any(a <= c.start and c.end <= b for a, b in spans)

    @staticmethod
    def _against_code(text: str, c: NonwordCandidate) -> bool:
        """True when a Latin letter, digit or hyphen touches the window."""
        outside = text[max(0, c.start - 1):c.start] + text[c.end:c.end + 1]
        return any(ch.isascii() and (ch.isalnum() or ch == "-") for ch in outside)

    def find(self, text: str, tokens: Sequence[Token]) -> list[NonwordHit]:
        """Decided non-words of `text` (normalised), the most probable per window."""
        if self.model is None:
            return []
        candidates = self.candidates(text, tokens)
        if candidates:
            # the pair-count veto first (most candidates are names and words the dictionary lacks, counted in
            # formal text): features only for the rest
            seen = self.written_seen(text, candidates)
            candidates = [c for c, count in zip(candidates, seen) if count <= self.max_seen]
        if not candidates:
            return []
        rows = self.features(text, candidates)
        probabilities = self.model.probability(rows)
        quoted = quoted_spans(text)
        best: dict[tuple[int, int], NonwordHit] = {}
        for c, p in zip(candidates, probabilities):
            # a pair counted in formal text is a word the dictionary lacks (专享, 咨政), not a misspelling; a
            # token in a short quotation or title (“民星”, 《千磨万击还坚劲》) is coined, and one against Latin
            # letters or digits is a model name (歼-15)
            if p < self.model.threshold or self._inside(c, quoted) or self._against_code(text, c):
                continue
            kept = best.get((c.start, c.end))
            if kept is None or p > kept.probability:
                best[(c.start, c.end)] = NonwordHit(c.start, c.end, c.position, c.word, float(p))
        hits = sorted(best.values(), key=lambda h: h.start)
        if self.blocks is not None:
            hits = [h for h in hits if not self.blocks(text, h.start, h.end, h.word)]
        return hits


# ---- non-words decided by counts -----------------------------------------------------------------------

COUNTED_FEATURES = (
    "gain",  # trigram log-probability of the suggested character minus the written one's
    "base",  # trigram log-probability of the written character
    "fixed",  # log(1 + count) of the corrected window as a whole token of the formal corpora
    "fixed_dict",  # log(1 + dictionary frequency) of the corrected window
    "joined",  # 1 when the anchor pair was counted (it occurs across words) but jieba joined it into a loose token
    "other",  # log(1 + count) of the written character's pair on its other side (-1: no Chinese character there)
    "single",  # 1 when the written character is a one-character token, 0 when inside a loose token
    "partner_single",  # 1 when the other character of the anchor pair is a one-character token
    "same_token",  # 1 when the anchor pair is inside one token of the segmentation
    "length",  # the corrected window's length (2 or 3)
    "src_single", "cand_single",  # log(1 + dictionary frequency) of each character as a one-character word
    "same_tone", "diff_tone", "shape", "observed",  # the confusion columns that link the two characters
    "n_cands",  # candidates at the anchor
    "partner_freq",  # log(1 + dictionary frequency) of the anchor's other character as a one-character word
    "fixed_other",  # log(1 + count) of the corrected character's pair on the written one's other side (-1: none)
    "seg_gain",  # jieba's best-path log-probability of the window ±4 characters, corrected minus written
)
SEG_CONTEXT = 4  # characters each side of a candidate's window that the segmentation gain reads


def segmentation_logprob(text: str) -> float:
    """jieba's best-path log-probability of `text` under its own unigram word model (no HMM)."""
    from review.segment import get_tokenizer

    if not text:
        return 0.0
    tokenizer = get_tokenizer()
    route: dict = {}
    tokenizer.calc(text, tokenizer.get_DAG(text), route)
    return float(route[0][0])


@dataclass(frozen=True)
class CountedSettings:
    """Thresholds of the count-evidence non-word detector (lexicons/typo/typo.toml, [counted_nonwords])."""

    # the least count, as a whole token of the formal corpora, of the word the correction makes
    min_fixed: int
    # the least trigram gain (nats) of the corrected character over the written one (a cheap first gate)
    min_gain: float
    # a written token of the dictionary at this frequency or above is a word (善自 at 0 is none)
    word_freq: int
    # a one-character token this frequent (的, 在, 是) is the context's own: never replaced here
    function_freq: int
    # the decider's probability a finding needs, and from which it is `major`
    threshold: float
    major_from: float
    severity: str
    # from this probability a name jieba's HMM guessed for the whole written window (a token of no dictionary
    # frequency, never a token of the corpora: 申清 nr, 登纪 nz) no longer vetoes the finding (above 1: always)
    guessed_name_from: float = 2.0

    @classmethod
    def from_table(cls, table: dict) -> "CountedSettings":
        """Settings from the [counted_nonwords] table."""
        return cls(int(table["min_fixed"]), float(table["min_gain"]), int(table["word_freq"]),
                   int(table["function_freq"]), float(table["threshold"]), float(table["major_from"]),
                   str(table["severity"]), float(table.get("guessed_name_from", 2.0)))


@dataclass(frozen=True)
class CountedCandidate:
    """The window [start, end) of normalised text may be `word` misspelt at `position`, with the counts that
    made it a candidate."""

    start: int
    end: int
    position: int
    word: str
    joined: bool
    other: int  # the written character's pair count on its other side (-1: no Chinese character there)
    other_at: int  # where that other side is (-1: none)
    partner: int  # the anchor's other character
    single: bool
    partner_single: bool
    same_token: bool


def decode_tokens(keys: np.ndarray) -> list[str]:
    """The words of packed `TokenCounts` keys."""
    span = TokenCounts.SPAN
    keys = keys.astype(np.int64)
    third = keys % (span + 1)
    pair = keys // (span + 1)
    first, second = pair // span + TokenCounts.BASE, pair % span + TokenCounts.BASE
    return [chr(a) + chr(b) + (chr(TokenCounts.BASE + c - 1) if c else "")
            for a, b, c in zip(first.tolist(), second.tolist(), third.tolist())]


class CountedNonwordDetector:
    """A character that makes no word with its neighbours where a sound or shape neighbour makes a frequent one
    (锁要 → 索要, 耐新 → 耐心, 值首 → 值守), from counts of 45 M characters of formal text:

    - an anchor: a pair of characters never counted there (锁要, 耐新), or one that jieba joins into a token
      never counted as a token (产值|首次 holds 值首, never the word 值首);
    - the replaced character is loose: a one-character token that is no frequent function word, or inside a
      token of 2–3 characters that is no dictionary word and was never a token of the corpora (应锁, 耐新);
    - the written window was never a token, and with the neighbour in place it is a word counted `min_fixed`
      times or more as a whole token (索要 across jieba's cut 应锁|要, 反洗钱), preferred by the trigram model
      by `min_gain` nats;
    - boosted trees over `COUNTED_FEATURES` (models/nonwords/counted.npz, `review train nonwords --counted`)
      decide, from those counts.

    The post's pair counts are one vectorised lookup; only its few anchors are looked at one by one.
    """

    def __init__(self, word_freq: dict[str, int], tokens: TokenCounts, seen: SeenBigrams,
                 neighbours: Callable[[str], str], confusion: ConfusionSet, ngram: NgramModel,
                 settings: CountedSettings, model: TreeEnsemble | None = None,
                 blocks: Callable[[str, int, int, str], bool] | None = None,
                 protected_terms: Sequence[str] = ()) -> None:
        self.word_freq = word_freq
        self.protected_terms = tuple(protected_terms)
        self.tokens = tokens
        self.seen = seen
        self.neighbours = neighbours
        self.confusion = confusion
        self.ngram = ngram
        self.settings = settings
        self.model = model
        self.blocks = blocks
        frequent = tokens.keys[tokens.counts >= settings.min_fixed]
        fills: dict[str, list[str]] = {}
        for word in decode_tokens(frequent):
            for m in range(len(word)):
                fills.setdefault(word[:m] + "\0" + word[m + 1:], []).append(word[m])
        self.fills = {key: "".join(chars) for key, chars in fills.items()}

    def loose(self, text: str, tokens: Sequence[Token]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per character of `text`: inside a loose token of 2–3 characters (see the class), a one-character token,
        and the index of its token."""
        n = len(text)
        starts = np.fromiter((t.start for t in tokens), dtype=np.int64, count=len(tokens))
        lengths = np.fromiter((t.end - t.start for t in tokens), dtype=np.int64, count=len(tokens))
        multi_loose = np.zeros(n, dtype=bool)
        if int(lengths.sum()) == n and (len(starts) == 0 or starts[0] == 0):
            token_of = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
            single = np.repeat(lengths == 1, lengths)
        else:  # tokens that do not tile the text (never from the segmenter): one at a time
            token_of = np.zeros(n, dtype=np.int64)
            single = np.zeros(n, dtype=bool)
            for k, token in enumerate(tokens):
                token_of[token.start:token.end] = k
                single[token.start:token.end] = token.end - token.start == 1
        # the counts of every token of 2–3 characters in one vectorised lookup; the dictionary only for the few
        # never counted (a Python pass over every token would cost more than the rest of the detector)
        middle = np.flatnonzero((lengths >= 2) & (lengths <= 3))
        if len(middle):
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) - TokenCounts.BASE
            han = (codes >= 0) & (codes < TokenCounts.SPAN)
            s, length = starts[middle], lengths[middle]
            third = np.minimum(s + 2, n - 1)
            inside = han[s] & han[s + 1] & ((length == 2) | han[third])
            span = TokenCounts.SPAN
            keys = (codes[s] * span + codes[s + 1]) * (span + 1) + np.where(length == 3, codes[third] + 1, 0)
            counts = self.tokens.lookup_keys(np.where(inside, keys, -1))
            for k in middle[counts == 0].tolist():
                token = tokens[k]
                if self.word_freq.get(token.word, 0) < self.settings.word_freq:
                    multi_loose[token.start:token.end] = True
        return multi_loose, single, token_of

    def single_loose(self, text: str, position: int) -> bool:
        """A one-character token at `position` is loose unless it is a frequent function word (的, 在, 是)."""
        return self.word_freq.get(text[position], 0) < self.settings.function_freq

    def pair_counts(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts in the formal corpora of each pair of the text whose code points less the block's base are
        `codes`, and which characters are basic-block Chinese."""
        han = (codes >= 0) & (codes < SeenBigrams.SPAN)
        if len(codes) < 2:
            return np.zeros(0, dtype=np.int64), han
        both = han[:-1] & han[1:]
        return self.seen.lookup(np.where(both, codes[:-1] * SeenBigrams.SPAN + codes[1:], -1)), han

    def candidates(self, text: str, tokens: Sequence[Token]) -> list[CountedCandidate]:
        """Every candidate correction at the anchors of `text` (normalised), before any threshold."""
        if len(text) < 2:
            return []
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) - SeenBigrams.BASE
        pairs, han = self.pair_counts(codes)
        multi_loose, single, token_of = self.loose(text, tokens)
        joined = multi_loose[:-1] & multi_loose[1:] & (token_of[:-1] == token_of[1:]) & (pairs > 0)
        maybe = multi_loose | single  # loose, once the one-character tokens' frequency is looked at
        anchors = np.flatnonzero(han[:-1] & han[1:] & ((pairs == 0) | joined) & (maybe[:-1] | maybe[1:]))
        found: list[CountedCandidate] = []
        # Python lists for the per-anchor loop: a NumPy scalar read or slice costs ~10 times a list's
        multi_loose, single, han, pairs = multi_loose.tolist(), single.tolist(), han.tolist(), pairs.tolist()
        joined, token_of = joined.tolist(), token_of.tolist()
        size, word_freq, function_freq, all_fills = len(text), self.word_freq, self.settings.function_freq, self.fills
        for j in anchors.tolist():
            for position, other in ((j, j - 1), (j + 1, j + 2)):
                # `single_loose`, inlined: a one-character token is loose unless it is a frequent function word
                if not (multi_loose[position]
                        or (single[position] and word_freq.get(text[position], 0) < function_freq)):
                    continue
                partner = j + 1 if position == j else j
                other_count = int(pairs[min(position, other)]) if 0 <= other < size and han[other] else -1
                near = None  # the written character's neighbours, looked up once for its windows
                for a, b in ((j, j + 2), (j - 1, j + 2), (j, j + 3)):
                    if a < 0 or b > size or not all(han[a:b]):
                        continue
                    window = text[a:b]
                    m = position - a
                    fills = all_fills.get(window[:m] + "\0" + window[m + 1:], "")
                    if not fills:
                        continue
                    if near is None:
                        near = self.neighbours(window[m])
                    for ch in fills:
                        if ch in near:
                            found.append(CountedCandidate(
                                a, b, position, window[:m] + ch + window[m + 1:], bool(joined[j]), other_count,
                                other if other_count >= 0 else -1, partner, bool(single[position]),
                                bool(single[partner]),
                                bool(token_of[position] == token_of[partner])))
        if not found:
            return []
        written = self.tokens.lookup([text[c.start:c.end] for c in found])
        return [c for c, count in zip(found, written) if count == 0]

    def features(self, text: str, candidates: Sequence[CountedCandidate]) -> np.ndarray:
        """One row of `COUNTED_FEATURES` a candidate."""
        gain, base = trigram_gain(self.ngram, text, candidates)
        fixed = self.tokens.lookup([c.word for c in candidates])
        return self._rows(text, candidates, gain, base, fixed, self._per_anchor(candidates))

    @staticmethod
    def _per_anchor(candidates: Sequence[CountedCandidate]) -> dict[int, int]:
        """How many candidates each anchor position has (the `n_cands` feature)."""
        per_anchor: dict[int, int] = {}
        for c in candidates:
            per_anchor[c.position] = per_anchor.get(c.position, 0) + 1
        return per_anchor

    def _rows(self, text: str, candidates: Sequence[CountedCandidate], gain: np.ndarray, base: np.ndarray,
              fixed: np.ndarray, per_anchor: dict[int, int]) -> np.ndarray:
        """`features` of `candidates` from their trigram gain and base, corrected-window counts and the anchors'
        candidate counts (of all the text's candidates: a subset's rows are the same as in the whole)."""
        fixed_other = self.seen.lookup([
            -1 if c.other_at < 0 else SeenBigrams.key(*((text[c.other_at], c.word[c.position - c.start])
                                                       if c.other_at < c.position
                                                       else (c.word[c.position - c.start], text[c.other_at])))
            for c in candidates])
        rows = np.zeros((len(candidates), len(COUNTED_FEATURES)), dtype=np.float64)
        # jieba's reading of a window, by its text: the candidates at one anchor share their written window (a
        # third of an informal post's readings are repeats)
        readings: dict[str, float] = {}
        for k, c in enumerate(candidates):
            src, cand = text[c.position], c.word[c.position - c.start]
            rows[k] = (
                gain[k], base[k], math.log1p(fixed[k]), math.log1p(self.word_freq.get(c.word, 0)), float(c.joined),
                math.log1p(c.other) if c.other >= 0 else -1.0, float(c.single), float(c.partner_single),
                float(c.same_token), float(c.end - c.start),
                math.log1p(self.word_freq.get(src, 0)), math.log1p(self.word_freq.get(cand, 0)),
                *(float(cand in self.confusion.column(src, column)) for column in COLUMNS),
                float(per_anchor[c.position]), math.log1p(self.word_freq.get(text[c.partner], 0)),
                math.log1p(fixed_other[k]) if c.other_at >= 0 else -1.0, self.segmentation_gain(text, c, readings),
            )
        return rows

    def guessed_word(self, text: str, tokens: Sequence[Token], c: CountedCandidate) -> bool:
        """True when the written window is one whole token that jieba's HMM guessed (no dictionary frequency; never
        a token of the corpora, or it would be no candidate) and holds no protected term: a name tag on it (申清 nr,
        登纪 nz) is a guess about the very string whose unknown-ness makes it a non-word."""
        window = text[c.start:c.end]
        if self.word_freq.get(window, 0) > 0 or not any(t.start == c.start and t.end == c.end for t in tokens):
            return False
        low, high = max(0, c.start - 3), min(len(text), c.end + 3)
        nearby = text[low:high]
        return not any(term in nearby and any(
            at < c.end - low and c.start - low < at + len(term) for at in _occurrences(nearby, term))
            for term in self.protected_terms)

    @staticmethod
    def segmentation_gain(text: str, c: CountedCandidate, readings: dict[str, float] | None = None) -> float:
        """How much better jieba segments the candidate's window and `SEG_CONTEXT` characters each side once
        corrected: 应锁要发票 → 应索要发票 reads as words again (`readings`: the texts read so far, reused)."""
        left, right = max(0, c.start - SEG_CONTEXT), min(len(text), c.end + SEG_CONTEXT)
        before = text[left:right]
        after = text[left:c.start] + c.word + text[c.end:right]
        if readings is None:
            return segmentation_logprob(after) - segmentation_logprob(before)
        fixed = readings.get(after)
        if fixed is None:
            fixed = readings[after] = segmentation_logprob(after)
        written = readings.get(before)
        if written is None:
            written = readings[before] = segmentation_logprob(before)
        return fixed - written

    def find(self, text: str, tokens: Sequence[Token]) -> list[NonwordHit]:
        """Decided non-words of `text` (normalised), the most probable first, not overlapping."""
        if self.model is None:
            return []
        candidates = self.candidates(text, tokens)
        if not candidates:
            return []
        # the two gates (trigram gain, the corrected window's count) first: the other features, jieba's
        # segmentation gain the dearest, only for the candidates that pass (the same rows as computed for all)
        gain, base = trigram_gain(self.ngram, text, candidates)
        fixed = self.tokens.lookup([c.word for c in candidates])
        least_fixed = math.log1p(self.settings.min_fixed)
        keep = [k for k in range(len(candidates))
                if gain[k] >= self.settings.min_gain and math.log1p(fixed[k]) >= least_fixed]
        if not keep:
            return []
        per_anchor = self._per_anchor(candidates)
        candidates = [candidates[k] for k in keep]
        rows = self._rows(text, candidates, gain[keep], base[keep], fixed[keep], per_anchor)
        probabilities = self.model.predict(rows)
        quoted = quoted_spans(text)
        kept: list[NonwordHit] = []
        for k in np.argsort(-probabilities, kind="stable").tolist():
            c, p = candidates[k], float(probabilities[k])
            if p < self.settings.threshold:
                break
            plain = NonwordCandidate(c.start, c.end, c.position, c.word)
            if any(h.start < c.end and c.start < h.end for h in kept) or NonwordDetector._inside(plain, quoted) \
                    or NonwordDetector._against_code(text, plain):
                continue
            if self.blocks is not None and not (p >= self.settings.guessed_name_from
                                                and self.guessed_word(text, tokens, c)) \
                    and self.blocks(text, c.start, c.end, c.word):
                continue
            kept.append(NonwordHit(c.start, c.end, c.position, c.word, p))
        return sorted(kept, key=lambda h: h.start)


def _occurrences(text: str, term: str) -> list[int]:
    """Where `term` starts in `text`, overlapping occurrences included."""
    found, at = [], text.find(term)
    while at >= 0:
        found.append(at)
        at = text.find(term, at + 1)
    return found


def build_counted_detector(table: dict, folder: Path, word_freq: dict[str, int], base: "NonwordDetector",
                           blocks: Callable[[str, int, int, str], bool] | None = None, load_model: bool = True
                           ) -> CountedNonwordDetector | None:
    """The count-evidence detector of the [counted_nonwords] settings, sharing the pair counts, neighbours and
    n-gram model of the non-word detector `base` (None when off or its token counts are not installed; without
    its trees it proposes candidates but decides none)."""
    if not table or not table.get("enabled", True) or not (folder / "token_counts.npz").exists():
        return None
    settings = CountedSettings.from_table(table)
    model = None
    if load_model and (folder / "counted.npz").exists():
        model, _meta = TreeEnsemble.load(folder / "counted.npz", COUNTED_FEATURES)
    terms: tuple[str, ...] = ()
    if table.get("protected_terms"):
        from review.lexicon import load_phrases

        terms = load_phrases("typo", str(table["protected_terms"]))
    return CountedNonwordDetector(word_freq, TokenCounts.load(folder / "token_counts.npz"), base.seen,
                                  base.neighbours, base.confusion, base.ngram, settings, model, blocks, terms)


def load_counted_detector(settings: dict, base: "NonwordDetector | None",
                          blocks: Callable[[str, int, int, str], bool] | None = None
                          ) -> CountedNonwordDetector | None:
    """The count-evidence detector of the typo settings (its [counted_nonwords] table; the files in the folder of
    [nonwords]), or None when either detector is off."""
    from review.resources import model_path

    if base is None:
        return None
    folder = model_path(settings.get("nonwords", {}).get("model_dir", "nonwords"))
    return build_counted_detector(settings.get("counted_nonwords", {}), folder, base.word_freq, base, blocks)

"""Whole-word homophone corrections: a two-character word typed as another word that sounds the same.

A pinyin input method offers whole words, and an editor who picks the wrong one leaves two wrong characters
side by side: 规划纲要 → 桂花纲要, 强制性 → 枪支性, 职工安置 → 直供安置. The character corrector
(review/typo/rerank.py) changes one character at a time, judging it against its neighbours, and here both
neighbours are wrong; it corrects neither. About a fifth of the official-document training pairs
(csc-ecspell odw) with errors hold such a pair.

1. **Propose**: every two Chinese characters in a row where one reads badly to the trigram model (its own
   log-probability below ``gate``) and the other not well (below ``pair_gate``) are read as toneless pinyin
   (every reading of each character); the dictionary's two-character words filed under that pinyin
   (lexicons/pinyin/homophone_words.tsv) that differ from them in both characters are candidates when they
   make the four trigrams that read the two characters at least ``floor`` nats likelier.
2. **Describe** each candidate with ``WORD_FEATURES``: the trigram log-probability of the four trigrams that
   read the two characters, before and after, the dictionary frequencies of both words and of the longer
   words the candidate makes with its neighbours, whether the tones match, and the cloze model's scores of
   each new character with the other one in place.
3. **Decide**: a small gradient-boosted tree ensemble (``review train words``, review/training/words.py,
   stored in ``models/csc/words.npz``) gives the probability that the candidate is the right correction; the
   best candidates that reach the tuned threshold and do not overlap are suggested.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from review.resources import open_arrays
from review.typo.candidates import CAP_SLACK, ScoredText, join_sentences, quoted_lengths, run_starts
from review.typo.cloze import PAD, ClozeModel
from review.typo.edits import Corrector, Edit, Spans, covered
from review.typo.ngram import NgramModel, encode, padded
from review.typo.trees import TreeEnsemble

WORDS_FILE = "words.npz"

WORD_FEATURES = (
    "gain",  # log-probability of the four trigrams that read the two characters, candidate minus source
    "src",  # that log-probability with the source characters
    "cand",  # the same with the candidate word
    "base_low",  # the lower of the two source characters' own trigram log-probabilities
    "base_high",  # the higher one
    "src_freq",  # log(1 + dictionary frequency) of the source characters as a word (0 when not a word)
    "cand_freq",  # the same of the candidate word
    "src_long",  # log(1 + frequency) of the best 3-4 character dictionary word through the source pair
    "cand_long",  # the same with the candidate word in place
    "tones",  # 1 when the two words' first readings match with their tones
    "n_alt",  # how many candidates the pair has
    "rank",  # 0 for the pair's best candidate by gain, 1 for the next ...
    "gap",  # gain minus the best other candidate's gain at the pair (negative unless best)
    "cloze_first",  # the cloze model's score of the first new character minus the source's, the second new
    "cloze_second",  # ... and of the second, the first new one in place (both 0 without a cloze model)
    "cloze_low",  # the lower of the two
    "quoted",  # length of the short quoted or titled span (“…”, 《…》) holding the pair, else 0
)
WORD_FEATURE_INDEX = {name: i for i, name in enumerate(WORD_FEATURES)}

@dataclass
class WordCandidates:
    """The word candidates of one sentence: start offset, source pair, candidate word and feature row."""

    starts: np.ndarray  # (n,) int
    sources: List[str]
    words: List[str]
    features: np.ndarray  # (n, len(WORD_FEATURES)) float32


class HomophoneWordGenerator:
    """Proposes and describes whole-word homophone replacements of character pairs."""

    def __init__(self, ngram: NgramModel, word_freq: Dict[str, int], cloze: Optional[ClozeModel] = None,
                 gate: float = -16.0, pair_gate: float = -12.0, floor: float = 3.0, max_readings: int = 3,
                 words_per_key: int = 4, row_cap: float = 0.0) -> None:
        self.ngram = ngram
        self.floor = floor
        # bounded work per text (0: no bound): at most this many candidates a character, plus CAP_SLACK, are
        # described and decided (the highest gains; clean news has far fewer)
        self.row_cap = row_cap
        self.word_freq = word_freq
        self.cloze = cloze
        self.gate = gate
        self.pair_gate = pair_gate
        self.max_readings = max_readings
        # only a reading's most frequent words are candidates: the training pairs' right word is among the
        # first 4 in 96% of their whole-word errors, and the long lists (shi shi, ji shu …) cost the most
        self.words_per_key = words_per_key
        # filled by `prepare`: per code point its readings' ids (-1: none) and its first toned reading's id;
        # the index as sorted (first reading id * readings + second reading id) keys, each key's range of
        # rows in the words' code-point arrays
        self._readings: Optional[np.ndarray] = None
        self._toned: np.ndarray = np.zeros(0, np.int64)
        self._n_readings = 0
        self._keys = self._key_starts = self._word_codes = np.zeros(0, np.int64)

    def prepare(self) -> None:
        """Read the pinyin tables' arrays, once per process: shipped prebuilt (lexicons/typo/homophone_tables.npz,
        ~5 ms) while they match the tables and this generator's settings, else derived from them (~0.15 s)."""
        if self._readings is not None:
            return
        tables = shipped_homophone_tables(self.max_readings, self.words_per_key)
        if tables is None:
            tables = build_homophone_tables(self.max_readings, self.words_per_key)
        self._keys, self._key_starts, self._word_codes = tables.keys, tables.key_starts, tables.word_codes
        self._n_readings = tables.n_readings
        self._toned = tables.toned
        self._readings = tables.readings

    def _alternatives(self, codes: np.ndarray, starts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(owner, word code points) of the dictionary words that read like the character pairs at `starts` of
        `codes` (any reading of either character) and differ from them in both characters; owner indexes
        `starts`."""
        first = self._readings.take(np.minimum(codes[starts], len(self._readings) - 1), axis=0)
        second = self._readings.take(np.minimum(codes[starts + 1], len(self._readings) - 1), axis=0)
        combos = (first[:, :, None] * self._n_readings + second[:, None, :]).reshape(len(starts), -1)
        valid = ((first >= 0)[:, :, None] & (second >= 0)[:, None, :]).reshape(len(starts), -1)
        owner, combo = np.nonzero(valid)
        wanted = combos[owner, combo]
        at = np.searchsorted(self._keys, wanted)
        at = np.minimum(at, len(self._keys) - 1)
        hit = self._keys[at] == wanted
        owner, at = owner[hit], at[hit]
        sizes = self._key_starts[at + 1] - self._key_starts[at]
        total = int(sizes.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros((0, 2), np.int64)
        owner = np.repeat(owner, sizes)
        firsts = np.cumsum(sizes) - sizes
        rows = np.repeat(self._key_starts[at] - firsts, sizes) + np.arange(total)
        words = self._word_codes[rows]
        src = codes[starts[owner]], codes[starts[owner] + 1]
        differ = (words[:, 0] != src[0]) & (words[:, 1] != src[1])
        owner, rows, words = owner[differ], rows[differ], words[differ]
        # a word found under two readings of the same pair counts once
        _, unique = np.unique(owner * len(self._word_codes) + rows, return_index=True)
        unique.sort()
        return owner[unique], words[unique]

    def _long_word(self, sentence: str, start: int, word: str) -> float:
        """log(1 + frequency) of the most frequent 3-4 character dictionary word through `word` at `start`."""
        freq = self.word_freq
        size = len(sentence)
        # the six characters the windows read, not the whole text copied with the word in place
        left = max(0, start - 2)
        local = sentence[left:start] + word + sentence[start + 2:start + 4]
        best = 0
        for a, b in ((start - 1, start + 2), (start, start + 3), (start - 2, start + 2), (start, start + 4),
                     (start - 1, start + 3)):
            if a >= 0 and b <= size:
                found = freq.get(local[a - left:b - left], 0)
                if found > best:
                    best = found
        return math.log1p(best)

    def generate(self, sentence: str, scored: Optional[ScoredText] = None) -> WordCandidates:
        """The word candidates of `sentence` (see the module's docstring); `scored`, the character pass's n-gram
        reading of the same text, spares looking its n-grams up again."""
        if self._readings is None:
            self.prepare()
        empty = WordCandidates(np.zeros(0, np.int64), [], [], np.zeros((0, len(WORD_FEATURES)), np.float32))
        codes = encode(sentence)
        chinese = codes > 0
        pair_ok = chinese[:-1] & chinese[1:]
        if not pair_ok.any():
            return empty
        if scored is not None and scored.reusable(sentence, self.ngram):
            cp, counts, base = scored.padded, scored.counts, scored.own
        else:
            cp = padded(codes)
            counts = self.ngram.text_counts(cp)
            base = np.zeros(len(codes))
            positions = np.nonzero(chinese)[0]
            base[positions] = self.ngram.source_logprob(cp, positions, counts)
        low, high = np.minimum(base[:-1], base[1:]), np.maximum(base[:-1], base[1:])
        starts_all = np.nonzero(pair_ok & (low < self.gate) & (high < self.pair_gate))[0]
        if not len(starts_all):
            return empty
        owner, new = self._alternatives(codes, starts_all)
        if not len(owner):
            return empty
        at = starts_all[owner]
        src = self._source_window(counts, starts_all + 2)[owner]
        cand = self._candidate_window(cp, counts, at + 2, new[:, 0], new[:, 1])
        gain = cand - src
        keep = gain >= self.floor
        if not keep.any():
            return empty
        cap = int(self.row_cap * len(sentence)) + CAP_SLACK
        if self.row_cap > 0 and int(keep.sum()) > cap:
            kept = np.flatnonzero(keep)
            keep = np.zeros_like(keep)
            keep[kept[np.sort(np.argsort(-gain[kept], kind="stable")[:cap])]] = True
        at, new, src, cand, gain = at[keep], new[keep], src[keep], cand[keep], gain[keep]
        n = len(at)
        # rank and gap within each pair (candidates are grouped by start, in order)
        order = np.lexsort((-gain, at))
        at, new, src, cand, gain = at[order], new[order], src[order], cand[order], gain[order]
        words = new.astype("<u4").tobytes().decode("utf-32-le")
        words = [words[k: k + 2] for k in range(0, 2 * n, 2)]
        group_starts = run_starts(at)
        sizes = np.diff(np.concatenate((group_starts, [n])))
        first = np.repeat(group_starts, sizes)
        rank = np.arange(n) - first
        second = np.where(sizes > 1, gain[np.minimum(group_starts + 1, n - 1)], gain[group_starts] - 20.0)
        gap = np.where(rank == 0, gain - np.repeat(second, sizes), gain - gain[first])
        feats = np.zeros((n, len(WORD_FEATURES)), dtype=np.float32)
        f = WORD_FEATURE_INDEX
        feats[:, f["gain"]] = gain
        feats[:, f["src"]] = src
        feats[:, f["cand"]] = cand
        feats[:, f["base_low"]] = np.minimum(base[at], base[at + 1])
        feats[:, f["base_high"]] = np.maximum(base[at], base[at + 1])
        freq = self.word_freq
        sources = [sentence[s: s + 2] for s in at.tolist()]
        feats[:, f["src_freq"]] = [math.log1p(freq.get(w, 0)) for w in sources]
        feats[:, f["cand_freq"]] = [math.log1p(freq.get(w, 0)) for w in words]
        long_src: Dict[int, float] = {}
        src_long, cand_long = [], []
        for s, w in zip(at.tolist(), words):
            if s not in long_src:
                long_src[s] = self._long_word(sentence, s, sentence[s: s + 2])
            src_long.append(long_src[s])
            cand_long.append(self._long_word(sentence, s, w))
        feats[:, f["src_long"]] = src_long
        feats[:, f["cand_long"]] = cand_long
        toned = self._toned
        feats[:, f["tones"]] = ((toned[new[:, 0]] == toned[np.minimum(codes[at], len(toned) - 1)]) &
                                (toned[new[:, 1]] == toned[np.minimum(codes[at + 1], len(toned) - 1)]))
        feats[:, f["n_alt"]] = np.repeat(sizes, sizes)
        feats[:, f["rank"]] = np.minimum(rank, 10)
        feats[:, f["gap"]] = np.clip(gap, -30, 30)
        feats[:, f["quoted"]] = quoted_lengths(sentence)[at]
        if self.cloze is not None:
            self._cloze_features(feats, sentence, at, new)
        return WordCandidates(at, sources, words, feats)

    def _source_window(self, counts, q: np.ndarray) -> np.ndarray:
        """Log-probability of the four trigrams that read the text's own pairs at padded positions q, q + 1
        (trigrams ending at q … q + 3): gathered from the text's counts, no lookup."""
        uni, bi, tri = counts.unigram, counts.bigram, counts.trigram
        k = np.concatenate([q, q + 1, q + 2, q + 3])  # where each trigram ends
        p = self.ngram.p_trigram_from_counts(tri[k - 2], bi[k - 2], bi[k - 1], uni[k - 1], uni[k])
        return np.log(p).reshape(4, len(q)).sum(0)

    def _candidate_window(self, cp: np.ndarray, counts, p: np.ndarray, y0: np.ndarray, y1: np.ndarray
                          ) -> np.ndarray:
        """The same with the candidate word (y0, y1) at padded positions p, p + 1: the three new bigrams in
        one lookup, the trigrams only where both their bigrams were seen (one lookup), the rest gathered."""
        from review.typo.ngram import bigram_keys, trigram_keys

        ngram = self.ngram
        uni, bi = counts.unigram, counts.bigram
        n = len(p)
        ll, l1, r, rr = cp[p - 2], cp[p - 1], cp[p + 2], cp[p + 3]
        both = ngram.bigrams.lookup(
            np.concatenate([bigram_keys(l1, y0), bigram_keys(y0, y1), bigram_keys(y1, r)])
        )
        c_ly0, c_y0y1, c_y1r = both[:n], both[n: 2 * n], both[2 * n:]
        c_llL, c_rrr = bi[p - 2], bi[p + 2]  # (ll, l1) and (r, rr): the text's own bigrams
        # trigram counts where both of its bigrams were seen (a trigram is counted only then)
        parts = ((c_llL > 0) & (c_ly0 > 0), ll, l1, y0), ((c_ly0 > 0) & (c_y0y1 > 0), l1, y0, y1), \
                ((c_y0y1 > 0) & (c_y1r > 0), y0, y1, r), ((c_y1r > 0) & (c_rrr > 0), y1, r, rr)
        rows = [np.flatnonzero(m) for m, _, _, _ in parts]
        keys = np.concatenate([trigram_keys(a[at], b[at], c[at]) for at, (_, a, b, c) in zip(rows, parts)])
        found = ngram.trigrams.lookup(keys) if len(keys) else np.zeros(0)
        tri = np.zeros((4, n))
        start = 0
        for j, at in enumerate(rows):
            tri[j, at] = found[start: start + len(at)]
            start += len(at)
        c_y0, c_y1 = ngram.unigram_counts(y0), ngram.unigram_counts(y1)
        logp = (np.log(ngram.p_trigram_from_counts(tri[0], c_llL, c_ly0, uni[p - 1], c_y0))
                + np.log(ngram.p_trigram_from_counts(tri[1], c_ly0, c_y0y1, c_y0, c_y1))
                + np.log(ngram.p_trigram_from_counts(tri[2], c_y0y1, c_y1r, c_y1, uni[p + 2]))
                + np.log(ngram.p_trigram_from_counts(tri[3], c_y1r, c_rrr, uni[p + 2], uni[p + 3])))
        return logp

    def _cloze_features(self, feats: np.ndarray, sentence: str, at: np.ndarray, new: np.ndarray) -> None:
        """Cloze scores of each new character against the source's, read with the other new character in
        place: every candidate's 12 characters around it, copied apart and separated by padding."""
        cloze = self.cloze
        width = cloze.width
        raw = np.frombuffer(sentence.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.concatenate([np.full(width, PAD), cloze.ids(raw), np.full(width + 1, PAD)]).astype(np.int64)
        span = 2 * width + 2  # width before the pair, the pair, width after it
        seg = ids[(at[:, None] + np.arange(span)[None, :])]  # ids is shifted by width: seg starts width before
        new_ids = cloze.ids(new)
        seg[:, width] = new_ids[:, 0]  # the first new character in place, to read the second
        stride = span + 1
        flat = np.concatenate([seg, np.full((len(at), 1), PAD)], 1).ravel()
        second_at = np.arange(len(at)) * stride + width + 1
        seg2 = ids[(at[:, None] + np.arange(span)[None, :])].copy()
        seg2[:, width + 1] = new_ids[:, 1]  # the second new character in place, to read the first
        flat2 = np.concatenate([seg2, np.full((len(at), 1), PAD)], 1).ravel()
        first_at = np.arange(len(at)) * stride + width
        q1 = cloze.hidden(flat2, first_at)
        q2 = cloze.hidden(flat, second_at)
        rows = np.arange(len(at))
        src_ids = ids[at + width], ids[at + width + 1]
        g1 = cloze.scores(q1, rows, new_ids[:, 0]) - cloze.scores(q1, rows, src_ids[0])
        g2 = cloze.scores(q2, rows, new_ids[:, 1]) - cloze.scores(q2, rows, src_ids[1])
        f = WORD_FEATURE_INDEX
        feats[:, f["cloze_first"]] = g1
        feats[:, f["cloze_second"]] = g2
        feats[:, f["cloze_low"]] = np.minimum(g1, g2)


class WordCorrector(Corrector):
    """Suggests whole-word homophone corrections: the generator's candidates scored by a tree ensemble."""

    def __init__(self, generator: HomophoneWordGenerator, ensemble: TreeEnsemble, threshold: float,
                 meta: Optional[dict] = None) -> None:
        self.generator = generator
        self.ensemble = ensemble
        self.threshold = threshold
        self.meta: dict = dict(meta or {})

    def prepare(self) -> None:
        """Read the pinyin tables now (see `HomophoneWordGenerator.prepare`)."""
        self.generator.prepare()

    def scored(self, sentence: str, scored: Optional[ScoredText] = None) -> Tuple[WordCandidates, np.ndarray]:
        """The sentence's candidates and their probabilities of being the right correction."""
        cands = self.generator.generate(sentence, scored)
        probs = self.ensemble.predict(cands.features) if len(cands.words) else np.zeros(0)
        return cands, probs

    @staticmethod
    def decide(cands: WordCandidates, prob: np.ndarray, threshold: float,
               protected: Sequence[Tuple[int, int]] = ()) -> List[Edit]:
        """The most probable candidates that reach `threshold`, not overlapping each other or a protected span
        (two-character edits)."""
        out: List[Edit] = []
        taken: set = set()
        for k in np.argsort(-prob, kind="stable").tolist():
            if prob[k] < threshold:
                break
            s = int(cands.starts[k])
            if s in taken or s + 1 in taken or any(a < s + 2 and s < b for a, b in protected):
                continue
            taken.update((s, s + 1))
            out.append(Edit(s, cands.sources[k], cands.words[k], round(float(prob[k]), 4)))
        return sorted(out)

    def correct_sentence(self, sentence: str, threshold: Optional[float] = None,
                         protected: Sequence[Tuple[int, int]] = (), scored: Optional[ScoredText] = None
                         ) -> List[Edit]:
        """Word corrections of one sentence."""
        cands, prob = self.scored(sentence, scored)
        return self.decide(cands, prob, self.threshold if threshold is None else threshold, protected)

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None, scored: Optional[ScoredText] = None) -> List[List[Edit]]:
        """Word corrections of each sentence: the sentences joined by two line breaks (which no pair, n-gram
        or window crosses) are scored and decided as one text, then the edits are handed back. `scored` is the
        character pass's reading of that joined text (`JoinedCandidates.scored`), reused when it is."""
        thr = self.threshold if threshold is None else float(threshold)
        if len(sentences) == 1:
            return [self.correct_sentence(sentences[0], thr, protected[0] if protected else (), scored)]
        offsets = np.cumsum([0] + [len(s) + 2 for s in sentences[:-1]])
        joined = join_sentences(sentences)
        spans = (
            [(a + int(o), b + int(o)) for o, spans in zip(offsets, protected) for a, b in spans] if protected else ()
        )
        out: List[List[Edit]] = [[] for _ in sentences]
        for edit in self.correct_sentence(joined, thr, spans, scored):
            i = int(np.searchsorted(offsets, edit.index, side="right")) - 1
            out[i].append(edit.shifted(-int(offsets[i])))
        return out


def merge_word_edits(char_edits: List[Edit], word_edits: Sequence[Edit]) -> List[Edit]:
    """Character edits of a sentence with its word edits in: a word edit replaces the character edits at its
    two positions."""
    if not word_edits:
        return char_edits
    taken = covered(word_edits)
    return sorted([e for e in char_edits if e.index not in taken] + list(word_edits))


def load_word_corrector(folder: Path, ngram: NgramModel, word_freq: Dict[str, int],
                        cloze: Optional[ClozeModel], row_cap: float = 0.0) -> Optional[WordCorrector]:
    """The word corrector of `folder`'s words.npz (None when there is none); `row_cap` bounds its candidates
    a character (see `HomophoneWordGenerator`)."""
    path = Path(folder) / WORDS_FILE
    if not path.exists():
        return None
    ensemble, meta = TreeEnsemble.load(path, WORD_FEATURES)
    if meta.get("cloze") and cloze is None:
        raise FileNotFoundError(f"{path} was trained with the cloze model, which is missing")
    generator = HomophoneWordGenerator(ngram, word_freq, cloze if meta.get("cloze") else None,
                                       gate=float(meta.get("gate", -16.0)), pair_gate=float(meta.get("pair_gate", 0.0)),
                                       floor=float(meta.get("floor", 3.0)),
                                       words_per_key=int(meta.get("words_per_key", 0)), row_cap=row_cap)
    return WordCorrector(generator, ensemble, float(meta["threshold"]), meta)


# ---- the pinyin tables as arrays, prebuilt -----------------------------------------------------------------

HOMOPHONE_TABLES_FILE = "homophone_tables.npz"  # under lexicons/typo (not lexicons/pinyin: its digest names that)
HOMOPHONE_TABLES_FOLDER = "typo"
HOMOPHONE_TABLES_FORMAT = 1  # raise when the arrays' meaning changes
HOMOPHONE_SOURCES = ("char_readings.tsv", "homophone_words.tsv")  # under lexicons/pinyin


@dataclass
class HomophoneTables:
    """The generator's pinyin arrays: per code point its readings' ids (-1: none) and its first toned reading's
    id; the dictionary's two-character words as sorted (first reading id * n_readings + second) keys, each key's
    range of rows in the words' code-point pairs. `digest` names the sources and settings they were built from."""

    readings: np.ndarray  # (0xA000, max_readings) int64
    toned: np.ndarray  # (0xA000,) int64
    keys: np.ndarray  # (k,) int64
    key_starts: np.ndarray  # (k + 1,) int64
    word_codes: np.ndarray  # (w, 2) int64
    n_readings: int
    digest: str

    def same_as(self, other: "HomophoneTables") -> bool:
        """Whether both hold the same arrays and digest."""
        return (self.n_readings == other.n_readings and self.digest == other.digest
                and all(np.array_equal(getattr(self, name), getattr(other, name))
                        for name in ("readings", "toned", "keys", "key_starts", "word_codes")))

    def save(self, path: Path) -> None:
        """Write the arrays (in their smallest exact types) to one .npz file."""
        np.savez_compressed(path, readings=self.readings.astype(np.int16), toned=self.toned.astype(np.int16),
                            keys=self.keys, key_starts=self.key_starts.astype(np.int32),
                            word_codes=self.word_codes.astype(np.int32), n_readings=np.array(self.n_readings),
                            digest=np.array(self.digest))

    @classmethod
    def load(cls, path: Path) -> Optional["HomophoneTables"]:
        """The tables `save` wrote to `path` (None when there is no such file)."""
        if not Path(path).exists():
            return None
        with open_arrays(path) as arrays:
            return cls(readings=arrays["readings"].astype(np.int64), toned=arrays["toned"].astype(np.int64),
                       keys=arrays["keys"].astype(np.int64), key_starts=arrays["key_starts"].astype(np.int64),
                       word_codes=arrays["word_codes"].astype(np.int64), n_readings=int(arrays["n_readings"]),
                       digest=str(arrays["digest"]))


def homophone_sources_digest(max_readings: int, words_per_key: int) -> str:
    """SHA-256 of the pinyin tables the arrays derive from and the generator's settings (1.5 MB: a few ms)."""
    from review.resources import files_digest, lexicon_path

    header = f"homophone tables {HOMOPHONE_TABLES_FORMAT} max_readings={max_readings} words_per_key={words_per_key}"
    return files_digest(header, [lexicon_path("pinyin", name) for name in HOMOPHONE_SOURCES])


def homophone_tables_path() -> Path:
    """Where the prebuilt tables ship."""
    from review.resources import lexicon_path

    return lexicon_path(HOMOPHONE_TABLES_FOLDER, HOMOPHONE_TABLES_FILE)


def shipped_homophone_tables(max_readings: int, words_per_key: int) -> Optional[HomophoneTables]:
    """The prebuilt tables when they were built from the current pinyin tables with these settings, else None."""
    import logging

    from review.resources import lexicon_path

    if not all(lexicon_path("pinyin", name).exists() for name in HOMOPHONE_SOURCES):
        return None
    tables = HomophoneTables.load(homophone_tables_path())
    if tables is None or tables.digest != homophone_sources_digest(max_readings, words_per_key):
        logging.getLogger(__name__).info(
            "lexicons/%s/%s was built from other pinyin tables or settings: deriving them (slower start); run "
            "`python -m review.training.homophone_tables` to rebuild it", HOMOPHONE_TABLES_FOLDER,
            HOMOPHONE_TABLES_FILE)
        return None
    return tables


def build_homophone_tables(max_readings: int, words_per_key: int) -> HomophoneTables:
    """The arrays derived from the pinyin tables (lexicons/pinyin, generated by `python -m review.pinyin`)."""
    from review.pinyin import char_readings, homophone_words

    table = char_readings()
    reading_ids: Dict[str, int] = {}
    toned_ids: Dict[str, int] = {}
    size = 0xA000  # CJK basic block ends below; larger code points read as having no reading
    readings = np.full((size, max_readings), -1, dtype=np.int64)
    toned = np.full(size, -1, dtype=np.int64)
    for char, (first, toneless) in table.items():
        code = ord(char)
        if code >= size:
            continue
        toned[code] = toned_ids.setdefault(first, len(toned_ids))
        for k, reading in enumerate(toneless[:max_readings]):
            readings[code, k] = reading_ids.setdefault(reading, len(reading_ids))
    # read past the function's cache: the generator keeps the index as arrays, and the cached dict of 52,000
    # keys (20 MB) would stay for nothing (nothing else at run time reads it)
    index = getattr(homophone_words, "__wrapped__", homophone_words)()
    for key in index:  # a key's readings are first readings, all in the table
        for reading in key.split(" "):
            reading_ids.setdefault(reading, len(reading_ids))
    n = len(reading_ids)
    keys, counts, words = [], [], []
    for key, ws in index.items():
        ws = ws[:words_per_key] if words_per_key > 0 else ws
        first, second = key.split(" ")
        keys.append(reading_ids[first] * n + reading_ids[second])
        counts.append(len(ws))
        words.append("".join(ws))
    order = np.argsort(keys, kind="stable")
    counts_sorted = np.array(counts, dtype=np.int64)[order]
    codes = np.frombuffer("".join(words[k] for k in order.tolist()).encode("utf-32-le"), dtype=np.uint32)
    return HomophoneTables(readings=readings, toned=toned, keys=np.array(keys, dtype=np.int64)[order],
                           key_starts=np.r_[0, np.cumsum(counts_sorted)],
                           word_codes=codes.astype(np.int64).reshape(-1, 2), n_readings=n,
                           digest=homophone_sources_digest(max_readings, words_per_key))

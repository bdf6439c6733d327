"""Character n-gram model of clean formal Chinese: the typo check's cheap first pass.

Counts of character unigrams, bigrams and trigrams over clean state-news and government text, stored as plain
sorted numpy arrays (models/ngram/ngram.npz) and looked up with `np.searchsorted`, so a whole document is scored
in a few vectorised calls. Every character that is not a CJK ideograph folds into one boundary symbol (0), so
digits, Latin, punctuation and line breaks all read as "a break in the Chinese text".

The model answers one question per sentence: is there a position where a confusion-set neighbour of the
character fits the surrounding characters much better than the character itself? Only such sentences are sent to
the (much slower) neural corrector.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from review.chars import han_mask
from review.resources import open_arrays

BITS = 21  # code points fit in 21 bits; a trigram key is 63 bits and fits an int64
BOUNDARY = 0


def encode(text: str) -> np.ndarray:
    """Code points of `text` as int64, every non-CJK character folded to BOUNDARY."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return np.where(han_mask(codes), codes, BOUNDARY)


def bigram_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Keys of the bigrams (a[i], b[i])."""
    return (a << BITS) | b


def trigram_keys(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Keys of the trigrams (a[i], b[i], c[i])."""
    return (((a << BITS) | b) << BITS) | c


def padded(codes: np.ndarray) -> np.ndarray:
    """Codes with two boundary symbols on each side."""
    return np.concatenate([[BOUNDARY, BOUNDARY], codes, [BOUNDARY, BOUNDARY]])


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads packed code points evenly
_BIT = np.array([1 << i for i in range(8)], dtype=np.uint8)  # the filter's bit i of a byte
_COUNT_MAX = np.iinfo(np.uint32).max
FILTER_BITS_PER_KEY = 16  # the key filter's size: 16-32 bits a key turn ~96% of absent keys away
# Below this many keys a lookup searches the sorted keys while they are kept (before `prepare`).
HASH_MIN_QUERIES = 64
HASH_INDEX_FORMAT = 1  # bump when HashIndex.build or its arrays change (a cached index is keyed by it)
# Indexes of this many keys or more are kept in the cache folder between processes (smaller ones build in a few
# ms), the CACHED_INDEXES used last of them (the bigrams, the trigrams and the dictionary-word index: 3)
CACHE_INDEX_FROM = 100_000
CACHED_INDEXES = 8


@dataclass(frozen=True)
class HashIndex:
    """Counts laid out for lookups (`Counts.prepare`): the entries grouped by bucket (the top `bits` bits of
    their key's hash), bucket b's at starts[b]:starts[b + 1], behind a bit filter of the keys.

    About 22 bytes a key (33 MB for the shipped bigrams and trigrams), less than half the open-addressing table
    (at most half full, with a 64-bit-a-key filter) that it replaced, at the same speed: most queries (confusion
    neighbours next to characters they never follow) are absent, and the filter or an empty bucket turns them
    away with one or two reads."""

    bits: int
    starts: np.ndarray  # (2**bits + 1,) uint32
    keys: np.ndarray  # int64, grouped by bucket (in key order within one)
    counts: np.ndarray  # uint32, parallel to keys
    filter_bits: int
    bitmap: np.ndarray  # uint8: bit (hash >> (64 - filter_bits)) of a key is set
    widest: int  # entries of the fullest bucket: a lookup's rounds

    @classmethod
    def build(cls, keys: np.ndarray, counts: np.ndarray) -> "HashIndex":
        """The index of (sorted, unique) `keys` and their `counts` (clipped to uint32)."""
        n = max(1, len(keys))
        bits = max(4, int(np.ceil(np.log2(n))))  # half to one entry a bucket
        filter_bits = max(7, int(np.ceil(np.log2(n * FILTER_BITS_PER_KEY))))
        hashed = _hash(keys)
        marks = (hashed >> np.uint64(64 - filter_bits)).view(np.int64)
        bitmap = np.zeros((1 << filter_bits) >> 3, dtype=np.uint8)
        np.bitwise_or.at(bitmap, marks >> 3, np.take(_BIT, marks & 7))
        del marks
        bucket = (hashed >> np.uint64(64 - bits)).view(np.int64)
        del hashed
        order = _stable_order(bucket, bits)
        sizes = np.bincount(bucket, minlength=1 << bits)
        del bucket
        starts = np.zeros((1 << bits) + 1, dtype=np.uint32)
        np.cumsum(sizes, out=starts[1:])
        return cls(bits, starts, np.take(keys, order), np.minimum(np.take(counts, order), _COUNT_MAX).astype(np.uint32),
                   filter_bits, bitmap, int(sizes.max(initial=0)))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts of `keys` (0 when absent), as float64."""
        keys = np.asarray(keys)
        hashed = _hash(keys)
        marks = (hashed >> np.uint64(64 - self.filter_bits)).view(np.int64)
        active = (self.bitmap.take(marks >> 3) & _BIT.take(marks & 7)).nonzero()[0]
        bucket = (hashed.take(active) >> np.uint64(64 - self.bits)).view(np.int64)
        at = self.starts.take(bucket).astype(np.int64)
        sizes = self.starts.take(bucket + 1).astype(np.int64) - at
        found = np.zeros(len(keys), dtype=np.float64)
        # every entry of every passing key's bucket compared in one pass (a bucket holds ~1.6 entries where a
        # key is found): the round-by-round walk cost ~10 NumPy calls a round for up to `widest` rounds
        total = int(sizes.sum())
        if total:
            owner = np.repeat(np.arange(len(active)), sizes)
            entry = np.repeat(at - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)
            hit = (self.keys.take(entry) == keys.take(active).take(owner)).nonzero()[0]
            # keys are unique in the index: at most one hit a query
            found[active.take(owner.take(hit))] = self.counts.take(entry.take(hit))
        return found

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as plain arrays (`from_arrays` reads them back)."""
        sizes = np.array([self.bits, self.filter_bits, self.widest], dtype=np.int64)
        return {"starts": self.starts, "keys": self.keys, "counts": self.counts, "bitmap": self.bitmap,
                "sizes": sizes}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "HashIndex":
        """An index from `arrays` (ValueError when they do not make one)."""
        try:
            bits, filter_bits, widest = (int(v) for v in arrays["sizes"])
            index = cls(bits, arrays["starts"], arrays["keys"], arrays["counts"], filter_bits, arrays["bitmap"],
                        widest)
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"not a hash index: {error}") from None
        if (len(index.starts) != (1 << bits) + 1 or len(index.bitmap) != (1 << filter_bits) >> 3
                or len(index.keys) != len(index.counts) or int(index.starts[-1]) != len(index.keys)
                or index.keys.dtype != np.int64 or index.counts.dtype != np.uint32 or index.starts.dtype != np.uint32):
            raise ValueError("not a hash index: inconsistent arrays")
        return index

    @classmethod
    def cached(cls, keys: np.ndarray, counts: np.ndarray) -> "HashIndex":
        """`build(keys, counts)`, kept in the private cache folder between processes (see
        `review.resources.cached_build`): read back memory-mapped in milliseconds instead of built (0.2 s for the
        1.2 million trigrams)."""
        from review.resources import cached_build

        digest = hashlib.sha256(f"{HASH_INDEX_FORMAT}\n{keys.dtype}\n{counts.dtype}\n".encode())
        digest.update(np.ascontiguousarray(keys).data)
        digest.update(np.ascontiguousarray(counts).data)
        arrays = cached_build("ngram_index", digest.hexdigest()[:24], lambda: cls.build(keys, counts).arrays(),
                              keep=CACHED_INDEXES)
        try:
            return cls.from_arrays(arrays)
        except ValueError:  # a damaged copy: this process builds its own
            return cls.build(keys, counts)

    def sorted_items(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, counts) in key order."""
        order = np.argsort(self.keys, kind="stable")
        return np.take(self.keys, order), np.take(self.counts, order)


def _stable_order(bucket: np.ndarray, bits: int) -> np.ndarray:
    """`np.argsort(bucket, kind="stable")` of non-negative `bucket` values below 2**bits: each value with its
    index below it, sorted as one unsigned integer (6-8x faster for the 1.2 million trigrams: 0.13 -> 0.02 s)."""
    shift = max(1, len(bucket).bit_length())
    if bits + shift > 64:
        return np.argsort(bucket, kind="stable")
    packed = bucket.astype(np.uint64) << np.uint64(shift) | np.arange(len(bucket), dtype=np.uint64)
    packed.sort()
    return (packed & np.uint64((1 << shift) - 1)).astype(np.int64)


def _hash(keys: np.ndarray) -> np.ndarray:
    """The 64-bit multiplicative hash of int64 `keys` (its top bits pick a bucket or a filter bit)."""
    with np.errstate(over="ignore"):
        return np.asarray(keys, dtype=np.int64).view(np.uint64) * _HASH_MULTIPLIER


class Counts:
    """A sorted key array with parallel counts; `lookup` is vectorised.

    Until `prepare` runs, a lookup is a binary search over the sorted keys. `prepare` builds a `HashIndex`
    (one or two random memory reads a query instead of the twenty of a binary search over a million keys) and,
    when no count is clipped by it, lets the sorted arrays go: `keys` and `counts` are then rebuilt from the
    index when asked for (training and tests; the typo check never asks).
    """

    def __init__(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self._keys: np.ndarray | None = keys
        self._counts: np.ndarray | None = counts
        self._counts_dtype = np.asarray(counts).dtype
        self._table: HashIndex | None = None

    @property
    def keys(self) -> np.ndarray:
        """The keys, sorted."""
        if self._keys is not None or self._table is None:
            return self._keys
        return self._table.sorted_items()[0]

    @property
    def counts(self) -> np.ndarray:
        """The count of each of `keys`."""
        if self._counts is not None or self._table is None:
            return self._counts
        return self._table.sorted_items()[1].astype(self._counts_dtype)

    def prepare(self) -> None:
        """Build the hash index now (long-running processes: before the first request, not during it)."""
        if self._table is None and len(self._keys):
            build = HashIndex.cached if len(self._keys) >= CACHE_INDEX_FROM else HashIndex.build
            self._table = build(self._keys, self._counts)
            if int(self._counts.max(initial=0)) <= _COUNT_MAX:  # the index holds every count as it is
                self._keys = self._counts = None

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Counts of `keys` (0 when absent), as float64."""
        table = self._table
        if table is not None and (len(keys) > HASH_MIN_QUERIES or self._keys is None):
            return table.lookup(keys)
        sorted_keys, counts = self._keys, self._counts
        if len(sorted_keys) == 0:
            return np.zeros(len(keys))
        # Until `prepare` has built the index (long-running processes do, at start-up; a one-shot command
        # would pay 0.2 s for it), and for a handful of keys, a binary search over the sorted keys.
        if len(keys) > 256:
            # sorted queries walk the table in order: about 2.5x faster for large candidate batches
            order = np.argsort(keys, kind="stable")
            idx = np.empty(len(keys), dtype=np.int64)
            idx[order] = np.searchsorted(sorted_keys, keys[order])
        else:
            idx = np.searchsorted(sorted_keys, keys)
        idx = np.minimum(idx, len(sorted_keys) - 1)
        return np.where(sorted_keys[idx] == keys, counts[idx], 0).astype(np.float64)


@dataclass
class TextCounts:
    """Counts of the n-grams starting at each index of one padded code array (`NgramModel.text_counts`)."""

    unigram: np.ndarray  # [i]: count of codes[i]
    bigram: np.ndarray  # [i]: count of (codes[i], codes[i + 1])
    trigram: np.ndarray  # [i]: count of (codes[i], codes[i + 1], codes[i + 2])


@dataclass
class NgramModel:
    """Unigram, bigram and trigram counts with Dirichlet-smoothed conditional probabilities."""

    unigrams: Counts
    bigrams: Counts
    trigrams: Counts
    total: float
    vocab_size: int
    # Dirichlet priors: how many observations the lower-order estimate is worth
    mu_bigram: float = 50.0
    mu_trigram: float = 5.0

    def __post_init__(self) -> None:
        # unigram counts as a dense array over code points (CJK ends below 0xA000): one gather per lookup
        # and a 0 past the last: a clipped gather sends every larger code point there (one call, no mask)
        size = int(self.unigrams.keys.max()) + 2 if len(self.unigrams.keys) else 1
        self._unigram_dense = np.zeros(size, dtype=np.float64)
        self._unigram_dense[self.unigrams.keys] = self.unigrams.counts

    def tables(self) -> list:
        """The count tables looked up while scoring (``prepare`` them in long-running processes)."""
        return [self.bigrams, self.trigrams]

    def unigram_counts(self, c: np.ndarray) -> np.ndarray:
        """Unigram counts of code points `c` (0 when unseen)."""
        return self._unigram_dense.take(c, mode="clip")

    def p_unigram(self, c: np.ndarray) -> np.ndarray:
        """Add-one unigram probability."""
        return (self.unigram_counts(c) + 1.0) / (self.total + self.vocab_size)

    def p_bigram(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """P(b | a), smoothed towards P(b)."""
        return (self.bigrams.lookup(bigram_keys(a, b)) + self.mu_bigram * self.p_unigram(b)) / (
            self.unigram_counts(a) + self.mu_bigram
        )

    def p_trigram(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """P(c | a b), smoothed towards P(c | b)."""
        return (self.trigrams.lookup(trigram_keys(a, b, c)) + self.mu_trigram * self.p_bigram(b, c)) / (
            self.bigrams.lookup(bigram_keys(a, b)) + self.mu_trigram
        )

    def p_trigram_from_counts(self, c_abc, c_ab, c_bc, c_b, c_c) -> np.ndarray:
        """`p_trigram` from counts already at hand: C(a b c), C(a b), C(b c), C(b), C(c) (the same bits)."""
        p_c = (c_c + 1.0) / (self.total + self.vocab_size)
        p_c_given_b = (c_bc + self.mu_bigram * p_c) / (c_b + self.mu_bigram)
        return (c_abc + self.mu_trigram * p_c_given_b) / (c_ab + self.mu_trigram)

    def text_counts(self, codes: np.ndarray) -> "TextCounts":
        """The counts of every uni-, bi- and trigram of the PADDED code array `codes`, looked up once.

        `local_logprob` then gathers the context counts of its positions (and `source_logprob` everything)
        instead of looking the same n-grams up again for every call and every position's candidates.
        """
        a, b, c = codes[:-2], codes[1:-1], codes[2:]
        return TextCounts(self.unigram_counts(codes),
                          self.bigrams.lookup(bigram_keys(codes[:-1], codes[1:])),
                          self.trigrams.lookup(trigram_keys(a, b, c)))

    def source_logprob(self, codes: np.ndarray, positions: np.ndarray, counts: "TextCounts | None" = None,
                       parts: bool = False) -> np.ndarray:
        """`local_logprob` of the characters the text holds at `positions`: gathers only, no lookups.

        With `parts`, a (3, n) array instead: the log-probabilities of the trigram ending at the position, the
        one centred on it and the one starting at it (their sum is the plain result, to the bit)."""
        counts = self.text_counts(codes) if counts is None else counts
        uni, bi, tri = counts.unigram, counts.bigram, counts.trigram
        p = positions + 2
        c_x = uni[p]
        c_lx, c_xr = bi[p - 1], bi[p]
        # the same masks as `local_logprob`'s skipped lookups, so the values are the same bits
        seen_lx, seen_xr = c_lx > 0, c_xr > 0
        return self._combine(self._context(counts, p), c_x, c_lx, c_xr,
                             np.where(seen_lx, tri[p - 2], 0.0), np.where(seen_lx & seen_xr, tri[p - 1], 0.0),
                             np.where(seen_xr, tri[p], 0.0), parts)

    def local_logprob(
        self, codes: np.ndarray, positions: np.ndarray, chars: np.ndarray, owners: np.ndarray | None = None,
        counts: "TextCounts | None" = None, parts: bool = False, least: np.ndarray | None = None,
    ) -> np.ndarray:
        """Log-probability of the three trigrams that read a position when it holds a given character.

        `codes` is the PADDED code array (see `padded`); `positions` index the unpadded text. Row k scores
        chars[k] at positions[owners[k]] (owners defaults to 0..n-1), so the lookups that do not depend on
        the character are done once per position however many candidates it has; with `counts` (the
        text's `text_counts`) they are gathers. `parts`: as in `source_logprob`.

        `least` (per row, with `counts`): a row whose log-probability provably stays below least[k] (`_may_reach`)
        is not computed and reads -inf (every part); the other rows' values are the same bits as without it.
        """
        p = positions + 2
        ll, l1, r, rr = codes[p - 2], codes[p - 1], codes[p + 1], codes[p + 2]
        # character-independent parts, once per position
        if counts is not None:
            context = self._context(counts, p)
        else:
            r_rr = self.bigrams.lookup(bigram_keys(r, rr))
            c_r = self.unigram_counts(r)
            context = (self.bigrams.lookup(bigram_keys(ll, l1)), self.unigram_counts(l1),
                       (c_r + 1.0) / (self.total + self.vocab_size),
                       (r_rr + self.mu_bigram * self.p_unigram(rr)) / (c_r + self.mu_bigram))
        if owners is not None:
            ll, l1, r, rr = ll[owners], l1[owners], r[owners], rr[owners]
            context = tuple(part[owners] for part in context)
        x = chars
        c_x = self.unigram_counts(x)
        # both bigrams of every row in one lookup (one pass of the hash table's probe loop)
        both = self.bigrams.lookup(np.concatenate([bigram_keys(l1, x), bigram_keys(x, r)]))
        c_lx, c_xr = both[: len(x)], both[len(x):]
        # A trigram is counted only where both its bigrams are (same corpus, same pruning), so a candidate
        # that makes an unseen bigram needs no trigram lookup: most confusion-set neighbours do.
        live = None
        if least is not None and counts is not None:
            c_r_rr = counts.bigram[p + 1] if owners is None else counts.bigram[p + 1][owners]
            live = np.flatnonzero(self._may_reach(context, c_x, c_lx, c_xr, c_r_rr, least))
            ll, l1, x, r, rr, c_x, c_lx, c_xr = (a[live] for a in (ll, l1, x, r, rr, c_x, c_lx, c_xr))
            context = tuple(part[live] for part in context)
        seen_lx, seen_xr = c_lx > 0, c_xr > 0
        c_ll_l_x, c_l_x_r, c_x_r_rr = self._trigram_counts(
            (seen_lx, ll, l1, x), (seen_lx & seen_xr, l1, x, r), (seen_xr, x, r, rr))
        found = self._combine(context, c_x, c_lx, c_xr, c_ll_l_x, c_l_x_r, c_x_r_rr, parts)
        if live is None:
            return found
        out = np.full((3, len(chars)) if parts else len(chars), -np.inf)
        out[..., live] = found
        return out

    # how far below `least` a row's bound must stay to be skipped: float rounding moves a log-probability by
    # ~1e-14, so a row is never skipped where its computed value could reach `least`
    BOUND_MARGIN = 1e-6

    def _may_reach(self, context: tuple, c_x, c_lx, c_xr, c_r_rr, least: np.ndarray) -> np.ndarray:
        """Per row: False when `local_logprob` with these counts is certainly below `least` whatever its three
        trigram counts (not yet looked up) are.

        Each trigram's probability grows with its count, and a trigram is never counted more often than either
        of its bigrams (one corpus: every occurrence of a b c is one of a b and of b c;
        tests/test_typo_bounds.py checks the shipped model), so the counts C(ll l x) <= min(C(ll l), C(l x)),
        C(l x r) <= min(C(l x), C(x r)), C(x r rr) <= min(C(x r), C(r rr)) give an upper bound. It is compared
        as a product (no logarithms): on clean news ~85% of a text's confusion neighbours are skipped.
        """
        c_ll_l, c_l, p_r, p_rr_given_r = context
        mu_b, mu_t = self.mu_bigram, self.mu_trigram
        p_x = (c_x + 1.0) / (self.total + self.vocab_size)
        first = (np.minimum(c_ll_l, c_lx) + mu_t * (c_lx + mu_b * p_x) / (c_l + mu_b)) / (c_ll_l + mu_t)
        second = (np.minimum(c_lx, c_xr) + mu_t * (c_xr + mu_b * p_r) / (c_x + mu_b)) / (c_lx + mu_t)
        third = (np.minimum(c_xr, c_r_rr) + mu_t * p_rr_given_r) / (c_xr + mu_t)
        return first * second * third >= np.exp(least - self.BOUND_MARGIN)

    def _context(self, counts: "TextCounts", p: np.ndarray) -> tuple:
        """The character-independent parts of `local_logprob` at padded positions `p`, from the text's counts:
        C(ll l), C(l), P(r), P(rr | r)."""
        uni, bi = counts.unigram, counts.bigram
        c_r = uni[p + 1]
        p_rr = (uni[p + 2] + 1.0) / (self.total + self.vocab_size)
        return (bi[p - 2], uni[p - 1], (c_r + 1.0) / (self.total + self.vocab_size),
                (bi[p + 1] + self.mu_bigram * p_rr) / (c_r + self.mu_bigram))

    def _combine(self, context: tuple, c_x, c_lx, c_xr, c_ll_l_x, c_l_x_r, c_x_r_rr, parts: bool = False
                 ) -> np.ndarray:
        """`local_logprob` from its counts (one formula for every way of getting them); `parts`: the three
        trigrams' log-probabilities, stacked."""
        c_ll_l, c_l, p_r, p_rr_given_r = context
        p_x = (c_x + 1.0) / (self.total + self.vocab_size)
        p_x_given_l = (c_lx + self.mu_bigram * p_x) / (c_l + self.mu_bigram)
        p_r_given_x = (c_xr + self.mu_bigram * p_r) / (c_x + self.mu_bigram)
        first = (c_ll_l_x + self.mu_trigram * p_x_given_l) / (c_ll_l + self.mu_trigram)
        second = (c_l_x_r + self.mu_trigram * p_r_given_x) / (c_lx + self.mu_trigram)
        third = (c_x_r_rr + self.mu_trigram * p_rr_given_r) / (c_xr + self.mu_trigram)
        logs = np.log(first), np.log(second), np.log(third)
        return np.stack(logs) if parts else logs[0] + logs[1] + logs[2]

    def _trigram_counts(self, *parts: tuple) -> list:
        """Per (where, a, b, c) part: the counts of the trigrams (a, b, c) at the rows in mask `where`, 0
        elsewhere; every part's keys in one lookup."""
        rows = [np.flatnonzero(where) for where, _, _, _ in parts]
        keys = [trigram_keys(a.take(at), b.take(at), c.take(at)) for at, (_, a, b, c) in zip(rows, parts)]
        found = self.trigrams.lookup(np.concatenate(keys)) if sum(map(len, keys)) else np.zeros(0)
        out, start = [], 0
        for (where, _, _, _), at in zip(parts, rows):
            counts = np.zeros(len(where))
            counts[at] = found[start: start + len(at)]
            start += len(at)
            out.append(counts)
        return out

    # ---- io -------------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the arrays to one .npz file (keys delta-encoded, which compresses well)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for name, table in (("unigram", self.unigrams), ("bigram", self.bigrams), ("trigram", self.trigrams)):
            arrays[f"{name}_keys"] = np.diff(table.keys, prepend=np.int64(0)).astype(np.int64)
            arrays[f"{name}_counts"] = np.minimum(table.counts, np.iinfo(np.uint32).max).astype(np.uint32)
        arrays["meta"] = np.array([self.total, self.vocab_size, self.mu_bigram, self.mu_trigram], dtype=np.float64)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> "NgramModel":
        """Read a model written by `save`."""
        with open_arrays(path) as data:
            tables = {
                # counts as stored (uint32): int64 copies were 8 MB more for the same numbers
                name: Counts(np.cumsum(data[f"{name}_keys"], dtype=np.int64), data[f"{name}_counts"])
                for name in ("unigram", "bigram", "trigram")
            }
            total, vocab_size, mu_bigram, mu_trigram = data["meta"].tolist()
        return cls(tables["unigram"], tables["bigram"], tables["trigram"], total, int(vocab_size), mu_bigram,
                   mu_trigram)


@lru_cache(maxsize=4)
def load_ngram(path: str) -> NgramModel:
    """The model at `path`, loaded once per process."""
    return NgramModel.load(Path(path))

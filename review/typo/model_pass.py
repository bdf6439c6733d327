"""The model path of the typo check: candidates from the n-gram model, a learnt decision, the transformer.

At Chinese characters that fit their context poorly, the confusion-set neighbours are scored by a character
trigram model of clean formal text (review/typo/ngram.py, models/ngram/); the candidates that fit better are
described by n-gram, dictionary and cloze-model features (models/cloze: a small network reading five
characters each side) and a small tree ensemble decides (review/typo/rerank.py, models/csc/rerank.npz). The
transformer (models/csc, loaded once per process, run batched) is the slow part, so
it reads few sentences: with the shipped reranker (trained without transformer features) only those where the
reranker hesitates, filling positions the reranker left alone (`HybridCorrector`); a reranker trained with
transformer features has it read the sentences whose best candidate's trigram gain reaches its ``neural_gate``.
A suggestion is dropped when its position is a protected word (person, place and organisation names, gov
dictionary terms, long dictionary words such as idioms).

A user's own HuggingFace-format checkpoint directory without a ``rerank.npz`` is used on its own: it reads the
sentences whose best candidate reaches the configured ``neural_gate``, and its suggestions at its threshold are
kept (`GatedCorrector`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, Sequence

from review.budget import OutOfTime
from review.chars import all_han, has_han
from review.lexicon import load_phrases
from review.resources import lexicon_path, model_path
from review.segment import get_tokenizer
from review.typo.edits import Correction, Corrector, Edit, Spans
from review.typo.rerank import RERANK_FILE

if TYPE_CHECKING:
    from review.document import Document
    from review.typo.candidates import CandidateGenerator
    from review.typo.transformer import Corrector as NeuralCorrector

log = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# the transformer's backends. "numpy" (the default everywhere: `review check`, `batch`, `inspect`, `serve`) reads
# the safetensors checkpoint with no torch import: it reads ~0.1% of a clean post's characters, so its speed per
# window matters less than torch's ~3 s import and ~400 MB. "torch" (the `train` extra) runs transformers with
# int8 quantisation on a CPU, or on a GPU where torch sees one; REVIEW_TYPO_BACKEND or
# `load_model_pass(backend=...)` (through `Reviewer(typo_backend=...)`) chooses it
BACKENDS = ("numpy", "torch")
BACKEND_VARIABLE = "REVIEW_TYPO_BACKEND"


@dataclass(frozen=True)
class ModelEdit:
    """A correction proposed by the model path, in normalised offsets."""

    start: int
    end: int
    suggestion: str
    confidence: float


class GatedCorrector(Corrector):
    """A transformer corrector on its own, reading only the sentences the n-gram candidates point at."""

    def __init__(self, generator: "CandidateGenerator", corrector: "NeuralCorrector", gate: float) -> None:
        self.generator = generator
        self.corrector = corrector
        self.gate = gate
        self.threshold = corrector.threshold

    def prepare(self) -> None:
        """The n-gram hash tables and the dictionary-word index."""
        ngram = self.generator.ngram
        for table in (ngram.unigrams, ngram.bigrams, ngram.trigrams):
            table.prepare()
        self.generator.prepare()

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None) -> list[list[Edit]]:
        """The corrector's edits for sentences with a candidate of trigram gain >= gate; none elsewhere."""
        from review.typo.candidates import FEATURE_INDEX

        gain = FEATURE_INDEX["gain"]
        need = []
        for i, sentence in enumerate(sentences):
            found = self.generator.generate(sentence)
            if len(found.chars) and float(found.features[:, gain].max()) >= self.gate:
                need.append(i)
        out: list[list[Edit]] = [[] for _ in sentences]
        if need:
            found_edits = self.corrector.correct([sentences[i] for i in need], threshold=threshold,
                                                 protected=[protected[i] for i in need] if protected else None)
            for i, edits in zip(need, found_edits):
                out[i] = edits
        return out


class ProtectedSpan(NamedTuple):
    """A half-open span the model may not change; `name_word` is set when only a name tag protects it."""

    start: int
    end: int
    # the token, when only its part of speech protects it and it has two or more Chinese characters: jieba's
    # dictionary tags many common words as names (桂花 nr, 滑雪 nr, 豫北 ns), which `Protection.blocks` may free
    name_word: str = ""


# characters of context each side of a suggestion that the protection's POS tagging reads: words are rarely
# longer than 4 characters, and the tags at a suggestion were the same as with the whole sentence on 4,448
# held-out news articles, odw dev and the held-out training pairs
PROTECTION_MARGIN = 12


@dataclass(frozen=True)
class Protection:
    """Which words the model may never change."""

    pos_tags: frozenset[str]
    word_length: int
    gov_words: frozenset[str]
    # numerals and calendar units: one of them written for another (周六→周日, 三月→五月) changes a fact, which
    # no confusion set can know; the model never suggests such a swap
    number_chars: frozenset[str] = frozenset()
    # a dictionary word tagged as a name may still be changed when it is this frequent (0: never) and the
    # edit makes a word `name_ratio` times as frequent that no tag calls a name (桂花纲要 → 规划纲要)
    name_min_freq: int = 0
    name_ratio: float = 3.0
    # terms never changed wherever they occur (lexicons/typo/protected_terms.txt: 数智, 智造 …), found as substrings
    terms: tuple[str, ...] = ()

    def swaps_a_number(self, source: str, target: str) -> bool:
        """True when the edit would replace a numeral or calendar unit by another."""
        return source in self.number_chars and target in self.number_chars

    def spans(self, sentence: str) -> list[ProtectedSpan]:
        """Protected half-open spans of `sentence`."""
        freq = get_tokenizer().FREQ
        spans, offset = [], 0
        for word, flag in pos_tagged(sentence):
            start, end = offset, offset + len(word)
            offset = end
            named = flag in self.pos_tags
            always = (word in self.gov_words or (len(word) >= self.word_length and freq.get(word, 0) > 0)
                      or not has_han(word))
            if named or always:
                name_only = named and not always and len(word) >= 2 and all_han(word)
                spans.append(ProtectedSpan(start, end, word if name_only else ""))
        for term in self.terms:
            at = sentence.find(term)
            while at >= 0:
                spans.append(ProtectedSpan(at, at + len(term), ""))
                at = sentence.find(term, at + 1)
        return spans

    def spans_near(self, sentence: str, positions: Sequence[int], margin: int = PROTECTION_MARGIN
                   ) -> list[ProtectedSpan]:
        """`spans` of the stretch from `margin` characters before the first of `positions` to `margin` after
        the last (a whole-word edit's second character included), in sentence offsets."""
        low = max(0, min(positions) - margin)
        high = min(len(sentence), max(positions) + 2 + margin)
        if low == 0 and high == len(sentence):
            return self.spans(sentence)
        return [span._replace(start=span.start + low, end=span.end + low) for span in self.spans(sentence[low:high])]

    def spans_around(self, sentence: str, positions: Sequence[int], margin: int = PROTECTION_MARGIN
                     ) -> list[ProtectedSpan]:
        """`spans_near` of each cluster of `positions` (sorted; a cluster's suggestions are at most 2 * `margin`
        apart), so that the tagging reads a bounded stretch around each suggestion, not all between them."""
        return [span for cluster in position_clusters(positions, margin)
                for span in self.spans_near(sentence, cluster, margin)]

    def blocks(self, sentence: str, protected: Sequence[ProtectedSpan], start: int, end: int,
               replacement: str) -> bool:
        """True when replacing sentence[start:end] touches a protected span that no name override frees."""
        hit = [s for s in protected if s.start < end and start < s.end]
        if not hit:
            return False
        if self.name_min_freq <= 0 or not all(s.name_word for s in hit):
            return True
        freq = get_tokenizer().FREQ
        before = max(freq.get(s.name_word, 0) for s in hit)
        if before < self.name_min_freq:
            # a guessed name (not a dictionary word) or a rare one: a real name as far as we can tell
            return True
        fixed = sentence[:start] + replacement + sentence[end:]
        offset = 0
        for word, flag in pos_tagged(fixed):
            a, b = offset, offset + len(word)
            offset = b
            if a < end and start < b and (flag in self.pos_tags or word in self.gov_words):
                return True  # still a name after the edit (胡楠 → 湖南): leave it
        return best_word_freq(fixed, start, end) < self.name_ratio * before


def position_clusters(positions: Sequence[int], margin: int = PROTECTION_MARGIN) -> list[list[int]]:
    """`positions` sorted and cut where two neighbours are more than 2 * `margin` apart."""
    ordered = sorted(positions)
    clusters: list[list[int]] = [[ordered[0]]]
    for position in ordered[1:]:
        if position - clusters[-1][-1] > 2 * margin:
            clusters.append([position])
        else:
            clusters[-1].append(position)
    return clusters


def stretch_of(sentence: str, cluster: Sequence[int], margin: int = PROTECTION_MARGIN) -> tuple[int, int]:
    """The [low, high) stretch of `sentence` that `Protection.spans_near` tags for `cluster` (sorted)."""
    return max(0, cluster[0] - margin), min(len(sentence), cluster[-1] + 2 + margin)


def best_word_freq(text: str, start: int, end: int) -> int:
    """The highest dictionary frequency of a word of 2-4 characters of `text` overlapping [start, end)."""
    freq = get_tokenizer().FREQ
    best = 0
    for length in (2, 3, 4):
        for a in range(max(0, start - length + 1), min(end, len(text) - length + 1)):
            best = max(best, freq.get(text[a: a + length], 0))
    return best


_tagger = None
_tagger_lock = threading.Lock()


class DeferredWordTags(dict):
    """The word tags of jieba.posseg's own module-level tagger (`jieba.posseg.dt`), read from jieba's dictionary
    when something first asks for one (the typo check never does: it tags with the project's dictionary)."""

    def __init__(self, owner: object) -> None:
        super().__init__()
        self.owner = owner

    def _read(self) -> dict:
        """The owner's real table, read now if it is still this placeholder."""
        owner = self.owner
        if owner.word_tag_tab is self:
            owner.load_word_tag(owner.tokenizer.get_dict_file())  # a plain dict replaces this one
        return owner.word_tag_tab

    def get(self, word: str, default: str | None = None) -> str | None:
        """The tag of `word`, as dict.get."""
        return self._read().get(word, default)

    def update(self, *args, **kwargs) -> None:
        """dict.update on the real table."""
        self._read().update(*args, **kwargs)

    def __getitem__(self, word: str) -> str:
        return self._read()[word]

    def __contains__(self, word: object) -> bool:
        return word in self._read()

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def keys(self) -> KeysView[str]:
        """dict.keys of the real table."""
        return self._read().keys()

    def items(self) -> ItemsView[str, str]:
        """dict.items of the real table."""
        return self._read().items()

    def values(self) -> ValuesView[str]:
        """dict.values of the real table."""
        return self._read().values()


def import_posseg() -> ModuleType:
    """jieba.posseg, imported without the 0.4 s and ~45 MB of tags of jieba's own dictionary that its import reads
    for a module-level tagger we never use (`jieba.posseg.dt` reads them when first used, `DeferredWordTags`)."""
    import sys

    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    import io

    import jieba

    default = jieba.dt
    # the import builds POSTokenizer(jieba.dt), which reads jieba.dt.get_dict_file(): an empty file for that moment
    default.get_dict_file = lambda: io.BytesIO()
    try:
        import jieba.posseg
    finally:
        del default.get_dict_file
    jieba.posseg.dt.word_tag_tab = DeferredWordTags(jieba.posseg.dt)
    return jieba.posseg


def _pos_tagger():
    """jieba's part-of-speech tagger over the project's tokenizer (created once), its word tags held compactly
    and cached between processes (`review.typo.word_tags`: ~5 instead of ~22 MB, ~10 ms instead of 0.3 s)."""
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import_posseg()
                import jieba.posseg

                from review.typo.word_tags import pos_word_tags

                class CompactPOSTokenizer(jieba.posseg.POSTokenizer):
                    """`POSTokenizer` whose word-tag table is compact and cached (`pos_word_tags`)."""

                    def load_word_tag(self, f) -> None:
                        """The table of dictionary file `f` (an open binary file, closed here)."""
                        with f:
                            self.word_tag_tab = pos_word_tags(f)

                _tagger = CompactPOSTokenizer(get_tokenizer())
    return _tagger


# Texts of at most TAGGED_TEXT_CHARS characters are remembered with their tags, the last TAGGED_TEXTS of them
# (~2 MB at most): the protection tags the stretch around each suggestion, and one post asks for the same stretch
# several times (17% of the calls over the dev set's posts); a reposted notice asks for all of them again.
TAGGED_TEXTS = 4096
TAGGED_TEXT_CHARS = 160


def pos_tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba.posseg's (word, tag) pairs of `text` with the project's tokenizer (a pure function of the text once
    the tagger has loaded; short texts remembered)."""
    if len(text) <= TAGGED_TEXT_CHARS:
        return _remembered_tags(text)
    return tuple((pair.word, pair.flag) for pair in _pos_tagger().cut(text))


@lru_cache(maxsize=TAGGED_TEXTS)
def _remembered_tags(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((pair.word, pair.flag) for pair in _pos_tagger().cut(text))


def _gov_words() -> frozenset[str]:
    path = lexicon_path("gov_userdict.txt")
    if not path.exists():
        return frozenset()
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.split()[0] for line in handle if line.strip() and not line.startswith("#"))


class ModelPass:
    """Corrector + protection, producing `ModelEdit`s for a document."""

    def __init__(self, corrector: Corrector, settings: dict, confusion) -> None:
        self.corrector = corrector
        self.confusion = confusion
        self.severity = settings.get("severity", "major")
        # a suggestion the corrector is less sure of is reported, but as minor: it no longer fails the post alone
        self.minor_below = float(settings.get("minor_below", 0.0))
        # bounded work per request (see `edits`): 0 turns either bound off
        self.max_sentence_chars = int(settings.get("max_sentence_chars", 0))
        self.batch_chars = int(settings.get("batch_chars", 0))
        self.max_edits = int(settings.get("max_edits", 0))
        # the transformer reads at most this many characters of hesitant sentences a post: a base, plus a share of
        # the post's length (0, 0: no limit)
        self.neural_chars = (int(settings.get("neural_chars", 0)), float(settings.get("neural_chars_share", 0.0)))
        threshold = settings.get("threshold")
        self.threshold = float(threshold) if threshold not in (None, "") else float(corrector.threshold)
        self.protection = Protection(
            pos_tags=frozenset(settings.get("protected_pos", ())),
            word_length=int(settings.get("protected_word_length", 3)),
            gov_words=_gov_words(),
            number_chars=frozenset(settings.get("number_chars", "")),
            name_min_freq=int(settings.get("name_override_min_freq", 0)),
            name_ratio=float(settings.get("name_override_ratio", 3.0)),
            terms=load_phrases("typo", settings["protected_terms"]) if settings.get("protected_terms") else (),
        )

    def severity_of(self, confidence: float) -> str:
        """The severity of a model finding of this confidence."""
        return "minor" if confidence < self.minor_below else self.severity

    def warm_up(self) -> None:
        """Build what the first long post would otherwise pay for: n-gram hash tables, the dictionary-word
        index, POS tables."""
        self.corrector.prepare()
        _pos_tagger().cut("预热")

    def edits(self, doc: "Document", wanted: Optional[Callable[[ModelEdit], bool]] = None) -> list[ModelEdit]:
        """Corrections in the sentences of `doc`, protected words left alone.

        The sentences go to the corrector in batches of about `batch_chars` characters, a sentence longer than
        `max_sentence_chars` in pieces, so that memory stays bounded whatever the text; at most `max_edits` of
        its suggestions (the most probable) are looked at. At `doc.deadline` it stops between batches and raises
        `OutOfTime` with the edits found so far. With `wanted`, only the edits it accepts are returned, and the
        protection (POS tagging) is computed only for them: the same edits as without it, filtered.
        """
        return self.edits_and_reads(doc, wanted)[0]

    def edits_and_reads(self, doc: "Document", wanted: Optional[Callable[[ModelEdit], bool]] = None
                        ) -> tuple[list[ModelEdit], int]:
        """`edits`, and how many sentences the transformer read to decide (for benchmarks)."""
        text = doc.text
        spans = [(a, b) for a, b in sentence_pieces(text, doc.sentences, self.max_sentence_chars)
                 if has_han(text[a:b])]
        found: list[tuple[int, str, list[Edit]]] = []  # (offset, sentence, the corrector's edits) of each sentence
        stopped = False
        read = 0
        # characters the transformer may still read in this post (it reads a sentence at ~0.24 ms a character)
        neural_chars = int(self.neural_chars[0] + self.neural_chars[1] * len(text)) if self.neural_chars[0] else None
        for batch in char_batches(spans, self.batch_chars):
            if doc.deadline is not None and doc.deadline.passed():
                stopped = True
                break
            sentences = [text[a:b] for a, b in batch]
            answer: Correction = self.corrector.correct_within(sentences, self.threshold, neural_chars=neural_chars)
            read += answer.neural_sentences
            neural_chars = None if neural_chars is None else neural_chars - answer.neural_chars
            found.extend((a, sentence, edits) for (a, _), sentence, edits in zip(batch, sentences, answer.edits)
                         if edits)
        edits = self._protected(most_probable(found, self.max_edits), wanted)
        if stopped:
            raise OutOfTime(edits)
        return edits, read

    def _protected(self, found: list[tuple[int, str, list[Edit]]],
                   wanted: Optional[Callable[[ModelEdit], bool]] = None) -> list[ModelEdit]:
        """The corrector's edits (offset, sentence, edits) as `ModelEdit`s, protected words left alone (and,
        with `wanted`, the edits it refuses dropped first)."""
        edits = []
        for offset, sentence, proposed in found:
            made = [(edit, ModelEdit(offset + edit.index, offset + edit.end, edit.suggestion,
                                     round(float(edit.probability), 4))) for edit in proposed]
            if wanted is not None:
                made = [(edit, model_edit) for edit, model_edit in made if wanted(model_edit)]
                if not made:
                    continue
            # Protection needs jieba's POS tags (~30 us a character, ~170 us in a run of characters that make no
            # words): only for sentences with a suggestion, over the stretches around the clusters of all the
            # sentence's suggestions, and a cluster's stretch only when an edit still wanted lies in it (a span
            # lies inside its stretch, and other clusters' stretches never reach an edit: the same spans are hit)
            clusters = position_clusters([at for edit in proposed for at in edit.positions()])
            stretches = [stretch_of(sentence, cluster) for cluster in clusters]
            tagged: dict[int, list[ProtectedSpan]] = {}
            for edit, model_edit in made:
                # a whole-word edit (review/typo/words.py) is one finding for both characters, kept or dropped whole
                if any(self.protection.swaps_a_number(x, y) for x, y in zip(edit.source, edit.suggestion)):
                    continue
                protected: list[ProtectedSpan] = []
                for k, (low, high) in enumerate(stretches):
                    if low < edit.end and edit.index < high:
                        if k not in tagged:
                            tagged[k] = self.protection.spans_near(sentence, clusters[k])
                        protected += tagged[k]
                if self.protection.blocks(sentence, protected, edit.index, edit.end, edit.suggestion):
                    continue
                edits.append(model_edit)
        return edits


def most_probable(found: list[tuple[int, str, list[Edit]]], limit: int) -> list[tuple[int, str, list[Edit]]]:
    """`found` (offset, sentence, edits) with only the edits of its `limit` most probable characters (ties: the
    earlier), in order; all of them when `limit` is 0 or not exceeded. A whole-word edit counts one character a
    character it changes, and is kept when its first character is."""
    total = sum(len(edit.source) for _, _, edits in found for edit in edits)
    if limit <= 0 or total <= limit:
        return found
    ranked = sorted((-float(edit.probability), i, j, k) for i, (_, _, edits) in enumerate(found)
                    for j, edit in enumerate(edits) for k in range(len(edit.source)))
    keep = {(i, j) for _, i, j, k in ranked[:limit] if k == 0}
    out = []
    for i, (offset, sentence, edits) in enumerate(found):
        kept = [edit for j, edit in enumerate(edits) if (i, j) in keep]
        if kept:
            out.append((offset, sentence, kept))
    return out


# a long "sentence" is cut after the last of these in its allowed stretch, so that the pieces end at a pause
PIECE_BREAKS = frozenset("，、：,:　 ")


def sentence_pieces(text: str, sentences: Sequence[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """`sentences` with each one longer than `limit` characters cut into pieces of at most `limit` (after a
    comma or other pause in the piece's second half where there is one); no limit when `limit` is 0."""
    if limit <= 0:
        return list(sentences)
    out: list[tuple[int, int]] = []
    for a, b in sentences:
        while b - a > limit:
            cut = a + limit
            for at in range(a + limit - 1, a + limit // 2, -1):
                if text[at] in PIECE_BREAKS:
                    cut = at + 1
                    break
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def char_batches(spans: Sequence[tuple[int, int]], size: int) -> list[list[tuple[int, int]]]:
    """`spans` in consecutive batches of about `size` characters (one batch when `size` is 0)."""
    if size <= 0:
        return [list(spans)] if spans else []
    batches: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    chars = 0
    for span in spans:
        if current and chars + span[1] - span[0] > size:
            batches.append(current)
            current, chars = [], 0
        current.append(span)
        chars += span[1] - span[0]
    if current:
        batches.append(current)
    return batches


def _torch_device() -> str:
    """"cuda" where torch sees a GPU, else "cpu" (the torch backend only)."""
    from review.typo.transformer import import_torch

    return "cuda" if import_torch().cuda.is_available() else "cpu"


def has_weights(folder: Path) -> bool:
    """True when `folder` holds a HuggingFace-format checkpoint (config and weights)."""
    return (folder / "config.json").exists() and any((folder / name).exists() for name in WEIGHT_FILES)


def load_model_pass(settings: dict, model_dir: Path | None = None, corrector: Optional["NeuralCorrector"] = None,
                    backend: str | None = None) -> ModelPass | None:
    """The model path, or None (with one log line saying why) when it is disabled or lacks its files.

    `corrector` is an already loaded transformer (else `model_dir`'s, or the settings' folder's, is loaded with
    `backend`, "numpy" or "torch"; None: $REVIEW_TYPO_BACKEND, else the settings' own, else "numpy")."""
    if not settings.get("enabled", True):
        log.info("typo: model path disabled in lexicons/typo/typo.toml")
        return None
    ngram_file = model_path(*settings["ngram"].split("/"))
    folder = Path(model_dir or model_path(settings["model_dir"]))
    if corrector is None and not has_weights(folder):
        log.warning("typo: 未找到纠错模型权重（%s），跳过模型纠错 / no CSC weights in %s: model path skipped", folder, folder)
        return None
    if not ngram_file.exists():
        log.warning("typo: 未找到 n 元模型（%s），跳过模型纠错 / no n-gram model: model path skipped", ngram_file)
        return None
    from review.typo.candidates import CandidateGenerator
    from review.typo.confusion import shipped_confusion
    from review.typo.ngram import load_ngram
    from review.typo.rerank import load_rerank_corrector

    confusion = shipped_confusion()
    backend = backend or os.environ.get(BACKEND_VARIABLE) or str(settings.get("backend", "numpy"))
    if backend not in BACKENDS:
        raise ValueError(f"typo backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if corrector is None:
        from review.typo.transformer import Corrector

        corrector = Corrector(str(folder), confusion=confusion, batch_size=int(settings.get("batch_size", 32)),
                              num_threads=int(settings.get("threads", 1)), backend=backend,
                              device=_torch_device() if backend == "torch" else "cpu")
    ngram = load_ngram(str(ngram_file))
    row_caps = (float(settings.get("max_scored_per_char", 0.0)), float(settings.get("max_candidates_per_char", 0.0)),
                float(settings.get("max_word_candidates_per_char", 0.0)))
    rerank = load_rerank_corrector(folder, corrector, confusion, ngram, get_tokenizer().FREQ, row_caps,
                                   group_pass=bool(settings.get("group_pass", True)))
    decider: Corrector
    if rerank is None:
        log.info("typo: %s has no %s: the transformer decides alone", folder, RERANK_FILE)
        generator = CandidateGenerator(ngram, confusion, get_tokenizer().FREQ, floor=float(settings.get("floor", 2.0)))
        decider = GatedCorrector(generator, corrector, float(settings.get("neural_gate", 8.0)))
    else:
        if rerank.generator.cloze is not None:
            from review.typo.cloze import limit_blas_threads

            limit_blas_threads(int(settings.get("threads", 1)))
        decider = rerank
    return ModelPass(decider, settings, confusion)

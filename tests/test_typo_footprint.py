"""The typo model path's compact run-time layouts give the numbers of the plain ones, bit for bit.

The n-gram counts' hash index against a binary search, the cloze model's first-layer table filled a character at
a time against the whole-vocabulary product, and the confusion set's shared character objects.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from review.typo.cloze import ClozeModel
from review.typo.confusion import COLUMNS, ConfusionSet
from review.typo.ngram import HASH_MIN_QUERIES, Counts, HashIndex
from review.typo.word_forms import WordIndex


def _counts(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`size` sorted unique keys spread like packed code points, and counts of 1 to 1,000."""
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(1, 1 << 62, size=size, dtype=np.int64))
    return keys, rng.integers(1, 1000, size=len(keys)).astype(np.uint32)


def _search(keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Counts of `queries` by a plain binary search (0 when absent)."""
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[at] == queries, counts[at], 0).astype(np.float64)


def test_hash_index_lookups_equal_a_binary_search():
    keys, counts = _counts(50_000)
    queries = np.concatenate([keys, keys + 1, keys[::7] - 1, np.arange(100, dtype=np.int64)])
    np.random.default_rng(1).shuffle(queries)
    table = Counts(keys.copy(), counts.copy())
    before = table.lookup(queries)
    table.prepare()
    assert isinstance(table._table, HashIndex) and table._table.widest >= 2  # some buckets hold several keys
    expected = _search(keys, counts, queries)
    assert expected.any() and not expected.all()
    assert np.array_equal(before, expected) and np.array_equal(table.lookup(queries), expected)
    # a handful of queries go through the index too, once the sorted arrays are let go
    assert table._keys is None
    small = queries[: HASH_MIN_QUERIES // 2]
    assert np.array_equal(table.lookup(small), expected[: len(small)])
    assert np.array_equal(table.lookup(queries[:0]), np.zeros(0))
    # ... and rebuilt from it, as they were, when asked for
    assert np.array_equal(table.keys, keys) and np.array_equal(table.counts, counts)
    assert table.counts.dtype == counts.dtype


def test_counts_past_uint32_keep_the_sorted_arrays():
    keys, counts = _counts(2_000, seed=2)
    counts = counts.astype(np.int64)
    counts[5] = 1 << 40
    table = Counts(keys, counts)
    table.prepare()
    assert table._keys is not None  # the index clips that count: small lookups read the exact one
    assert table.lookup(keys[5:6])[0] == float(1 << 40)
    assert np.array_equal(table.lookup(keys), np.minimum(counts, np.iinfo(np.uint32).max).astype(np.float64))


def _cloze(vocabulary: int = 300, width: int = 3, seed: int = 0, table_ids: int = ClozeModel.TABLE_IDS
           ) -> ClozeModel:
    """A random cloze network over `vocabulary` CJK characters."""
    rng = np.random.default_rng(seed)
    dim, hidden = 64, 512  # the shipped sizes: a one-row product rounds differently at these, not at tiny ones
    chars = "".join(chr(0x4E00 + i) for i in range(vocabulary - 2))
    arrays = {"embed": rng.normal(size=(vocabulary, dim)), "w1": rng.normal(size=(2 * width * dim, hidden)),
              "b1": rng.normal(size=hidden), "w2": rng.normal(size=(hidden, hidden)), "b2": rng.normal(size=hidden),
              "out": rng.normal(size=(vocabulary, hidden)), "out_bias": rng.normal(size=vocabulary)}
    return ClozeModel(arrays, {"width": width, "chars": chars}, table_ids=table_ids)


def _whole_table(cloze: ClozeModel) -> np.ndarray:
    """The first-layer table as it was built before: every slot's product over the whole vocabulary at once,
    laid out (vocabulary, slot, hidden)."""
    dim, slots = cloze.embed.shape[1], 2 * cloze.width
    whole = np.stack([cloze.embed @ cloze.w1[k * dim: (k + 1) * dim] for k in range(slots)], 1)
    return whole.reshape(len(cloze.embed) * slots, -1)


def test_cloze_rows_filled_on_demand_equal_the_whole_vocabulary_product():
    cloze = _cloze()
    ids = np.array([5, 9, 9, 40, 41, 120, 7, 0, 1, 64, 200, 33], dtype=np.int64)
    positions = np.arange(len(ids))
    plain = cloze.hidden(ids, positions)  # no table: one 6 x 16 x 32 product a window
    cloze.prepare()
    assert not cloze._ready.any() and not cloze._slots.any()
    prepared = cloze.hidden(ids, positions)
    lone = np.array([77, 78]), np.array([0])
    one = cloze.hidden(*lone)  # its window reads one new character (78): filled by a two-row product
    whole = _whole_table(cloze)
    ready = np.flatnonzero(cloze._ready)
    assert set(ready.tolist()) == set(ids.tolist()) | {78}
    rows = (ready[:, None] * 2 * cloze.width + np.arange(2 * cloze.width)).ravel()
    assert np.array_equal(cloze._slots[rows], whole[rows])
    untouched = np.setdiff1d(np.arange(len(whole)), rows)
    assert not cloze._slots[untouched].any()
    # the scores through the table are the whole table's, bit for bit, and the plain product's to rounding
    cloze._slots = whole
    assert np.array_equal(cloze.hidden(ids, positions), prepared)
    assert np.array_equal(cloze.hidden(*lone), one)
    assert np.allclose(prepared, plain, rtol=1e-4, atol=1e-3)


def test_cloze_rows_past_the_table_are_computed_per_call_with_the_same_bits():
    capped, whole = _cloze(seed=5, table_ids=50), _cloze(seed=5)
    capped.prepare(), whole.prepare()
    assert capped._slots.shape[0] == 50 * 2 * capped.width
    rng = np.random.default_rng(2)
    texts = [rng.integers(0, 300, size=40) for _ in range(5)] + [np.array([3, 299, 4]), np.array([260, 261])]
    for text in texts:
        positions = np.arange(len(text))
        assert np.array_equal(capped.hidden(text, positions), whole.hidden(text, positions))
    # the rarer characters never enter the table; the common ones it holds are the whole table's rows
    assert len(capped._ready) == 50 and capped._ready.sum() > 10 and np.flatnonzero(whole._ready).max() > 250
    assert np.array_equal(capped._slots, whole._slots[: len(capped._slots)] * capped._ready.repeat(6)[:, None])


def test_cloze_table_size_is_bounded_by_its_setting_and_the_vocabulary():
    assert _cloze().table_ids == 300  # the whole vocabulary when it is smaller than the default
    small = _cloze(table_ids=20)
    small.prepare()
    assert small.table_ids == 20 and small._slots.shape == (20 * 6, 512)


def test_cloze_rows_filled_from_several_threads_are_the_same():
    cloze = _cloze(seed=3)
    cloze.prepare()
    texts = [np.random.default_rng(k).integers(0, 300, size=60) for k in range(8)]
    results: dict[int, np.ndarray] = {}

    def read(k: int) -> None:
        results[k] = cloze.hidden(texts[k], np.arange(60))

    threads = [threading.Thread(target=read, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cloze._slots = _whole_table(cloze)
    for k, text in enumerate(texts):
        assert np.array_equal(results[k], cloze.hidden(text, np.arange(60)))


def test_confusion_rows_are_compact_strings_with_the_same_members(tmp_path):
    path = tmp_path / "confusion.tsv"
    # the file's own order and a repeated character: the row keeps each character once, in code-point order
    path.write_text("# char\t" + "\t".join(COLUMNS) + "\n实\t石时石\t十\t\t买\t时\n时\t实\t是\t\t\t\n", encoding="utf-8")
    confusion = ConfusionSet.load(path)
    assert set(confusion.column("实", "same_tone")) == {"时", "石"} and confusion.column("实", "shape") == "买"
    assert confusion.column("实", "same_tone") == "".join(sorted("时石"))
    assert confusion.column("实", "fuzzy") == "" and confusion.column("无", "shape") == ""
    # the union of a row is one such string as well, without the character itself
    assert confusion.candidates("实") == "".join(sorted("时石十买"))
    assert confusion.candidates("时") == "".join(sorted("实是")) and confusion.candidates("无") == ""
    assert confusion.allows("实", "石") and not confusion.allows("实", "实") and not confusion.allows("实", "时石")
    assert "时" in confusion.column("实", "observed") and "是" not in confusion.column("实", "observed")
    # every column of every row is one string, not a set (the shipped table: ~1 MB instead of ~20 MB)
    assert all(isinstance(column, str) for row in confusion.table.values() for column in row.values())
    # training adds to a row the same way: once, in order
    confusion.add("实", "识", "same_tone")
    confusion.add("实", "识", "same_tone")
    assert confusion.column("实", "same_tone") == "".join(sorted("时石识"))
    assert "识" in confusion.candidates("实")


def test_confusion_neighbours_are_strings_of_the_chosen_columns():
    """`Neighbours` (the phrase and non-word detectors') caches one string a character, not a frozenset: the union
    of the chosen columns, each character once, in code-point order."""
    from review.typo.word_forms import Neighbours

    confusion = ConfusionSet({"实": {"same_tone": "时石", "diff_tone": "十", "fuzzy": "", "shape": "买石",
                                     "observed": "识"}})
    near = Neighbours(confusion, ("same_tone", "shape"))
    assert near("实") == "".join(sorted("时石买")) and near("无") == ""
    assert "买" in near("实") and "十" not in near("实") and near("实") is near("实")


def test_the_numpy_transformer_reads_its_weights_on_the_first_forward_pass(tmp_path):
    from review.resources import model_path
    from review.typo.numpy_bert import NumpyBertMLM

    folder = model_path("csc")
    if not (folder / "model.safetensors").exists():
        pytest.skip("shipped transformer not built")
    model = NumpyBertMLM(folder)
    assert model._weights_file is not None and not hasattr(model, "layers") and model.max_positions > 8
    ids = np.array([[2, 100, 200, 300, 3], [2, 150, 250, 3, 0]], dtype=np.int64)
    attention = (ids > 0).astype(np.int64)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(model.logits(ids, attention))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert model._weights_file is None and model.w == {}
    assert len(results) == 4 and all(np.array_equal(r, results[0]) for r in results)
    assert results[0].shape == (2, 5, model.vocab_size)
    (tmp_path / "config.json").write_bytes((folder / "config.json").read_bytes())
    with pytest.raises(FileNotFoundError):  # a folder without weights still fails at load, not mid-review
        NumpyBertMLM(tmp_path)


def test_the_numpy_transformer_keeps_float16_matrices_with_float32_results(tmp_path):
    """The shipped float16 checkpoint stays float16 in memory (half of the packed weights) and gives bit for bit
    the logits of the same checkpoint widened to float32 before loading (what the runtime held before)."""
    from safetensors.numpy import load_file, save_file

    from review.resources import model_path
    from review.typo.numpy_bert import NumpyBertMLM

    folder = model_path("csc")
    if not (folder / "model.safetensors").exists():
        pytest.skip("shipped transformer not built")
    (tmp_path / "config.json").write_bytes((folder / "config.json").read_bytes())
    save_file({name: array.astype(np.float32) for name, array in load_file(str(folder / "model.safetensors")).items()},
              str(tmp_path / "model.safetensors"))
    narrow, wide = NumpyBertMLM(folder), NumpyBertMLM(tmp_path)
    ids = np.random.default_rng(3).integers(100, narrow.vocab_size, size=(3, 24))
    attention = np.ones_like(ids)
    attention[1, -5:] = 0
    logits = narrow.logits(ids, attention)
    assert logits.dtype == np.float32 and np.array_equal(logits, wide.logits(ids, attention))
    assert narrow.layers[0][0][0].dtype == np.float16 and narrow.decoder.dtype == np.float16
    assert wide.layers[0][0][0].dtype == np.float32  # a float32 checkpoint (a user's own) is used as it is


def test_a_loaded_group_model_keeps_only_its_table_once_used(tmp_path):
    """A loaded (float16) group model lets its file rows go when it builds its run-time table, which holds every
    weight; a model being fitted (float32) keeps them; a loaded model cannot be saved after that."""
    from review.typo.groups import GroupModel

    rng = np.random.default_rng(5)
    fitted = GroupModel(["的地得", "在再"], rng.normal(size=(5, 1 << 6)).astype(np.float32),
                        rng.normal(size=5).astype(np.float32), 6, {})
    fitted.save(tmp_path / "groups.npz")
    codes = np.array([ord(c) for c in "我的书在桌上再说"], dtype=np.int64)
    positions = np.array([1, 3, 6])  # 的, 在, 再
    expected = fitted.probabilities(codes, positions)
    assert fitted.weights is not None  # fitting keeps its rows
    loaded = GroupModel.load(tmp_path / "groups.npz")
    rows = loaded.weights.copy()
    got = loaded.probabilities(codes, positions)
    assert loaded.weights is None and np.allclose(got, expected, atol=1e-2)
    size = 1 << loaded.bits
    assert np.array_equal(loaded.prepare()[:size, :3], rows[:3].T) and np.array_equal(loaded.prepare()[size:, :2],
                                                                                        rows[3:].T)
    with pytest.raises(ValueError):
        loaded.save(tmp_path / "again.npz")


def test_jieba_posseg_is_imported_without_reading_its_own_tags_until_used():
    import subprocess
    import sys

    # a fresh process: another test may have imported jieba.posseg already
    script = (
        "from review.typo.model_pass import DeferredWordTags, _pos_tagger\n"
        "tagger = _pos_tagger()\n"
        "import jieba, jieba.posseg as posseg\n"
        "assert type(posseg.dt.word_tag_tab) is DeferredWordTags and 'get_dict_file' not in vars(jieba.dt)\n"
        "words = list(posseg.cut('我爱北京天安门，习近平主席发表讲话'))\n"
        "fresh = posseg.POSTokenizer(jieba.Tokenizer())\n"
        "assert words == list(fresh.cut('我爱北京天安门，习近平主席发表讲话')), words\n"
        "assert type(posseg.dt.word_tag_tab) is dict and len(posseg.dt.word_tag_tab) == len(fresh.word_tag_tab)\n"
        "print([(w.word, w.flag) for w in tagger.cut('北京天安门')])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('北京', 'ns'), ('天安门', 'ns')]"


def test_neighbour_index_rows_are_each_characters_neighbours():
    from review.resources import model_path
    from review.segment import get_tokenizer
    from review.typo.candidates import CandidateGenerator
    from review.typo.confusion import shipped_confusion
    from review.typo.ngram import load_ngram

    confusion = shipped_confusion()
    generator = CandidateGenerator(load_ngram(str(model_path("ngram", "ngram.npz"))), confusion, get_tokenizer().FREQ)
    start, count, codes, flags = generator._build_neighbour_index()
    assert len(codes) > 100_000 and flags.any(0).all()  # every column marks some rows
    for char in [c for c in confusion.table if len(c) == 1]:  # the rows `_neighbours` makes one character at a time
        at, size = start[ord(char)], count[ord(char)]
        own_codes, own_flags = generator._neighbours(char)
        assert np.array_equal(codes[at: at + size], own_codes) and np.array_equal(flags[at: at + size], own_flags)


def test_word_indexes_share_their_keys_and_fills(tmp_path):
    built = WordIndex({"国家": 9, "国务": 9, "家国": 9, "国度": 9}, {2: 1})
    assert built.fills["国\0"] == "家务度"
    built.save(tmp_path / "index.tsv")
    loaded = WordIndex.load(tmp_path / "index.tsv")
    assert loaded.fills == built.fills
    # one object for each distinct key and fill string, however many indexes hold it
    shared = {key: key for key in built.fills}
    assert all(shared[key] is key for key in loaded.fills)
    assert all(loaded.fills[key] is built.fills[key] for key in built.fills)


def test_warm_up_tables_read_from_the_cache_equal_the_built_ones(tmp_path, monkeypatch):
    from review.resources import model_path
    from review.segment import dictionary_digest, get_tokenizer
    from review.typo.candidates import CandidateGenerator, DictionaryWords
    from review.typo.confusion import shipped_confusion
    from review.typo.ngram import load_ngram

    monkeypatch.setenv("REVIEW_CACHE", str(tmp_path))
    freq = get_tokenizer().FREQ
    assert dictionary_digest(freq) and dictionary_digest(dict(freq)) is None  # only the process tokenizer's own
    built = DictionaryWords.build(freq)
    for _ in range(2):  # built and stored, then read back
        cached = DictionaryWords.cached(freq)
        assert np.array_equal(np.asarray(cached.char_ids), built.char_ids)
        assert np.array_equal(np.asarray(cached.log_freqs), built.log_freqs)
    text_ids = built.ids(np.frombuffer("国务院常务会议部署安全生产工作".encode("utf-32-le"), dtype=np.uint32))
    positions = np.arange(len(text_ids))
    for got, want in zip(cached.best(text_ids, positions, text_ids), built.best(text_ids, positions, text_ids)):
        assert np.array_equal(got, want)
    assert list(tmp_path.glob("built-dictionary_words-*"))
    generator = CandidateGenerator(load_ngram(str(model_path("ngram", "ngram.npz"))), shipped_confusion(), freq)
    for _ in range(2):
        for got, want in zip(generator._cached_neighbour_index(), generator._build_neighbour_index()):
            assert np.array_equal(got, want) and got.dtype == want.dtype


def test_the_confusion_digest_follows_the_rows():
    confusion = ConfusionSet({"实": {"same_tone": "石时"}})
    before = confusion.digest()
    assert ConfusionSet({"实": {"same_tone": "石时"}}).digest() == before
    confusion.table["实"] = {"same_tone": "石"}
    assert confusion.digest() != before

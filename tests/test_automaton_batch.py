"""Adding an automaton's patterns in one batch sets the same filter flags and the same patterns as one by one."""

from __future__ import annotations

import random

import numpy as np

from review.lexicon_match import HOMOPHONE_CLASS_BASE, ReadingClassAutomaton, SentinelAutomaton


def test_sentinel_automaton_batch_equals_one_by_one():
    rng = random.Random(22)
    alphabet = "冰毒赌博大麻出售枪支abcXYZ01 *的了"
    keys = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 9))) for _ in range(500)})
    single, batch = SentinelAutomaton(), SentinelAutomaton()
    for number, key in enumerate(keys):
        single.add(key, (len(key), number))
    batch.add_many(keys, [(len(key), number) for number, key in enumerate(keys)])
    single.build()
    batch.build()
    assert single.pairs.any() and np.array_equal(single.pairs, batch.pairs)
    assert single.size == batch.size == len(keys)
    assert list(single.automaton.items()) == list(batch.automaton.items())
    text = "".join(rng.choice(alphabet) for _ in range(2000))
    assert list(single.iter(text)) == list(batch.iter(text))


def test_reading_class_automaton_batch_equals_one_by_one():
    rng = random.Random(7)
    single, batch = ReadingClassAutomaton(), ReadingClassAutomaton()
    width = single.width
    keys = sorted({"".join(chr(HOMOPHONE_CLASS_BASE + rng.randint(0, min(width - 2, 40)))
                           for _ in range(rng.randint(2, 7))) for _ in range(400)})
    assert any(len(key) == 2 for key in keys) and any(len(key) > 3 for key in keys)
    for number, key in enumerate(keys):
        single.add(key, number)
    batch.add_many(keys, list(range(len(keys))))
    assert np.array_equal(single.pairs, batch.pairs) and single.pairs.any()
    assert np.array_equal(single.triples, batch.triples) and single.triples.any()
    assert single.size == batch.size
    single.build()
    batch.build()
    assert list(single.automaton.items()) == list(batch.automaton.items())

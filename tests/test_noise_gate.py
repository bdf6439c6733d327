"""The noise scan's first-character gate (issue 22) hides no noise: the gated pattern matches what the plain
alternation matches."""

from __future__ import annotations

import random
import re

from review.normalise import NOISE_FIRST, NOISE_RE

PIECES = ["持續(xù)", "（chí）", "(ma1)", "&amp;", "&#20013;", "&nbsp;", "锟斤拷", "烫烫烫", "屯屯屯", "\ufffd", "工作?,F將",
          "做????、", "吗?", "真的吗??", "æ”¿åºœ", "Ã©", "\u200b", "\ufeff", "\x00", "\ud800", "\udfff\ud800", "（", "(",
          "?", "&", "中", "国", "a", " ", "\n", "，", "。"]


def test_the_gate_keeps_every_match_of_the_plain_alternation():
    prefix = f"(?=[{NOISE_FIRST}])(?:"
    assert NOISE_RE.pattern.startswith(prefix) and NOISE_RE.pattern.endswith(")")
    plain = re.compile(NOISE_RE.pattern[len(prefix) : -1])
    rng = random.Random(22)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    found = 0
    for text in texts:
        gated = [(m.lastgroup, m.span()) for m in NOISE_RE.finditer(text)]
        assert gated == [(m.lastgroup, m.span()) for m in plain.finditer(text)], text
        found += len(gated)
    assert found > 1000
    kinds = {m.lastgroup for text in texts for m in NOISE_RE.finditer(text)}
    assert kinds == {"surrogate", "invisible", "annotation", "entity", "junk", "lost", "latin1"}

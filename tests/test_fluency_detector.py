"""The fluency check's learnt replaced-word detector: its inputs, its numpy pass against the torch model it was
exported from, the training spins (no list), and the shipped detector on words that must and must not fire."""

from __future__ import annotations

import random

import numpy as np
import pytest

from review.checks.fluency import (
    DETECTOR_MODEL,
    FEATURES,
    FluencyCheck,
    detector_inputs,
    load_detector,
    word_units,
)
from review.resources import model_path
from review.segment import tokenize
from review.training.fluency_detector import export, make_model, spun_copy
from review.training.fluency_spins import Substitutes, substitute_text

SHIPPED = model_path(*DETECTOR_MODEL)


def test_inputs_give_unknown_words_their_length_row() -> None:
    """Known words keep their id; an unknown word reads the row of its length (4+ shares one); symbols and ASCII
    have no character rows, Chinese characters outside the list read row 1."""
    forms = ["政府", "庶民", "<num>", "中华人民共和国", "字"]
    ids = np.array([7, -1, 3, -1, -1])
    words, chars = detector_inputs(forms, ids, 100, {"政": 2, "府": 3, "字": 4})
    assert words.tolist() == [7, 101, 3, 103, 100]
    assert chars[0].tolist() == [2, 3, 0, 0]
    assert chars[1].tolist() == [1, 1, 0, 0]
    assert chars[2].tolist() == [0, 0, 0, 0]
    assert chars[3].tolist() == [1, 1, 1, 1]
    assert chars[4].tolist() == [4, 0, 0, 0]


def test_numpy_pass_matches_the_torch_model(tmp_path) -> None:
    """The exported float16 weights read by numpy give the torch model's logits (to float16 precision)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    vocabulary, characters = 50, 10
    model = make_model(vocabulary, characters, None)
    with torch.no_grad():
        for parameter in model.parameters():  # float16-exact weights: the export loses nothing
            parameter.copy_(parameter.half().float())
    model.eval()
    path = tmp_path / "detector.npz"
    export(model, vocabulary, [chr(0x4E00 + k) for k in range(characters)], path)
    detector = load_detector(str(path))
    rng = np.random.default_rng(1)
    words = rng.integers(0, vocabulary + 4, size=23)
    chars = rng.integers(0, characters + 2, size=(23, 4))
    chars[:, 2:] = 0
    with torch.no_grad():
        expected = model(torch.from_numpy(words)[None], torch.from_numpy(chars)[None])[0].numpy()
    assert np.allclose(detector.logits(words, chars), expected, atol=1e-3)
    assert detector.logits(words[:0], chars[:0]).shape == (0,)


def _toy_substitutes() -> Substitutes:
    """Substitutes from a three-word vocabulary and a small dictionary: 百姓 → 庶民 reversed from the neighbour
    row of 庶民, 检查 → 检验 (same length, part of speech and a character in place, rarer)."""
    vocab = ["百姓", "庶民", "检查"]
    neighbours = np.full((3, 2), 65535, dtype=np.uint16)
    neighbours[1, 0] = 0  # 庶民's row holds 百姓: a spinner may write 庶民 for it
    dictionary = {"百姓": (5000, "n"), "庶民": (100, "n"), "检查": (9000, "vn"), "检验": (800, "vn"),
                  "检讨": (20000, "vn"), "巡查": (50, "v")}
    return Substitutes(vocab, neighbours, dictionary)


def test_substitutes_come_from_neighbours_reversed_and_the_dictionary() -> None:
    """A commoner word gets a rarer neighbour or a rarer word of its shape, never a commoner one."""
    substitutes = _toy_substitutes()
    rng = random.Random(0)
    picks = {substitutes.pick("百姓", rng) for _ in range(40)}
    assert picks == {"庶民"}
    picks = {substitutes.pick("检查", rng) for _ in range(40)} - {None}
    assert picks == {"检验"}  # 检讨 is commoner, 巡查 another part of speech
    assert substitutes.pick("庶民", rng) is None


def test_spun_copy_labels_the_substitutes() -> None:
    """Every substitute's span holds the substitute; the re-segmented copy labels its tokens and no others."""
    text = "各级政府要加强检查，让百姓满意，让百姓放心。"
    spun, spans = substitute_text(text, _toy_substitutes(), 1.0, random.Random(3))
    assert spans and all(spun[a:b] in {"庶民", "检验"} for a, b in spans)
    forms, labels = spun_copy(text, _toy_substitutes(), 1.0, random.Random(3))
    assert "".join(forms) == spun
    assert {form for form, label in zip(forms, labels) if label} <= {"庶民", "检验"}
    assert sum(labels) == len(spans)
    assert spun_copy(text, _toy_substitutes(), 0.0, random.Random(3)) == (
        [word.form for word in word_units(tokenize(text))], [0] * len(labels))


needs_shipped = pytest.mark.skipif(not SHIPPED.exists(), reason="models/fluency/detector.npz not built")

CLEAN = ("国务院总理李强主持召开国务院常务会议，研究部署进一步做好稳就业工作，审议通过《关于加快发展先进制造业集群的"
         "意见》。会议指出，就业是最基本的民生，要坚持把就业工作摆在突出位置，强化政策支持，落实落细各项稳岗措施。")


@pytest.fixture(scope="module")
def check() -> FluencyCheck:
    """The check with the shipped models."""
    return FluencyCheck()


def _logits(check: FluencyCheck, text: str) -> dict[str, float]:
    """The detector's logit of each Chinese word of `text` (the highest where a word repeats)."""
    words = word_units(tokenize(text))
    logits, at = check.detected(words, check.words.ids([word.form for word in words]))
    found: dict[str, float] = {}
    for k, logit in zip(at.tolist(), logits.tolist()):
        found[words[k].form] = max(logit, found.get(words[k].form, -np.inf))
    return found


@needs_shipped
def test_clean_news_is_quiet(check: FluencyCheck) -> None:
    """No word of a clean news paragraph reaches the detector's threshold."""
    logits = _logits(check, CLEAN)
    assert logits and max(logits.values()) < check.detect_logit


# substitutes in no list of the project (not in spinner.tsv, spin_pairs.tsv or the blind pairs)
FIRES = [("召开", "开设"), ("民生", "生民"), ("审议", "审读")]
RISES = [("措施", "手段"), ("通过", "经由")]


@needs_shipped
@pytest.mark.parametrize(("original", "spun"), FIRES + RISES)
def test_spun_word_outscores_its_original(check: FluencyCheck, original: str, spun: str) -> None:
    """A near-synonym put in place of a formal word scores far above the word it replaced, in the same place."""
    before = _logits(check, CLEAN)[original]
    after = _logits(check, CLEAN.replace(original, spun, 1)).get(spun)
    assert after is not None and after > before + 2.0


@needs_shipped
@pytest.mark.parametrize(("original", "spun"), FIRES)
def test_spun_word_fires(check: FluencyCheck, original: str, spun: str) -> None:
    """These substitutes reach the detector's threshold in the clean paragraph's place of their original."""
    assert _logits(check, CLEAN.replace(original, spun, 1))[spun] >= check.detect_logit


@needs_shipped
def test_detector_features(check: FluencyCheck) -> None:
    """The detector's features are part of the analysis and rise when words are replaced."""
    clean = check.analyse(CLEAN, tokenize(CLEAN), judge=False).features
    spun_text = CLEAN
    for original, spun in FIRES + RISES:
        spun_text = spun_text.replace(original, spun, 1)
    spun = check.analyse(spun_text, tokenize(spun_text), judge=False).features
    assert {"detect_log", "detect_rate", "detect_weak_rate", "detect_top"} <= set(FEATURES) <= set(clean)
    assert spun["detect_top"] > clean["detect_top"]
    assert spun["detect_weak_rate"] > clean["detect_weak_rate"]

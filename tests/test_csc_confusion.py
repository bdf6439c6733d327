"""Confusion sets: pinyin neighbours, fuzzy pairs, shape sets, io, and the shipped TSV."""
from __future__ import annotations

import json

from review.chars import is_han
from review.training.confusion import build_confusion, build_sound, fuzzy_key, observed_pairs, read_shape_sets
from review.typo.confusion import COLUMNS, DEFAULT_PATH, ConfusionSet


def test_is_han():
    assert is_han("中") and not is_han("a") and not is_han("1") and not is_han("，") and not is_han("[PAD]")


def test_fuzzy_key_pairs():
    assert fuzzy_key("zhi") == fuzzy_key("zi")
    assert fuzzy_key("chang") == fuzzy_key("can")
    assert fuzzy_key("shi") == fuzzy_key("si")
    assert fuzzy_key("nan") == fuzzy_key("lan")
    assert fuzzy_key("xing") == fuzzy_key("xin")
    assert fuzzy_key("feng") == fuzzy_key("fen")
    assert fuzzy_key("bang") == fuzzy_key("ban")
    assert fuzzy_key("ma") != fuzzy_key("mo")


def test_build_sound_groups():
    s = build_sound("厉励利力历立丽知资支字")
    assert "励" in s["厉"]["same_tone"]          # li4 / li4
    assert "丽" in s["厉"]["same_tone"]
    assert "资" in s["知"]["fuzzy"]              # zhi1 ~ zi1
    assert "字" in s["资"]["diff_tone"]          # zi1 / zi4
    assert "厉" not in s["厉"]["same_tone"]      # never itself


def test_shape_sets_and_merge(tmp_path):
    d = tmp_path / "csc-sighan-simplified"
    d.mkdir()
    (d / "confusion_SimilarShape_simplied.txt").write_text("己,已巳\n", encoding="utf-8")
    e = tmp_path / "csc-ecspell"
    e.mkdir()
    (e / "shapeConfusion.json").write_text(json.dumps({"未": ["末"]}, ensure_ascii=False), encoding="utf-8")
    shape = read_shape_sets(tmp_path)
    assert shape["己"] == {"已", "巳"} and shape["未"] == {"末"}
    common = set("己已巳未末再励厉")
    cs = build_confusion(tmp_path, common, pairs=[("再接再励", "再接再厉")])
    assert cs.allows("己", "已") and cs.allows("已", "己")  # shape links are symmetric
    assert "厉" in cs.column("励", "observed")
    assert cs.allows("励", "厉")
    assert not cs.allows("己", "己")


def test_save_load_roundtrip(tmp_path):
    cs = ConfusionSet()
    cs.add("励", "厉", "same_tone")
    cs.add("励", "历", "observed")
    cs.add("己", "已", "shape")
    p = tmp_path / "c.tsv"
    cs.save(p)
    back = ConfusionSet.load(p)
    assert back.candidates("励") == "".join(sorted("厉历"))
    assert back.column("己", "shape") == "已"
    assert len(p.read_text(encoding="utf-8").splitlines()[1].split("\t")) == 1 + len(COLUMNS)


def test_observed_pairs():
    c = observed_pairs([("再接再励", "再接再厉"), ("abc", "abd"), ("不等长", "不等")])
    assert c == {("励", "厉"): 1}


def test_shipped_confusion_set():
    assert DEFAULT_PATH.exists()
    assert DEFAULT_PATH.stat().st_size < 5_000_000
    cs = ConfusionSet.load()
    assert len(cs) > 3000
    for wrong, right in ("励厉", "即既", "载在", "做作", "的地", "部步"):
        assert cs.allows(wrong, right), (wrong, right)

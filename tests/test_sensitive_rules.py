"""The `sensitive` check's rules added for issue 21: word-boundary evidence, stances, advertising-law claims, evasions
and the curated lists. Examples live with the rules in lexicons/sensitive/ and run here."""

from __future__ import annotations

import pytest

from review.pipeline import Reviewer, ReviewOptions


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["sensitive"])


def found(reviewer: Reviewer, text: str) -> dict[str, str]:
    """rule → the highest severity reported, with the offset promise checked."""
    report = reviewer.review({"text": text}, ReviewOptions.make())
    out: dict[str, str] = {}
    order = ("info", "minor", "major", "critical")
    for finding in report.findings:
        assert text[finding.start : finding.end] == finding.text
        if finding.rule not in out or order.index(finding.severity) > order.index(out[finding.rule]):
            out[finding.rule] = finding.severity
    return out


@pytest.mark.parametrize("text", ["爸妈的叮嘱要记牢。", "听妈的话。", "宝妈的心声", "大妈的广场舞", "节日你好，朋友们。",
                                  "姑妈的家在乡下。"])
def test_a_vulgar_word_across_a_word_boundary_is_no_finding(reviewer, text):
    assert "sensitive.vulgar" not in found(reviewer, text)


@pytest.mark.parametrize("text", ["我们在帝国主义的淫威下站了起来。", "他浸淫书法多年，终成一家。"])
def test_ordinary_words_with_a_porn_marker_are_no_finding(reviewer, text):
    """淫 in its old sense of "excessive" (淫威, 浸淫) is ordinary writing; curation.toml drops such words."""
    assert "sensitive.porn" not in found(reviewer, text)


@pytest.mark.parametrize("text", ["妈的，真烦人。", "他妈的真烦", "日你先人"])
def test_the_vulgar_word_itself_is_still_found(reviewer, text):
    assert found(reviewer, text).get("sensitive.vulgar") == "major"


def test_an_insult_inside_direct_speech_is_the_speakers(reviewer):
    # a quotation opened after a colon reports what someone said, however many clauses it runs to
    assert found(reviewer, "曾有名言说：“到底是股票多于白痴，还是白痴多于股票。”") == {"sensitive.vulgar": "info"}
    # the post's own voice, or a quotation with no speech mark before it, keeps the finding
    assert found(reviewer, "你们都是白痴，还是白痴多于股票。") == {"sensitive.vulgar": "major"}
    assert found(reviewer, "曾有名言“到底是股票多于白痴，还是白痴多于股票。”").get("sensitive.vulgar") == "major"


def test_macaos_lawful_industry_is_not_gambling(reviewer):
    assert "sensitive.gambling" not in found(reviewer, "澳门以出口加工业、旅游博彩业、房地产建筑业和金融业为四大支柱。")
    assert found(reviewer, "加入博彩平台，注册送彩金").get("sensitive.gambling") == "critical"


@pytest.mark.parametrize("text", ["全国人大通过反分裂国家法。", "了解鸦片战争以来的民族屈辱史。", "中美反洗钱联合调查工作组成立。",
                                  "依据反恐怖主义法开展工作。"])
def test_names_of_laws_and_events_holding_a_listed_term_get_no_hint(reviewer, text):
    assert found(reviewer, text) == {}


def _examples(name: str) -> list[tuple[str, str]]:
    from review.resources import load_toml

    return [(example["text"], example["severity"]) for example in load_toml("sensitive", name)["example"]]


@pytest.mark.parametrize(("text", "severity"), _examples("stances.toml"))
def test_stance_examples(reviewer, text, severity):
    rules = found(reviewer, text)
    if severity == "none":
        # criticism, enforcement and negation: no political finding above info
        assert rules.get("sensitive.political") in (None, "info", "minor"), rules
    else:
        assert rules.get("sensitive.political") == severity, rules


def test_the_issue_separatist_statement_is_rejected(reviewer):
    report = reviewer.review({"text": "我们坚决支持台湾独立，反对统一。"}, ReviewOptions.make())
    assert report.verdict == "reject"
    assert sum(f.severity == "critical" for f in report.findings) == 2  # the stance and 反对统一


@pytest.mark.parametrize(("text", "severity"), _examples("context.toml"))
def test_advertising_law_examples(reviewer, text, severity):
    rules = found(reviewer, text)
    if severity == "none":
        assert rules.get("sensitive.ad_law") in (None, "info"), rules
    else:
        assert rules.get("sensitive.ad_law") == severity, rules


def test_every_curated_entry_is_found_in_a_neutral_sentence():
    """The curated list's entries are its examples: each, in a neutral sentence, is reported in its category."""
    from review.checks.sensitive import SensitiveCheck
    from review.document import Document
    from review.lexicon import load_entries
    from review.model import Post

    check = SensitiveCheck()
    curated = [e for e in load_entries("sensitive", "curated.tsv")]
    assert len(curated) > 3000
    missed = []
    for entry in curated:
        text = f"据群众反映，{entry.term}的情况近来有所抬头。"
        doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())
        start = text.index(entry.term)
        if not any(f.rule == f"sensitive.{entry.category}" and f.start < start + len(entry.term) and f.end > start
                   for f in check.check(doc)):
            missed.append(entry.term)
    assert not missed, missed[:20]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("工产党", "sensitive.political"),
        ("共c党", "sensitive.political"),
        ("产党共", "sensitive.political"),
        ("共产王朝", "sensitive.political"),
        ("平小邓", "sensitive.political"),
        ("jzm", "sensitive.political"),
        ("gongchandang", "sensitive.political"),
        ("邓晓平同志", "sensitive.political"),
        ("据说tikaoshi很赚钱", "sensitive.fraud"),
        ("aomenpujingduchang开户", "sensitive.gambling"),
        ("zhenrenduqianpingtai", "sensitive.gambling"),
        ("chu售发票", "sensitive.fraud"),
        ("帮人xi钱", "sensitive.fraud"),
        ("出售假币", "sensitive.fraud"),
        ("银行卡三件套", "sensitive.fraud"),
        ("真钱投注", "sensitive.gambling"),
    ],
)
def test_the_issue_evasions_are_found(reviewer, text, rule):
    assert found(reviewer, text).get(rule) in ("major", "critical")


@pytest.mark.parametrize(
    "text",
    ["中国共产党成立一百周年。", "习近平总书记强调，要推进共同富裕。", "中国共产党共同富裕的目标", "邓小平理论",
     "Xi Jinping met the delegation.", "党中央、国务院高度重视。", "江泽民同志的讲话"],
)
def test_plain_party_and_leader_names_are_no_finding(reviewer, text):
    assert "sensitive.political" not in found(reviewer, text)


def test_disguised_spellings_of_a_name():
    from review.checks.sensitive import disguised_spellings

    spellings = disguised_spellings("邓小平", ["homophone", "reorder", "initials", "letter", "mixed"])
    assert {"邓晓平", "平小邓", "dxp", "邓x平", "邓xiao平"} <= set(spellings)
    assert "邓小平" not in spellings
    assert disguised_spellings("邓小平", ["initials"]) == ["dxp"]

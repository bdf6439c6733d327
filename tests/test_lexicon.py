"""The generic lexicon loader and the evasion-robust matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.lexicon import Entry, LexiconError, load_entries, parse_entries, parse_phrases
from review.lexicon_match import (
    CASE,
    EXACT,
    MIXED_PINYIN,
    PINYIN,
    REPEATED,
    SPACED,
    VARIANT,
    LexiconMatcher,
    build_skeleton,
    pinyin_variants,
    skeleton_form,
    skeleton_forms,
)

HEADER = "term\tcategory\tseverity\tsuggestion\tnote\tvariants\n"


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_loader_reads_columns_and_extra(tmp_path):
    path = write(tmp_path, "a.tsv", "# comment\n" + HEADER + "赌博\tgambling\tmajor\t-\t说明\t堵博|睹博\n")
    [entry] = parse_entries([path])
    assert (entry.term, entry.category, entry.severity, entry.suggestion, entry.note) == (
        "赌博", "gambling", "major", None, "说明")
    assert entry.get("variants") == "堵博|睹博"
    assert entry.source.endswith("a.tsv:3")


def test_loader_reports_every_problem_with_file_and_line(tmp_path):
    first = write(tmp_path, "a.tsv", HEADER + "赌博\tgambling\tmajor\t-\t-\t-\n\tgambling\tmajor\n毒品\tdrugs\tsevere\n")
    second = write(tmp_path, "b.tsv", HEADER + "赌博\tgambling\tminor\t-\t-\t-\n大麻\tunknown\tminor\n")
    with pytest.raises(LexiconError) as caught:
        parse_entries([first, second], categories=["gambling", "drugs"])
    problems = "\n".join(caught.value.problems)
    assert "a.tsv:3: empty term" in problems
    assert "a.tsv:4: severity 'severe'" in problems
    assert "b.tsv:2: duplicate term '赌博' (first at" in problems and "a.tsv:2" in problems
    assert "b.tsv:3: unknown category 'unknown'" in problems


def test_loader_rejects_missing_header_columns_and_extra_cells(tmp_path):
    path = write(tmp_path, "a.tsv", "term\tseverity\n赌博\tmajor\n")
    with pytest.raises(LexiconError, match="header lacks column"):
        parse_entries([path])
    path = write(tmp_path, "b.tsv", "term\tcategory\tseverity\n赌博\tgambling\tmajor\textra\n")
    with pytest.raises(LexiconError, match="b.tsv:2: 4 cells"):
        parse_entries([path])


def test_loader_reads_toml_entries(tmp_path):
    path = write(tmp_path, "a.toml",
                 '[[entry]]\nterm = "北朝鲜"\ncategory = "sovereignty"\nseverity = "major"\nsuggestion = "朝鲜"\n')
    [entry] = parse_entries([path])
    assert entry.suggestion == "朝鲜" and entry.source.endswith("a.toml:entry[1]")


def test_phrase_list_duplicates(tmp_path):
    path = write(tmp_path, "allow.txt", "# c\n大麻烦\n最多跑一次  # slogan\n大麻烦\n")
    with pytest.raises(LexiconError, match="allow.txt:4: duplicate phrase"):
        parse_phrases(path)


def test_shipped_lexicons_load_and_are_large_enough():
    sensitive = load_entries("sensitive", "*.tsv")
    categories = {entry.category for entry in sensitive}
    expected = {"political", "porn", "gambling", "drugs", "weapons", "violence_terror", "fraud", "vulgar", "ad_law"}
    assert expected <= categories
    expression = load_entries("expression", "*.tsv")
    assert len(sensitive) + len(expression) >= 1300
    assert all(entry.severity in ("info", "minor", "major", "critical") for entry in sensitive)


def test_skeleton_forms_of_many_terms_equal_each_terms_own():
    terms = ["赌赌赌博", "冰 * 毒", "DuBo", "妈妈", "妈妈妈", "博", "**", "", "博博", "AK47", "a", "A", "𠀀𠀀", "天天 向上", "赌", "赌博"]
    assert skeleton_forms(terms) == [skeleton_form(term) for term in terms]
    assert skeleton_forms([]) == []
    assert skeleton_forms(["冰\n毒", "赌博"]) == ["冰\n毒", "赌博"]


def test_skeleton_maps_back_to_normalised_spans():
    skeleton = build_skeleton("冰 * 毒，DU博，赌赌赌博")
    assert skeleton.text == "冰毒，du博，赌博"
    assert skeleton.span(0) == (0, 1) and skeleton.span(1) == (4, 5)
    assert skeleton.span(7) == (10, 13)  # 赌赌赌 collapses to one character spanning all three
    assert build_skeleton("妈妈的").text == "妈妈的"  # an ordinary doubled word is not collapsed
    assert build_skeleton("《冰糖》").text == "《冰糖》"  # brackets are word edges, never dropped


def test_pinyin_variants():
    variants = dict((spelling, kind) for kind, spelling in pinyin_variants("赌博"))
    assert variants == {"du博": MIXED_PINYIN, "赌bo": MIXED_PINYIN, "dubo": PINYIN}
    assert pinyin_variants("AK47") == []


@pytest.fixture(scope="module")
def matcher() -> LexiconMatcher:
    entries = [
        Entry("冰毒", "drugs", "major", extra={"variants": "兵毒"}),
        Entry("赌博", "gambling", "major"),
        Entry("大麻", "drugs", "minor"),
        Entry("av女优", "porn", "critical"),
    ]
    return LexiconMatcher(
        entries,
        ["大麻烦"],
        pinyin_for=lambda entry: entry.severity != "minor",
        variants_for=lambda entry: [v for v in (entry.get("variants") or "").split("|") if v],
    )


@pytest.mark.parametrize(
    ("text", "kind", "written"),
    [
        ("吸食冰毒", EXACT, "冰毒"),
        ("吸食冰*毒", SPACED, "冰*毒"),
        ("吸食冰 毒", SPACED, "冰 毒"),
        ("吸食冰冰冰毒", REPEATED, "冰冰冰毒"),
        ("吸食冰冰毒", EXACT, "冰毒"),
        ("网络dubo", PINYIN, "dubo"),
        ("网络DuBo", PINYIN, "DuBo"),
        ("网络du博", MIXED_PINYIN, "du博"),
        ("网络d-u-b-o", PINYIN, "d-u-b-o"),
        ("吸食兵毒", VARIANT, "兵毒"),
        ("看AV女优", CASE, "AV女优"),
    ],
)
def test_every_evasion_kind(matcher, text, kind, written):
    [match] = matcher.find(text)
    assert match.kind == kind
    assert text[match.start : match.end] == written


def test_no_matches_across_boundaries(matcher):
    assert matcher.find("这真是个大麻烦") == []  # allow-list phrase
    assert matcher.find("冰。毒") == []  # clause punctuation is never dropped
    assert matcher.find("冰        毒") == []  # too far apart
    assert matcher.find("edubo课程") == []  # pinyin inside a longer Latin word
    assert matcher.find("冰糖，毒性") == []


def test_per_call_allow_and_deny(matcher):
    assert matcher.find("吸食冰毒", allow_terms=["冰毒"]) == []
    deny = Entry("打火机", "deny", "major")
    [match] = matcher.find("严禁携带打 火机", extra_entries=[deny])
    assert match.entry is deny and (match.start, match.end) == (4, 8)
    short = Entry("某某", "deny", "major")  # its skeleton is one character: matched as written only
    assert [(m.start, m.end) for m in matcher.find("某人说某某来了", extra_entries=[short])] == [(3, 5)]


def test_a_list_not_in_utf8_is_a_named_problem(tmp_path):
    # a third hostile trial: a GBK byte in a list made `review lexicons` end in a traceback
    path = tmp_path / "drugs.tsv"
    path.write_bytes("term\tcategory\tseverity\n".encode() + "冰毒\tdrugs\tmajor\n".encode("gbk"))
    with pytest.raises(LexiconError) as raised:
        parse_entries([path])
    [problem] = raised.value.problems
    assert problem.endswith("drugs.tsv: not UTF-8 at byte 23 (save the file as UTF-8)")  # 冰's first GBK byte


def test_review_lexicons_reports_a_broken_folder_without_a_traceback(tmp_path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    broken = tmp_path / "lexicons"
    shutil.copytree(root / "lexicons", broken)
    with open(broken / "sensitive" / "stances.toml", "a", encoding="utf-8") as handle:
        handle.write("[[[\n")
    env = {"REVIEW_LEXICONS": str(broken), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "review.cli", "lexicons"], capture_output=True, text=True, env=env,
                          cwd=root, timeout=300, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "stances.toml" in done.stderr and "词表有误" in done.stderr

"""The typo check: error lexicon, context rules, word boundaries and offset mapping of suggestions."""

from __future__ import annotations

import tomllib

import pytest

from review.checks.typo import (
    LEXICON_CATEGORIES,
    ErrorLexicon,
    TypoCheck,
    load_error_lexicon,
    load_rules,
    parse_rules,
    typo_message,
)
from review.lexicon import Entry, LexiconError, parse_entries
from review.model import SEVERITIES
from review.pipeline import Reviewer, ReviewOptions
from review.resources import lexicon_path


@pytest.fixture(scope="module")
def check() -> TypoCheck:
    checker = TypoCheck()
    checker.model_pass = None  # these tests are about the lexicon and the rules
    return checker


@pytest.fixture(scope="module")
def reviewer(check) -> Reviewer:
    reviewer = Reviewer(checks=["typo"])
    reviewer._instances["typo"] = check
    return reviewer


def findings(reviewer: Reviewer, text: str, **options) -> list[dict]:
    report = reviewer.review_dict({"text": text}, ReviewOptions.make(**options))
    return [f for f in report["findings"] if f["category"] == "typo"]


# ---- the lexicon -----------------------------------------------------------------------------------------


def test_lexicon_is_large_valid_and_consistent():
    lexicon = load_error_lexicon()
    assert len(lexicon) >= 1000
    corrections = {entry.suggestion for entry in lexicon.entries.values()}
    for entry in lexicon.entries.values():
        assert entry.category in LEXICON_CATEGORIES
        assert entry.severity in SEVERITIES
        assert entry.suggestion and entry.suggestion != entry.term
        # a wrong form that is itself somebody's correct form would be flagged in correct text
        assert entry.term not in corrections, entry.term
    for term, right in [("再接再励", "再接再厉"), ("迫不急待", "迫不及待"), ("一如继往", "一如既往"),
                        ("按步就班", "按部就班"), ("谈笑风声", "谈笑风生"), ("默守成规", "墨守成规"),
                        ("出奇不意", "出其不意"), ("甘败下风", "甘拜下风"), ("布署", "部署")]:
        assert lexicon.entries[term].suggestion == right


def test_lexicon_validation_reports_file_and_line(tmp_path):
    bad = tmp_path / "errors.tsv"
    bad.write_text("term\tsuggestion\tcategory\tseverity\n再接再励\t再接再厉\tidiom\tfatal\n"
                   "布署\t部署\tword\tmajor\n布署\t部署\tword\tmajor\n", encoding="utf-8")
    with pytest.raises(LexiconError) as error:
        parse_entries([bad], LEXICON_CATEGORIES)
    text = str(error.value)
    assert "errors.tsv:2" in text and "severity" in text
    assert "errors.tsv:4" in text and "duplicate" in text
    with pytest.raises(ValueError, match="suggestion"):
        ErrorLexicon((Entry("布署", "word", "major", None),))


def test_generated_variants_are_made_on_a_hit_as_the_shipped_entries_are():
    from review.typo.term_variants import variant_entries

    lexicon = load_error_lexicon(True)
    authored = load_error_lexicon(False).entries
    shipped = {entry.term: entry for entry in variant_entries() if entry.term not in authored}
    assert len(lexicon) == len(authored) + len(shipped)
    # the entries made lazily, one hit at a time, are those `variant_entries` makes all at once
    text = "，".join(list(shipped)[:200:7])
    hits = [(start, end, entry) for start, end, entry in lexicon.matches(text) if entry.category == "term"]
    assert len(hits) >= 25 and all(text[start:end] == entry.term and entry == shipped[entry.term]
                                   for start, end, entry in hits)
    assert lexicon.entries == {**authored, **shipped}
    with pytest.raises(ValueError, match="variant equals the term"):
        ErrorLexicon((), {"布署": "布署"})
    # hits are found by a wrong form's first two characters
    with pytest.raises(ValueError, match="two characters"):
        ErrorLexicon((Entry("布", "word", "major", "部"),))


def test_lexicon_hits_overlap_and_come_by_end_the_longer_first():
    entries = tuple(Entry(term, "word", "major", right) for term, right in
                    [("再接再励", "再接再厉"), ("接再励", "接再厉"), ("再励", "再厉"), ("励精图治", "励精图志")])
    lexicon = ErrorLexicon(entries, {"乡村镇兴": "乡村振兴"})
    text = "要再接再励精图治，推进乡村镇兴。再"
    found = [(start, end, entry.term) for start, end, entry in lexicon.matches(text)]
    assert found == [(1, 5, "再接再励"), (2, 5, "接再励"), (3, 5, "再励"), (4, 8, "励精图治"), (11, 15, "乡村镇兴")]
    assert lexicon.matches("") == [] and lexicon.matches("再") == []


def test_lexicon_findings_carry_span_suggestion_and_message(reviewer):
    [finding] = findings(reviewer, "全体干部要再接再励，全力以赴完成任务。")
    assert finding["text"] == "再接再励"
    assert finding["suggestion"] == "再接再厉"
    assert finding["message"] == "疑似错别字：“励”应为“厉”（再接再厉）"
    assert finding["severity"] == "major"
    assert finding["rule"] == "typo.lexicon.idiom"
    assert 0 < finding["confidence"] <= 1


def test_message_wording():
    assert typo_message("励", "厉") == "疑似错别字：“励”应为“厉”"
    assert typo_message("按步就班", "按部就班") == "疑似错别字：“步”应为“部”（按部就班）"
    assert typo_message("帐号", "账号", "variant") == "用字不规范：“帐”应为“账”（账号）"
    assert typo_message("不尽人意", "不尽如人意") == "疑似错别字：“不尽人意”应为“不尽如人意”"


@pytest.mark.parametrize(
    "text",
    [
        "坚持以经济建设为中心。",  # 以经 inside 以|经济
        "按排名先后顺序录取。",  # 按排 across 按|排名
        "他主张以德报怨。",  # 报怨 inside the idiom 以德报怨
        "认真学习贯彻会议精神。",  # 习贯 across 学习|贯彻
        "整治暑期未成年人网络环境。",  # 期未 across 暑期|未成年人
        "日落时分，游客渐渐散去。",  # 落时 inside 日落时分
        "各地推出形式多样的活动。",  # 出形 across 推出|形式
        "小型拖拉机轻松驰骋在山地。",  # 松驰 across 轻松|驰骋
        "李存冬突然变得不能自已。",  # 自已 inside 不能自已
    ],
)
def test_no_flag_inside_correct_longer_words(reviewer, text):
    assert findings(reviewer, text) == []


@pytest.mark.parametrize(
    "text, wrong, right",
    [
        ("请司机朋友合理按排出行时间。", "按排", "安排"),
        ("切实做到有部署、有落时、有检查。", "落时", "落实"),
        ("办人民满意的教肓。", "教肓", "教育"),
        ("他自已也说不清楚。", "自已", "自己"),
    ],
)
def test_short_wrong_forms_found_where_they_fit(reviewer, text, wrong, right):
    found = findings(reviewer, text)
    assert [(f["text"], f["suggestion"]) for f in found] == [(wrong, right)]


def test_allow_terms_silence_a_wrong_form(reviewer):
    assert findings(reviewer, "我们要再接再励。", allow_terms=["再接再励"]) == []


def test_allow_terms_silence_a_context_rule_in_the_pipeline(reviewer):
    text = "截止2025年底，全市共建成基站1200个。"
    assert [f["text"] for f in findings(reviewer, text)] == ["截止"]
    # the one place allow terms apply: the pipeline drops the finding whose words are allowed
    assert findings(reviewer, text, allow_terms=["截止"]) == []


# ---- offsets ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected_span_text",
    [
        ("我們要再接再勵，迫不急待地出發。", "再接再勵"),  # traditional input: span in the caller's characters
        ("🎉🎉大家再接再励！👍", "再接再励"),  # emoji before the hit (astral code points)
        ("大家再接\u200b再励！", "再接\u200b再励"),  # an invisible character inside the word
        ("ＡＢＣ全力以付完成任务", "全力以付"),  # full-width letters before
    ],
)
def test_suggestion_offsets_map_to_the_original(reviewer, text, expected_span_text):
    found = findings(reviewer, text)
    assert found, text
    first = found[0]
    assert text[first["start"] : first["end"]] == first["text"] == expected_span_text
    assert len(first["suggestion"]) == 4


def test_title_is_checked_too(reviewer):
    report = reviewer.review_dict({"text": "正文没有问题。", "title": "干部群众再接再励"}, ReviewOptions.make())
    [finding] = report["findings"]
    assert finding["field"] == "title" and finding["suggestion"] == "再接再厉"


# ---- context rules ---------------------------------------------------------------------------------------


def _rule_examples():
    with open(lexicon_path("typo", "context_rules.toml"), "rb") as handle:
        data = tomllib.load(handle)
    for table in data["rule"]:
        for sentence in table.get("wrong", []):
            yield pytest.param(table["id"], sentence, True, id=f"{table['id']}-wrong-{sentence[:8]}")
        for sentence in table.get("right", []):
            yield pytest.param(table["id"], sentence, False, id=f"{table['id']}-right-{sentence[:8]}")


@pytest.mark.parametrize("rule_id, sentence, should_fire", list(_rule_examples()))
def test_context_rules_both_ways(reviewer, rule_id, sentence, should_fire):
    found = findings(reviewer, sentence)
    fired = [f for f in found if f["rule"] == f"typo.context.{rule_id}"]
    if should_fire:
        assert fired, sentence
        fixed = sentence[: fired[0]["start"]] + fired[0]["suggestion"] + sentence[fired[0]["end"] :]
        assert fixed != sentence
    else:
        assert found == [], sentence


@pytest.mark.parametrize(
    "wrong, right",
    [
        ("截止10月底，全市新增城镇就业5.8万人。", "截至10月底，全市新增城镇就业5.8万人。"),
        ("报名截至日期为10月31日。", "报名截止日期为10月31日。"),
        ("把权利关进制度的笼子里。", "把权力关进制度的笼子里。"),
        ("依法保障公民的合法权力。", "依法保障公民的合法权利。"),
        ("超市储备了充足的生活必须品。", "超市储备了充足的生活必需品。"),
        ("各单位必需高度重视。", "各单位必须高度重视。"),
        ("帮助企业度过难关。", "帮助企业渡过难关。"),
        ("让群众渡过一个欢乐祥和的春节。", "让群众度过一个欢乐祥和的春节。"),
        ("及时处理群众反应的问题。", "及时处理群众反映的问题。"),
        ("坚持已人民为中心的发展思想。", "坚持以人民为中心的发展思想。"),
        ("即要抓发展，又要抓安全。", "既要抓发展，又要抓安全。"),
        ("这项工作做的非常扎实。", "这项工作做得非常扎实。"),
        ("各部门要认真的落实各项措施。", "各部门要认真地落实各项措施。"),
    ],
)
def test_context_dependent_pairs_fix_and_stay_quiet_once_fixed(reviewer, wrong, right):
    found = findings(reviewer, wrong)
    assert len(found) == 1
    finding = found[0]
    assert wrong[: finding["start"]] + finding["suggestion"] + wrong[finding["end"] :] == right
    assert finding["message"].startswith(f"疑似误用：“{finding['text']}”应为“{finding['suggestion']}”（")
    assert findings(reviewer, right) == []


def test_rule_file_validation():
    with pytest.raises(ValueError, match="group named w"):
        parse_rules({"rule": [{"id": "x", "pattern": "截止", "suggestion": "截至", "message": "m", "severity": "major"}]})
    with pytest.raises(ValueError, match="bad regex"):
        parse_rules({"rule": [{"id": "x", "pattern": "(?P<w>截止", "suggestion": "截至", "message": "m",
                               "severity": "major"}]})
    # a rule that backtracks super-linearly on a long run is refused when the rules load
    with pytest.raises(ValueError, match="super-linear"):
        parse_rules({"rule": [{"id": "x", "pattern": "(?P<w>的)\\d*\\d*\\d*x", "suggestion": "地", "message": "m",
                               "severity": "major"}]})
    assert len(load_rules()) >= 15


def test_rule_triggers_are_the_literal_replaced_words_and_skip_only_texts_without_them():
    [plain, either, pattern_word] = parse_rules({"rule": [
        {"id": "a", "pattern": "(?P<w>截止)(?=\\d{4}年)", "suggestion": "截至", "message": "m", "severity": "major"},
        {"id": "b", "pattern": "(?:(?P<w>权利)(?=清单)|(?<=行使)(?P<w2>权力))", "suggestion": "x", "message": "m",
         "severity": "major"},
        {"id": "c", "pattern": "(?P<w>[的地])(?=推进)", "suggestion": "地", "message": "m", "severity": "minor"},
    ]})
    assert plain.triggers == ("截止",)
    assert either.triggers == ("权利", "权力")
    assert pattern_word.triggers == ()  # a character class: no literal to look for, the expression always runs
    assert plain.hits("截止2025年底") == [(0, 2)] and plain.hits("截至2025年底") == []
    assert either.hits("依法行使权力") == [(4, 6)] and either.hits("权利清单") == [(0, 2)]
    assert pattern_word.hits("认真地推进") == [(2, 3)]


def test_clean_dev_sentences_have_no_typo_findings(reviewer):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "dev" / "review_dev.jsonl"
    if not path.exists():
        pytest.skip("shared dev set not available")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if row["kind"] == "clean":
            assert findings(reviewer, row["text"]) == [], row["id"]

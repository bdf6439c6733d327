"""The `expression` check: banned expressions, formulations (numbers, items, order), leaders' names and posts."""

from __future__ import annotations

import pytest

from review.pipeline import Reviewer


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["expression"])


def review(reviewer: Reviewer, text: str):
    report = reviewer.review({"text": text})
    for finding in report.findings:
        if finding.start is not None:
            assert text[finding.start : finding.end] == finding.text
    return report


def by_rule(report, rule: str):
    return [finding for finding in report.findings if finding.rule == rule]


@pytest.mark.parametrize(
    ("text", "wrong", "correct", "severity"),
    [
        ("台湾总统今天发表讲话。", "台湾总统", "台湾地区领导人", "critical"),
        ("北朝鲜举行阅兵。", "北朝鲜", "朝鲜", "major"),
        ("推进一带一路战略。", "一带一路战略", "“一带一路”倡议", "major"),
        ("深入学习习近平新时代特色社会主义思想。", "习近平新时代特色社会主义思想", "习近平新时代中国特色社会主义思想", "critical"),
        ("关爱残废人和瞎子。", "残废人", "残疾人", "major"),
        ("县工商局开展检查。", "工商局", "市场监督管理局", "minor"),  # 原工商局 names the old body: clean
        ("臺灣總統今天發表講話。", "臺灣總統", "臺灣地區領導人", "critical"),  # in the caller's script
    ],
)
def test_banned_expressions(reviewer, text, wrong, correct, severity):
    report = review(reviewer, text)
    hit = [f for f in report.findings if f.text == wrong]
    assert hit, report.findings
    assert hit[0].suggestion == correct and hit[0].severity == severity


def test_allowed_phrases_are_not_banned(reviewer):
    assert not review(reviewer, "各级农业部门加强监管，不让群众吃哑巴亏。").findings


def test_a_word_ending_in_zhong_before_hong_kong_and_macao_is_not_a_sovereignty_error(reviewer):
    assert not review(reviewer, "出入境车辆达425万辆次，其中港澳单牌车248万辆次。").findings
    assert not review(reviewer, "与阿拉伯各国和其他伊斯兰国家的友好关系进一步发展。").findings
    # the national mine safety administration kept its name; a county 安监局 did not
    assert not review(reviewer, "国家能源局、国家矿山安监局和山西省人民政府联合检查。").findings
    assert [f.suggestion for f in review(reviewer, "县安监局开展检查。").findings] == ["应急管理局"]
    [finding] = review(reviewer, "加强中港澳三地合作。").findings
    assert finding.text == "中港澳" and finding.severity == "critical" and "港澳" in finding.message


def test_a_space_where_a_missing_separator_belongs_is_the_headline_form(reviewer):
    # 中共中央 国务院印发… is how joint issuers are written in a headline; run together they are still wrong
    assert not review(reviewer, "中共中央 国务院印发《关于加强新时代水土保持工作的意见》").findings
    [finding] = review(reviewer, "中共中央国务院印发《意见》。").findings
    assert finding.suggestion == "中共中央、国务院"
    # a space does not stand in for quotation marks, nor excuse another error
    assert [f.suggestion for f in review(reviewer, "编制十四五 规划。").findings] == ["“十四五”规划"]
    assert [f.text for f in review(reviewer, "台湾 总统今天讲话。").findings] == ["台湾 总统"]


def test_a_term_already_written_as_its_suggestion_wraps_it_is_clean(reviewer):
    # the suggestion 所谓“麦克马洪线” holds the term: the text that already reads so, or keeps its distance with 所谓,
    # is right (it was told to write 所谓所谓“麦克马洪线”)
    for text in ("占领了中印边界东段所谓“麦克马洪线”以南的领土。", "占领了中印边界东段所谓麦克马洪线以南的领土。",
                 "打击所谓“伊斯兰国”极端组织。"):
        assert not review(reviewer, text).findings, text
    # quotation marks alone: the span takes them in, so that the suggestion replaces them rather than doubles them
    text = "占领了中印边界东段“麦克马洪线”以南的领土。"
    [finding] = review(reviewer, text).findings
    assert finding.text == "“麦克马洪线”" and finding.suggestion == "所谓“麦克马洪线”"
    fixed = text[: finding.start] + finding.suggestion + text[finding.end :]
    assert fixed == "占领了中印边界东段所谓“麦克马洪线”以南的领土。"
    [finding] = review(reviewer, "占领了麦克马洪线以南的领土。").findings
    assert finding.text == "麦克马洪线" and finding.suggestion == "所谓“麦克马洪线”"


def test_formulation_wrong_number(reviewer):
    report = review(reviewer, "要增强“三个意识”，坚定五个自信。")
    found = {f.text: f.suggestion for f in by_rule(report, "expression.formulation_number")}
    assert found == {"三个意识": "四个意识", "五个自信": "四个自信"}


def test_formulations_with_two_right_counts_accept_both(reviewer):
    # 两个务必 (1949) and 三个务必 (二十大报告, 2022) are both canonical; another count names both
    report = review(reviewer, "牢记“三个务必”，这“三个务必”与“两个务必”一脉相承。")
    assert not by_rule(report, "expression.formulation_number")
    [wrong] = by_rule(review(reviewer, "牢记“四个务必”。"), "expression.formulation_number")
    assert wrong.text == "四个务必" and "两个务必" in wrong.message and "三个务必" in wrong.message
    assert wrong.suggestion is None  # two right forms: the editor chooses


@pytest.mark.parametrize(
    "text",
    [
        # a verb phrase leads into the first item on the list's far side
        "牢固树立和贯彻落实创新、协调、绿色、开放、共享的新发展理念。",
        "按照基本要求，全面落实经济建设、政治建设、文化建设、社会建设、生态文明建设五位一体总体布局。",
        # some items singled out after the name, not the whole list
        "持之以恒纠治“四风”，重点纠治形式主义、官僚主义，“三公”经费大幅压减。",
        "驰而不息纠治“四风”特别是形式主义、官僚主义，坚决反对敷衍应付。",
        # 十六大 is the 16th congress, not a count of 两个确立
        "十六大确立“三个代表”重要思想的指导地位。",
    ],
)
def test_official_report_wording_is_not_a_formulation_error(reviewer, text):
    report = review(reviewer, text)
    assert not [f for f in report.findings if f.rule.startswith("expression.formulation")], report.findings


def test_a_wrong_item_behind_a_long_lead_in_is_reported_on_the_list_alone(reviewer):
    text = "牢固树立和贯彻落实创新、协调、环保、开放、共享的新发展理念。"
    [finding] = by_rule(review(reviewer, text), "expression.formulation_items")
    assert finding.text == "创新、协调、环保、开放、共享" and "环保" in finding.message and "绿色" in finding.message


def test_formulation_number_leaves_ordinary_words(reviewer):
    report = review(reviewer, "实现三个伟大飞跃，中美是两个伟大的国家，要增强两个意识形态领域的工作。增强“四个意识”。")
    assert not by_rule(report, "expression.formulation_number")


def test_formulation_wrong_item(reviewer):
    report = review(reviewer, "增强政治意识、大局意识、服务意识、看齐意识这“四个意识”。")
    [finding] = by_rule(report, "expression.formulation_items")
    assert "服务意识" in finding.message and "核心意识" in finding.message
    assert finding.severity == "major"


def test_formulation_missing_item_and_partial_lists(reviewer):
    report = review(reviewer, "坚持创新、协调、绿色、共享的新发展理念。")
    assert by_rule(report, "expression.formulation_items")
    assert not review(reviewer, "坚持创新、协调、绿色等新发展理念。").findings
    assert not review(reviewer, "坚持创新、协调、绿色、开放、共享的新发展理念。").findings
    # the list belongs to another phrase (的发展理念), not to the name that follows it
    text = "总书记创造性提出创新、协调、绿色、开放、共享的发展理念，以新发展理念开启新局面。"
    assert not review(reviewer, text).findings


def test_formulation_order(reviewer):
    report = review(reviewer, "坚定“四个自信”，即道路自信、制度自信、理论自信、文化自信。")
    [finding] = by_rule(report, "expression.formulation_order")
    assert finding.severity == "minor"
    assert finding.suggestion == "道路自信、理论自信、制度自信、文化自信"


def test_correct_core_values(reviewer):
    text = "富强、民主、文明、和谐，自由、平等、公正、法治，爱国、敬业、诚信、友善是社会主义核心价值观。"
    assert not review(reviewer, text).findings
    report = review(reviewer, text.replace("法治", "法制"))
    assert by_rule(report, "expression.formulation_items")


def test_leader_wrong_post_is_critical(reviewer):
    report = review(reviewer, "国家主席李强会见外宾。丁薛祥总理出席。")
    posts = by_rule(report, "expression.leader_post")
    assert {f.text for f in posts} == {"李强", "丁薛祥"}
    assert all(f.severity == "critical" for f in posts) and report.verdict == "reject"


def test_leader_misspelt_name_is_critical(reviewer):
    report = review(reviewer, "习进平总书记强调，国务院总理李墙出席。")
    names = {f.text: f.suggestion for f in by_rule(report, "expression.leader_name")}
    assert names == {"习进平": "习近平", "李墙": "李强"}


@pytest.mark.parametrize(
    "text, wrong, right",
    [
        ("中共中央总书记习湛平出席会议。", "习湛平", "习近平"),  # a sound neighbour of 近 outside the same-reading table
        ("国务院总理孝强主持召开常务会议。", "孝强", "李强"),  # a shape neighbour of 李
        ("中共中央政治局常委丁薛详出席。", "丁薛详", "丁薛祥"),  # beside the Standing Committee title
    ],
)
def test_leader_names_misspelt_through_the_confusion_set_are_found_beside_their_post(reviewer, text, wrong, right):
    [finding] = by_rule(review(reviewer, text), "expression.leader_name")
    assert (finding.text, finding.suggestion, finding.severity) == (wrong, right, "critical")


def test_a_former_post_is_not_a_wrong_post(reviewer):
    assert not review(reviewer, "2012年，时任国家副主席习近平访美。").findings
    assert by_rule(review(reviewer, "国家副主席习近平访美。"), "expression.leader_post")


@pytest.mark.parametrize(
    "text",
    [
        "中共中央总书记、国家主席、中央军委主席习近平出席会议。",
        "国务院总理李强主持召开国务院常务会议。",
        "大会主席团常务主席、执行主席赵乐际主持大会。",
        "全国妇联主席谌贻琴出席。",
        "王沪宁主席在开幕会上讲话，习近平主席和李强总理会见外宾。",
        "村党支部书记李强介绍，张军院长带领医护人员下乡义诊。",
        "全国人大常委会副委员长李锡铭为获奖单位颁奖。",
    ],
)
def test_correct_leader_mentions(reviewer, text):
    report = review(reviewer, text)
    assert not by_rule(report, "expression.leader_post"), report.findings
    assert not by_rule(report, "expression.leader_name"), report.findings

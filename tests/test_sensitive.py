"""The `sensitive` check end to end: every category, evasions, context, per-call terms, the offset contract."""

from __future__ import annotations

import pytest

from review.pipeline import Reviewer, ReviewOptions


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["sensitive"])


def findings(reviewer: Reviewer, text: str, **options):
    report = reviewer.review({"text": text}, ReviewOptions.make(**options))
    for finding in report.findings:
        if finding.start is not None:
            assert text[finding.start : finding.end] == finding.text  # the contract's offset promise
    return report


def rules(report) -> dict[str, str]:
    return {finding.rule: finding.severity for finding in report.findings}


@pytest.mark.parametrize(
    ("text", "rule", "severity"),
    [
        ("网上棋牌娱乐平台，注册即送88元彩金，提现秒到账。", "sensitive.gambling", "critical"),
        ("你们这些家长真是脑残，连通知都看不懂。", "sensitive.vulgar", "major"),
        ("本店保健品包治百病，疗效全国第一，无效退款。", "sensitive.ad_law", "major"),
        ("出售枪支弹药，私聊详谈。", "sensitive.weapons", "critical"),
        ("法轮大法好，天灭中共。", "sensitive.political", "critical"),
        ("同城约炮，包夜全套，加微信abc12345", "sensitive.porn", "critical"),
        ("冰毒、K粉现货，货到付款，电话13912345678", "sensitive.drugs", "critical"),
        ("转发这段斩首视频给大家看看", "sensitive.violence_terror", "critical"),
        ("在家兼职刷单，日赚千元，轻松躺赚", "sensitive.fraud", "critical"),
    ],
)
def test_every_category(reviewer, text, rule, severity):
    report = findings(reviewer, text)
    assert rules(report).get(rule) == severity, report.findings
    if severity == "critical":
        assert report.verdict == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "全市公安机关依法打击网络赌博，共破获案件12起。",
        "禁毒宣传：冰毒、海洛因、摇头丸……请远离毒品，珍爱生命。",
        "警方提醒：刷单返利都是诈骗，切勿轻信“日赚千元”的兼职广告。",
        "坚决反对“台独”分裂势力，维护祖国统一。",
        "市场监管局查处一起虚假宣传案件，涉事商家宣称其产品“包治百病”。",
        "依法严厉打击卖淫嫖娼、聚众赌博等违法犯罪活动。",
    ],
)
def test_enforcement_and_publicity_stay_at_info(reviewer, text):
    report = findings(reviewer, text)
    assert report.findings, "the terms are still noted"
    assert all(finding.severity == "info" for finding in report.findings), report.findings
    assert report.verdict == "pass"


def test_promotion_is_critical(reviewer):
    report = findings(reviewer, "澳门赌场线上开户，首充送100%，加微信vip8888")
    assert report.verdict == "reject"
    assert "sensitive.gambling" in rules(report)


@pytest.mark.parametrize(
    "text",
    [
        "深化“最多跑一次”改革，让群众办事更便捷。",
        "我市空气质量优良天数比例全省最高，居民满意度再创新高。",
        "今年我市粮食产量位居全省第一。",
        "这真是个大麻烦，孩子们却天天哈哈大笑。",
        "孩子们往妈妈的碗里夹菜。",
        "平台独立运行，香港独特的文化魅力吸引游客。",
        "受恶性交通事故影响，该路段临时封闭。",
        "我市积极发展生产性服务业和生活性服务业。",
        "国家电网投资规模首次突破6500亿元，一次性用品减量使用，特色诱人。",
        "专家表示，毒品价格上涨说明打击成效明显。",
        "如今，时代考卷常新，经受住了时代考验。",
        "降低企业制度性交易成本，倒逼沉淀资金盘活。",
        "全面完成永久基本农田划定，让干部经常受教育。",
        "扩大烟叶种植面积，印度支那地区局势趋于缓和。",
    ],
)
def test_ordinary_government_text_is_clean(reviewer, text):
    report = findings(reviewer, text)
    assert not [f for f in report.findings if f.severity != "info"], report.findings


def test_ad_law_only_in_promotional_context(reviewer):
    assert not findings(reviewer, "这是最佳的观赏时间。").findings
    report = findings(reviewer, "本店爆款面霜，全网最低价，效果最佳，欢迎下单！")
    assert rules(report).get("sensitive.ad_law") in ("minor", "major")


@pytest.mark.parametrize(
    "text",
    [
        "网上赌*博平台",
        "网上赌 博平台",
        "網上賭博平台",
        "网上赌赌博平台",
        "网上dubo平台",
        "网上DUBO平台",
        "网上du博平台",
        "网上堵博平台",
        "网上ｄｕｂｏ平台",
    ],
)
def test_evasions_end_to_end(reviewer, text):
    report = findings(reviewer, text)
    gambling = [f for f in report.findings if f.rule == "sensitive.gambling"]
    assert gambling, report.findings
    assert "赌博" in gambling[0].evidence[0]["term"]


def test_per_call_allow_and_deny(reviewer):
    text = "本次活动禁止吸烟，严禁携带打火机。"
    assert not findings(reviewer, text).findings
    report = findings(reviewer, text, deny_terms=["打火机"])
    [finding] = report.findings
    assert finding.rule == "sensitive.deny" and finding.text == "打火机"
    assert not findings(reviewer, "你真是脑残", allow_terms=["脑残"]).findings


def test_title_is_checked(reviewer):
    report = reviewer.review({"text": "正文内容正常。", "title": "线上赌场开户"})
    assert any(f.field == "title" and f.category == "sensitive" for f in report.findings)


# Far enough from the match that only the whole-post cue (禁毒宣传, a document cue) can frame it.
FRAMED_BODY = "今天天气很好。大家都来了。有人在卖冰毒。"


@pytest.mark.parametrize("cue", ["禁毒宣传", "禁毒宣傳", "禁毒\u200b宣传", "禁毒\ufeff宣\u200d传"])
def test_a_whole_post_cue_reads_the_normalised_post(reviewer, cue):
    # Traditional script or an invisible character inside the cue once turned this post from info to critical.
    report = findings(reviewer, f"{cue}。{FRAMED_BODY}")
    assert rules(report) == {"sensitive.drugs": "info"}, report.findings


@pytest.mark.parametrize("cue", ["禁毒宣传", "禁毒宣傳", "禁毒\u200b宣传"])
def test_a_cue_in_the_title_counts_for_the_body(reviewer, cue):
    report = reviewer.review({"title": cue, "text": "有人在卖冰毒。"})
    assert [(f.field, f.rule, f.severity, f.text) for f in report.findings] == [
        ("text", "sensitive.drugs", "info", "卖冰毒")
    ]


def test_without_the_cue_the_same_words_are_critical(reviewer):
    assert rules(findings(reviewer, f"宣传。{FRAMED_BODY}")) == {"sensitive.drugs": "critical"}
    assert rules(reviewer.review({"title": "通知", "text": "有人在卖冰毒。"})) == {"sensitive.drugs": "critical"}

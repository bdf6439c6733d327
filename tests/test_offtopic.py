"""Off-topic check: account profiles, model topics, signal-only topics, promotion signals, clean posts pass."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from review.checks.offtopic import OfftopicCheck
from review.classify.linear import shipped_model
from review.document import Document
from review.model import SEVERITY_RANK, Post
from review.pipeline import Reviewer, ReviewOptions
from review.resources import load_toml

FIXTURES = Path(__file__).parent / "fixtures" / "classifiers"
EXAMPLES = Path(__file__).parent.parent / "lexicons" / "classifier_examples"
CONTRACT_TYPES = (
    "government", "public_security", "education", "health", "transport", "emergency", "culture_tourism",
    "market_regulation", "human_resources", "statistics", "environment", "agriculture", "other",
)


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(checks=["offtopic"])


def _offtopic(reviewer, text, account_type=None, **options):
    post = {"text": text}
    if account_type:
        post["account"] = {"type": account_type}
    report = reviewer.review(post, ReviewOptions.make(**options) if options else None)
    return [f for f in report.findings if f.category == "offtopic"]


def _read_as(monkeypatch, model, probabilities):
    """Make `model` give these probabilities (by class name) whatever it reads."""
    row = np.array([[probabilities.get(c, 0.0) for c in model.classes]])
    monkeypatch.setattr(model, "predict_proba", lambda named: row)


def _serious(findings):
    return [f for f in findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["minor"]]


def _posts(kind):
    rows = [json.loads(line) for name in ("posts.jsonl", "long_posts.jsonl")
            for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["kind"] == kind]


def test_every_contract_account_type_has_a_profile():
    profiles = load_toml("account_types.toml")
    assert set(profiles["accounts"]) == set(CONTRACT_TYPES)
    for kind, spec in profiles["accounts"].items():
        assert spec["label"] and spec["focus"], kind
        assert set(spec["topics"]) <= set(profiles["topics"]), kind


def test_topics_are_consistent_with_the_model():
    topics = load_toml("account_types.toml")["topics"]
    model_topics = {t for t, spec in topics.items() if spec["source"] == "model"}
    assert set(shipped_model("topic").classes) == model_topics
    for name in ("entertainment", "game", "stock", "lottery", "horoscope", "commerce", "sports"):
        assert topics[name]["elsewhere"] == "major", name
    for name in ("government", "society"):
        assert topics[name]["elsewhere"] == "none"


@pytest.mark.parametrize("text", ["好", "谢谢", "今天天气不错", "收到，马上办"])
def test_a_post_of_a_few_characters_is_not_judged_by_the_models(reviewer, text):
    # a hostile trial: 好 was read as selling, 谢谢 as entertainment, and the verdict was `revise`
    assert not reviewer.review({"text": text}).findings


def test_a_short_post_with_words_of_a_topic_is_still_judged(reviewer):
    [finding] = reviewer.review({"text": "本店大米特价，欢迎选购"}).findings
    assert finding.rule == "offtopic.commerce"


def test_unknown_account_type_behaves_as_other(reviewer):
    check = reviewer.instance("offtopic")
    assert isinstance(check, OfftopicCheck)
    assert check.account_topics("no_such_type") == check.account_topics(None) == check.account_topics("other")


@pytest.mark.parametrize("row", _posts("clean") + _posts("lively"), ids=lambda r: r["id"])
def test_clean_government_posts_pass(reviewer, row):
    assert _serious(_offtopic(reviewer, row["text"], row["account"]["type"])) == []


@pytest.mark.parametrize("row", _posts("offtopic"), ids=lambda r: r["id"])
def test_offtopic_posts_are_found_with_their_topic(reviewer, row):
    findings = _serious(_offtopic(reviewer, row["text"], row["account"]["type"]))
    assert [f.rule for f in findings] == [f"offtopic.{row['topic']}"]
    finding = findings[0]
    assert finding.start is None and finding.end is None and 0.6 <= finding.confidence <= 1.0


def test_message_names_topic_and_expected_topics(reviewer):
    (finding,) = _offtopic(reviewer, "昨夜NBA常规赛，湖人队加时险胜勇士队，詹姆斯砍下40分。", "transport")
    assert "体育赛事" in finding.message
    assert "交通运输类账号" in finding.message and "出行服务" in finding.message


def test_sports_belong_to_a_sports_bureau(reviewer):
    text = "CBA常规赛广东队主场险胜辽宁队，易建联砍下28分12篮板。"
    assert _serious(_offtopic(reviewer, text, "transport"))
    assert _offtopic(reviewer, text, "culture_tourism") == []


def test_cross_department_topic_is_at_most_info(reviewer):
    text = "教育部公布2026年全国硕士研究生招生考试初试成绩基本要求，考生可登录研招网查询"
    findings = _offtopic(reviewer, text, "health")
    assert all(f.severity == "info" for f in findings)
    assert _offtopic(reviewer, text, "education") == []


def test_promotion_signals_make_commerce_with_evidence(reviewer):
    text = "今晚八点直播间福利秒杀，进口红酒买一送一，下单立减50元，扫码下单手慢无！"
    (finding,) = _offtopic(reviewer, text, "education")
    assert finding.rule == "offtopic.commerce" and finding.severity == "major"
    spans = {e["text"] for e in finding.evidence}
    assert {"秒杀", "买一送一", "扫码下单"} <= spans
    for item in finding.evidence:
        assert text[item["start"] : item["end"]] == item["text"]


def test_warning_about_promotion_is_not_promotion(reviewer):
    text = "警惕！“加微信领红包”“直播间秒杀返现”都是诈骗套路，下单前请核实商家资质，谨防上当。"
    assert _serious(_offtopic(reviewer, text, "public_security")) == []


def test_lottery_and_horoscope_come_from_signal_words(reviewer):
    lottery = _offtopic(reviewer, "双色球第2026018期开奖，红球02、07、15、21、28、31，蓝球09。", "health")
    horoscope = _offtopic(reviewer, "今日运势：金牛座财运亨通，双鱼座注意水逆，幸运数字是7。", "government")
    assert [f.rule for f in lottery] == ["offtopic.lottery"]
    assert [f.rule for f in horoscope] == ["offtopic.horoscope"]


def test_threshold_option_overrides_data_file(reviewer):
    text = "某顶流男星与女演员恋情曝光，双方工作室深夜回应。"
    assert _offtopic(reviewer, text, "health")
    assert _offtopic(reviewer, text, "health", thresholds={"offtopic": 1.01}) == []


def test_title_counts_and_runs_once(reviewer):
    report = reviewer.review({"title": "限时秒杀！到手价99元", "text": "原价399元的羽绒服，扫码下单，前100名送围巾。"})
    (finding,) = [f for f in report.findings if f.category == "offtopic"]
    assert finding.field == "text" and any(e["field"] == "title" for e in finding.evidence)


def test_government_context_damps_offtopic_readings(reviewer):
    text = "民警提醒：网络游戏充值要通过官方渠道，警惕“低价代充”“免费送皮肤”等诈骗陷阱。"
    assert _serious(_offtopic(reviewer, text, "public_security")) == []
    assert _serious(_offtopic(reviewer, "《王者荣耀》新赛季开启，全新英雄皮肤上线，快来开黑上分吧。", "public_security"))


# Issue 25: the post-level judgement (a whole-post `offtopic.<topic>` finding at minor or above) on the five kinds.
ISSUE_25_POSTS = [
    ("education", "今日牛股推荐：某科技龙头股主力资金大举流入，明日有望涨停，建议逢低加仓。", "stock"),
    ("culture_tourism", "一个月瘦二十斤！这款代餐奶昔不节食不运动，现在下单到手价99元，前100名送摇摇杯。", "commerce"),
    ("human_resources", "专家预测：明年房价将迎来新一轮上涨，现在是买房的最佳时机，错过再等十年。", "property_tip"),
    ("public_security", "某顶流男星深夜与神秘女子同回酒店…", "entertainment"),
    ("market_regulation", "本周星座运势：巨蟹座财运不错，天秤座要注意感情问题。", "horoscope"),
    ("statistics", "超级大乐透第26100期开奖：前区03 09 17 25 31，后区02 10。", "lottery"),
]


@pytest.mark.parametrize(("account", "text", "topic"), ISSUE_25_POSTS, ids=lambda v: str(v)[:12])
def test_issue_25_kinds_get_a_post_level_judgement(reviewer, account, text, topic):
    findings = _serious(_offtopic(reviewer, text, account))
    assert [f.rule for f in findings] == [f"offtopic.{topic}"]
    assert findings[0].start is None and findings[0].end is None


def test_house_price_tip_outranks_the_housing_hint(reviewer):
    # The model is surer that the post is about housing (realty: info on this account) than that it is a tip.
    text = "房价还会涨吗？置业顾问建议刚需早买早安心，明年买房只会更贵。"
    assert [f.rule for f in _serious(_offtopic(reviewer, text, "human_resources"))] == ["offtopic.property_tip"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        ("public_security", "警方提醒：有人冒充明星工作人员，以粉丝见面会名义收取“定金”，这是诈骗，切勿转账。"),
        ("market_regulation", "市场监管局提醒：某代餐产品宣称“不节食一个月瘦二十斤”，涉嫌虚假宣传，已立案查处。"),
        ("public_security", "警惕非法荐股：自称“老师”拉群推荐牛股、承诺稳赚的都是诈骗。"),
        ("statistics", "10月份70个大中城市中，新建商品住宅销售价格环比下降的城市有56个，房价总体平稳。"),
        ("government", "我市福彩公益金资助的20个社区养老服务站全部投入使用。"),
        ("statistics", "11月份70个大中城市中，一线城市房价环比止跌反弹，楼市预期逐步改善。"),
        ("statistics", "房价触底企稳迹象显现，10月份一线城市新房价格环比持平。"),
        ("government", "我市出台购房补贴政策，首次购房的刚需家庭可申请最高5万元补贴，抓住政策窗口期。"),
        ("health", "科学减重：不建议使用代餐代替正餐，一个月瘦十斤的说法不可信。"),
        ("public_security", "警方提醒：“荐股群”“带你炒股”多为骗局，切勿向陌生账户转账。"),
        ("culture_tourism", "我市举办星座主题天文科普展，市民可免费观测猎户座、双子座流星雨。"),
        ("government", "官宣！我市5家明星企业入选国家级专精特新“小巨人”，粉丝们快来点赞。"),
        ("culture_tourism", "官宣！人气偶像担任我市文旅推广大使，首支宣传片播放量破千万。"),
        ("statistics", "前三季度我市彩票销售额同比增长8%，福彩、体彩公益金筹集稳步增加。"),
        ("education", "某中学举办校园十佳歌手大赛，同学们化身“偶像”，现场粉丝应援热烈。"),
    ],
)
def test_warnings_and_plain_news_about_these_kinds_pass(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []



def _dev_rows(kind):
    path = EXAMPLES / "offtopic_kinds.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if (r["kind"] == "clean") == (kind == "clean")]


# The development set of issue 25's tips, adverts and lottery posts (the words were tuned on it and the kinds model
# is trained on it, so every post must be found; the blind set is never a test).
@pytest.mark.parametrize("row", _dev_rows("kinds"), ids=lambda r: r["id"])
def test_dev_tips_adverts_and_lottery_get_a_judgement(reviewer, row):
    # a livestream advert for a stock course is commerce or stock; a football betting tip lottery or sports
    topics = {"tip": {"stock", "property_tip", "commerce"}, "advert": {"commerce", "property_tip"},
              "lottery": {"lottery", "sports"}}[row["kind"]]
    for account in ("government", "education", "human_resources"):
        findings = _serious(_offtopic(reviewer, row["text"], account))
        assert len(findings) == 1 and findings[0].rule.removeprefix("offtopic.") in topics


@pytest.mark.parametrize("row", _dev_rows("clean"), ids=lambda r: r["id"])
def test_dev_lively_government_posts_pass(reviewer, row):
    assert _serious(_offtopic(reviewer, row["text"], row["account"]["type"])) == []


def test_a_call_to_act_backs_only_a_post_that_already_leans_that_way(reviewer):
    # 赶紧/没买的朋友 push a finance post into a tip; in a safety notice they are no evidence of anything.
    tip = "黄金今年已经涨了两成，年底前还有一波行情，没买的朋友抓紧时间。"
    assert [f.rule for f in _serious(_offtopic(reviewer, tip, "education"))] == ["offtopic.stock"]
    notice = "寒潮来袭，没买棉衣的朋友赶紧准备，出门注意防寒保暖。"
    assert _serious(_offtopic(reviewer, notice, "emergency")) == []


def test_commerce_words_of_both_lists_count_once(reviewer):
    # 仅需699元 is both promotion.tsv's 仅需+digit and a price row of offtopic_signals.tsv: one span, one weight.
    text = "装修找某某家装，全包价每平米仅需699元，签约即送全屋家电，名额有限。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())
    verdict = reviewer.instance("offtopic").decide(doc, "government")
    assert verdict is not None and verdict.topic == "commerce"
    spans = sorted((h.start, h.end) for _, h in verdict.hits)
    assert any(text[a:b].startswith("仅需") or "699" in text[a:b] for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


def test_kinds_model_needs_less_evidence_where_the_post_reads_as_finance_or_housing(reviewer):
    # a tip reads as finance or housing news to the topic model; there the kinds model's lower limit applies, and
    # the judgement (stock, property_tip) outranks the cross-department hint (finance, realty: info)
    check = reviewer.instance("offtopic")
    texts = {"银行理财收益越来越低，我把定期都换成了红利基金，一年能多拿两个点。": "stock",
             "这个城市的新房供不应求，我认为明年价格还要上涨，刚需早点买比较好。": "property_tip"}
    for text, topic in texts.items():
        doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())
        assert check.decide(doc, "education").topic == topic
        saved = check.kinds_backed_probability, check.fused_min_score
        # without the lower limit (and without adding the words to the model's belief, the fifth round's path)
        check.kinds_backed_probability, check.fused_min_score = 1.0, math.inf
        try:
            assert check.decide(doc, "education").topic in ("finance", "realty")
        finally:
            check.kinds_backed_probability, check.fused_min_score = saved


def test_the_two_tip_classes_of_the_kinds_model_count_together(reviewer, monkeypatch):
    # issue 25, third round: a tip is one kind split in two by what it tips (a house or a share); 0.18 + 0.22 reaches
    # the kinds limit (0.3) where neither half does, and the likelier half names the topic
    check = reviewer.instance("offtopic")
    text = "这个方向我看好，会一直拿着，到明年再看。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    _read_as(monkeypatch, check.kinds_model, {"none": 0.6, "property_tip": 0.18, "stock": 0.22})
    verdict = check.decide(doc, "education")
    assert verdict is not None and verdict.topic == "stock" and verdict.score == pytest.approx(0.4)
    _read_as(monkeypatch, check.kinds_model, {"none": 0.78, "stock": 0.22})
    assert check.decide(doc, "education") is None


@pytest.mark.parametrize(
    ("account", "text", "topic"),
    [
        ("education", "找大师看了生辰八字，说我明年本命年要挡灾，家里客厅还得摆个招财的物件。", "horoscope"),
        ("health", "星盘显示你的上升星座决定了别人对你的第一印象，快看看你是哪个。", "horoscope"),
        ("transport", "某当红小生耍大牌，拍戏迟到三小时，粉丝连夜脱粉。", "entertainment"),
    ],
)
def test_fortune_telling_and_gossip_words_of_the_third_round(reviewer, account, text, topic):
    assert [f.rule for f in _serious(_offtopic(reviewer, text, account))] == [f"offtopic.{topic}"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        ("agriculture", "坚持“稳粮、优供、增效、防风险”八字方针，全力抓好粮食生产。"),
        ("environment", "村里划定古树名木和风水林保护范围，禁止砍伐。"),
        ("culture_tourism", "春节期间我市举办十二生肖灯会，属马的市民凭身份证可免费入园。"),
    ],
)
def test_words_that_share_fortune_telling_terms_stay_clean(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []


@pytest.mark.parametrize(
    ("account", "text"),
    [
        ("public_security", "今日黄历：宜嫁娶、开业，忌动土、搬家，财神方位在正东，出门前看一眼。"),
        ("education", "周公解梦：梦见下雨预示要走财运，你昨晚梦见了什么？"),
        ("health", "抽了一支灵签，师傅说我今年命犯桃花，要戴转运珠化解。"),
        ("transport", "宝宝起名一定要看五行，八字缺水的名字里要带三点水。"),
    ],
)
def test_folk_divination_words_of_the_fourth_round(reviewer, account, text):
    assert [f.rule for f in _serious(_offtopic(reviewer, text, account))] == ["offtopic.horoscope"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        ("market_regulation", "消费者要求签订书面合同的，经营者应当签订，不得拒绝。"),
        ("transport", "周末全省天气晴好，适宜出行，请注意高速公路车流高峰。"),
        ("government", "推动改革不能翻老黄历，要在新情况下拿出新办法。"),
        ("other", "婚姻登记不需要择日，全年工作日均可预约办理。"),
    ],
)
def test_words_that_share_folk_divination_terms_stay_clean(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []


def test_no_signal_row_is_listed_twice():
    from review.resources import lexicon_path

    seen: dict[tuple[str, str], int] = {}
    lines = lexicon_path("offtopic_signals.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        topic, pattern = line.split("\t")[:2]
        assert (topic, pattern) not in seen, f"line {number} repeats line {seen[(topic, pattern)]}: {line}"
        seen[(topic, pattern)] = number


def _signal_rows_with_examples() -> list[tuple[str, list[str]]]:
    from review.classify.signals import read_tsv_lines
    from review.resources import lexicon_path

    return [(where, row) for where, row in read_tsv_lines(lexicon_path("offtopic_signals.tsv")) if len(row) > 4]


def test_signal_rows_find_their_examples():
    # issue 25, fifth round: a row may carry an example (fifth column) that its pattern must find, as its topic
    from review.classify.signals import Entry, SignalLexicon
    from review.normalise import normalise

    rows = _signal_rows_with_examples()
    assert len(rows) >= 25
    for where, (topic, pattern, kind, weight, example, *_rest) in rows:
        lexicon = SignalLexicon([Entry(pattern, kind, topic, float(weight), where=where)])
        hits = lexicon.find(normalise(example).text)
        assert [h.signal for h in hits] == [topic], f"{where}: {pattern!r} does not find its example {example!r}"


@pytest.mark.parametrize(
    ("account", "text", "topic"),
    [
        # fifth round: posts with one word of their kind or none (divination, crypto and gold tips, gossip), caught
        # by the retrained kinds model, by its off-topic belief added to the words, or by the new rows
        ("public_security", "宝子们～正缘什么时候出现？看你的出生月份就知道了～记得转发！", "horoscope"),
        ("education", "生辰八字里日主旺的人，天生就是当老板的命，中年以后必定大富大贵。", "horoscope"),
        ("transport", "ETH站稳关键位，合约直接开10倍，止损放好，兄弟们冲。", "stock"),
        ("health", "这轮行情金价还要涨，手里有闲钱的建议配一点金条，比存银行强。", "stock"),
        ("environment", "初一十五去寺庙上香，求财求姻缘都很灵，信不信由你。", "horoscope"),
        ("agriculture", "Z姓女星被拍到和健身教练在商场同框，举止亲密，网友：藏不住了。", "entertainment"),
    ],
)
def test_fifth_round_posts_are_judged_as_their_kind(reviewer, account, text, topic):
    findings = _serious(_offtopic(reviewer, text, account))
    assert [f.rule for f in findings] == [f"offtopic.{topic}"]


def test_adding_up_needs_both_the_words_and_the_model(reviewer, monkeypatch):
    # one word of divination (正缘, 1.0) is below min_signal_score alone; with a kinds model that reads the post as
    # off-topic of some kind (1 − p(none) = 0.45: −ln 0.55 ≈ 0.6 more) the two reach fused_min_score, though no
    # single kind reaches the kinds limit; with p(none) = 0.8 they do not
    check = reviewer.instance("offtopic")
    text = "正缘什么时候出现？看你的出生月份就知道了。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    split = {"none": 0.55, "entertainment": 0.2, "commerce": 0.15, "horoscope": 0.1}
    _read_as(monkeypatch, check.kinds_model, split)
    verdict = check.decide(doc, "government")
    assert verdict is not None and verdict.topic == "horoscope"
    assert verdict.score == pytest.approx(1.0 - math.exp(-(1.0 - math.log(0.55))))
    _read_as(monkeypatch, check.kinds_model, {"none": 0.8, "horoscope": 0.1, "commerce": 0.1})
    assert check.decide(doc, "government") is None


def test_a_word_of_another_kind_does_not_steer_an_advert(reviewer):
    # 闭眼入 is a call to act (it backs the kind the post leans to), not a stock tip of its own
    findings = _serious(_offtopic(reviewer, "今天给大家种草一款平价粉底液，控油持妆十二小时，学生党闭眼入。", "government"))
    assert [f.rule for f in findings] == ["offtopic.commerce"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        ("public_security", "证监局提示：不明身份的人通过社交软件推荐股票、承诺收益的，属于非法证券活动，请勿轻信。"),
        ("market_regulation", "保健食品不是药品，不能代替药物治疗疾病，购买时认准“蓝帽子”标志。"),
        ("other", "春节期间全国福利彩票暂停销售和开奖，节后恢复，公益金使用情况向社会公示。"),
        ("public_security", "民警提醒：所谓“大师”上门算命、开光转运都是诈骗套路，已有老人被骗数万元。"),
        ("culture_tourism", "五一假期全市景区推出惠民措施，多家A级景区门票五折，需提前预约。"),
        ("government", "网信办开展“清朗”专项行动，整治饭圈乱象、明星绯闻炒作和恶意刷榜。"),
        ("other", "金融监管部门提示：虚拟货币交易炒作活动属于非法金融活动，投资者风险自担。"),
        ("government", "税务提醒：彩票中奖属于偶然所得，单注奖金超过一万元需依法缴纳个人所得税。"),
        ("culture_tourism", "科学辟谣：“水逆”没有科学依据，天文学上的水星逆行只是视觉现象。"),
        # a scratch set written at the end of the fifth round; the first four were flagged before their
        # counter-signals (宣传片, 直播带岗, 非法集资, 不法分子 …) went in
        ("culture_tourism", "跟着明星打卡家乡美景！知名演员回乡拍摄文旅宣传片，带你领略古城的四季风光。"),
        ("human_resources", "直播带岗来啦！今晚8点，50家企业在线招聘，岗位1200个，点击链接进入直播间，扫码投递简历。"),
        ("other", "防范非法集资宣传月：“高收益”“保本付息”“稳赚不赔”都是非法集资的典型话术，请守好钱袋子。"),
        ("other", "证监会发布投资者风险提示：近期有不法分子冒充知名基金经理，通过短视频平台推荐股票，投资者切勿轻信。"),
        ("statistics", "1-10月全市商品房销售面积同比下降5.2%，新建商品住宅价格环比持平。"),
        ("other", "今晚双子座流星雨迎来极大，最佳观测时间为凌晨1点至4点，请选择远离灯光的开阔地带，注意保暖和安全。"),
        ("education", "中考志愿填报指南：填报时间为6月20日至25日，请考生登录市教育考试院官方平台填报，谨防“高价填报指导”骗局。"),
        ("health", "网传“塔罗测健康”“手相看疾病”没有科学依据，身体不适请到正规医院就诊。"),
        ("government", "市长热线回复：关于小区周边“算命摊”占道经营问题，城管部门已依法清理。"),
    ],
)
def test_government_posts_about_these_kinds_stay_clean(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []


def test_the_topic_model_decides_which_tip_class_takes_the_pair(reviewer, monkeypatch):
    # issue 25, sixth round: a flat sale's price call can read as a stock tip to the kinds model and as housing
    # news to the topic model; the pair's mass then goes to property_tip, whose lower (backed) limit applies
    check = reviewer.instance("offtopic")
    text = "这个楼盘下周加推，价格还会往上走，有意向的尽快交定金。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    _read_as(monkeypatch, check.kinds_model, {"none": 0.72, "stock": 0.26, "property_tip": 0.02})
    _read_as(monkeypatch, check.model, {"realty": 0.95, "government": 0.05})
    verdict = check.decide(doc, "education")
    assert verdict is not None and verdict.topic == "property_tip" and verdict.score == pytest.approx(0.28)
    # read as neither finance nor housing news, the likelier half takes the pair and 0.28 stays under the limit
    _read_as(monkeypatch, check.model, {"society": 0.3, "tech": 0.7})
    assert check.decide(doc, "education") is None


@pytest.mark.parametrize(
    ("account", "text", "topic"),
    [
        # sixth round: fan talk and divination beyond the zodiac, in words of the new rows (written for the genres)
        ("public_security", "这两位的CP感太强了，内娱今年最好嗑的一对。", "entertainment"),
        ("transport", "那位当红流量被曝恋爱多年，工作室至今未回应。", "entertainment"),
        ("education", "学六爻半年，今天帮同事起了一卦，卦象说下个月有好消息。", "horoscope"),
        ("health", "感情线末端分叉的人容易多愁善感，智慧线长的人想得多。", "horoscope"),
        ("environment", "属金的人今年宜往西边发展，家里摆件的颜色也要和五行相配。", "horoscope"),
        ("agriculture", "玄关风水摆放有讲究：镜子不能正对大门，否则财气外流。", "horoscope"),
    ],
)
def test_sixth_round_posts_are_judged_as_their_kind(reviewer, account, text, topic):
    findings = _serious(_offtopic(reviewer, text, account))
    assert [f.rule for f in findings] == [f"offtopic.{topic}"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        # government posts that share the sixth round's words (the generator's clean families hold more)
        ("other", "网信部门提醒：未成年人不得参与应援集资、投票打榜，平台应加强管理。"),
        ("culture_tourism", "市图书馆本周六举办国学讲座，讲解《周易》中的辩证思想，欢迎市民预约参加。"),
        ("human_resources", "老年大学秋季班开始报名，书法、摄影等课程首节可免费试听。"),
        ("public_security", "警方提醒：自称能起卦消灾、看手相算前世的“大师”多为诈骗，切勿轻信。"),
        ("culture_tourism", "中秋月圆之夜，市文化馆举办赏月诗会，邀请市民共度佳节。"),
    ],
)
def test_government_posts_that_share_the_sixth_round_words_stay_clean(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []


def test_generated_posts_are_the_committed_fixtures_and_dev_families_stay_out_of_training():
    # issue 25, fifth round: the training and development posts are reproducible from the generator, and no
    # development family (nor any development text) reaches the kinds model's training file
    from review.training.offtopic_synth import DEV_FILE, TRAIN_FILE, generate, is_dev_family

    posts = generate()
    train = [json.loads(line) for line in TRAIN_FILE.read_text(encoding="utf-8").splitlines()]
    dev = [json.loads(line) for line in DEV_FILE.read_text(encoding="utf-8").splitlines()]
    assert [p.text for p in posts if not is_dev_family(p.family)] == [row["text"] for row in train]
    assert [p.text for p in posts if is_dev_family(p.family)] == [row["text"] for row in dev]
    assert not {row["family"] for row in train} & {row["family"] for row in dev}
    assert not {row["text"] for row in train} & {row["text"] for row in dev}
    kinds = {row["kind"] for row in dev}
    assert kinds == {"gossip", "horoscope", "tip", "advert", "lottery", "clean"}
    assert all(row["account"]["type"] for row in train + dev if row["kind"] == "clean")


@pytest.mark.parametrize(
    ("account", "text", "topic"),
    [
        # seventh round: divination registers the lists lacked (黄历 and its 宜忌, moles, feng-shui positions, moon
        # transits, lucky numbers, zodiac matching), fan talk and group-buying, written for the genres
        ("transport", "出门前翻了翻黄历，今天诸事不宜，约好的饭局还是改天吧。", "horoscope"),
        ("education", "眉毛里藏痣的人聪明，一辈子不缺钱，晚年有福。", "horoscope"),
        ("health", "书桌摆在文昌位，孩子成绩蹭蹭往上涨，大人还能旺事业。", "horoscope"),
        ("emergency", "本周满月落在双鱼，感性的你适合好好休息，别急着做决定。", "horoscope"),
        ("statistics", "手机号尾数带8和6的最招财，带4的赶紧换掉。", "horoscope"),
        ("human_resources", "属相婚配表来啦：鼠配牛、虎配猪，你们俩是绝配吗？", "horoscope"),
        ("public_security", "追星真的好累，刚入坑一个月就塌房了。", "entertainment"),
        ("agriculture", "【团购】明早十点开团：赣南脐橙10斤29.9，次日自提，进群抢。", "commerce"),
    ],
)
def test_seventh_round_posts_are_judged_as_their_kind(reviewer, account, text, topic):
    findings = _serious(_offtopic(reviewer, text, account))
    assert [f.rule for f in findings] == [f"offtopic.{topic}"]


@pytest.mark.parametrize(
    ("account", "text"),
    [
        # government posts that share the seventh round's words; the first two were flagged before it (the draw
        # announcement on every account type, the lively notice by the kinds model alone)
        ("government", "市福彩中心发布双色球第2026045期开奖公告：本期我市中出二等奖一注，请中奖者在60天内兑奖。"),
        ("government", "好消息！地铁3号线下月开通啦，沿线的小伙伴们上班更方便了，快转给身边的朋友吧。"),
        ("government", "划重点！新版居住证办理指南来啦，小编帮大家把材料清单整理好了，快转给需要的朋友吧～"),
        ("other", "天文科普｜今晚木星冲日，是全年观测木星的最佳时机，入夜后肉眼即可在东方天空看到，快带孩子去看看吧！"),
        ("other", "天文馆预告：今年最后一次满月将于本周五出现，欢迎市民预约参加观测活动。"),
        ("government", "移风易俗倡议：婚嫁不必查黄历、挑吉日，提倡简约婚礼，反对天价彩礼。"),
        ("culture_tourism", "图书馆国学讲堂：讲解《周易》中的辩证思想，澄清“算命”误读，欢迎市民报名。"),
        ("public_security", "警惕“大师”骗局！有人自称能看手相、合八字，声称不化解就有血光之灾，骗取老人数万元。民警提醒：切勿轻信。"),
        ("culture_tourism", "非遗展演：舞狮采青寓意财源广进，市民在春节庙会上感受传统民俗。"),
        ("health", "冬季气温低，老人孩子容易生病，请注意保暖、勤洗手、按时接种流感疫苗。"),
        ("culture_tourism", "博物馆新展“四神瓦当”开幕，左青龙右白虎、前朱雀后玄武，展示汉代建筑艺术。"),
    ],
)
def test_government_posts_that_share_the_seventh_round_words_stay_clean(reviewer, account, text):
    assert _serious(_offtopic(reviewer, text, account)) == []


def test_the_lottery_issuer_announcing_its_draw_is_clean_on_every_account(reviewer):
    text = "市福彩中心发布双色球第2026045期开奖公告：本期我市中出二等奖一注，请中奖者在60天内兑奖。"
    for account in ("government", "public_security", "education", "health", "culture_tourism", "other"):
        assert _serious(_offtopic(reviewer, text, account)) == [], account
    # the same draw told by a buyer is a lottery post
    told = "双色球第2026045期开奖了！我中了二等奖一注，兄弟们下期一起守号。"
    assert [f.rule for f in _serious(_offtopic(reviewer, told, "government"))] == ["offtopic.lottery"]


def test_a_promised_fortune_backs_only_a_post_that_leans_to_divination(reviewer, monkeypatch):
    # 贵人扶持, 升职加薪 (rows of `fortune`) add to horoscope where a word of divination is present or the kinds model
    # gives horoscope at least fortune_model_probability; alone they are no evidence
    check = reviewer.instance("offtopic")

    def decide(text):
        return check.decide(Document.build(Post.from_dict({"text": text}), "text", ReviewOptions()), "government")

    _read_as(monkeypatch, check.kinds_model, {"none": 0.9, "horoscope": 0.1})
    assert decide("今年有贵人扶持，升职加薪不是梦，财源滚滚来。") is None
    cued = decide("属猪的人今年有贵人扶持，升职加薪不是梦，财源滚滚来。")  # 属猪的人 0.6 alone is too weak
    assert cued is not None and cued.topic == "horoscope"
    assert {e.name for _f, e in cued.hits} >= {"贵人(?!寿)", "(?<!提)升职(?:加薪)?"}
    assert decide("属猪的人今年要多运动。") is None
    _read_as(monkeypatch, check.kinds_model, {"none": 0.5, "horoscope": 0.3, "commerce": 0.2})
    leaning = decide("今年有贵人扶持，升职加薪不是梦，财源滚滚来。")
    assert leaning is not None and leaning.topic == "horoscope"


def test_an_advert_without_a_selling_word_needs_the_kinds_models_clear_reading(reviewer, monkeypatch):
    # a lively notice with no word of selling reads as commerce at 0.3-0.48 to the kinds model; below
    # commerce_wordless_probability that is no judgement, at or above it is
    check = reviewer.instance("offtopic")
    text = "好消息！地铁3号线下月开通啦，沿线的小伙伴们上班更方便了，快转给身边的朋友吧。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    _read_as(monkeypatch, check.kinds_model, {"none": 0.4, "commerce": 0.45, "stock": 0.15})
    assert check.decide(doc, "government") is None
    _read_as(monkeypatch, check.kinds_model, {"none": 0.3, "commerce": 0.6, "stock": 0.1})
    verdict = check.decide(doc, "government")
    assert verdict is not None and verdict.topic == "commerce"


def test_several_selling_words_outweigh_a_government_reading(reviewer, monkeypatch):
    # a cure-all advert can read as government or health news to the headline model (core 0.6); with
    # strong_signal_score of selling words the looser core limit applies, with one word it does not
    check = reviewer.instance("offtopic")

    _read_as(monkeypatch, check.model, {"government": 0.6, "tech": 0.4})
    _read_as(monkeypatch, check.kinds_model, {"none": 0.9, "commerce": 0.1})

    def decide(text):
        return check.decide(Document.build(Post.from_dict({"text": text}), "text", ReviewOptions()), "government")

    strong = decide("防脱洗发水，坚持用一个月长出新发，已经卖出了二十万瓶，到手价59元。")
    assert strong is not None and strong.topic == "commerce"
    weaker = "这款洗发水坚持用一个月长出新发，已经卖出了二十万瓶。"  # min_promotion_score, under strong_signal_score
    assert decide(weaker) is None
    _read_as(monkeypatch, check.model, {"tech": 1.0})
    assert decide(weaker) is not None


def test_words_and_a_kinds_model_that_agree_outweigh_a_society_reading(reviewer, monkeypatch):
    # a personal story with a word of divination reads as society news to the headline model (core 0.75); where the
    # kinds model reads it as horoscope rather than `none`, the looser core limit applies; where it prefers `none`,
    # it does not
    check = reviewer.instance("offtopic")
    text = "我闺蜜找人看了八字，说她三十岁前结婚会离，果然现在闹离婚了。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    _read_as(monkeypatch, check.model, {"society": 0.75, "entertainment": 0.25})
    _read_as(monkeypatch, check.kinds_model, {"horoscope": 0.43, "none": 0.39, "commerce": 0.18})
    verdict = check.decide(doc, "government")
    assert verdict is not None and verdict.topic == "horoscope"
    _read_as(monkeypatch, check.kinds_model, {"horoscope": 0.3, "none": 0.5, "commerce": 0.2})
    assert check.decide(doc, "government") is None


def test_a_readings_second_person_is_no_government_warning(reviewer):
    # 提醒 damps every off-topic score (民警提醒), but not in a reading addressed to the reader (…提醒你)
    text = "塔罗今日指引：宝剑八提醒你，困住你的其实是自己的想法。"
    assert [f.rule for f in _serious(_offtopic(reviewer, text, "government"))] == ["offtopic.horoscope"]
    warned = "民警提醒大家：网上所谓塔罗占卜改运都是骗局，切勿轻信。"
    assert _serious(_offtopic(reviewer, warned, "public_security")) == []


def test_strong_words_and_a_sure_kinds_model_outweigh_a_headline_model_reading_government_news(reviewer, monkeypatch):
    # issue 25, eighth round: a long zodiac forecast full of 事业/工作/升职 reads as government news to the headline
    # model; where the words reach strong_signal_score and the kinds model is sure of the same kind, the core limit
    # is agreed_max_core_probability, not strong_signal_max_core_probability
    check = reviewer.instance("offtopic")
    text = "属鼠的朋友们，今年整体运势先抑后扬，上半年运势平平，下半年财运旺，桃花也旺，可以在书桌摆个铜葫芦。"
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions())

    _read_as(monkeypatch, check.model, {"government": 0.96, "finance": 0.04})
    _read_as(monkeypatch, check.kinds_model, {"horoscope": 0.84, "none": 0.16})
    verdict = check.decide(doc, "education")
    assert verdict is not None and verdict.topic == "horoscope"
    # the same words with a kinds model that is not sure: the headline model's reading (core 0.96) holds
    _read_as(monkeypatch, check.kinds_model, {"horoscope": 0.5, "none": 0.5})
    assert check.decide(doc, "education") is None

"""Normaliser: conversions, noise removal, and the offset map back to the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from review.normalise import in_script_of, normalise


def test_traditional_hk_tw_to_simplified():
    assert normalise("為持續推動全省政府網站建設").text == "为持续推动全省政府网站建设"
    assert normalise("綫上辦理").text == "线上办理"  # HK variant
    assert normalise("裡面的臺灣").text == "里面的台湾"  # TW variant


def test_a_suggestion_takes_the_traditional_script_of_its_span():
    assert in_script_of("华侨", "華僑") == "華僑"
    # Taiwan and Hong Kong forms differ: the span's own form decides
    assert in_script_of("里面", "裡面") == "裡面" and in_script_of("里面", "裏面") == "裏面"
    assert in_script_of("再接再厉", "再接再勵") == "再接再厲"


def test_findings_on_traditional_text_suggest_traditional_text():
    from review.pipeline import Reviewer

    reviewer = Reviewer()
    text = "我們要再接再勵，團結海外華僑。我们要再接再励。"
    found = [(text[f.start:f.end], f.suggestion) for f in reviewer.review({"text": text}).findings]
    assert ("再接再勵", "再接再厲") in found and ("海外華僑", "華僑") in found
    assert ("再接再励", "再接再厉") in found  # a span written in simplified keeps a simplified suggestion


def test_gbk_mojibake_next_to_a_correct_character_is_repaired_without_it():
    # the run of GBK-looking characters takes in “，” and 动, whose bytes would spoil the repair
    for text, wrong, right in [
        ("放大閫氶亾鏋㈢航浼樺娍，力争到2030年", "閫氶亾鏋㈢航浼樺娍", "通道枢纽优势"),
        ("不断挖掘新鏈洪亣锛屽瓡鑲叉柊动能", "鏈洪亣锛屽瓡鑲叉柊", "机遇，孕育新"),
    ]:
        result = normalise(text)
        [noise] = [n for n in result.noise if n.kind == "mojibake"]
        assert text[noise.start:noise.end] == wrong and noise.repair == right
        assert result.text == text.replace(wrong, right)


def test_lost_characters_next_to_chinese_punctuation():
    text = "全方位做????????、使用工作，????????信塔发动袭击"
    result = normalise(text)
    assert [text[n.start:n.end] for n in result.noise] == ["????????", "????????"]
    # question marks closing a question stay punctuation
    for text in ("怎么办???", "这是真的吗??，我不信", "他说：“为什么??”"):
        assert normalise(text).noise == [], text


def test_simplified_particles_survive():
    assert normalise("么么哒，什麼，这么").text == "么么哒，什么，这么"


def test_simplified_text_is_unchanged():
    text = "市政府新闻办今天上午举行新闻发布会，著名的乾隆年间古建筑头发后面。"
    result = normalise(text)
    assert result.text == text
    assert result.noise == []


def test_full_width_letters_and_digits_only():
    result = normalise("ＡＢＣ１２３，好！（注）")
    assert result.text == "ABC123，好！（注）"


def test_invisible_characters_removed_with_offsets():
    original = "冰\u200b毒\ufeff交易"
    result = normalise(original)
    assert result.text == "冰毒交易"
    start, end = result.to_original(0, 2)
    assert original[start:end] == "冰\u200b毒"


def test_lone_surrogates_are_removed_and_reported_as_damage():
    # what a JSON "\ud83d" escape decodes to: a scraper cut an emoji in two (OpenCC cannot even encode it)
    original = "今天天气\ud83d很好\udc00\ud800。"
    result = normalise(original)
    assert result.text == "今天天气很好。"
    assert [(n.start, n.end, n.kind) for n in result.noise] == [(4, 5, "mojibake"), (7, 9, "mojibake")]
    assert "U+D83D" in result.noise[0].message and "U+DC00、U+D800" in result.noise[1].message
    start, end = result.to_original(4, 6)
    assert original[start:end] == "很好"


def test_pinyin_annotations_removed_and_reported():
    original = "為持續(xù)推動全省政府網(wǎng)站"
    result = normalise(original)
    assert result.text == "为持续推动全省政府网站"
    assert [original[n.start : n.end] for n in result.noise] == ["(xù)", "(wǎng)"]
    assert all(n.kind == "annotation" and n.repair == "" for n in result.noise)


def test_lost_character_mojibake_from_notice():
    original = "工作?,F(xiàn)將有關情況通報如下"
    result = normalise(original)
    assert result.text == "工作将有关情况通报如下"
    kinds = {original[n.start : n.end]: n.kind for n in result.noise}
    assert kinds == {"?,F": "mojibake", "(xiàn)": "annotation"}


def test_question_mark_after_particle_is_punctuation():
    assert normalise("你好吗?我很好").noise == []


def test_utf8_read_as_gbk_is_repaired():
    garbled = "政府工作报告".encode("utf-8").decode("gbk")
    result = normalise("关于" + garbled)
    assert result.text == "关于政府工作报告"
    assert result.noise[0].repair == "政府工作报告"


def test_utf8_read_as_latin1_is_repaired():
    garbled = "政府工作".encode("utf-8").decode("cp1252", errors="replace")
    result = normalise(garbled)
    assert result.text == "政府工作"


def test_html_entities_and_memory_junk():
    result = normalise("通知&nbsp;全文锟斤拷锟斤拷见附件")
    assert result.text == "通知 全文见附件"
    assert {n.kind for n in result.noise} == {"entity", "mojibake"}


def test_clean_news_has_no_noise():
    sentences = [
        "国务院总理主持召开国务院常务会议，部署进一步优化营商环境。",
        "2025年全市GDP增长5.2%，城镇新增就业12.3万人。",
        "请拨打12345热线或登录www.gov.cn查询（工作日9:00-17:00）。",
        "你知道吗?这些政策已经落地。",
    ]
    for sentence in sentences:
        assert normalise(sentence).noise == []


# Text drawn from everything that matters here: CJK (simplified and traditional), Latin, digits, emoji
# (astral), invisible and variation characters, full-width forms, and the scraper-noise ingredients.
NOISY_ALPHABET = st.sampled_from(
    list("政府網站為持續推動工作將有關情況通报如下abcxyzABC123")
    + ["?", ",", "F", "(", ")", "（", "）", "ù", "ǎ", "xù", "(xù)", "&nbsp;", "&amp;", "锟斤拷"]
    + ["\u200b", "\ufeff", "\ufe0f", "\u200d", "\U000e0101", "\x07", "😀", "👍🏻", "𠀀", "\U0001f1e8\U0001f1f3"]
    + ["ＡＢ", "１２", "\u3000", "鏀垮簻", "æ”¿", "\ufffd", "\n", " "]
    + ["\ud800", "\udfff", "\ud83d"]  # lone surrogates: a JSON "\ud800" escape, an emoji cut in two
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NOISY_ALPHABET, max_size=40).map("".join))
def test_offset_map_is_exact_for_any_text(original: str):
    result = normalise(original)
    assert result.starts is None or len(result.starts) == len(result.text) == len(result.ends)
    for i in range(len(result.text)):
        start, end = result.to_original(i, i + 1)
        assert 0 <= start < end <= len(original)
    for noise in result.noise:
        assert 0 <= noise.start < noise.end <= len(original)
    if result.text:
        start, end = result.to_original(0, len(result.text))
        assert 0 <= start <= end <= len(original)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_offset_map_monotonic_for_arbitrary_unicode(original: str):
    result = normalise(original)
    previous_end = 0
    for i in range(len(result.text)):
        start, end = result.to_original(i, i + 1)
        assert start >= 0 and end <= len(original) and start < end
        assert end >= previous_end or start >= 0
        previous_end = end

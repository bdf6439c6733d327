"""Misspelt canonical terms: generated one-character variants (review/typo/term_variants.py) in the typo check."""

from __future__ import annotations

from review.checks.typo import TypoCheck, load_error_lexicon
from review.document import Document
from review.model import Post
from review.pipeline import ReviewOptions
from review.resources import lexicon_path, load_toml
from review.segment import get_tokenizer
from review.training.term_variants import canonical_terms, format_line, term_variants
from review.typo.confusion import ConfusionSet
from review.typo.term_variants import read_variants


def test_variants_replace_one_character_and_skip_numerals_words_terms_and_seen_phrases():
    neighbours = {"振": "镇阵", "兴": "星", "四": "十是", "全": "a"}.get
    terms = ["乡村振兴", "四个全面", "乡村阵兴"]
    variants = term_variants(terms, lambda c: neighbours(c, ""), word_freq={"乡村星": 1, "乡村振星": 5},
                             number_chars="四十", seen=["乡村镇兴"])
    # 乡村镇兴: seen in clean text; 乡村阵兴: another term; 乡村振星: a dictionary word; 十个全面: a numeral swap;
    # 四个a面: not a Chinese character
    assert variants == {"是个全面": "四个全面", "乡村阵星": "乡村阵兴"}


def test_the_file_format_round_trips(tmp_path):
    path = tmp_path / "variants.tsv"
    path.write_text("# header\n" + format_line("乡村振兴", ["乡村镇兴", "乡村阵兴", "相村振兴"]), encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[1] == "乡村振兴\t相||镇阵|"
    assert read_variants(path) == {"乡村镇兴": "乡村振兴", "乡村阵兴": "乡村振兴", "相村振兴": "乡村振兴"}
    assert read_variants(tmp_path / "absent.tsv") == {}


def test_the_shipped_variants_follow_the_rules_they_were_generated_by():
    variants = read_variants()
    assert len(variants) > 10_000
    terms = set(canonical_terms())
    confusion = ConfusionSet.load(lexicon_path("confusion", "confusion.tsv"))
    number_chars = load_toml("typo", "typo.toml")["model"]["number_chars"]
    freq = get_tokenizer().FREQ
    assert set(variants.values()) <= terms
    for variant, term in variants.items():
        [(index, right, wrong)] = [(i, a, b) for i, (a, b) in enumerate(zip(term, variant)) if a != b]
        assert wrong in confusion.candidates(right), (variant, term)
        assert not (right in number_chars and wrong in number_chars)
        assert variant not in terms and freq.get(variant, 0) == 0


def _typo_findings(check: TypoCheck, text: str) -> list:
    doc = Document.build(Post.from_dict({"text": text}), "text", ReviewOptions.make())
    return [f for f in check.check(doc) if f.rule == "typo.lexicon.term"]


def test_a_misspelt_term_is_reported_unless_it_cuts_a_word():
    check = TypoCheck()
    check.model_pass = None  # the lexicon alone
    assert check.settings["lexicon"]["term_variants"] is True
    [finding] = _typo_findings(check, "大力推进乡村镇兴战略。")
    assert (finding.text, finding.suggestion, finding.severity) == ("乡村镇兴", "乡村振兴", "major")
    assert finding.message == "疑似错别字：“镇”应为“振”（乡村振兴）"
    # 卫生健康安 is a variant of 卫生健康委, but here its 安 belongs to 安全
    assert _typo_findings(check, "持续筑牢高水平卫生健康安全屏障。") == []
    assert not any(entry.category == "term" for entry in load_error_lexicon(False).entries.values())

"""Pinyin tables generated from pypinyin (lexicons/pinyin/): in step with pypinyin and the lexicons."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pypinyin import Style, lazy_pinyin

from review import pinyin
from review.resources import PROJECT_ROOT, lexicon_path


def _data_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("name", [pinyin.TERMS_FILE, pinyin.SAME_READING_FILE])
def test_shipped_table_is_what_the_generator_writes(name):
    shipped = lexicon_path(pinyin.FOLDER, name).read_text(encoding="utf-8")
    generated = pinyin.generate_tables()[name]
    assert _data_lines(shipped) == _data_lines(generated), "run `python -m review.pinyin` and commit the tables"


def test_table_readings_match_pypinyin_for_a_sample():
    sample = ["赌博", "银行", "重庆", "大麻", "法轮功", "冰毒", "六合彩"]
    shipped = [term for term in sample if term in pinyin._term_table()]
    assert len(shipped) >= 3
    for term in shipped:
        assert pinyin.term_readings(term) == lazy_pinyin(term, style=Style.NORMAL)


def test_terms_outside_the_table_fall_back_to_pypinyin():
    term = "长城银行行长"  # not a lexicon term: polyphones read in context
    assert term not in pinyin._term_table()
    assert pinyin.term_readings(term) == lazy_pinyin(term, style=Style.NORMAL)


def test_same_reading_table_groups_characters_by_reading():
    table = pinyin.same_reading_chars()
    assert table == pinyin.compute_same_reading_chars()
    assert "强" in table["qiang"] and "墙" in table["qiang"]
    assert "吕" in table["lu"] and "路" in table["lu"]  # tone marks and ü's dots stripped


def test_check_command_does_not_import_heavy_modules():
    code = (
        "import io, sys, contextlib\n"
        "from review.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['check', 'examples/post.txt', '--json'])\n"
        "heavy = ['pypinyin', 'torch', 'transformers', 'sklearn', 'pandas']\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    # the default one-shot set-up: the library reads no backend from the environment (`review check` asks for none)
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""

"""CSC data loading on tiny fixture files written to tmp_path."""
from __future__ import annotations

import json
import lzma

from review.training import csc_data as D
from review.typo.confusion import ConfusionSet


def _jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def make_data_dir(root):
    """A miniature ../shared/data with the files the loaders read (and test files they must not)."""
    _jsonl(root / "csc-sighan-simplified" / "sighan13-14-15_train.jsonl",
           [{"id": "0", "src": "我们要再接再励。", "tgt": "我们要再接再厉。"},
            {"id": "1", "src": "长度不同", "tgt": "长度不同了"}])
    _jsonl(root / "csc-sighan-simplified" / "sighan15_test.jsonl", [{"src": "测试集合", "tgt": "测试集合"}])
    (root / "csc-pycorrector").mkdir(parents=True)
    (root / "csc-pycorrector" / "sighan_2015_train.tsv").write_text("一如继往\t一如既往\n", encoding="utf-8")
    (root / "csc-pycorrector" / "sighan_2015_test.tsv").write_text("测试测试\t测试测试\n", encoding="utf-8")
    (root / "csc-ecspell").mkdir(parents=True)
    (root / "csc-ecspell" / "law.train.tsv").write_text("1\t依法行事\t依法行使\n", encoding="utf-8")
    odw = "".join(f"1\t第{i}号文件要认真贯切\t第{i}号文件要认真贯彻\n" for i in range(200))
    (root / "csc-ecspell" / "odw.train.tsv").write_text(odw, encoding="utf-8")
    _jsonl(root / "csc-people-daily-hard" / "news_paper_checked.jsonl", [{"src": "人工核对", "tgt": "人工核对"}])
    _jsonl(root / "csc-people-daily-hard" / "people_daily_synth_jieba.jsonl",
           [{"src": "人命郝军辉为政委。", "tgt": "任命郝军辉为政委。"}])
    xw = root / "formal-xinwenlianbo"
    xw.mkdir()
    with lzma.open(xw / "xinwenlianbo_2022-2026.jsonl.xz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"date": "20220101", "title": "新年贺词发表",
                            "text": "国家主席发表新年贺词。全国人民共同迎接新年！\n各地举行庆祝活动；群众热情高涨。"},
                           ensure_ascii=False) + "\n")
    (root / "news-msra").mkdir()
    (root / "news-msra" / "msra_sentences.txt").write_text("新华社北京一月一日电，今天是元旦。\n", encoding="utf-8")
    (root / "admin-litigation-cases").mkdir()
    (root / "admin-litigation-cases" / "cnews.train.txt").write_text("工商\t原告不服被告的行政处罚决定。\n",
                                                                       encoding="utf-8")
    (root / "admin-litigation-cases" / "cnews.test.txt").write_text("工商\t这是测试文件不可读取。\n", encoding="utf-8")
    return root


def test_read_pairs_formats(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_text("2\t再接再励\t再接再厉\n一如继往\t一如既往\n坏行\n不等长\t不等\n", encoding="utf-8")
    pairs = D.read_pairs(p)
    assert [(x.src, x.tgt) for x in pairs] == [("再接再励", "再接再厉"), ("一如继往", "一如既往")]
    j = tmp_path / "b.jsonl"
    _jsonl(j, [{"src": "迫不急待", "tgt": "迫不及待"}, {"src": "a", "tgt": "ab"}])
    assert [(x.src, x.tgt) for x in D.read_pairs(j)] == [("迫不急待", "迫不及待")]


def test_load_train_pairs_excludes_tests_and_dev(tmp_path):
    root = make_data_dir(tmp_path)
    pairs = D.load_train_pairs(root)
    srcs = {p.src for p in pairs}
    assert "我们要再接再励。" in srcs and "一如继往" in srcs and "依法行事" in srcs and "人命郝军辉为政委。" in srcs
    assert "测试集合" not in srcs and "测试测试" not in srcs and "人工核对" not in srcs
    assert "长度不同" not in srcs
    train, dev = D.odw_split(root)
    assert 5 <= len(dev) <= 40 and len(train) + len(dev) == 200
    assert not {p.tgt for p in train} & {p.tgt for p in dev}
    assert D.odw_split(root)[1] == dev  # deterministic
    odw_in_train = [p for p in pairs if p.origin == "odw"]
    assert len(odw_in_train) == len(train)


def test_clean_text_and_splitting(tmp_path):
    root = make_data_dir(tmp_path)
    sents = list(D.iter_clean_text(root))
    joined = "".join(sents)
    assert "国家主席发表新年贺词。" in joined and "新华社北京一月一日电" in joined and "原告不服" in joined
    assert "测试文件" not in joined
    assert all(len(s) <= 126 for s in sents)
    long = "，".join(["这是一个很长的句子片段"] * 40) + "。"
    parts = D.split_sentences(long, max_len=50)
    assert all(len(p) <= 50 for p in parts) and "".join(parts) == long


def test_error_injector_uses_confusion_set():
    cs = ConfusionSet()
    cs.add("厉", "励", "same_tone")
    cs.add("既", "即", "same_tone")
    inj = D.ErrorInjector(cs, seed=3, p_clean=0.0)
    for _ in range(20):
        out = inj.corrupt("再接再厉，一如既往")
        assert len(out) == 9
        diffs = [(a, b) for a, b in zip("再接再厉，一如既往", out) if a != b]
        assert diffs and all((a, b) in {("厉", "励"), ("既", "即")} for a, b in diffs)


def test_read_pairs_ends_lines_at_newline_only(tmp_path):
    from review.training.csc_data import read_pairs

    path = tmp_path / "pairs.tsv"
    path.write_bytes("再接\r再励\t再接\r再厉\r\n布署\t部署\n".encode("utf-8"))  # a bare CR inside the first pair
    assert [(p.src, p.tgt) for p in read_pairs(path)] == [("再接\r再励", "再接\r再厉"), ("布署", "部署")]

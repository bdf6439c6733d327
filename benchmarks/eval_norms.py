"""False alarms on clean writing, recall on generated breaches, and speed of the punctuation, numbers and format
checks (GB/T 15834-2011, GB/T 15835-2011, GB/T 9704-2012).

Usage: python benchmarks/eval_norms.py [--data ../shared/data] [--per-rule 200] [--seed 0] [--examples RULE]

- False alarms: every finding on clean text counts, per 10,000 characters, by rule, on held-out 《新闻联播》 articles
  (dated 2026-03-01 on), the 国务院政府工作报告 and CPC congress reports (split into pieces of about 5,000
  characters at paragraph ends), the error-free People's Daily sentences of csc-macro-correct (acc_rmrb), every
  fifth 《新闻联播》 article of 2012-2021 (not held out, but nothing in these checks is trained), and
  official documents assembled from held-out news paragraphs (a title 关于……的通知, a 主送 line, a 落款 and an
  Arabic 成文日期: the format rules' clean case). Target ≤ 1 per rule.
- Recall: for each rule, a generator puts one breach into a held-out news paragraph (or such an assembled document)
  and the rule's check runs on it; the breach counts as found when a finding of that rule overlaps the changed
  span. Target ≥ 0.95 per rule.
- Speed: ms per 1,000-character post of each check's `check` on a ready document, of a whole review with the three
  checks (normalising included), and of `jieba.lcut` on the same text.
Figures are printed as Markdown tables, not asserted; `--examples RULE` prints that rule's false alarms in context,
`--misses RULE` the breaches of that rule it did not find.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import lzma
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from review.checks._norms import load_norm_rules  # noqa: E402
from review.document import Document  # noqa: E402
from review.model import Post  # noqa: E402
from review.options import ReviewOptions  # noqa: E402
from review.pipeline import Reviewer  # noqa: E402

CHECKS = ("punctuation", "numbers", "format")
HELD_OUT_FROM = "20260301"
PIECE = 5_000
HAN = "\u4e00-\u9fff"
DIGITS_CN = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Breach:
    """A text with one breach in it, and the span [start, end) a finding must overlap to catch it."""

    text: str
    start: int
    end: int
    published_at: str | None = None  # sent with the post (a date written without its year is read in that year)


# --- clean corpora ---------------------------------------------------------------------------------------------


def _pieces(text: str, size: int = PIECE) -> list[str]:
    """`text` cut into pieces of about `size` characters at the ends of lines that end a sentence (the scraped
    reports also break lines inside title marks and formulas, which are no place to cut)."""
    pieces, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > size and current.rstrip().endswith(("。", "！", "？")):
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def load_corpora(data: Path) -> dict[str, list[str]]:
    """Clean texts by corpus name."""
    with lzma.open(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz", "rt", encoding="utf-8") as f:
        news = [row["text"] for row in map(json.loads, f) if row["date"] >= HELD_OUT_FROM]
    reports = []
    for name in ("government_work_reports.jsonl.xz", "cpc_congress_reports.jsonl.xz"):
        with lzma.open(data / "formal-gov-reports" / name, "rt", encoding="utf-8") as f:
            reports += [piece for row in map(json.loads, f) for piece in _pieces(row["text"])]
    with open(data / "csc-macro-correct" / "acc_rmrb_test.jsonl", encoding="utf-8") as f:
        rmrb = [json.loads(line)["tgt"] for line in f]
    # older transcripts, every 5th article: not held out from anything, but nothing here is trained on them
    older_path = data / "formal-xinwenlianbo-2012-2021" / "xinwenlianbo_2012-2021.jsonl.xz"
    with lzma.open(older_path, "rt", encoding="utf-8") as f:
        older = [json.loads(line)["text"] for index, line in enumerate(f) if index % 5 == 0]
    return {"xinwenlianbo ≥ 2026-03": news, "gov reports": reports, "acc_rmrb": rmrb,
            "xinwenlianbo 2012-2021, 1 in 5": [text for text in older if text.strip()]}


def official_document(paragraphs: list[str], rng: random.Random, title: str = "关于做好近期重点工作的通知",
                      date_line: str | None = None, tail: str = "") -> str:
    """A 公文-shaped post around clean paragraphs: title, 主送, body, 落款, 成文日期."""
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
    date_line = date_line or f"{day.year}年{day.month}月{day.day}日"
    body = "\n".join(paragraphs)
    return f"{title}\n各区人民政府，市政府各委、办、局：\n{body}\n{tail}市人民政府办公厅\n{date_line}"


def paragraphs_of(texts: list[str]) -> list[str]:
    """Held-out news paragraphs of 60-600 characters."""
    return [p for text in texts for p in text.split("\n") if 60 <= len(p) <= 600]


# --- generators: one breach each, or None where the paragraph offers no place for it -----------------------------


def _choose(rng: random.Random, matches: list[re.Match[str]]) -> re.Match[str] | None:
    return rng.choice(matches) if matches else None


def _replace(text: str, start: int, end: int, new: str) -> Breach:
    return Breach(text[:start] + new + text[end:], start, start + len(new))


def gen_halfwidth(p: str, rng: random.Random) -> Breach | None:
    mark = rng.choice("，；：！？")
    m = _choose(rng, list(re.finditer(f"(?<=[{HAN}]){mark}(?=[{HAN}])", p)) or
                list(re.finditer(f"(?<=[{HAN}])，(?=[{HAN}])", p)))
    if m is None:
        return None
    half = {"，": ",", "；": ";", "：": ":", "！": "!", "？": "?"}[m.group()]
    return _replace(p, m.start(), m.end(), half)


def gen_doubled_end(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("[。，]", p)))
    if m is None:
        return None
    extra = rng.choice(["。", "，"]) if m.group() == "。" else "。"
    return _replace(p, m.start(), m.end(), m.group() + extra)


def gen_unbalanced(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("《[^《》]{1,40}》|“[^“”]{1,60}”|（[^（）]{1,40}）", p)))
    if m is None:
        return None
    drop = m.end() - 1 if rng.random() < 0.5 else m.start()  # the closing or the opening mark
    return Breach(p[:drop] + p[drop + 1:], m.start(), m.end() - 1)


def gen_nested_quote(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer(f"“[^“”]{{3,}}?([{HAN}]{{4}})[^“”]*”", p)))
    if m is None:
        return None
    return _replace(p, m.start(1), m.end(1), f"“{m.group(1)}”")


def gen_dunhao_range(p: str, rng: random.Random) -> Breach | None:
    # not after 第 or a numeral: 第十三、四次 is an abbreviated ordinal, which the rule rightly leaves alone
    place = f"(?<=[{HAN}])(?<![第十一二三四五六七八九])[{HAN}](?=[个名天次人种家条项件])"
    m = _choose(rng, list(re.finditer(place, p)))
    if m is None:
        return None
    first = rng.randrange(1, 9)
    return _replace(p, m.start(), m.end(), f"{DIGITS_CN[first]}、{DIGITS_CN[first + 1]}")


def gen_dunhao_list_number(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer(f"[：，；](?=[{HAN}])", p)))
    if m is None:
        return None
    later = [n for n in re.finditer(f"[，；](?=[{HAN}])", p) if n.start() > m.end()]
    if not later:
        return None
    n = rng.choice(later)
    text = p[: m.end()] + "1、" + p[m.end(): n.end()] + "2、" + p[n.end():]
    return Breach(text, m.end(), n.end() + 4)


def gen_dunhao_before_deng(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer(f"、[{HAN}]{{1,8}}(?=等(?!级|待|候|到|于|同))", p)))
    if m is None:
        return None
    return _replace(p, m.end(), m.end(), "、")


def gen_space_between_han(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer(f"(?<=[{HAN}])(?=[{HAN}])", p)))
    if m is None:
        return None
    return _replace(p, m.start(), m.start(), rng.choice([" ", "\u3000"]))


def gen_fullwidth_digit(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("[0-9]+", p)))
    if m is None:
        return None
    return _replace(p, m.start(), m.end(), "".join(chr(ord(c) + 0xFEE0) for c in m.group()))


def arabic_to_chinese(number: str) -> str:
    """123.5 -> 一百二十三点五 (integers below 100,000,000)."""
    whole, _, fraction = number.partition(".")
    value, out = int(whole), ""
    if value == 0:
        out = "零"
    units = [(10 ** 7, "千"), (10 ** 6, "百"), (10 ** 5, "十"), (10 ** 4, "万"), (1000, "千"), (100, "百"), (10, "十")]
    if value >= 10_000:
        out += arabic_to_chinese(str(value // 10_000)) + "万"
        value %= 10_000
        if value and value < 1000:
            out += "零"
    for size, unit in units[4:]:
        digit, value = divmod(value, size)
        if digit:
            out += ("" if (unit == "十" and digit == 1 and not out) else DIGITS_CN[digit]) + unit
        elif out and value and not out.endswith("零"):
            out += "零"
    if value:
        out += DIGITS_CN[value]
    out = out.replace("〇", "零")
    return out + ("点" + "".join(DIGITS_CN[int(c)] for c in fraction) if fraction else "")


def gen_mixed_forms(p: str, rng: random.Random) -> Breach | None:
    found = list(re.finditer(r"(?<![0-9.])([0-9]{1,4}(?:\.[0-9]{1,2})?)%", p))
    decimals = list(re.finditer(r"(?<![0-9.])[0-9]{1,4}\.[0-9]{1,2}(?![0-9.%])", p))
    if len(found) >= 2:
        m = rng.choice(found[1:])
        return _replace(p, m.start(), m.end(), "百分之" + arabic_to_chinese(m.group(1)))
    if len(decimals) >= 2:
        m = rng.choice(decimals[1:])
        return _replace(p, m.start(), m.end(), arabic_to_chinese(m.group()))
    return None


def gen_range(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("(?<![0-9])([0-9]{1,2})月([0-9]{1,2})日", p)))
    if m is None:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or day > 26:
        return None
    dash = rng.choice(["-", "－", "–"])
    new = rng.choice([f"{month}月{day}日{dash}{month}月{day + 2}日", f"{day}%{dash}{day + 2}%",
                      f"{day}{dash}{day + 3}个"])
    return _replace(p, m.start(), m.end(), new)


def gen_separator(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("(?<![0-9.])[0-9]{4,9}(?![0-9.年])", p)))
    number = m.group() if m else str(rng.randrange(10_000, 9_999_999))
    # groups of two where three belong: 1234567 -> 12,34,567; 1234 -> 12,34
    if len(number) > 5:
        wrong = number[:-5] + "," + number[-5:-3] + "," + number[-3:]
    else:
        wrong = number[:-2] + "," + number[-2:]
    wrong = wrong.lstrip(",")
    if m:
        return _replace(p, m.start(), m.end(), wrong)
    at = p.find("。")
    return None if at < 0 else _replace(p, at, at, f"，共{wrong}人")


def gen_impossible_date(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("(?<![0-9])([0-9]{1,2})月([0-9]{1,2})日", p)))
    if m is None:
        return None
    month = rng.choice([2, 4, 6, 9, 11])
    day = calendar.monthrange(2024, month)[1] + 1 + (month == 2) * rng.randrange(2)  # 2月30日 even in a leap year
    if rng.random() < 0.5:
        return _replace(p, m.start(), m.end(), f"{month}月{day}日")
    chinese = "二〇二五年" + arabic_to_chinese(str(month)) + "月" + arabic_to_chinese(str(day)) + "日"
    return _replace(p, m.start(), m.end(), chinese)


def gen_weekday(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("(?<![0-9年])([0-9]{1,2})月([0-9]{1,2})日", p)))
    if m is None:
        return None
    try:
        day = dt.date(2026, int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    wrong = "一二三四五六日"[(day.weekday() + rng.randrange(1, 7)) % 7]
    weekday = rng.choice([f"（星期{wrong}）", f"（周{wrong}）", f"星期{wrong}"])
    if rng.random() < 0.5:
        return _replace(p, m.start(), m.end(), f"2026年{day.month}月{day.day}日{weekday}")
    # without the year: the post's publication date (a few days later) says which year
    breach = _replace(p, m.start(), m.end(), f"{day.month}月{day.day}日{weekday}")
    published = day + dt.timedelta(days=rng.randrange(0, 5))
    return Breach(breach.text, breach.start, breach.end, f"{published.isoformat()}T09:00:00+08:00")


def gen_doc_number_brackets(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("[。》]", p)))
    if m is None:
        return None
    left, right = rng.choice(["[]", "()", "【】", "（）", "［］"])
    number = f"{rng.choice(['国办发', '京政办发', '川府发', '人社部函'])}{left}{rng.randrange(2015, 2027)}{right}" \
             f"{rng.randrange(1, 200)}号"
    return _replace(p, m.end(), m.end(), f"（{number}）")


def gen_doc_number_form(p: str, rng: random.Random) -> Breach | None:
    m = _choose(rng, list(re.finditer("[。》]", p)))
    if m is None:
        return None
    year, n = rng.randrange(2015, 2027), rng.randrange(1, 99)
    number = rng.choice([f"国办发〔{year}〕第{n}号", f"京政办发〔{year}〕0{n}号", f"川府发〔{year % 100}〕{n}号"])
    return _replace(p, m.end(), m.end(), f"（{number}）")


def gen_title_type(p: str, rng: random.Random) -> Breach | None:
    title = rng.choice(["关于做好近期重点工作", "关于进一步加强安全生产工作", "关于申请专项资金的请示报告",
                        "市人民政府办公厅关于做好冬季供暖工作安排"])
    text = official_document([p], rng, title=title)
    return Breach(text, 0, len(title))


def gen_date_form(p: str, rng: random.Random) -> Breach | None:
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if rng.random() < 0.6:
        line = "二〇二五年" + arabic_to_chinese(str(day.month)) + "月" + arabic_to_chinese(str(day.day)) + "日"
    else:
        line = f"{day.year}年{day.month:02d}月{day.day:02d}日"
        if day.month >= 10 and day.day >= 10:
            return None
    text = official_document([p], rng, date_line=line)
    return Breach(text, len(text) - len(line), len(text))


def gen_attachment(p: str, rng: random.Random) -> Breach | None:
    note = "附件：1．工作安排表\n2．联系人名单\n"
    if rng.random() < 0.5:
        ref = f"（见附件{rng.randrange(3, 6)}）"
        at = p.find("。")
        if at < 0:
            return None
        para = p[:at] + ref + p[at:]
        text = official_document([para], rng, tail=note)
        start = text.find(ref) + 2
        return Breach(text, start, start + len(ref) - 3)
    text = official_document([p], rng, tail=note) + "\n附件1\n工作安排表\n附件2\n联系人名单\n附件3\n回执"
    return Breach(text, len(text) - 6, len(text) - 3)


GENERATORS: dict[str, Callable[[str, random.Random], Breach | None]] = {
    "punctuation.halfwidth": gen_halfwidth,
    "punctuation.doubled_end": gen_doubled_end,
    "punctuation.unbalanced": gen_unbalanced,
    "punctuation.nested_quote": gen_nested_quote,
    "punctuation.dunhao_range": gen_dunhao_range,
    "punctuation.dunhao_list_number": gen_dunhao_list_number,
    "punctuation.dunhao_before_deng": gen_dunhao_before_deng,
    "punctuation.space_between_han": gen_space_between_han,
    "numbers.fullwidth_digit": gen_fullwidth_digit,
    "numbers.mixed_forms": gen_mixed_forms,
    "numbers.range": gen_range,
    "numbers.separator": gen_separator,
    "numbers.impossible_date": gen_impossible_date,
    "numbers.weekday": gen_weekday,
    "format.doc_number_brackets": gen_doc_number_brackets,
    "format.doc_number_form": gen_doc_number_form,
    "format.title_type": gen_title_type,
    "format.date_form": gen_date_form,
    "format.attachment": gen_attachment,
}


# --- measurements ------------------------------------------------------------------------------------------------


def false_alarms(reviewer: Reviewer, corpora: dict[str, list[str]], examples: str | None
                 ) -> tuple[dict[str, Counter], dict[str, int]]:
    """Findings by rule per corpus, and characters per corpus."""
    counts: dict[str, Counter] = defaultdict(Counter)
    chars: dict[str, int] = {}
    for name, texts in corpora.items():
        chars[name] = sum(len(t) for t in texts)
        for text in texts:
            for finding in reviewer.review({"text": text}).findings:
                counts[name][finding.rule] += 1
                if examples and finding.rule == examples:
                    start, end = finding.start or 0, finding.end or 0
                    context = text[max(0, start - 15): end + 15].replace("\n", "⏎")
                    print(f"[{name}] {finding.text!r} -> {finding.suggestion!r} …{context}…")
    return counts, chars


def recall(reviewers: dict[str, Reviewer], paragraphs: list[str], per_rule: int, seed: int,
           misses: str | None = None) -> dict[str, tuple[int, int]]:
    """(found, placed) per rule."""
    results = {}
    for rule_id, generate in GENERATORS.items():
        rng = random.Random(f"{seed}:{rule_id}")
        reviewer = reviewers[rule_id.split(".")[0]]
        found = placed = tries = 0
        while placed < per_rule and tries < per_rule * 50:
            tries += 1
            breach = generate(rng.choice(paragraphs), rng)
            if breach is None:
                continue
            placed += 1
            post = {"text": breach.text}
            if breach.published_at:
                post["published_at"] = breach.published_at
            findings = reviewer.review(post).findings
            hit = any(f.rule == rule_id and f.start is not None and f.start < max(breach.end, breach.start + 1)
                      and f.end > breach.start for f in findings)
            found += hit
            if not hit and misses == rule_id:
                context = breach.text[max(0, breach.start - 20): breach.end + 20].replace("\n", "⏎")
                print(f"[missed] {breach.text[breach.start:breach.end]!r} …{context}… {[f.rule for f in findings]}")
        results[rule_id] = (found, placed)
    return results


def speed(news: list[str], posts: int = 200) -> dict[str, float]:
    """ms per 1,000-character post: each check on a ready document, a whole review, jieba.lcut."""
    import jieba

    joined = "\n".join(news)
    texts = [joined[i * 1000: (i + 1) * 1000] for i in range(posts)]
    reviewer = Reviewer(checks=list(CHECKS))
    jieba.lcut(texts[0])
    docs = [Document.build(Post(text=t), "text", ReviewOptions()) for t in texts]
    figures = {}
    for name in CHECKS:
        check = reviewer.instance(name)
        started = time.perf_counter()
        for doc in docs:
            doc.cache.clear()
            check.check(doc)
        figures[f"`{name}` check on a normalised document"] = (time.perf_counter() - started) * 1000 / posts
    started = time.perf_counter()
    for text in texts:
        reviewer.review({"text": text})
    figures["review with the three checks (normalising included)"] = (time.perf_counter() - started) * 1000 / posts
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    figures["`jieba.lcut`"] = (time.perf_counter() - started) * 1000 / posts
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--per-rule", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", help="print this rule's false alarms in context")
    parser.add_argument("--misses", help="print the generated breaches of this rule that were not found")
    args = parser.parse_args()

    corpora = load_corpora(args.data)
    paragraphs = paragraphs_of(corpora["xinwenlianbo ≥ 2026-03"])
    rng = random.Random(args.seed)
    corpora["assembled documents"] = [official_document(rng.sample(paragraphs, 3), rng) for _ in range(300)]
    reviewers = {name: Reviewer(checks=[name]) for name in CHECKS}
    everything = Reviewer(checks=list(CHECKS))

    counts, chars = false_alarms(everything, corpora, args.examples)
    names = list(corpora)
    rules = [rule for check in CHECKS for rule in load_norm_rules(check)]
    print("### False alarms on clean writing (findings per 10,000 characters)\n")
    print("| rule | " + " | ".join(f"{n} ({chars[n] / 1e6:.2f}M chars)" for n in names) + " | all |")
    print("|---|" + "---:|" * (len(names) + 1))
    total_chars = sum(chars.values())
    for rule in rules:
        cells = [f"{counts[n][rule] * 1e4 / chars[n]:.3f} ({counts[n][rule]})" for n in names]
        overall = sum(counts[n][rule] for n in names)
        print(f"| `{rule}` | " + " | ".join(cells) + f" | {overall * 1e4 / total_chars:.3f} |")

    results = recall(reviewers, paragraphs, args.per_rule, args.seed, args.misses)
    print("\n### Recall on generated breaches in held-out news paragraphs\n")
    print("| rule | placed | found | recall |")
    print("|---|---:|---:|---:|")
    for rule in rules:
        found, placed = results.get(rule, (0, 0))
        print(f"| `{rule}` | {placed} | {found} | {found / placed if placed else float('nan'):.3f} |")

    figures = speed(corpora["xinwenlianbo ≥ 2026-03"])
    print("\n### Speed (ms per 1,000-character post, in-process, one thread)\n")
    print("| what | ms |")
    print("|---|---:|")
    for what, ms in figures.items():
        print(f"| {what} | {ms:.3f} |")


if __name__ == "__main__":
    main()

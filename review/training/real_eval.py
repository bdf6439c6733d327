"""`review eval real`: the whole typo check, as `review check` runs it, on real writing.

Two kinds of data (paths under --data, ../shared/data by default):

* native-speaker error sets ({src, tgt} JSONL, equal length): CSCD-NS test (official-media Weibo), CCTC test,
  the real-world test (rw_test), People's Daily checked pairs and LEMON's news domain. Sentence level:
  - recall: sentences with an error where some typo finding overlaps a wrong character;
  - precision: sentences with a finding whose every finding overlaps a wrong character;
  - clean flagged: error-free sentences (src == tgt) with any finding;
  - correction: wrong characters inside a finding that the finding's suggestion puts right.
  Recall is also broken down by what the error makes (`error_kind`): a non-word (the wrong character forms no
  dictionary word of 2–4 characters with its neighbours, the right one does), a real-word swap, or a
  one-character word (的/地/得, 在/再 …).
* clean real writing: held-out 《新闻联播》 articles (dated from TUNING_FROM), government reports, acc_rmrb and
  acc_xxqg sentences. Findings per 10,000 characters by rule, the share of sentences (acc_*) or of
  1,000-character posts (news, reports) with any finding, and with any `major` or worse finding.

Development sets (cctc_train, faspell_dev) are for tuning; the test sets only report. `--show N` lists the N
worst false alarms of a set (most severe and confident first) and N misses (non-words first), to read.

    review eval real [--sets cscd_ns,cctc,...] [--limit 1500] [--show 20] [--without function_words] [--markdown]
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from review.training import command_parser
from review.training.corpora import TUNING_FROM, _jsonl_xz

if TYPE_CHECKING:
    from review.model import Finding

SERIOUS = ("major", "critical")
SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "critical": 3}
# misses listed first: the errors an editor would circle at once (a non-word), then the harder kinds
MISS_RANK = {"nonword": 0, "realword": 1, "single": 2}


@dataclass(frozen=True)
class ErrorSet:
    """A native-speaker error set: a {src, tgt} JSONL file under the data folder."""

    name: str
    path: str
    note: str
    development: bool = False


ERROR_SETS = (
    ErrorSet("cscd_ns", "csc-macro-correct/lomo_cscdns_test.jsonl", "CSCD-NS test (official-media Weibo)"),
    ErrorSet("cctc", "csc-cdconfusor/cctc_test.jsonl", "CCTC test (web documents)"),
    ErrorSet("rw", "csc-cdconfusor/rw_test.jsonl", "real-world test (rw_test)"),
    ErrorSet("pd_checked", "csc-people-daily-hard/news_paper_checked.jsonl", "People's Daily checked pairs"),
    ErrorSet("lemon_news", "csc-lemon/lemon_new_test.jsonl", "LEMON news"),
    ErrorSet("cctc_train", "csc-cdconfusor/cctc_train.jsonl", "CCTC train (development)", development=True),
    ErrorSet("faspell_dev", "csc-macro-correct/faspell_dev.jsonl", "FASPell dev (development)", development=True),
)
CLEAN_SETS = ("news", "reports", "acc_rmrb", "acc_xxqg")
DEFAULT_SETS = tuple(s.name for s in ERROR_SETS if not s.development) + CLEAN_SETS
POST_CHARS = 1000
# --without NAME: the typo check's attribute that holds each detector
DETECTORS = {"function_words": "function_words", "nonwords": "nonwords", "counted_nonwords": "counted_nonwords",
             "phrases": "word_forms", "model": "model_pass"}


# ---- data ------------------------------------------------------------------------------------------------


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(src, tgt) pairs of a JSONL file, pairs of unequal length left out."""
    pairs = []
    with open(path, encoding="utf-8", newline="\n") as handle:  # only "\n" ends a JSONL line
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if len(row["src"]) == len(row["tgt"]):
                    pairs.append((row["src"], row["tgt"]))
    return pairs


def sample(items: list, limit: int, seed: int = 7) -> list:
    """A fixed random sample of `limit` items (all of them when limit is 0 or larger than the list)."""
    if not limit or limit >= len(items):
        return items
    return random.Random(seed).sample(items, limit)


def as_posts(texts: Iterable[str], size: int = POST_CHARS) -> Iterator[str]:
    """Consecutive texts joined and cut at sentence ends into posts of about `size` characters."""
    buffer = ""
    for text in texts:
        buffer += text.strip() + "\n"
        while len(buffer) >= size:
            cut = max(buffer.rfind(mark, 0, size) for mark in "。！？\n")
            cut = cut + 1 if cut > size // 2 else size
            yield buffer[:cut].strip()
            buffer = buffer[cut:]
    if buffer.strip():
        yield buffer.strip()


def clean_items(name: str, data: Path) -> list[str]:
    """The texts of a clean set: sentences (acc_*) or 1,000-character posts (news, reports)."""
    if name in ("acc_rmrb", "acc_xxqg"):
        return [src for src, tgt in read_pairs(data / "csc-macro-correct" / f"{name}_test.jsonl") if src == tgt]
    if name == "news":
        texts = _jsonl_xz(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz",
                          lambda row: row.get("date", "") >= TUNING_FROM)
        return list(as_posts(texts))
    if name == "reports":
        texts = _jsonl_xz(data / "formal-gov-reports" / "government_work_reports.jsonl.xz",
                          lambda row: row.get("script") != "traditional")
        return list(as_posts(texts))
    raise ValueError(f"unknown clean set {name!r}")


# ---- what an error makes ---------------------------------------------------------------------------------


def error_kind(src: str, tgt: str, index: int, freq: dict) -> str:
    """`nonword`, `realword` or `single` for the wrong character at `index` (jieba's dictionary words)."""

    def words_through(text: str) -> bool:
        for length in (2, 3, 4):
            for start in range(max(0, index - length + 1), min(index, len(text) - length) + 1):
                if freq.get(text[start : start + length], 0) > 0:
                    return True
        return False

    if words_through(tgt):
        return "realword" if words_through(src) else "nonword"
    return "single"


# ---- measuring -------------------------------------------------------------------------------------------


@dataclass
class ErrorResult:
    """Counts over one error set."""

    sentences: int = 0
    with_error: int = 0
    detected: int = 0
    flagged: int = 0
    flagged_all_true: int = 0
    clean: int = 0
    clean_flagged: int = 0
    wrong_chars_found: int = 0
    wrong_chars_fixed: int = 0
    sentences_fixed: int = 0
    kinds: Counter = field(default_factory=Counter)
    kinds_found: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    rules_true: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)
    seconds: float = 0.0
    characters: int = 0

    def figures(self) -> dict:
        """The headline figures of the set."""
        def ratio(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        return {
            "sentences": self.sentences, "with_error": self.with_error,
            "recall": ratio(self.detected, self.with_error),
            "precision": ratio(self.flagged_all_true, self.flagged),
            "clean_flagged": ratio(self.clean_flagged, self.clean),
            "correction": ratio(self.wrong_chars_fixed, self.wrong_chars_found),
            "sentence_correction": ratio(self.sentences_fixed, self.with_error),
            "recall_by_kind": {k: ratio(self.kinds_found[k], n) for k, n in sorted(self.kinds.items())},
            "errors_by_kind": dict(sorted(self.kinds.items())),
            "findings_by_rule": {r: [n, self.rules_true[r]] for r, n in self.rules.most_common()},
            "ms_per_1000_chars": round(1000 * self.seconds / max(1, self.characters) * 1000, 1),
        }


@dataclass
class CleanResult:
    """Counts over one clean set."""

    items: int = 0
    characters: int = 0
    flagged: int = 0
    flagged_serious: int = 0
    rules: Counter = field(default_factory=Counter)
    rules_serious: Counter = field(default_factory=Counter)
    posts_serious: Counter = field(default_factory=Counter)
    false_alarms: list = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict:
        """The headline figures of the set."""
        per_10k = 10000 / max(1, self.characters)
        return {
            "items": self.items, "characters": self.characters,
            "flagged": round(self.flagged / max(1, self.items), 4),
            "flagged_major": round(self.flagged_serious / max(1, self.items), 4),
            "per_10k_chars": round(sum(self.rules.values()) * per_10k, 3),
            "per_10k_by_rule": {r: round(n * per_10k, 3) for r, n in self.rules.most_common()},
            "major_by_rule": dict(self.rules_serious.most_common()),
            "items_with_major_by_rule": {r: round(n / max(1, self.items), 4)
                                         for r, n in self.posts_serious.most_common()},
            "ms_per_1000_chars": round(1000 * self.seconds / max(1, self.characters) * 1000, 1),
        }


class TypoRunner:
    """The typo check as `review check --enable typo` runs it: normalising, merging, bounds."""

    def __init__(self, backend: str | None = None, without: Iterable[str] = ()) -> None:
        from review.options import ReviewOptions
        from review.pipeline import Reviewer

        self.reviewer = Reviewer(typo_backend=backend)
        self.options = ReviewOptions(enable=["typo"])
        self.reviewer.warm_up(["typo"])
        # detectors switched off for an A/B comparison in the same run (their attribute on the check)
        check = self.reviewer._instances["typo"]
        for name in without:
            if name not in DETECTORS:
                raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
            setattr(check, DETECTORS[name], None)

    def findings(self, text: str) -> list:
        """The typo findings of `text`."""
        report = self.reviewer.review({"text": text}, self.options)
        return [f for f in report.findings if f.category == "typo" and f.start is not None]


def context(text: str, start: int, end: int, width: int = 12) -> str:
    """`text` around [start, end) with the span in brackets, on one line."""
    shown = f"{text[max(0, start - width):start]}[{text[start:end]}]{text[end:end + width]}"
    return shown.replace("\n", " ").replace("\r", " ")


def alarm(finding: "Finding", text: str) -> tuple[int, float, str]:
    """A false alarm as (severity rank, confidence, line), so that the worst sort last."""
    return (SEVERITY_RANK.get(finding.severity, 0), finding.confidence,
            f"{finding.rule} {finding.severity} {finding.confidence:.2f} {finding.suggestion}: "
            f"{context(text, finding.start, finding.end)}")


def measure_errors(runner: TypoRunner, pairs: list[tuple[str, str]], freq: dict, show: int,
                   progress=None) -> ErrorResult:
    """Run the check over error pairs and count."""
    result = ErrorResult()
    started = time.perf_counter()
    for src, tgt in pairs:
        findings = runner.findings(src)
        result.sentences += 1
        result.characters += len(src)
        wrong = [i for i, (a, b) in enumerate(zip(src, tgt)) if a != b]
        covered: set[int] = set()
        all_true = True
        for f in findings:
            hit = [i for i in wrong if f.start <= i < f.end]
            result.rules[f.rule] += 1
            if hit:
                result.rules_true[f.rule] += 1
                covered.update(hit)
                suggestion = f.suggestion or ""
                if len(suggestion) == f.end - f.start:
                    result.wrong_chars_fixed += sum(suggestion[i - f.start] == tgt[i] for i in hit)
            else:
                all_true = False
                if show:
                    result.false_alarms.append(alarm(f, src))
        if findings:
            result.flagged += 1
            result.flagged_all_true += all_true
        if not wrong:
            result.clean += 1
            result.clean_flagged += bool(findings)
        else:
            result.with_error += 1
            result.detected += bool(covered)
            result.wrong_chars_found += len(covered)
            fixed = {i for i in wrong if any(
                f.start <= i < f.end and f.suggestion and len(f.suggestion) == f.end - f.start
                and f.suggestion[i - f.start] == tgt[i] for f in findings)}
            result.sentences_fixed += fixed == set(wrong) and all_true
            for i in wrong:
                kind = error_kind(src, tgt, i, freq)
                result.kinds[kind] += 1
                result.kinds_found[kind] += i in covered
            if not covered and show:
                kinds = [error_kind(src, tgt, i, freq) for i in wrong]
                result.misses.append((MISS_RANK.get(min(kinds, key=lambda k: MISS_RANK[k]), 0) if kinds else 0,
                                      " ".join(f"{src[i]}→{tgt[i]}({kind}) {context(src, i, i + 1)}"
                                               for i, kind in zip(wrong, kinds))))
        if progress is not None:
            progress.update(1)
    result.seconds = time.perf_counter() - started
    result.false_alarms = [line for *_, line in sorted(result.false_alarms, reverse=True)[:show]]
    result.misses = [line for _, line in sorted(result.misses, key=lambda m: m[0])[:show]]
    return result


def measure_clean(runner: TypoRunner, texts: list[str], show: int, progress=None) -> CleanResult:
    """Run the check over clean texts and count."""
    result = CleanResult()
    started = time.perf_counter()
    for text in texts:
        findings = runner.findings(text)
        result.items += 1
        result.characters += len(text)
        result.flagged += bool(findings)
        serious = [f for f in findings if f.severity in SERIOUS]
        result.flagged_serious += bool(serious)
        for rule in {f.rule for f in serious}:
            result.posts_serious[rule] += 1
        for f in findings:
            result.rules[f.rule] += 1
            if f.severity in SERIOUS:
                result.rules_serious[f.rule] += 1
            if show:
                result.false_alarms.append(alarm(f, text))
        if progress is not None:
            progress.update(1)
    result.seconds = time.perf_counter() - started
    result.false_alarms = [line for *_, line in sorted(result.false_alarms, reverse=True)[:show]]
    return result


# ---- the lexicon sweep -----------------------------------------------------------------------------------

SWEEP_SOURCES = (
    ("formal-xinwenlianbo-2012-2021/xinwenlianbo_2012-2021.jsonl.xz", "news 2012–2021"),
    ("formal-xinwenlianbo/xinwenlianbo_2022-2026.jsonl.xz", "news 2022–2026"),
    ("formal-laws/laws.jsonl.xz", "laws"),
    ("formal-gov-reports/government_work_reports.jsonl.xz", "reports"),
    ("formal-gov-reports/cpc_congress_reports.jsonl.xz", "reports"),
)
SENTENCE_END = re.compile(r"(?<=[。！？\n])")


def sweep_texts(data: Path) -> Iterator[tuple[str, str]]:
    """(source, text) of the clean formal corpora the lexicon sweep reads."""
    for relative, label in SWEEP_SOURCES:
        path = data / relative
        if path.exists():
            for row in _jsonl_xz_rows(path):
                yield label, (row.get("title") or "") + "\n" + (row.get("text") or "")


def _jsonl_xz_rows(path: Path) -> Iterator[dict]:
    import lzma

    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as handle:
        for line in handle:
            yield json.loads(line)


def lexicon_sweep(texts: Iterable[tuple[str, str]], examples: int = 3) -> list[tuple[int, str, list[str]]]:
    """Every error-lexicon entry, term variant and context rule that fires on `texts` (guards and word-boundary
    tests applied, the model off): (count, "rule wrong → right", example contexts), most frequent first."""
    from review.checks.typo import TypoCheck
    from review.document import PostText
    from review.model import Post
    from review.options import ReviewOptions

    check = TypoCheck()
    check.model_pass = check.word_forms = check.nonwords = None
    options = ReviewOptions()
    counts: Counter = Counter()
    shown: dict[str, list[str]] = {}
    for label, text in texts:
        for sentence in SENTENCE_END.split(text):
            if not sentence.strip() or (not check.lexicon.matches(sentence)
                                        and not any(rule.hits(sentence) for rule in check.rules)):
                continue
            doc = PostText.build(Post.from_dict({"text": sentence[:2000]})).document("text", options)
            for finding in check.check(doc):
                key = f"{finding.rule} {finding.text} → {finding.suggestion} ({finding.severity})"
                counts[key] += 1
                if len(shown.setdefault(key, [])) < examples:
                    shown[key].append(f"{label}: {context(sentence, finding.start, finding.end, 15)}")
    return [(n, key, shown[key]) for key, n in counts.most_common()]


# ---- the command -----------------------------------------------------------------------------------------


def error_table(rows: dict[str, dict]) -> list[str]:
    """Markdown rows for the error sets."""
    lines = ["| set | sentences | recall | precision | clean flagged | correction | non-word | real-word | single |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, m in rows.items():
        kinds = m["recall_by_kind"]
        lines.append(f"| {name} | {m['sentences']} | {m['recall']:.3f} | {m['precision']:.3f} | "
                     f"{m['clean_flagged']:.3f} | {m['correction']:.3f} | {kinds.get('nonword', 0):.3f} | "
                     f"{kinds.get('realword', 0):.3f} | {kinds.get('single', 0):.3f} |")
    return lines


def clean_table(rows: dict[str, dict]) -> list[str]:
    """Markdown rows for the clean sets."""
    lines = ["| set | items | characters | findings / 10k chars | items flagged | items with a major finding |",
             "|---|---|---|---|---|---|"]
    for name, m in rows.items():
        lines.append(f"| {name} | {m['items']} | {m['characters']} | {m['per_10k_chars']:.3f} | "
                     f"{m['flagged']:.4f} | {m['flagged_major']:.4f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Evaluate the typo check on native-speaker error sets and clean real writing."""
    names = [s.name for s in ERROR_SETS] + list(CLEAN_SETS)
    parser = command_parser(
        "review eval real",
        "在真实文本上评测错别字检查 / the whole typo check on real writing: native-speaker error "
        "sets and clean formal text")
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS),
                        help=f"评测集，逗号分隔 / comma-separated sets: {', '.join(names)}")
    parser.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data folder")
    parser.add_argument("--limit", type=int, default=1500,
                        help="每集最多条数（固定随机抽样，0 为全部）/ at most N items a set (a fixed sample; 0: all)")
    parser.add_argument("--show", type=int, default=0,
                        help="列出每集 N 个漏报和误报 / list N misses and N false alarms a set")
    parser.add_argument("--backend", default=None, help="纠错模型后端 / the typo model's backend (numpy, torch)")
    parser.add_argument("--lexicon-sweep", action="store_true",
                        help="只对干净正式文本逐条运行错词表与语境规则 / run every error-lexicon entry, term variant "
                             "and context rule over the clean formal corpora and list what fires")
    parser.add_argument("--without", default="",
                        help=f"关闭的检测器，逗号分隔 / detectors switched off, comma-separated: {', '.join(DETECTORS)}")
    parser.add_argument("--markdown", action="store_true", help="输出 Markdown 表格 / print markdown tables")
    parser.add_argument("--json", action="store_true", help="每集输出一个 JSON 对象 / one JSON object a set")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if args.lexicon_sweep:
        for count, key, shown in lexicon_sweep(sweep_texts(data)):
            print(f"{count}\t{key}")
            for line in shown:
                print(f"    {line}")
        return 0
    wanted = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        parser.error(f"未知的评测集 / unknown sets: {', '.join(unknown)}; 可选 / known: {', '.join(names)}")
    from tqdm import tqdm

    from review.segment import get_tokenizer

    without = [n.strip() for n in args.without.split(",") if n.strip()]
    unknown = [n for n in without if n not in DETECTORS]
    if unknown:
        parser.error(f"未知的检测器 / unknown detectors: {', '.join(unknown)}; 可选 / known: {', '.join(DETECTORS)}")
    runner = TypoRunner(args.backend, without)
    freq = get_tokenizer().FREQ
    by_name = {s.name: s for s in ERROR_SETS}
    error_rows: dict[str, dict] = {}
    clean_rows: dict[str, dict] = {}
    for name in wanted:
        if name in by_name:
            pairs = sample(read_pairs(data / by_name[name].path), args.limit)
            with tqdm(total=len(pairs), desc=name, file=sys.stderr, leave=False) as bar:
                result = measure_errors(runner, pairs, freq, args.show, bar)
            error_rows[name] = result.figures()
            notes = [("miss", result.misses), ("false", result.false_alarms)]
        else:
            texts = sample(clean_items(name, data), args.limit)
            with tqdm(total=len(texts), desc=name, file=sys.stderr, leave=False) as bar:
                result = measure_clean(runner, texts, args.show, bar)
            clean_rows[name] = result.figures()
            notes = [("false", result.false_alarms)]
        figures = error_rows.get(name) or clean_rows[name]
        if args.json:
            print(json.dumps({"set": name, **figures}, ensure_ascii=False), flush=True)
        elif not args.markdown:
            print(f"{name}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
        for label, lines in notes:
            for line in lines:
                print(f"  {label} {line}")
    if args.markdown:
        if error_rows:
            print("\n".join(error_table(error_rows)))
            print()
        if clean_rows:
            print("\n".join(clean_table(clean_rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Evaluate the `sensitive` and `expression` lexicon checks: evasion recall, false alarms, context, speed.

    python benchmarks/eval_lexicon.py [--data ../shared/data] [--dev ../shared/dev/review_dev.jsonl]

1. Recall on a generated evasion set: every high-risk term (the entries that get pinyin spellings) × every
   evasion kind (symbols, spaces, full-width, case, traditional, repeated characters, pinyin, mixed pinyin,
   curated homophones), each embedded in a neutral carrier sentence and run through the whole check.
2. False alarms on clean formal text: MSRA news sentences, the clean posts of the dev set, and 《新闻联播》
   articles from 2025-04 on (after the last change of the listed leaders' posts): findings per 1,000 texts at
   >= minor and >= major, and how many come from evasion handling (a non-exact spelling) — the cross-word-boundary risk.
3. Context: the share of sensitive matches in legitimate government text (新闻联播) raised above `info`, and
   the share of generated promotional posts raised to `critical`.
4. Speed on one core: MB/s (UTF-8) of the matcher with evasion handling against a naive per-term
   `str.find` loop and flashtext over the same terms and documents.

`--speed-rounds N --baseline PATH` times the whole `sensitive` check against an older checkout (`git worktree add
/tmp/wt591 591e89e`): N alternating pairs of fresh processes (`--check-speed`, one round each) on the same documents,
CPU time, the medians and the slowdown.

`--targets` runs the figures issue 21 sets targets for, and nothing else:

5. Recall on the held-out tenth of each reference list (lexicon-sensitive-konsheng, lexicon-sensitive-houbb;
   `review.training.sensitive_lists.held_out`, never read while curating): every held-out word in a neutral carrier
   sentence through the whole check. "In scope" are the held-out words the curation rules would have kept (a
   category, not used in clean government writing): the same automatic rules that made the lists, applied blind.
6. Recall on disguised forms of those in-scope words (symbols, spaces, traditional script, full pinyin, mixed
   pinyin, a same-reading character).
7. Held-out clean government text: 《新闻联播》 articles dated from `HELD_OUT_FROM` (2026-03-01) and the government
   and Party congress reports (20,000-character parts): posts with a `sensitive` finding at >= major and above info.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import statistics
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path


def _code_root() -> Path:
    """The checkout whose `review` package and lexicons are measured: this one, or `--code PATH` (an older tree made
    with `git archive <rev> review lexicons | tar -x -C PATH`, for before/after speed on the same machine)."""
    if "--code" in sys.argv:
        root = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
        os.environ["REVIEW_LEXICONS"] = str(root / "lexicons")
        return root
    return Path(__file__).resolve().parent.parent


sys.path.insert(0, str(_code_root()))

from review.checks.expression import ExpressionCheck  # noqa: E402
from review.checks.sensitive import SensitiveCheck, split_variants  # noqa: E402
from review.document import Document  # noqa: E402
from review.lexicon_match import build_skeleton, pinyin_variants, reduplicating_chars  # noqa: E402
from review.model import SEVERITY_RANK, Post  # noqa: E402
from review.pipeline import ReviewOptions  # noqa: E402
from review.resources import load_toml  # noqa: E402

OPTIONS = ReviewOptions()
CARRIER = "据群众反映，{}的情况近来有所抬头。"
PROMOTION_TEMPLATES = [
    "澳门{}线上开户，首充送88元彩金，加微信abc12345",
    "{}现货，价格优惠，私聊详谈，电话13912345678",
    "高薪招募代理，{}稳赚不赔，扫码下载app",
    "出售{}，货到付款，加v：qq778899",
]
LEGIT_CUES = ("毒品", "赌博", "诈骗", "枪支", "色情", "台独", "邪教", "恐怖", "传销", "淫秽")


def _clock() -> float:
    return time.process_time()


def _doc(text: str) -> Document:
    return Document.build(Post.from_dict({"text": text}), "text", OPTIONS)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t.json")


def _to_traditional(text: str) -> str:
    return _s2t().convert(text)


def _fullwidth(text: str) -> str:
    if any(c.isascii() and c.isalnum() for c in text):
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
    return "\u3000".join(text)  # ideographic spaces between characters


def evasion_set(check: SensitiveCheck) -> list[tuple[str, str, str]]:
    """(kind, term, evaded spelling) for every high-risk term and every applicable evasion kind."""
    pinyin_entries = [e for e in check.matcher.entries if e.get("context") != "promo" and _pinyin_enabled(check, e)]
    cases = []
    redup = reduplicating_chars()
    for entry in pinyin_entries:
        term = entry.term
        cases.append(("symbol", term, "*".join(term)))
        cases.append(("space", term, " ".join(term)))
        cases.append(("fullwidth", term, _fullwidth(term)))
        traditional = _to_traditional(term)
        if traditional != term:
            cases.append(("traditional", term, traditional))
        first = term[0]
        cases.append(("repeated", term, first * (3 if first in redup else 2) + term[1:]))
        spelled = dict(pinyin_variants(term))
        if "pinyin" in spelled:
            cases.append(("pinyin", term, spelled["pinyin"]))
            cases.append(("case", term, spelled["pinyin"].upper()))
        elif any(c.isascii() and c.isalpha() for c in term):
            cases.append(("case", term, term.upper()))
        mixed = [s for kind, s in pinyin_variants(term) if kind == "mixed_pinyin"]
        if mixed:
            cases.append(("mixed_pinyin", term, mixed[0]))
        for variant in split_variants(entry):
            cases.append(("homophone", term, variant))
    return cases


def _pinyin_enabled(check: SensitiveCheck, entry) -> bool:
    evasion = load_toml("sensitive", "matching.toml")["evasion"]
    minimum = SEVERITY_RANK[evasion["pinyin_min_severity"]]
    return entry.category in evasion["pinyin_categories"] and SEVERITY_RANK[entry.severity] >= minimum


def recall(check: SensitiveCheck) -> dict:
    """Evasion recall per kind: the evaded spelling is reported (and, stricter, as the very term)."""
    found, same_term, total = Counter(), Counter(), Counter()
    misses: dict[str, list[str]] = {}
    for kind, term, spelling in evasion_set(check):
        total[kind] += 1
        text = CARRIER.format(spelling)
        start = text.index(spelling)
        hits = [f for f in check.check(_doc(text))
                if f.start is not None and f.start < start + len(spelling) and f.end > start]
        if hits:
            found[kind] += 1
            # Same-pinyin synonyms (卖冰毒/买冰毒 → mai冰毒) may name the other entry.
            same_term[kind] += any(f.evidence[0]["term"] == term for f in hits)
        else:
            misses.setdefault(kind, []).append(spelling)
    rows = {
        kind: {"found": found[kind], "total": total[kind], "recall": round(found[kind] / total[kind], 4),
               "same_term": round(same_term[kind] / total[kind], 4)}
        for kind in total
    }
    rows["all"] = {"found": sum(found.values()), "total": sum(total.values()),
                   "recall": round(sum(found.values()) / sum(total.values()), 4),
                   "same_term": round(sum(same_term.values()) / sum(total.values()), 4)}
    return {"by_kind": rows, "misses": {k: v[:8] for k, v in misses.items()}}


def false_alarms(checks: list, texts: list[str], name: str) -> dict:
    """Findings per 1,000 clean texts at >= minor and >= major, and those caused by evasion handling."""
    minor = major = evasion = 0
    examples: Counter = Counter()
    for text in texts:
        doc = _doc(text)
        for check in checks:
            for finding in check.check(doc):
                rank = SEVERITY_RANK[finding.severity]
                spelling = (finding.evidence or [{}])[0].get("spelling", "exact")
                if spelling not in (None, "exact"):
                    evasion += 1
                    examples[f"evasion:{finding.text}"] += 1
                if rank >= SEVERITY_RANK["minor"]:
                    minor += 1
                if rank >= SEVERITY_RANK["major"]:
                    major += 1
                    examples[f"{finding.rule}:{finding.text}"] += 1
    n = max(1, len(texts))
    return {
        "set": name,
        "texts": len(texts),
        "chars": sum(map(len, texts)),
        "findings_ge_minor_per_1k": round(minor * 1000 / n, 2),
        "findings_ge_major_per_1k": round(major * 1000 / n, 2),
        "evasion_spelling_findings": evasion,
        "top_major": examples.most_common(12),
    }


def context_eval(check: SensitiveCheck, legit: list[str]) -> dict:
    """Legit government text: share of matches above info. Promotion templates: share raised to critical."""
    matches = raised = 0
    raised_examples: Counter = Counter()
    for text in legit:
        for finding in check.check(_doc(text)):
            matches += 1
            if finding.severity != "info":
                raised += 1
                raised_examples[f"{finding.severity}:{finding.text}"] += 1
    terms = ["赌场", "冰毒", "大麻", "仿真枪", "六合彩", "百家乐", "摇头丸", "气枪"]
    promoted = critical = 0
    for template in PROMOTION_TEMPLATES:
        for term in terms:
            promoted += 1
            findings = check.check(_doc(template.format(term)))
            if any(f.severity == "critical" for f in findings):
                critical += 1
    return {
        "legit_texts": len(legit),
        "legit_matches": matches,
        "legit_raised_above_info": raised,
        "legit_raised_share": round(raised / max(1, matches), 4),
        "legit_raised_examples": raised_examples.most_common(12),
        "promotion_posts": promoted,
        "promotion_critical": critical,
        "promotion_critical_share": round(critical / promoted, 4),
    }


def crowd_recall(check: SensitiveCheck, data: Path) -> dict:
    """Share of the crowd-collected list words our curated lexicon flags (each word alone, matcher only).

    The crowd lists are broad and noisy (place names, ordinary words), so a low share is expected; the
    per-category figures for the clearly harmful categories are the informative ones.
    """
    by_category: dict[str, list[int]] = {}
    konsheng = data / "lexicon-sensitive-konsheng" / "lexicon.tsv"
    with open(konsheng, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            word, _, category = line.rstrip("\n").partition("\t")
            counts = by_category.setdefault(f"konsheng/{category}", [0, 0])
            counts[1] += 1
            counts[0] += bool(check.matcher.find(word))
    houbb = data / "lexicon-sensitive-houbb" / "sensitive_words.txt"
    counts = by_category.setdefault("houbb/all", [0, 0])
    with open(houbb, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                counts[1] += 1
                counts[0] += bool(check.matcher.find(line.strip()))
    return {name: {"flagged": hit, "total": total, "share": round(hit / total, 4)}
            for name, (hit, total) in sorted(by_category.items())}


def speed(check: SensitiveCheck, texts: list[str], doc_chars: int = 2000, repeat: int = 3) -> dict:
    """MB/s on one core: evasion-robust matcher vs naive str.find loop vs flashtext (same terms, same docs).

    Timed in this process's CPU time (time.process_time), so other jobs on a shared machine do not count."""
    docs = _msra_documents(texts, doc_chars)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    terms = [entry.term for entry in check.matcher.entries]
    results = {"docs": len(docs), "megabytes": round(megabytes, 2), "terms": len(terms),
               "patterns_with_evasions": check.matcher.pattern_count}

    if hasattr(check, "warm_up"):
        check.warm_up()  # load once what a long-running process has loaded (the segmenter), not timed
    runs = []
    for _ in range(repeat):  # a shared machine: take the median of a few runs
        began = _clock()
        hits = sum(len(check.matcher.find(d)) for d in docs)
        runs.append(megabytes / (_clock() - began))
    results["matcher_evasion_MBps"] = round(statistics.median(runs), 2)
    results["matcher_hits"] = hits

    began = _clock()
    for d in docs:
        build_skeleton(d)
    results["skeleton_only_MBps"] = round(megabytes / (_clock() - began), 2)

    sample = docs[: max(1, len(docs) // 10)]  # the naive loop is slow: time a tenth and scale
    sample_mb = sum(len(d.encode("utf-8")) for d in sample) / 1e6
    began = _clock()
    naive_hits = 0
    for d in sample:
        for term in terms:
            at = d.find(term)
            while at >= 0:
                naive_hits += 1
                at = d.find(term, at + 1)
    results["naive_str_find_MBps"] = round(sample_mb / (_clock() - began), 2)

    try:
        from flashtext import KeywordProcessor

        processor = KeywordProcessor()
        for term in terms:
            processor.add_keyword(term)
        runs = []
        for _ in range(repeat):
            began = _clock()
            flash_hits = sum(len(processor.extract_keywords(d)) for d in docs)
            runs.append(megabytes / (_clock() - began))
        results["flashtext_MBps"] = round(statistics.median(runs), 2)
        results["flashtext_hits"] = flash_hits
    except ImportError:
        results["flashtext_MBps"] = None

    began = _clock()
    built = [_doc(d) for d in docs]
    results["normalise_document_MBps"] = round(megabytes / (_clock() - began), 2)
    began = _clock()
    for doc in built:
        check.check(doc)
    results["sensitive_check_MBps"] = round(megabytes / (_clock() - began), 2)
    expression = ExpressionCheck()
    for doc in built:
        doc.cache.clear()  # the skeleton is shared between checks; time each check from scratch
    began = _clock()
    for doc in built:
        expression.check(doc)
    results["expression_check_MBps"] = round(megabytes / (_clock() - began), 2)
    return results


def _msra_documents(texts: list[str], doc_chars: int = 2000) -> list[str]:
    """The msra sentences joined into documents of about `doc_chars` characters (`speed` and the speed rounds)."""
    docs, current, size = [], [], 0
    for text in texts:
        current.append(text)
        size += len(text)
        if size >= doc_chars:
            docs.append("\n".join(current))
            current, size = [], 0
    if current:
        docs.append("\n".join(current))
    return docs


def check_speed(check: SensitiveCheck, texts: list[str]) -> dict:
    """One round of the whole `sensitive` check and of its matcher alone (CPU time of this process, built documents)."""
    docs = _msra_documents(texts)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    if hasattr(check, "warm_up"):
        check.warm_up()
    built = [_doc(d) for d in docs]
    began = _clock()
    findings = sum(len(check.check(doc)) for doc in built)
    check_seconds = _clock() - began
    began = _clock()
    for doc in built:
        check.matcher.find(doc.text)
    matcher_seconds = _clock() - began
    return {"code": str(_code_root()), "megabytes": round(megabytes, 2), "findings": findings,
            "sensitive_check_MBps": round(megabytes / check_seconds, 2),
            "matcher_MBps": round(megabytes / matcher_seconds, 2)}


def alternating_speed(baseline: Path, rounds: int, data: Path) -> dict:
    """The whole check's speed against `baseline` (an older checkout): `rounds` alternating pairs of fresh processes
    on the same documents, each timed in its own CPU time; the medians and how much slower this checkout is."""
    import subprocess

    runs: dict[str, list[dict]] = {"baseline": [], "this": []}
    for _ in range(rounds):
        for name, extra in (("baseline", ["--code", str(baseline)]), ("this", [])):
            out = subprocess.run([sys.executable, __file__, "--check-speed", "--data", str(data), *extra], check=True,
                                 capture_output=True, text=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    medians = {name: {key: statistics.median(run[key] for run in rows)
                      for key in ("sensitive_check_MBps", "matcher_MBps")} for name, rows in runs.items()}
    slower = medians["baseline"]["sensitive_check_MBps"] / medians["this"]["sensitive_check_MBps"] - 1
    return {"rounds": rounds, "baseline": str(baseline), "median": medians,
            "check_slower_than_baseline": round(slower, 3),
            "runs": {name: [run["sensitive_check_MBps"] for run in rows] for name, rows in runs.items()}}


def _carrier_hit(check: SensitiveCheck, spelling: str) -> bool:
    """Whether the check reports something on `spelling` written in the neutral carrier sentence."""
    text = CARRIER.format(spelling)
    start = text.index(spelling)
    return any(f.start is not None and f.start < start + len(spelling) and f.end > start
               for f in check.check(_doc(text)))


def _disguises(word: str) -> list[tuple[str, str]]:
    """(kind, spelling) disguises of a held-out word, each kind where it applies."""
    from review.chars import all_han
    from review.pinyin import same_reading_chars, term_readings

    out = [("symbol", "*".join(word)), ("space", " ".join(word))]
    traditional = _to_traditional(word)
    if traditional != word:
        out.append(("traditional", traditional))
    if all_han(word) and 2 <= len(word) <= 8:
        readings = term_readings(word)
        if len(readings) == len(word) and all(r.isascii() and r.isalpha() for r in readings):
            out.append(("pinyin", "".join(readings)))
            middle = len(word) // 2
            out.append(("mixed_pinyin", word[:middle] + readings[middle] + word[middle + 1:]))
            same = same_reading_chars()
            for index in (middle, 0):
                others = [c for c in same.get(readings[index], ()) if c != word[index]]
                if others:
                    out.append(("homophone", word[:index] + others[0] + word[index + 1:]))
                    break
    return out


def heldout_recall(check: SensitiveCheck, data: Path) -> dict:
    """Recall on each reference list's held-out tenth (all of it, and the in-scope words), and on disguises."""
    from review.training.sensitive_lists import (
        candidates,
        clean_government_texts,
        core,
        held_out,
        load_curation,
        reference_lists,
        used_in,
    )

    lists = reference_lists(data)
    scoped = candidates(lists, load_curation(), holdout=True)
    normal = used_in({core(word) for word in scoped}, clean_government_texts(data))
    in_scope = {word: rule.category for word, (rule, _sources) in scoped.items() if core(word) not in normal}
    print(f"held-out: {len(scoped)} classified, {len(in_scope)} in scope", file=sys.stderr)
    found_cache: dict[str, bool] = {}

    def found(word: str) -> bool:
        if word not in found_cache:
            found_cache[word] = _carrier_hit(check, word)
        return found_cache[word]

    by_list: dict[str, dict] = {}
    for name, words in sorted(lists.items()):
        source = name.split("/", 1)[0]
        held = [w for w in words if held_out(w)]
        scope = [w for w in held if w in in_scope]
        row = by_list.setdefault(source, {"held_out": 0, "held_out_found": 0, "in_scope": 0, "in_scope_found": 0})
        row["held_out"] += len(held)
        row["in_scope"] += len(scope)
        row["in_scope_found"] += sum(found(w) for w in scope)
        # Every held-out word, noise included: only a reference (names, URLs, ordinary words are left out on purpose).
        sample = held if len(held) <= 2000 else random.Random(0).sample(held, 2000)
        row["held_out_found"] += round(sum(found(w) for w in sample) * len(held) / max(1, len(sample)))
    for row in by_list.values():
        row["in_scope_recall"] = round(row["in_scope_found"] / max(1, row["in_scope"]), 4)
        row["held_out_recall_all"] = round(row["held_out_found"] / max(1, row["held_out"]), 4)
    by_category: dict[str, list[int]] = {}
    for word, category in in_scope.items():
        counts = by_category.setdefault(category, [0, 0])
        counts[0] += found(word)
        counts[1] += 1
    disguised_found, disguised_total = Counter(), Counter()
    misses: dict[str, list[str]] = {}
    for word in sorted(in_scope):
        for kind, spelling in _disguises(word):
            disguised_total[kind] += 1
            if _carrier_hit(check, spelling):
                disguised_found[kind] += 1
            else:
                misses.setdefault(kind, []).append(spelling)
    disguised = {kind: {"found": disguised_found[kind], "total": total,
                        "recall": round(disguised_found[kind] / total, 4)} for kind, total in disguised_total.items()}
    disguised["all"] = {"found": sum(disguised_found.values()), "total": sum(disguised_total.values()),
                        "recall": round(sum(disguised_found.values()) / max(1, sum(disguised_total.values())), 4)}
    in_scope_found = sum(found(w) for w in in_scope)
    return {
        "by_list": by_list,
        "in_scope_all": {"found": in_scope_found, "total": len(in_scope),
                         "recall": round(in_scope_found / max(1, len(in_scope)), 4)},
        "by_category": {c: {"found": f, "total": t, "recall": round(f / t, 4)}
                        for c, (f, t) in sorted(by_category.items())},
        "disguised": disguised,
        "disguised_misses_count": {k: len(v) for k, v in misses.items()},
    }


def _report_parts(data: Path, size: int = 20000) -> list[str]:
    from review.normalise import normalise

    parts = []
    for name in ("government_work_reports.jsonl.xz", "cpc_congress_reports.jsonl.xz"):
        with lzma.open(data / "formal-gov-reports" / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                text = normalise(json.loads(line)["text"]).text
                parts.extend(text[i : i + size] for i in range(0, len(text), size))
    return parts


def clean_government(check: SensitiveCheck, data: Path) -> dict:
    """Held-out clean government text: posts with any `sensitive` finding >= major, and above info."""
    from review.training.corpora import HELD_OUT_FROM

    sets = {
        f"xinwenlianbo-{HELD_OUT_FROM}+": _xinwenlianbo(data, 10**9, since=HELD_OUT_FROM, shuffle=False),
        "gov-reports (20,000-char parts)": _report_parts(data),
    }
    out = {}
    for name, texts in sets.items():
        major = above_info = 0
        examples: Counter = Counter()
        for text in texts:
            severities = [(f.severity, f.rule, f.text) for f in check.check(_doc(text))]
            ranks = [SEVERITY_RANK[s] for s, _, _ in severities]
            major += any(r >= SEVERITY_RANK["major"] for r in ranks)
            above_info += any(r > SEVERITY_RANK["info"] for r in ranks)
            for severity, rule, written in severities:
                if severity != "info":
                    examples[f"{severity}:{rule}:{written}"] += 1
        out[name] = {"posts": len(texts), "posts_ge_major": major, "posts_above_info": above_info,
                     "share_above_info": round(above_info / max(1, len(texts)), 4),
                     "findings_above_info": examples.most_common(20)}
    return out


def _xinwenlianbo(data: Path, limit: int, since: str = "20250401", shuffle: bool = True) -> list[str]:
    path = data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz"
    articles = []
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item["date"] >= since:
                articles.append(item["text"][:20000])
    if shuffle:
        random.Random(0).shuffle(articles)
    return articles[:limit]


def main() -> None:
    """Run every evaluation and print one JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--dev", type=Path, default=root.parent / "shared" / "dev" / "review_dev.jsonl")
    parser.add_argument("--articles", type=int, default=3000, help="新闻联播 articles to read")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    parser.add_argument("--speed-only", action="store_true", help="only the throughput comparison")
    parser.add_argument("--code", type=Path, help="measure the review package and lexicons of this tree instead")
    parser.add_argument("--targets", action="store_true",
                        help="only issue 21's figures: held-out recall, disguises, clean government text, speed")
    parser.add_argument("--check-speed", action="store_true", help="one round of the whole check's speed (JSON line)")
    parser.add_argument("--speed-rounds", type=int, default=0,
                        help="alternate this many rounds of --check-speed with the checkout given by --baseline")
    parser.add_argument("--baseline", type=Path, help="an older checkout (git worktree add /tmp/wt591 591e89e)")
    args = parser.parse_args()
    if args.speed_rounds:
        if args.baseline is None:
            parser.error("--speed-rounds needs --baseline")
        print(json.dumps(alternating_speed(args.baseline, args.speed_rounds, args.data), ensure_ascii=False, indent=1))
        return

    began = _clock()
    sensitive, expression = SensitiveCheck(), ExpressionCheck()
    print(f"checks loaded in {_clock() - began:.1f}s", file=sys.stderr)
    with open(args.data / "news-msra" / "msra_sentences.txt", encoding="utf-8") as handle:
        msra = [line.strip() for line in handle if line.strip()]
    if args.check_speed:
        print(json.dumps(check_speed(sensitive, msra)))
        return
    if args.speed_only:
        print(json.dumps({"speed": speed(sensitive, msra)}, ensure_ascii=False, indent=1))
        return
    if args.targets:
        report = {"heldout": heldout_recall(sensitive, args.data)}
        print("held-out recall done", file=sys.stderr)
        report["clean_government"] = clean_government(sensitive, args.data)
        print("clean government text done", file=sys.stderr)
        report["speed"] = speed(sensitive, msra)
        text = json.dumps(report, ensure_ascii=False, indent=1)
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        return
    dev = [json.loads(line) for line in open(args.dev, encoding="utf-8")]
    dev_clean = [item["text"] for item in dev if item.get("kind") == "clean"]
    articles = _xinwenlianbo(args.data, args.articles)
    legit = [text for text in articles if any(cue in text for cue in LEGIT_CUES)]

    report = {"recall": recall(sensitive)}
    print("recall done", file=sys.stderr)
    report["false_alarms"] = {
        "sensitive": [false_alarms([sensitive], msra, "news-msra"), false_alarms([sensitive], dev_clean, "dev-clean"),
                      false_alarms([sensitive], articles, "xinwenlianbo-2025-04+")],
        "expression": [false_alarms([expression], msra, "news-msra"),
                       false_alarms([expression], dev_clean, "dev-clean"),
                       false_alarms([expression], articles, "xinwenlianbo-2025-04+")],
    }
    print("false alarms done", file=sys.stderr)
    report["context"] = context_eval(sensitive, legit)
    report["dev_sensitive"] = [
        {"id": item["id"], "expected": item.get("category"),
         "found": sorted({(f.rule, f.severity) for f in sensitive.check(_doc(item["text"]))})}
        for item in dev if item.get("kind") == "sensitive"
    ]
    report["crowd_lists"] = crowd_recall(sensitive, args.data)
    report["speed"] = speed(sensitive, msra)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

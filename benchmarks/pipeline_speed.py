"""Pipeline speed: normalise + segment + every default check against `jieba.lcut`, in-process and as processes.

    python benchmarks/pipeline_speed.py                     # formal and informal, every default check, per stage
    python benchmarks/pipeline_speed.py --checks garbled,timeliness --kinds formal
    python benchmarks/pipeline_speed.py --process           # also `review batch` vs a jieba-only process
    python benchmarks/pipeline_speed.py --cprofile 25       # also the top functions of the whole review
    python benchmarks/pipeline_speed.py --root /tmp/base    # another checkout's code (before/after, in turns)

Texts of 1,000 characters: "formal" is held-out 《新闻联播》 (dated from 2026-06, see review.training.corpora)
cut into pieces; "informal" is the dev set's error-rich posts (../shared/dev/review_dev.jsonl: typos, sensitive
words, entertainment, off-topic) joined in seeded random orders. In-process, `Reviewer.review` (what a caller
pays: normalising title and body, segmenting, every check, merging, scoring) is timed against `jieba.lcut` of the
same texts, interleaved, median of --repeats; the per-stage table times the same steps one at a time. In-process
times are CPU time of this process (`time.process_time`, --clock wall for wall time): on a shared machine other
jobs' load stretches wall time, not CPU time. With --process, `review batch` over the texts as a JSONL file is
timed against a process that imports jieba and segments the same texts (each the median of --runs, taken in turns),
with each one's wall time, CPU time (user + system) and peak RSS.
Figures are printed, not asserted; they go into README.md's Performance section.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the in-process clock (--clock): CPU time of this process by default
CLOCK = time.process_time
JIEBA_ONLY = """
import json, sys
import jieba
jieba.setLogLevel(60)
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        words = jieba.lcut(json.loads(line)["text"])
        sys.stdout.write(json.dumps({"words": len(words)}) + "\\n")
"""


def formal_texts(data: Path, count: int, size: int = 1000) -> list[str]:
    """`count` texts of `size` characters cut from the held-out state news."""
    if str(ROOT) not in sys.path and not any((Path(p) / "review").is_dir() for p in sys.path if p):
        sys.path.insert(0, str(ROOT))  # imported from elsewhere: this checkout's package (main() puts --root first)
    from review.training.corpora import held_out_texts

    texts: list[str] = []
    buffer = ""
    for text in held_out_texts(data):
        buffer += text
        while len(buffer) >= size and len(texts) < count:
            texts.append(buffer[:size])
            buffer = buffer[size:]
        if len(texts) >= count:
            break
    return texts


def informal_texts(count: int, dev: Path, size: int = 1000) -> list[str]:
    """`count` texts of `size` characters, each the dev posts joined in a seeded random order."""
    with open(dev, encoding="utf-8") as handle:
        posts = [json.loads(line)["text"] for line in handle if line.strip()]
    rng = random.Random(22)
    texts = []
    for _ in range(count):
        buffer = ""
        while len(buffer) < size:
            buffer += rng.choice(posts) + "\n"
        texts.append(buffer[:size])
    return texts


def in_process(texts: list[str], checks: list[str] | None, repeats: int) -> dict[str, float]:
    """ms a text of `jieba.lcut` and of `Reviewer.review`, interleaved, median of `repeats` (CLOCK's time)."""
    import jieba

    from review.pipeline import Reviewer, ReviewOptions
    from review.segment import tokenize

    jieba.setLogLevel(60)
    reviewer = Reviewer(checks=checks)
    reviewer.warm_up()
    options = ReviewOptions()
    posts = [{"text": text, "published_at": "2026-06-30"} for text in texts]
    for post in posts[:20]:  # first posts load the POS tables and fill caches
        reviewer.review(post, options)
        jieba.lcut(post["text"])
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        began = CLOCK()
        for text in texts:
            jieba.lcut(text)
        runs["jieba.lcut"].append((CLOCK() - began) / len(texts) * 1000)
        # the project's segmenter alone, back to back as jieba.lcut is timed (in a review it runs between checks,
        # which leave its 500,000-word dictionary out of the CPU caches: the per-stage figure is higher)
        began = CLOCK()
        for text in texts:
            tokenize(text)
        runs["tokenize"].append((CLOCK() - began) / len(texts) * 1000)
        began = CLOCK()
        for post in posts:
            reviewer.review(post, options)
        runs["review"].append((CLOCK() - began) / len(texts) * 1000)
    return {label: statistics.median(values) for label, values in runs.items()}


def stages(texts: list[str], checks: list[str] | None) -> dict[str, float]:
    """ms a text of each step of a review: normalising, each check, merging and scoring. Segmentation runs where a
    check first asks for tokens (all of them, the lead, the runs around a span): it is timed apart and taken out
    of that check's time."""
    from profile_review import timed_segmentation

    from review.document import PostText
    from review.model import Post
    from review.pipeline import Reviewer, ReviewOptions, merge_findings

    reviewer = Reviewer(checks=checks)
    reviewer.warm_up()
    options = ReviewOptions()
    names = reviewer.selected(options)
    totals: dict[str, float] = defaultdict(float)
    clock = CLOCK
    with timed_segmentation(CLOCK) as segmenting:
        for text in texts:
            post = Post.from_dict({"text": text, "published_at": "2026-06-30"})
            began = clock()
            whole = PostText.build(post)
            doc = whole.document("text", options)
            totals["normalise"] += clock() - began
            findings = []
            for name in names:
                check = reviewer.instance(name)
                segmenting[0] = 0.0
                began = clock()
                findings.extend(check.check(doc))
                totals[name] += clock() - began - segmenting[0]
                totals["segment (where asked)"] += segmenting[0]
            began = clock()
            merged = merge_findings(findings)
            reviewer.scorer.verdict(merged, reviewer.scorer.score(merged))
            totals["merge + score"] += clock() - began
    return {stage: seconds / len(texts) * 1000 for stage, seconds in totals.items()}


def peak_rss(command: list[str], root: Path = ROOT) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of `command` run in `root`, measured by a fresh helper so that
    children do not mix."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
             "assert r.returncode == 0, r.stderr.decode()[-2000:]; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", probe, *command], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    wall, cpu, rss = done.stdout.split()
    return float(wall), float(cpu), float(rss)


def as_processes(texts: list[str], runs: int, root: Path = ROOT) -> None:
    """`review batch` over `texts` against a process that only segments them, in turns (the code of `root`)."""
    review = [sys.executable, "-m", "review.cli"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posts.jsonl"
        path.write_text("".join(json.dumps({"id": str(i), "text": t, "published_at": "2026-06-30"},
                                           ensure_ascii=False) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
        one = Path(folder) / "one.jsonl"
        one.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        commands = {
            "jieba only": [sys.executable, "-c", JIEBA_ONLY, str(path)],
            "review batch": [*review, "batch", str(path), "-o", str(Path(folder) / "out.jsonl"), "--progress", "never"],
            "review batch, 1 post": [*review, "batch", str(one), "-o", str(Path(folder) / "one.out"),
                                     "--progress", "never"],
            "review check, 1 post": [*review, "check", "examples/post.txt", "--json"],
        }
        figures: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        peak_rss(commands["review check, 1 post"], root)  # a first run may build the segmenter's cache
        for _ in range(runs):
            for label, command in commands.items():
                figures[label].append(peak_rss(command, root))
    jieba_wall = statistics.median(wall for wall, _, _ in figures["jieba only"])
    jieba_cpu = statistics.median(cpu for _, cpu, _ in figures["jieba only"])
    print(f"\nprocesses, {len(texts)} texts (median of {runs}; peak RSS the highest):")
    for label, values in figures.items():
        wall = statistics.median(w for w, _, _ in values)
        cpu = statistics.median(c for _, c, _ in values)
        ratio = ""
        if label == "review batch":
            ratio = f"  {wall / jieba_wall:5.2f}x (CPU {cpu / jieba_cpu:5.2f}x) jieba only"
        print(f"  {label:22} {wall:6.2f} s  CPU {cpu:6.2f} s  peak RSS {max(r for _, _, r in values):6.0f} MB{ratio}")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--checks", default=None, help="comma-separated checks (default: every default check)")
    parser.add_argument("--kinds", default="formal,informal")
    parser.add_argument("--process", action="store_true", help="also time `review batch` as a process")
    parser.add_argument("--runs", type=int, default=3, help="process timings per command (--process)")
    parser.add_argument("--cprofile", type=int, default=0, help="print this many functions of a profiled pass")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run (its package first)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="in-process times: CPU or wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    sys.path.insert(0, str(args.root.resolve()))
    checks = args.checks.split(",") if args.checks else None
    dev = args.data.parent / "dev" / "review_dev.jsonl"
    corpora = {"formal": lambda: formal_texts(args.data, args.texts),
               "informal": lambda: informal_texts(args.texts, dev)}
    print(f"code: {args.root}; {args.clock} time; load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    for kind in args.kinds.split(","):
        texts = corpora[kind]()
        result = in_process(texts, checks, args.repeats)
        print(f"\n{kind}: {len(texts)} texts x {len(texts[0])} characters; checks: {args.checks or 'default'}")
        print(f"  jieba.lcut alone:         {result['jieba.lcut']:6.2f} ms/text")
        print(f"  review.segment.tokenize:  {result['tokenize']:6.2f} ms/text (alone, as jieba.lcut is timed)")
        print(f"  Reviewer.review:          {result['review']:6.2f} ms/text")
        print(f"  ratio:                    {result['review'] / result['jieba.lcut']:6.2f}x")
        print("  stages (ms/text):")
        for stage, ms in sorted(stages(texts, checks).items(), key=lambda item: -item[1]):
            print(f"    {stage:24} {ms:6.2f}")
        if args.cprofile:
            from review.pipeline import Reviewer

            reviewer = Reviewer(checks=checks)
            reviewer.warm_up()
            profiler = cProfile.Profile()
            profiler.enable()
            for text in texts:
                reviewer.review({"text": text, "published_at": "2026-06-30"})
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)
        if args.process and kind == "formal":
            as_processes(texts, args.runs, args.root.resolve())
    print(f"\nload average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Where a 500-character review spends its CPU, stage by stage, in-process (no HTTP).

    python benchmarks/profile_review.py                      # per-stage table over the load test's posts
    python benchmarks/profile_review.py --cprofile 30        # plus the top 30 functions by cumulative time

Uses the same posts as benchmarks/load_service.py (cut from the state-news corpus in --data). Stages:
Post validation, normalisation (Document.build), each check, jieba segmentation (timed apart from the check
that first asks for tokens), merge/score/verdict, Report.to_dict and JSON serialisation. Times are per post,
median and mean over all posts after a warm-up pass; run it on a quiet machine and repeat, the figures are
CPU-bound but shared
cores make them noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_service import load_posts  # noqa: E402


def stage_times(reviewer, bodies: list[dict]) -> dict[str, list[float]]:
    """Per-stage seconds for each post, reproducing Reviewer.review step by step."""
    times: dict[str, list[float]] = defaultdict(list)
    # Segmentation runs inside whichever check first asks for tokens: time it apart and take it out of that check.
    with timed_segmentation() as segmenting:
        for body in bodies:
            _time_one(reviewer, body, times, segmenting)
    return times


@contextmanager
def timed_segmentation(clock: Callable[[], float] = time.perf_counter) -> Iterator[list[float]]:
    """While inside, every segmentation of review.document adds its seconds (of `clock`) to the yielded [total]."""
    import review.document

    segmenting = [0.0]
    tokenize = review.document.tokenize

    def timed_tokenize(text: str, offset: int = 0):
        began = clock()
        try:
            return tokenize(text, offset)
        finally:
            segmenting[0] += clock() - began

    review.document.tokenize = timed_tokenize
    try:
        yield segmenting
    finally:
        review.document.tokenize = tokenize


def _time_one(reviewer, body: dict, times: dict[str, list[float]], segmenting: list[float]) -> None:
    """The stage times of one post, appended to `times`."""
    from review.document import Document
    from review.model import Post, Report
    from review.pipeline import ReviewOptions, merge_findings

    clock = time.perf_counter
    total_began = clock()
    began = clock()
    post = Post.from_dict(body)
    options = ReviewOptions()
    names = reviewer.selected(options)
    times["validate"].append(clock() - began)
    began = clock()
    doc = Document.build(post, "text", options)
    times["normalise"].append(clock() - began)
    findings = []
    segmenting[0] = 0.0
    for name in names:
        began, segmented = clock(), segmenting[0]
        findings.extend(reviewer.instance(name).check(doc))
        times[f"check {name}"].append(clock() - began - (segmenting[0] - segmented))
    times["segment (jieba)"].append(segmenting[0])
    began = clock()
    findings = merge_findings(findings)
    score = reviewer.scorer.score(findings)
    verdict = reviewer.scorer.verdict(findings, score)
    report = Report(id=post.id, score=score, verdict=verdict, findings=findings, meta={"checks": names})
    times["merge + score"].append(clock() - began)
    began = clock()
    data = report.to_dict()
    times["to_dict"].append(clock() - began)
    began = clock()
    json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    times["json"].append(clock() - began)
    times["total"].append(clock() - total_began)


def main() -> int:
    """Warm up, time every stage over the posts, print the table (and optionally a cProfile listing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="also print the top N functions")
    args = parser.parse_args()

    from review.pipeline import get_reviewer

    posts = load_posts(args.data, count=args.posts, size=args.chars)
    bodies = [{"id": str(i), "text": post, "account": {"type": "government"}} for i, post in enumerate(posts)]
    reviewer = get_reviewer(typo_backend="torch")  # as `review serve` runs it
    reviewer.warm_up()
    for body in bodies:  # warm-up pass: lazily built state, caches, allocator
        reviewer.review(body)
    times = stage_times(reviewer, bodies)
    total = statistics.fmean(times["total"])
    print(f"{len(bodies)} posts of {args.chars} characters; per post:")
    print(f"  {'stage':<24}{'median ms':>10}{'mean ms':>10}{'share':>8}")
    for stage, values in times.items():
        mean = statistics.fmean(values)
        print(f"  {stage:<24}{statistics.median(values) * 1000:>10.2f}{mean * 1000:>10.2f}{mean / total:>8.0%}")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for body in bodies:
            reviewer.review(body).to_dict()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    sys.exit(main())

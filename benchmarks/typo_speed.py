"""Typo check speed on clean formal text vs `jieba.lcut`, and the recall the n-gram first pass costs.

Usage: python benchmarks/typo_speed.py [--data ../shared/data] [--posts 300] [--repeats 3] [--recall-sample 1000]
                                      [--model DIR]
       python benchmarks/typo_speed.py --footprint 150 [--against OTHER_CHECKOUT] [--turns 2]
       python benchmarks/typo_speed.py --parts 100 [--code OTHER_CHECKOUT]

The CLI runs use models/ (or $REVIEW_MODELS); --model only changes the in-process run.

1. Speed: held-out 《新闻联播》 articles (dated from 2026-06, never counted by models/ngram), cut into posts of
   about 1,000 characters, written to a JSONL file and run through `review batch --enable typo` in a
   subprocess (start-up cancelled by also timing the posts twice over), and through `reviewed_lines`
   in-process (warmed up, the corrector on torch, as `review batch` runs it); `jieba.lcut` on the same texts in
   the same run. Every timing is repeated (--repeats, the in-process ones interleaved with jieba's) and the
   median taken: on a shared 2-core machine single runs differ by a third. --backend torch runs the typo
   transformer on torch in-process (the CLI runs use REVIEW_TYPO_BACKEND, numpy unless set).
3. The transformer alone, numpy against torch (--transformer N): every sentence of N posts through
   `Corrector.correct` on each backend, one thread, in turns (the worst case: the typo check sends it only the
   sentences where the reranker hesitates, ~0.1% of clean text), and each backend's load time.
2. First steps: share of the error positions (the reranker's held-out tenth of the training pairs, the odw dev
   split) that the position gate skips (the recall it costs), and share of clean and erroneous sentences the
   transformer reads.
4. The model path alone (--footprint N): CPU time (time.process_time, the fastest of --repeats passes after a
   warm-up pass: the machine is shared, wall-clock is noisy) of `ModelPass.edits` a post on N held-out news posts
   and N informal, error-rich posts (the dev set's posts joined, as benchmarks/pipeline_speed.py makes them), both
   of 1,000 characters; the CPU time of loading and of `warm_up`; RSS after each step and the peak; then the
   whole typo check (`TypoCheck.check`, warmed up) on the same posts. With
   --against DIR the same is measured for the code of another checkout (`git worktree add /tmp/before <commit>`),
   on this checkout's models and lexicons, in turns (--turns), so that a change is measured before and after on
   the same machine in the same minutes.
5. The parts of the typo check (--parts N): inclusive CPU time a post of each detector, the model path and its
   stages, the POS protection (`PARTS`), inside the warmed-up check on N formal and N informal posts: where the
   time goes, before a change is measured old against new.
Figures are printed, not asserted; copy them into docs/typo.md and the model cards.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BACKEND = "numpy"  # the typo transformer's backend, as every command runs it (--backend changes it)


def clean_posts(data: Path, count: int, size: int = 1000) -> list[str]:
    """Held-out state-news text cut into posts of about `size` characters."""
    from review.training.corpora import held_out_texts

    posts, buffer = [], ""
    for text in held_out_texts(data):
        buffer += text
        while len(buffer) >= size and len(posts) < count:
            posts.append(buffer[:size])
            buffer = buffer[size:]
        if len(posts) >= count:
            break
    return posts


def time_batch_cli(posts: list[str], workers: int = 1, repeats: int = 3) -> tuple[float, float, float]:
    """Characters/s of `review batch --enable typo --workers N`, start-up excluded: (median, lowest, highest).

    Runs `posts` and then `posts` twice over, `repeats` times each, alternating; the second copy's characters over
    the difference of the two median wall times cancels the process start-up (loading jieba, torch and every
    check's data, about 5 s) and what the first posts build lazily (part-of-speech tables, candidate caches).
    The lowest and highest figures pair the slowest and fastest runs.
    """
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for part in (posts, posts + posts):
            path = Path(folder) / f"posts{len(part)}.jsonl"
            path.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                                    for i, t in enumerate(part)), encoding="utf-8")
            paths.append(path)
        timings: list[list[float]] = [[], []]
        for _ in range(repeats):
            for k, path in enumerate(paths):
                began = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "review.cli", "batch", str(path), "-o", str(path) + ".out",
                                       "--enable", "typo", "--progress", "never", "--workers", str(workers)],
                                      cwd=ROOT, capture_output=True, text=True)
                timings[k].append(time.perf_counter() - began)
                assert done.returncode == 0, done.stderr[-2000:]
    extra_chars = sum(map(len, posts))
    once, twice = timings

    def rate(seconds: float) -> float:
        # a non-positive difference (start-up varying by more than the extra posts take) is "not measurable"
        return extra_chars / seconds if seconds > 0 else float("nan")

    return (rate(statistics.median(twice) - statistics.median(once)), rate(max(twice) - min(once)),
            rate(min(twice) - max(once)))


def sentences_read(model_pass, posts: list[str]) -> int:
    """Sentences of `posts` the transformer reads to decide (none without a model pass)."""
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions

    if model_pass is None:
        return 0
    options = ReviewOptions.make(enable=["typo"])
    return sum(model_pass.edits_and_reads(Document.build(Post.from_dict({"text": t}), "text", options))[1]
               for t in posts)


def speed(posts: list[str], model_dir: str | None = None, repeats: int = 3) -> None:
    """Characters per second: typo check in `review batch` vs jieba.lcut, medians of `repeats` runs."""
    import jieba

    from review.batch import reviewed_lines
    from review.pipeline import ReviewOptions, get_reviewer

    chars = sum(map(len, posts))
    options = ReviewOptions.make(enable=["typo"])
    reviewer = get_reviewer(BACKEND)
    reviewer.warm_up(["typo"])
    check = reviewer.instance("typo")
    if model_dir:
        from review.typo.model_pass import load_model_pass

        check.model_pass = load_model_pass(check.settings["model"], model_dir=Path(model_dir), backend=BACKEND)
        check.warm_up()
    jieba.setLogLevel(60)
    lines = [(i + 1, json.dumps({"text": t}, ensure_ascii=False)) for i, t in enumerate(posts)]
    # one pass of each first: lazily built state (jieba's HMM tables, the corrector's candidate caches)
    for text in posts:
        jieba.lcut(text)
    list(reviewed_lines(lines, options, typo_backend=BACKEND))

    jieba_s, batch_s = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        for text in posts:
            jieba.lcut(text)
        jieba_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        reports = list(reviewed_lines(lines, options, typo_backend=BACKEND))
        batch_s.append(time.perf_counter() - began)
    read = sentences_read(check.model_pass, posts)
    typo_findings = [f for r in reports for f in json.loads(r).get("findings", []) if f["category"] == "typo"]
    flagged = len({id(r) for r in reports if '"category": "typo"' in r})
    cli = {workers: time_batch_cli(posts, workers, repeats) for workers in (1, 2)}
    model = "on" if check.model_pass is not None else "off (no models/csc weights)"
    jieba_median, batch_median = statistics.median(jieba_s), statistics.median(batch_s)
    print(f"clean posts: {len(posts)} x ~{chars // len(posts)} characters = {chars} characters; model path {model}; "
          f"medians of {repeats} runs (lowest-highest)")
    print(f"jieba.lcut alone             {chars / jieba_median:10.0f} chars/s   "
          f"({chars / max(jieba_s):.0f}-{chars / min(jieba_s):.0f})")
    print(f"batch (in-process, typo)     {chars / batch_median:10.0f} chars/s   "
          f"({chars / max(batch_s):.0f}-{chars / min(batch_s):.0f}; {batch_median / jieba_median:.2f}x jieba, "
          f"{min(b / j for b, j in zip(batch_s, jieba_s)):.2f}-{max(b / j for b, j in zip(batch_s, jieba_s)):.2f}x "
          f"run by run)")
    for workers, (rate, low, high) in cli.items():
        print(f"review batch --workers {workers}     {rate:10.0f} chars/s   ({low:.0f}-{high:.0f}; start-up cancelled: "
              f"2N vs N posts)")
    print(f"posts with a typo finding    {flagged}/{len(posts)} ({len(typo_findings)} findings: "
          + ", ".join(sorted({f"{f['text']}→{f['suggestion']}" for f in typo_findings})[:20]) + ")")
    print(f"sentences the transformer read {read} ({read / len(posts):.2f} per post)")


def transformer_speed(posts: list[str], repeats: int) -> None:
    """ms a post of the transformer reading every sentence of `posts`, numpy against torch, in turns."""
    from review.document import SENTENCE_END
    from review.typo.cloze import limit_blas_threads
    from review.typo.confusion import shipped_confusion

    limit_blas_threads(1)  # as the typo check runs it
    from review.typo.transformer import Corrector

    sentences = [[s for s in SENTENCE_END.split(text) if s] for text in posts]
    correctors, loads = {}, {}
    for backend in ("numpy", "torch"):
        began = time.perf_counter()
        correctors[backend] = Corrector(confusion=shipped_confusion(), backend=backend, num_threads=1)
        loads[backend] = time.perf_counter() - began
    times: dict[str, list[float]] = {backend: [] for backend in correctors}
    for _ in range(repeats):
        for backend, corrector in correctors.items():
            began = time.perf_counter()
            for post in sentences:
                corrector.correct(post)
            times[backend].append((time.perf_counter() - began) / len(posts) * 1000)
    chars = sum(map(len, posts)) / len(posts)
    for backend, values in times.items():
        print(f"transformer on every sentence, {backend:5}: {statistics.median(values):7.1f} ms a post of "
              f"{chars:.0f} characters (median of {repeats}; load {loads[backend]:.2f} s, import included)")


def first_pass_recall(data: Path, sample: int) -> None:
    """What the cheap first steps cost: error positions the position gate skips, sentences the transformer reads."""
    from review.document import SENTENCE_END
    from review.pipeline import get_reviewer
    from review.training.corpora import held_out_texts
    from review.training.csc_data import odw_split
    from review.typo.ngram import encode, padded
    from review.typo.rerank import HybridCorrector

    corrector = get_reviewer(BACKEND).instance("typo").model_pass.corrector
    generator = corrector.generator
    rng = random.Random(0)
    clean = [s for t in held_out_texts(data) for s in SENTENCE_END.split(t) if len(s) >= 8]
    rng.shuffle(clean)
    clean = clean[:sample * 2]
    read = corrector.correct_within(clean).neural_sentences
    hesitant = corrector.hesitant if isinstance(corrector, HybridCorrector) else "-"
    print(f"transformer (reranker hesitant, probability >= {hesitant}): clean held-out "
          f"sentences read {read}/{len(clean)} = {read / len(clean):.3f}")
    # the reranker's held-out tenth of the training pairs: models/ngram counted the other pairs' corrected
    # sentences, so only these show what the gate costs on unseen text
    from review.training.csc_data import load_train_pairs
    from review.training.rerank import holdout

    held = [(p.src, p.tgt) for p in load_train_pairs(data)
            if holdout(p) and p.src != p.tgt and len(p.src) == len(p.tgt)]
    rng.shuffle(held)
    odw = [(p.src, p.tgt) for p in odw_split(data)[1] if p.src != p.tgt]
    for name, pairs in (("held-out train pairs", held[:sample]), ("odw dev", odw)):
        errors = skipped = 0
        for src, tgt in pairs:
            codes = encode(src)
            gold = np.array([i for i, (a, b) in enumerate(zip(src, tgt)) if a != b and codes[i]], dtype=np.int64)
            if len(gold):
                base = generator.ngram.local_logprob(padded(codes), gold, codes[gold])
                errors += len(gold)
                skipped += int((base >= generator.gate).sum())
        read = corrector.correct_within([src for src, _ in pairs]).neural_sentences
        print(f"  {name:20s} {len(pairs):5d} erroneous sentences: error positions skipped by the position gate "
              f"({generator.gate}) {skipped}/{errors} = {skipped / max(1, errors):.3f}; read by the transformer "
              f"{read / len(pairs):.3f}")


def _rss_mb() -> float:
    """This process's resident memory now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            return next(int(line.split()[1]) / 1024 for line in handle if line.startswith("VmRSS"))
    except (OSError, StopIteration):
        return 0.0


def _fastest_pass_ms(step: Callable[[Any], object], docs: list, repeats: int) -> float:
    """CPU milliseconds a document of the fastest of `repeats` passes of `step` over `docs`."""
    passes = []
    for _ in range(repeats):
        began = time.process_time()
        for doc in docs:
            step(doc)
        passes.append((time.process_time() - began) / len(docs) * 1000)
    return min(passes)


def footprint(data: Path, count: int, repeats: int) -> dict:
    """The model path alone in this process: CPU ms a post on formal and informal posts, load and warm-up CPU
    seconds, RSS after each step (see the module's docstring)."""
    import resource

    from pipeline_speed import informal_texts

    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions
    from review.resources import load_toml
    from review.segment import get_tokenizer
    from review.typo.model_pass import load_model_pass

    figures: dict = {"code": str(Path(sys.modules["review"].__file__).parent.parent)}
    get_tokenizer().lcut("预热")
    figures["rss_segmenter"] = _rss_mb()
    began = time.process_time()
    model_pass = load_model_pass(load_toml("typo", "typo.toml")["model"])
    figures["load_s"], figures["rss_loaded"] = time.process_time() - began, _rss_mb()
    began = time.process_time()
    model_pass.warm_up()
    figures["warm_up_s"], figures["rss_warm"] = time.process_time() - began, _rss_mb()
    options = ReviewOptions.make(enable=["typo"])
    dev = data.parent / "dev" / "review_dev.jsonl"
    kinds = {"formal": clean_posts(data, count), "informal": informal_texts(count, dev)}
    for kind, posts in kinds.items():
        docs = [Document.build(Post.from_dict({"text": t}), "text", options) for t in posts]
        for doc in docs:  # segmented before timing: the pipeline does it once for every check
            doc.tokens
        for doc in docs:
            model_pass.edits(doc)
        figures[f"{kind}_ms"] = _fastest_pass_ms(model_pass.edits, docs, repeats)
        figures[f"rss_after_{kind}"] = _rss_mb()
    figures["rss_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # then the whole check (lexicon, rules, phrases, non-words, function words and the model path), warmed up as
    # `review batch` and `serve` warm it up; after the memory figures, which are the model path's alone
    from review.checks.typo import TypoCheck

    check = TypoCheck()
    check.warm_up()
    for kind, posts in kinds.items():
        docs = [Document.build(Post.from_dict({"text": t}), "text", options) for t in posts]
        for doc in docs:
            doc.tokens
            check.check(doc)
        figures[f"check_{kind}_ms"] = _fastest_pass_ms(check.check, docs, repeats)
    return figures


# the typo check's parts that --parts times (module, class, method): inclusive CPU time, so nested parts overlap
PARTS = (
    ("review.checks.typo", "TypoCheck", "check"), ("review.checks.typo", "TypoCheck", "_lexicon_hits"),
    ("review.checks.typo", "ContextRule", "hits"), ("review.typo.word_forms", "WordFormDetector", "find"),
    ("review.typo.nonwords", "NonwordDetector", "find"), ("review.typo.nonwords", "CountedNonwordDetector", "find"),
    ("review.checks.typo", "TypoCheck", "_add_function_word_findings"),
    ("review.typo.groups", "GroupModel", "probabilities"), ("review.typo.model_pass", "ModelPass", "edits"),
    ("review.typo.model_pass", "ModelPass", "_protected"), ("review.typo.rerank", "RerankCorrector", "scored_joined"),
    ("review.typo.rerank", "RerankCorrector", "add_group_edits"), ("review.typo.words", "WordCorrector", "correct"),
    ("review.typo.trees", "TreeEnsemble", "predict"), ("review.checks.typo", "TypoCheck", "_model_findings"),
)


def parts(data: Path, count: int, repeats: int) -> None:
    """CPU ms a post of each of `PARTS` inside the warmed-up typo check, on `count` formal and informal posts (the
    fastest of `repeats` passes a part)."""
    import functools
    import importlib

    from pipeline_speed import informal_texts

    from review.checks.typo import TypoCheck
    from review.document import Document
    from review.model import Post
    from review.pipeline import ReviewOptions

    totals: dict[str, float] = {}

    def timed(label: str, method):
        @functools.wraps(method)
        def run(*args, **kwargs):
            began = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.process_time() - began
        return run

    for module, owner, name in PARTS:
        cls = getattr(importlib.import_module(module), owner)
        setattr(cls, name, timed(f"{owner}.{name}", getattr(cls, name)))
    check = TypoCheck()
    check.warm_up()
    options = ReviewOptions.make(enable=["typo"])
    dev = data.parent / "dev" / "review_dev.jsonl"
    for kind, posts in (("formal", clean_posts(data, count)), ("informal", informal_texts(count, dev))):
        docs = [Document.build(Post.from_dict({"text": t}), "text", options) for t in posts]
        for doc in docs:  # segmented and read once before timing, as in --footprint
            doc.tokens
            check.check(doc)
        best: dict[str, float] = {}
        for _ in range(repeats):
            totals.clear()
            for doc in docs:
                check.check(doc)
            for label, seconds in totals.items():
                best[label] = min(best.get(label, math.inf), seconds / len(docs) * 1000)
        print(f"{kind}: CPU ms a post (inclusive: a part's figure holds the parts it calls)")
        for label, ms in sorted(best.items(), key=lambda item: -item[1]):
            print(f"  {label:42} {ms:7.3f}")


def print_footprints(runs: list[dict]) -> None:
    """The footprint figures of each checkout (the fastest and the highest of its turns)."""
    by_code: dict[str, list[dict]] = {}
    for run in runs:
        by_code.setdefault(run["code"], []).append(run)
    print("model path alone and the whole typo check (CPU ms a 1,000-character post, fastest turn); the model path's "
          "load and warm-up (CPU s) and RSS (MB, highest turn):")
    print(f"  {'code':28} {'formal':>7} {'informal':>8} {'check: formal':>13} {'informal':>8} {'load s':>6} "
          f"{'warm s':>6} {'RSS: loaded':>11} {'warm':>5} {'after posts':>11} {'peak':>5}")
    for code, values in by_code.items():
        low = {key: min(v.get(key, float("nan")) for v in values)
               for key in ("formal_ms", "informal_ms", "check_formal_ms", "check_informal_ms", "load_s", "warm_up_s")}
        high = {key: max(v[key] for v in values)
                for key in ("rss_loaded", "rss_warm", "rss_after_informal", "rss_peak")}
        print(f"  {code[-28:]:28} {low['formal_ms']:7.2f} {low['informal_ms']:8.2f} {low['check_formal_ms']:13.2f} "
              f"{low['check_informal_ms']:8.2f} {low['load_s']:6.2f} {low['warm_up_s']:6.2f} "
              f"{high['rss_loaded']:11.0f} {high['rss_warm']:5.0f} {high['rss_after_informal']:11.0f} "
              f"{high['rss_peak']:5.0f}")


def footprint_in_turns(args: argparse.Namespace) -> None:
    """`footprint` of this checkout and of --against, each in a fresh process, in turns."""
    import os

    env = dict(os.environ)
    # both read this checkout's models and lexicons: only the code differs
    env.setdefault("REVIEW_MODELS", str(ROOT / "models"))
    env.setdefault("REVIEW_LEXICONS", str(ROOT / "lexicons"))
    runs = []
    for _ in range(args.turns):
        for code in ([args.against] if args.against else []) + [str(ROOT)]:
            command = [sys.executable, str(Path(__file__).resolve()), "--footprint", str(args.footprint),
                       "--code", code, "--repeats", str(args.repeats), "--data", str(args.data), "--json"]
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            assert done.returncode == 0, done.stderr[-2000:]
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_footprints(runs)


def main() -> None:
    """Run both parts."""
    global BACKEND
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3, help="timings per figure (the median is printed)")
    parser.add_argument("--recall-sample", type=int, default=1000)
    parser.add_argument("--model", default=None, help="CSC model folder for the in-process run (default models/csc)")
    parser.add_argument("--backend", choices=("numpy", "torch"), default=BACKEND, help="in-process typo backend")
    parser.add_argument("--transformer", type=int, default=0, metavar="N",
                        help="only time the transformer alone on N posts, numpy against torch")
    parser.add_argument("--footprint", type=int, default=0, metavar="N",
                        help="only the model path: CPU time and memory on N formal and N informal posts")
    parser.add_argument("--against", default=None, metavar="DIR",
                        help="--footprint: also measure the code of this checkout, in turns")
    parser.add_argument("--turns", type=int, default=2, help="--footprint: processes per checkout")
    parser.add_argument("--parts", type=int, default=0, metavar="N",
                        help="only the CPU time of each part of the typo check on N formal and N informal posts")
    parser.add_argument("--code", default=None, metavar="DIR",
                        help="--parts: time the code of this checkout (a --footprint turn's code, internally)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    BACKEND = args.backend
    if args.footprint and args.code:
        sys.path.insert(0, args.code)
        sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_speed's text loader
        figures = footprint(args.data, args.footprint, args.repeats)
        print(json.dumps(figures) if args.json else figures)
        return
    if args.footprint:
        footprint_in_turns(args)
        return
    if args.parts:
        if args.code:
            sys.path.insert(0, args.code)
        sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_speed's text loader
        parts(args.data, args.parts, args.repeats)
        return
    if args.transformer:
        transformer_speed(clean_posts(args.data, args.transformer), args.repeats)
        return
    speed(clean_posts(args.data, args.posts), args.model, args.repeats)
    first_pass_recall(args.data, args.recall_sample)


if __name__ == "__main__":
    main()

"""Start-up: wall time and peak RSS from launching `review check` and `review batch` to their first report, all
default checks.

    python benchmarks/startup.py               # 7 fresh processes of each: times, medians, peak RSS, load average
    python benchmarks/startup.py --phases      # plus, in one fresh process, where the time goes
    python benchmarks/startup.py --root /tmp/base   # another checkout's code
    python benchmarks/startup.py --against /tmp/base  # this checkout and another, run after run in turns

`review check examples/post.txt --json` and `review batch` of the same post as one JSONL line run in turns.
The first run after a change to jieba or lexicons/gov_userdict.txt rebuilds the segmenter's dictionary cache
(under ~/.cache/review, see review/segment.py) and is slower; it is reported but left out of the median. Each run
reports wall time, CPU time (user + system of the process) and peak RSS: on a shared machine other jobs stretch wall
time, not CPU time, so compare CPU times, or medians of wall time taken in turns (--against) at similar loads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POST = "examples/post.txt"

PHASES = """
import time
began = time.perf_counter()
import io, contextlib
from review.pipeline import Reviewer
from review.model import Post
from review.document import Document
from review.pipeline import ReviewOptions
imported = time.perf_counter()
reviewer = Reviewer()
built = time.perf_counter()
print(f"{'imports':24} {imported - began:6.3f} s")
print(f"{'registry (check modules)':24} {built - imported:6.3f} s")
options = ReviewOptions()
doc = Document.build(Post.from_dict({"text": open(%r, encoding="utf-8").read()}), "text", options)
for name in reviewer.selected(options):
    start, start_cpu = time.perf_counter(), time.process_time()
    check = reviewer.instance(name)
    loaded, loaded_cpu = time.perf_counter(), time.process_time()
    check.check(doc)
    done, done_cpu = time.perf_counter(), time.process_time()
    print(f"{name:24} {loaded - start:6.3f} s to load, {done - loaded:6.3f} s first post "
          f"(CPU {loaded_cpu - start_cpu:.3f} s, {done_cpu - loaded_cpu:.3f} s)")
print(f"{'total':24} {time.perf_counter() - began:6.3f} s")
"""


# runs `command` and prints its wall time, its peak RSS and its CPU time (a fresh helper, so that earlier children
# do not mix)
PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
         "assert r.returncode == 0, r.stderr.decode()[-2000:]; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(time.perf_counter() - t, u.ru_maxrss / 1024, u.ru_utime + u.ru_stime)")


def timed(command: list[str], root: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one run of `command` in `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", PROBE, *command], cwd=root, env=env, capture_output=True,
                          text=True, check=True)
    wall, rss, cpu = done.stdout.split()
    return float(wall), float(rss), float(cpu)


def commands_for(root: Path, folder: Path) -> dict[str, list[str]]:
    """The two timed commands, run in `root` (the post as one JSONL line written into `folder`)."""
    review = [sys.executable, "-m", "review.cli"]
    line = folder / f"post-{abs(hash(str(root)))}.jsonl"
    text = (root / POST).read_text(encoding="utf-8")
    line.write_text(json.dumps({"id": "1", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "review check": [*review, "check", POST, "--json"],
        "review batch": [*review, "batch", str(line), "-o", str(folder / "out.jsonl"), "--progress", "never"],
    }


def main() -> None:
    """Time the CLI and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--phases", action="store_true", help="also break one fresh process down by stage")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run (its package first)")
    parser.add_argument("--against", type=Path, default=None, help="another checkout, timed in turns with --root")
    args = parser.parse_args()
    roots = [args.root.resolve()] + ([args.against.resolve()] if args.against else [])
    with tempfile.TemporaryDirectory() as folder:
        commands = {root: commands_for(root, Path(folder)) for root in roots}
        load_before = os.getloadavg()
        figures: dict[tuple[Path, str], list[tuple[float, float, float]]] = {
            (root, label): [] for root in roots for label in commands[root]}
        first = {(root, label): timed(command, root)  # may build caches
                 for root in roots for label, command in commands[root].items()}
        for _ in range(args.runs):
            for label in commands[roots[0]]:
                for root in roots:
                    figures[(root, label)].append(timed(commands[root][label], root))
        load_after = os.getloadavg()
    for root in roots:
        print(f"code: {root}")
        for label in commands[root]:
            values = figures[(root, label)]
            walls = [wall for wall, _, _ in values]
            cpus = [cpu for _, _, cpu in values]
            runs = " ".join(f"{w:.2f}" for w in walls)
            print(f"{label}: first run (may build caches) {first[(root, label)][0]:.2f} s; runs {runs}")
            print(f"  wall median {statistics.median(walls):.2f} s, min {min(walls):.2f} s, max {max(walls):.2f} s; "
                  f"CPU median {statistics.median(cpus):.2f} s, min {min(cpus):.2f} s; "
                  f"peak RSS {max(rss for _, rss, _ in values):.0f} MB")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    if args.phases:
        print()
        subprocess.run([sys.executable, "-c", PHASES % POST], cwd=roots[0],
                       env={**os.environ, "PYTHONPATH": str(roots[0])}, check=True)


if __name__ == "__main__":
    main()

"""Start-up: wall time and peak RSS from launching `review check` and `review batch` to their first report, all
default checks.

    python benchmarks/startup.py               # 7 fresh processes of each: times, medians, peak RSS, load average
    python benchmarks/startup.py --phases      # plus, in one fresh process, where the time goes
    python benchmarks/startup.py --root /tmp/base   # another checkout's code (before/after, taken in turns)

`review check examples/post.txt --json` and `review batch` of the same post as one JSONL line run in turns.
The first run after a change to jieba or lexicons/gov_userdict.txt rebuilds the segmenter's dictionary cache
(under ~/.cache/review, see review/segment.py) and is slower; it is reported but left out of the median. The
machine is shared: compare medians taken at similar load averages.
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
    start = time.perf_counter()
    check = reviewer.instance(name)
    loaded = time.perf_counter()
    check.check(doc)
    done = time.perf_counter()
    print(f"{name:24} {loaded - start:6.3f} s to load, {done - loaded:6.3f} s first post")
print(f"{'total':24} {time.perf_counter() - began:6.3f} s")
"""


# runs `command` and prints its wall time and its peak RSS (a fresh helper, so that earlier children do not mix)
PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
         "assert r.returncode == 0, r.stderr.decode()[-2000:]; "
         "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")


def timed(command: list[str], root: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of `command` in `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", PROBE, *command], cwd=root, env=env, capture_output=True,
                          text=True, check=True)
    wall, rss = done.stdout.split()
    return float(wall), float(rss)


def main() -> None:
    """Time the CLI and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--phases", action="store_true", help="also break one fresh process down by stage")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run (its package first)")
    args = parser.parse_args()
    root = args.root.resolve()
    review = [sys.executable, "-m", "review.cli"]
    with tempfile.TemporaryDirectory() as folder:
        line = Path(folder) / "post.jsonl"
        text = (root / POST).read_text(encoding="utf-8")
        line.write_text(json.dumps({"id": "1", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
        commands = {
            "review check": [*review, "check", POST, "--json"],
            "review batch": [*review, "batch", str(line), "-o", str(Path(folder) / "out.jsonl"), "--progress", "never"],
        }
        load_before = os.getloadavg()
        figures: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        first = {label: timed(command, root) for label, command in commands.items()}  # may build caches
        for _ in range(args.runs):
            for label, command in commands.items():
                figures[label].append(timed(command, root))
        load_after = os.getloadavg()
    print(f"code: {root}")
    for label, values in figures.items():
        walls = [wall for wall, _ in values]
        runs = " ".join(f"{w:.2f}" for w in walls)
        print(f"{label}: first run (may build caches) {first[label][0]:.2f} s; runs {runs}")
        print(f"  median {statistics.median(walls):.2f} s, min {min(walls):.2f} s, max {max(walls):.2f} s; "
              f"peak RSS {max(rss for _, rss in values):.0f} MB")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    if args.phases:
        print()
        subprocess.run([sys.executable, "-c", PHASES % POST], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                       check=True)


if __name__ == "__main__":
    main()

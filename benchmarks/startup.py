"""Start-up: wall time from launching `review check examples/post.txt --json` to its report, all default checks.

    python benchmarks/startup.py               # 7 fresh processes: each time, the median, the load average
    python benchmarks/startup.py --phases      # plus, in one fresh process, where the time goes

The first run after a change to jieba or lexicons/gov_userdict.txt rebuilds the segmenter's dictionary cache
(under ~/.cache/review, see review/segment.py) and is slower; it is reported but left out of the median. The
machine is shared: compare medians taken at similar load averages.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
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


def main() -> None:
    """Time the CLI and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--phases", action="store_true", help="also break one fresh process down by stage")
    args = parser.parse_args()
    command = [shutil.which("review") or "review", "check", POST, "--json"]
    load_before = os.getloadavg()
    times = []
    for _ in range(args.runs + 1):  # the first run may build the dictionary cache
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    load_after = os.getloadavg()
    print(f"first run (may build caches): {times[0]:.2f} s")
    print("runs: " + " ".join(f"{t:.2f}" for t in times[1:]))
    print(f"median {statistics.median(times[1:]):.2f} s, min {min(times[1:]):.2f} s, max {max(times[1:]):.2f} s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    if args.phases:
        print()
        subprocess.run([sys.executable, "-c", PHASES % POST], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()

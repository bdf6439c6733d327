"""Foundation speed: normalise + segment + the registry's core checks vs `jieba.lcut` alone.

Usage: python benchmarks/pipeline_speed.py [--data ../shared/data] [--texts 300] [--checks garbled,timeliness]
Prints per-text milliseconds for both, their ratio, and the process start-up time to the first report.
"""

from __future__ import annotations

import argparse
import json
import lzma
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_texts(data: Path, count: int, size: int = 1000) -> list[str]:
    """`count` texts of `size` characters cut from the state-news corpus."""
    texts: list[str] = []
    buffer = ""
    with lzma.open(data / "formal-xinwenlianbo" / "xinwenlianbo_2022-2026.jsonl.xz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            buffer += record.get("text") or record.get("content") or ""
            while len(buffer) >= size and len(texts) < count:
                texts.append(buffer[:size])
                buffer = buffer[size:]
            if len(texts) >= count:
                break
    return texts


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--checks", default="garbled,timeliness")
    args = parser.parse_args()

    started = time.perf_counter()
    probe = subprocess.run(
        [sys.executable, "-m", "review.cli", "check", "examples/post.txt", "--json", "--enable", args.checks],
        cwd=ROOT, capture_output=True, text=True,
    )
    startup = time.perf_counter() - started
    assert probe.returncode == 0, probe.stderr

    import jieba

    from review.document import Document
    from review.model import Post
    from review.pipeline import Reviewer, ReviewOptions

    texts = load_texts(args.data, args.texts)
    jieba.setLogLevel(60)
    jieba.lcut("预热")
    reviewer = Reviewer(checks=args.checks.split(","))
    reviewer.warm_up()
    options = ReviewOptions()

    def pipeline(text: str) -> None:
        post = Post.from_dict({"text": text, "published_at": "2025-05-18"})
        doc = Document.build(post, "text", options)
        doc.tokens  # the segmentation every lexical check shares
        for name in reviewer.default_checks:
            reviewer.instance(name).check(doc)

    jieba.lcut(texts[0])
    pipeline(texts[0])
    results = {}
    for label, function in (("jieba.lcut", jieba.lcut), ("pipeline", pipeline)):
        began = time.perf_counter()
        for text in texts:
            function(text)
        results[label] = (time.perf_counter() - began) / len(texts) * 1000
    print(f"texts: {len(texts)} x {len(texts[0])} characters; checks: {args.checks}")
    print(f"jieba.lcut alone:                      {results['jieba.lcut']:.2f} ms/text")
    print(f"normalise + segment + checks:          {results['pipeline']:.2f} ms/text")
    print(f"ratio (target <= 2.0):                 {results['pipeline'] / results['jieba.lcut']:.2f}")
    print(f"start-up to first report (CLI, target < 2 s): {startup:.2f} s")


if __name__ == "__main__":
    main()

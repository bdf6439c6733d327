"""The default runtime imports nothing heavy: `review check` and `review batch` run every shipped model in NumPy,
without torch, transformers, scipy, scikit-learn or the inspection's chart and spreadsheet libraries (issue 22)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "scipy", "sklearn", "matplotlib", "pandas", "pyspark", "openpyxl")
PROBE = """
import sys
from review.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print("HEAVY", ",".join(heavy), "CODE", code)
"""


def _heavy_modules(args: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    line = [row for row in done.stdout.splitlines() if row.startswith("HEAVY")]
    assert line, done.stderr[-2000:]
    return line[-1]


def test_check_imports_no_heavy_library():
    assert _heavy_modules(["check", "examples/post.txt", "--json"]).startswith("HEAVY  CODE")


def test_batch_imports_no_heavy_library_and_runs_the_typo_model(tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "1", "text": "我们要再接再厉，认真布署下一步工作，确保各项任务落到实处。"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _heavy_modules(["batch", str(posts), "-o", str(out), "--progress", "never"]) == "HEAVY  CODE 0"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert "typo" in report["meta"]["checks"]
    assert any(f["category"] == "typo" for f in report["findings"])

"""Plug-in discovery: entry points of installed distributions, looked up only when one declares the group."""

from __future__ import annotations

import subprocess
import sys

from review.plugins import may_declare_entry_points
from review.resources import PROJECT_ROOT


def _fake_distribution(root, group: str) -> None:
    dist = root / "review_demo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: review-demo-plugin\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[console_scripts]\nx = y:z\n\n[{group}]\ndemo = review_demo_plugin\n",
                                           encoding="utf-8")
    (root / "review_demo_plugin.py").write_text(
        "from review.checks.base import Check, register\n\n"
        "@register\n"
        "class DemoCheck(Check):\n"
        "    name = 'demo_plugin'\n"
        "    category = 'expression'\n\n"
        "    def check(self, doc):\n"
        "        return []\n",
        encoding="utf-8",
    )


def test_a_declared_group_is_seen(tmp_path, monkeypatch):
    assert not may_declare_entry_points("review.no_such_group")
    _fake_distribution(tmp_path, "review.no_such_group")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert may_declare_entry_points("review.no_such_group")


def test_an_installed_plugin_check_is_registered(tmp_path):
    _fake_distribution(tmp_path, "review.checks")
    code = "from review.checks import discover\nprint('demo_plugin' in discover())\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


def test_no_plugin_means_no_importlib_metadata():
    code = "import sys\nfrom review.checks import discover\ndiscover()\nprint('importlib.metadata' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

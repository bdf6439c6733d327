"""The PySpark path in local mode: the same reports as the local reviewer, and `inspect --spark`."""

from __future__ import annotations

import json
import shutil

import pytest
from inspect_helpers import CHECKED_AT, feed_posts, write_jsonl

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

from review.inspect import inspect_feed  # noqa: E402
from review.inspect.spark import local_session, review_dataframe, spark_backend  # noqa: E402
from review.model import parse_datetime  # noqa: E402
from review.pipeline import Reviewer, ReviewOptions  # noqa: E402

# Spark's Python workers are fresh processes: only checks shipped in review/checks exist there
CHECKS = ["timeliness", "garbled"]
OPTIONS = ReviewOptions.make(enable=CHECKS)


@pytest.fixture(scope="module")
def spark():
    session = local_session("local[1]")
    yield session
    session.stop()


def _without_timing(report: dict) -> dict:
    return {**report, "meta": {k: v for k, v in report["meta"].items() if k != "elapsed_ms"}}


def test_review_dataframe_matches_the_local_reviewer(spark, tmp_path):
    posts = feed_posts()
    posts[0]["text"] = "為持續(xù)推動全省政府網(wǎng)站建設，召开了会议。"  # garbled
    feed = write_jsonl(tmp_path / "feed.jsonl", posts)
    df = spark.read.json(str(feed))
    rows = review_dataframe(df, checked_at=CHECKED_AT, options=OPTIONS).select(
        "id", "verdict", "score", "report").collect()
    got = {row["id"]: json.loads(row["report"]) for row in rows}
    reviewer = Reviewer(checks=CHECKS)
    for post in posts:
        expected = reviewer.review_dict({**post, "checked_at": CHECKED_AT}, OPTIONS)
        assert _without_timing(got[post["id"]]) == _without_timing(expected)
    by_id = {row["id"]: row for row in rows}
    assert by_id["future-1"]["verdict"] == "revise"  # 发稿出现未来时间 is a major timeliness finding
    assert any(f["category"] == "garbled" for f in got[posts[0]["id"]]["findings"])


def test_inspect_with_the_spark_backend_gives_the_local_result(spark, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", feed_posts())
    checked = parse_datetime(CHECKED_AT, "checked_at")
    local = inspect_feed(str(feed), str(tmp_path / "local"), checked, options=OPTIONS)
    distributed = inspect_feed(str(feed), str(tmp_path / "spark"), checked, options=OPTIONS,
                               backend=spark_backend("local[1]"))
    problems = {r.account.id: [p.problem for p in r.problems] for r in local.accounts}
    assert {r.account.id: [p.problem for p in r.problems] for r in distributed.accounts} == problems
    assert problems["stale"] and problems["future"]
    assert distributed.reviewed_now == len(feed_posts())

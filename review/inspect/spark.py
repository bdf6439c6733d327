"""The per-post review as a PySpark job: a pandas_udf over a DataFrame of posts.

Each Python worker builds the engine once (`get_reviewer()` is cached per process, and Spark reuses its Python
workers), so lexicons and models load once per executor process, not once per batch or per post.

    from review.inspect.spark import review_dataframe
    reports = review_dataframe(spark.read.json("feed.jsonl"), checked_at="2025-06-30T12:00:00+08:00")
    reports.select("id", "verdict", "score", "report").write.json("reports/")
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Iterator

from review.pipeline import ReviewOptions
from review.report import report_json

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from review.inspect.feed import FeedPost

POST_FIELDS = ("id", "text", "title", "account", "published_at", "checked_at")


def review_column(post_json: "Column", options: ReviewOptions | None = None, typo_backend: str | None = None
                  ) -> "Column":
    """A column of report JSON strings from a column of contract post JSON strings (`typo_backend`: see
    `review.pipeline.get_reviewer`)."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    options = options or ReviewOptions()

    def review_posts(posts):
        from review.pipeline import get_reviewer

        reviewer = get_reviewer(typo_backend)  # once per Python worker process
        return posts.map(lambda text: report_json(_review_one(reviewer, text, options)))

    # real classes, not the strings `from __future__ import annotations` would leave for Spark to resolve
    review_posts.__annotations__ = {"posts": pd.Series, "return": pd.Series}
    return pandas_udf(review_posts, "string")(post_json)


def _review_one(reviewer, text: str | None, options: ReviewOptions) -> dict:
    """One post's report; a row that is not a JSON object becomes a report with `error`."""
    from review.errors import InputError
    from review.model import Report

    try:
        data = json.loads(text) if text is not None else None
    except json.JSONDecodeError as error:
        return Report.from_error(
            InputError("invalid_json", f"不是有效的 JSON / not valid JSON: {error.msg}"), None
        ).to_dict()
    if isinstance(data, dict) and "file" in data and "text" not in data:  # a .docx, PDF, HTML or image file
        from review.batch import review_file_post

        return review_file_post(data, options)
    return reviewer.review_dict(data, options)


def review_dataframe(
    df: "DataFrame", checked_at: str | None = None, options: ReviewOptions | None = None
) -> "DataFrame":
    """`df` (columns named as the contract's post fields) with `report` (JSON), `verdict` and `score` added."""
    from pyspark.sql import functions as F

    present = [name for name in POST_FIELDS if name in df.columns]
    if checked_at is not None and "checked_at" not in present:
        df = df.withColumn("checked_at", F.lit(checked_at))
        present.append("checked_at")
    post_json = F.to_json(F.struct(*[F.col(name) for name in present]))
    schema = "struct<verdict:string,score:double>"
    out = df.withColumn("report", review_column(post_json, options))
    parsed = F.from_json("report", schema)
    return out.withColumn("verdict", parsed["verdict"]).withColumn("score", parsed["score"])


def local_session(master: str = "local[2]", app_name: str = "review-inspect") -> "SparkSession":
    """A Spark session for `master` with Arrow on and a quiet log."""
    from pyspark.sql import SparkSession

    # the executors' Python must be this one, where the engine and its lexicons are installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_backend(master: str, typo_backend: str | None = None):
    """An inspection backend that reviews the pending posts on Spark (see review.inspect.run.ReviewBackend)."""

    def review(pending: list["FeedPost"], options: ReviewOptions) -> Iterator[str]:
        if not pending:
            return
        from pyspark.sql import functions as F

        spark = local_session(master)
        rows = [(index, report_json(post.post)) for index, post in enumerate(pending)]
        partitions = max(1, min(len(rows) // 2000 + 1, spark.sparkContext.defaultParallelism * 4))
        df = spark.createDataFrame(rows, "seq long, post string").repartition(partitions)
        reviewed = df.select("seq", review_column(F.col("post"), options, typo_backend).alias("report")).orderBy("seq")
        for row in reviewed.toLocalIterator():
            yield row["report"]

    return review

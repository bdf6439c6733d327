"""An inspection run: read the feed, review every post (resumably), judge every account, write the outputs."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Callable, Iterator

from review.inspect import checks as account_checks
from review.inspect import outputs
from review.inspect.checks.base import Account, AccountPost, Context
from review.inspect.feed import Feed, FeedPost, Problem, read_feed
from review.inspect.html import render_html
from review.inspect.results import AccountResult, Inspection
from review.model import CHINA_TZ
from review.pipeline import ReviewOptions
from review.report import printable, report_json, terminal_safe
from review.resources import load_toml

REPORTS_FILE = "reports.jsonl"
MANIFEST_FILE = "inspection.json"
SUMMARY_FILE = "summary.json"

# Reviews the pending posts and yields their reports as JSON text, in the same order.
ReviewBackend = Callable[[list[FeedPost], ReviewOptions], Iterator[str]]
# A written report belongs to the feed post with the same line and id (meta.line, id).
DoneKey = tuple[int, "str | None"]


def inspection_config() -> dict:
    """lexicons/inspection.toml (cached)."""
    return load_toml("inspection.toml")


def report_problem(problem: Problem, problems: list[Problem]) -> None:
    """Record a problem and print it on stderr at once."""
    problems.append(problem)
    print(terminal_safe(f"问题 / problem [{problem.code}] {problem}"), file=sys.stderr)


def _load_done(path: str) -> dict[DoneKey, dict]:
    """Reports already written by an earlier run, by (line, id); a half-written last line is cut off."""
    from review.batch import complete_lines, jsonl_lines

    if not complete_lines(path):
        return {}
    done: dict[DoneKey, dict] = {}
    with open(path, "rb") as handle:
        for _, line in jsonl_lines(handle, "utf-8"):  # lines as complete_lines counts them: "\n" ends one
            try:
                report = json.loads(line)
                done[(int(report["meta"]["line"]), report.get("id"))] = report
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # not one of ours: reviewed again
    return done


def _prepare_outdir(
    outdir: str, feed_path: str, checked_at: datetime | None, window_days: int, review_settings: dict
) -> tuple[datetime, dict[DoneKey, dict]]:
    """The run's monitoring point and the reports to keep from an earlier run in the same folder."""
    os.makedirs(outdir, exist_ok=True)
    manifest_path = os.path.join(outdir, MANIFEST_FILE)
    reports_path = os.path.join(outdir, REPORTS_FILE)
    manifest: dict = {}
    if os.path.exists(manifest_path):
        try:
            with open(manifest_path, encoding="utf-8") as handle:
                manifest = json.load(handle)
        except (OSError, json.JSONDecodeError):
            manifest = {}
    try:
        previous = datetime.fromisoformat(manifest["checked_at"])
    except (KeyError, TypeError, ValueError):
        previous = None
    if checked_at is None:
        # resuming without --checked-at continues the interrupted inspection's monitoring point
        checked_at = previous or datetime.now(CHINA_TZ)
    same_run = previous == checked_at and manifest.get("review") == review_settings
    if os.path.exists(reports_path) and not same_run:
        print("提示 / note: 监测时间点或检查项与输出目录中的上次运行不同，重新审校全部稿件 / settings changed, reviewing again", file=sys.stderr)
        os.remove(reports_path)
    with open(manifest_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "feed": feed_path,
                "checked_at": checked_at.isoformat(),
                "window_days": window_days,
                "review": review_settings,
            },
            handle,
            ensure_ascii=False,
            indent=2,
        )
    return checked_at, _load_done(reports_path) if same_run else {}


def local_backend(workers: int, typo_backend: str | None = None) -> ReviewBackend:
    """Review in this machine's processes with batch's ordered pool."""
    from review.batch import reviewed_lines

    def review(pending: list[FeedPost], options: ReviewOptions) -> Iterator[str]:
        items = ((post.line, report_json(post.post)) for post in pending)
        return reviewed_lines(items, options, workers, typo_backend)  # meta.line is set by batch's review_line

    return review


def _accounts(feed: Feed, reports: dict[str, dict]) -> list[Account]:
    """Group the posts by account in feed order, each with its report."""
    accounts: dict[str, Account] = {}
    for post in feed.posts:
        account = accounts.get(post.account_key)
        if account is None:
            account = Account(key=post.account_key, **post.account)
            accounts[post.account_key] = account
        else:  # later posts fill in fields the first one lacked
            for name, value in post.account.items():
                if value is not None and getattr(account, name) is None:
                    setattr(account, name, value)
        account.posts.append(
            AccountPost(
                key=post.key,
                id=post.id,
                published_at=post.published_at,
                url=post.url,
                title=post.post.get("title"),
                text=post.post.get("text") if isinstance(post.post.get("text"), str) else None,
                report=reports.get(post.key, {"error": {"code": "not_reviewed"}}),
            )
        )
    return list(accounts.values())


def inspect_feed(
    feed_path: str,
    outdir: str,
    checked_at: datetime | None = None,
    window_days: int | None = None,
    options: ReviewOptions | None = None,
    backend: ReviewBackend | None = None,
    progress: bool = False,
) -> Inspection:
    """Run an inspection and write reports.jsonl, the annex tables, summary.json and report.html to `outdir`."""
    from tqdm import tqdm

    from review.pipeline import get_reviewer

    config = inspection_config()
    options = options or ReviewOptions()
    window_days = int(window_days if window_days is not None else config["stale"]["window_days"])
    post_checks = get_reviewer().selected(options)
    backend = backend or local_backend(1)
    # what the per-post reports depend on besides the monitoring point: a change means reviewing again
    review_settings = {
        "checks": post_checks,
        "allow_terms": sorted(options.allow_terms),
        "deny_terms": sorted(options.deny_terms),
    }
    checked_at, done = _prepare_outdir(outdir, feed_path, checked_at, window_days, review_settings)

    feed = read_feed(feed_path)
    problems: list[Problem] = []
    for problem in feed.problems:
        report_problem(problem, problems)

    pending = [post for post in feed.posts if (post.line, post.id) not in done]
    for post in pending:
        post.post["checked_at"] = checked_at.isoformat()
    reports = {post.key: done[(post.line, post.id)] for post in feed.posts if (post.line, post.id) in done}
    bar = tqdm(total=len(feed.posts), initial=len(reports), disable=not progress, unit="篇", desc="审校", file=sys.stderr)
    with open(os.path.join(outdir, REPORTS_FILE), "a", encoding="utf-8") as out:
        try:
            for post, line in zip(pending, backend(pending, options)):
                report = json.loads(line)
                if report.get("meta", {}).get("line") != post.line:  # backends other than batch's
                    report.setdefault("meta", {})["line"] = post.line
                    line = report_json(report)
                out.write(line + "\n")
                reports[post.key] = report
                bar.update(1)
        finally:
            out.flush()
            bar.close()
    # listed already: the post's own error would say the same again
    without_text = {problem.line for problem in feed.problems if problem.code in ("missing_text", "file_outside_feed")}
    for post in feed.posts:
        error = reports.get(post.key, {}).get("error")
        if error and post.line not in without_text:
            report_problem(Problem(error.get("code", "error"), error.get("message", ""), post.line, post.id), problems)

    context = Context(checked_at=checked_at, window_days=window_days, config=config)
    registry = account_checks.discover()
    # the table lists problems in the order of inspection.toml's sections, then any other check
    enabled = [name for name, cls in registry.items() if cls.enabled_by_default]
    check_names = [name for name in config if name in enabled] + sorted(set(enabled) - set(config))
    instances = [registry[name](context) for name in check_names]
    results = []
    for account in _accounts(feed, reports):
        result = AccountResult(account)
        for check in instances:
            result.problems.extend(check.check(account))
        results.append(result)
    inspection = Inspection(
        feed_path=feed_path,
        checked_at=checked_at,
        window_days=window_days,
        checks=post_checks,
        account_checks=check_names,
        accounts=results,
        problems=problems,
        posts=len(feed.posts),
        reviewed_now=len(pending),
    )
    write_outputs(inspection, outdir)
    return inspection


def write_outputs(inspection: Inspection, outdir: str) -> None:
    """Write accounts.csv, accounts.xlsx, summary.json and report.html into `outdir`."""
    config = inspection_config()
    rows = outputs.annex_rows(inspection, config)
    title = f"政务新媒体检查发现问题清单（监测时间点 {inspection.checked_at:%Y-%m-%d %H:%M}）"
    # tables and pages are for people: a lone surrogate of a feed's text (an emoji cut in two) shows as �
    shown = [[printable(cell) for cell in row] for row in rows]
    outputs.write_csv(shown, os.path.join(outdir, outputs.ANNEX_CSV))
    accounts = [[printable(cell) for cell in row] for row in outputs.account_rows(inspection, config)]
    outputs.write_xlsx(shown, accounts, os.path.join(outdir, outputs.ANNEX_XLSX), title)
    with open(os.path.join(outdir, SUMMARY_FILE), "w", encoding="utf-8") as handle:
        handle.write(report_json(outputs.summary(inspection), indent=2))
    with open(os.path.join(outdir, outputs.REPORT_HTML), "w", encoding="utf-8") as handle:
        handle.write(printable(render_html(inspection, rows, config, title)))

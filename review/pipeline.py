"""The Reviewer: runs registered checks over a post, merges findings, scores, and gives a verdict."""

from __future__ import annotations

import difflib
import threading
import time
from dataclasses import replace
from typing import Any, Iterable

from review import checks as check_registry
from review.budget import Deadline, OutOfTime
from review.checks.base import Check
from review.document import PostText
from review.errors import InputError
from review.model import SEVERITY_RANK, Finding, Post, Report, unknown_account_type_warning
from review.options import ReviewOptions, RuntimeSettings, TakesRuntimeSettings
from review.resources import collector_paused, load_toml, release_free_memory

# findings a report lists at most, unless lexicons/scoring.toml [report] says otherwise
MAX_FINDINGS = 200
# evidence items a finding carries at most (the whole-post judgements list the spans they read)
MAX_EVIDENCE = 20


class Scorer:
    """Score and verdict from findings, with weights and verdict rules from lexicons/scoring.toml."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = config or load_toml("scoring.toml")
        self.penalty = {k: float(v) for k, v in config["severity_penalty"].items()}
        self.weight = {k: float(v) for k, v in config["category_weight"].items()}
        self.repeat_decay = float(config.get("repeats", {}).get("decay", 1.0))
        if not 0.0 <= self.repeat_decay <= 1.0:
            raise ValueError(f"scoring.toml [repeats] decay must be within 0-1, not {self.repeat_decay}")
        verdict = config["verdict"]
        self.revise_rank = SEVERITY_RANK[verdict["revise_min_severity"]]
        self.revise_below = float(verdict["revise_below"])
        self.revise_on_whole_post = frozenset(verdict.get("revise_on_whole_post", ()))
        self.whole_post_rank = SEVERITY_RANK[verdict.get("revise_on_whole_post_min_severity", "minor")]

    def cost(self, finding: Finding) -> float:
        """The points one finding costs on its own."""
        weight = self.weight.get(finding.category, self.weight.get("default", 1.0))
        return self.penalty.get(finding.severity, 0.0) * weight * finding.confidence

    def score(self, findings: list[Finding]) -> float:
        """0-100, higher is better; a pure function of the findings, whatever their order.

        A rule's findings count with diminishing weight: its k-th costliest weighs `decay ** (k-1)`, so repeats of
        one problem (85 inline pinyin annotations) cost at most cost/(1-decay) rather than 85 faults.
        """
        by_rule: dict[str, list[float]] = {}
        for finding in findings:
            by_rule.setdefault(finding.rule, []).append(self.cost(finding))
        total = 0.0
        for rule in sorted(by_rule):
            # costliest first, so the rule's worst finding counts in full and the sum never depends on input order
            for k, cost in enumerate(sorted(by_rule[rule], reverse=True)):
                total += cost * self.repeat_decay**k
        return round(max(0.0, 100.0 - total), 1)

    def forces_revise(self, finding: Finding) -> bool:
        """True for a whole-post judgement (no span) of a category that scoring.toml's verdict rules name."""
        return (
            finding.start is None
            and finding.category in self.revise_on_whole_post
            and SEVERITY_RANK[finding.severity] >= self.whole_post_rank
        )

    def reasons(self, findings: list[Finding], score: float) -> list[str]:
        """Why a verdict is not `pass`, as `kind:detail` codes in the order the verdict rules weigh them:
        `critical:<rule>`, `serious:<rule>` (at or above revise_min_severity), `score_below:<limit>`,
        `whole_post:<rule>` (a judgement scoring.toml names). Empty when nothing holds the post back."""
        critical = sorted({f.rule for f in findings if f.severity == "critical"})
        serious = sorted({f.rule for f in findings
                          if self.revise_rank <= SEVERITY_RANK[f.severity] < SEVERITY_RANK["critical"]})
        reasons = [f"critical:{rule}" for rule in critical] + [f"serious:{rule}" for rule in serious]
        if score < self.revise_below:
            reasons.append(f"score_below:{self.revise_below:g}")
        reasons += [f"whole_post:{rule}" for rule in sorted({f.rule for f in findings if self.forces_revise(f)})]
        return reasons

    def verdict(self, findings: list[Finding], score: float) -> str:
        """`reject` on any critical finding; `revise` on a serious finding, a whole-post judgement that scoring.toml
        names, or a low score; else `pass`."""
        ranks = [SEVERITY_RANK[f.severity] for f in findings]
        if ranks and max(ranks) == SEVERITY_RANK["critical"]:
            return "reject"
        if (ranks and max(ranks) >= self.revise_rank) or score < self.revise_below:
            return "revise"
        if any(self.forces_revise(f) for f in findings):
            return "revise"
        return "pass"


def drop_allowed(findings: list[Finding], allow_terms: frozenset[str]) -> list[Finding]:
    """The one place an account's allow terms drop findings: a finding whose `term` (its normalised words, or the
    lexicon term that made it) is an allowed term is dropped, before findings are merged.

    Checks set `term` on the findings an account may dismiss this way: lexicon and signal spans (sensitive,
    banned expressions, entertainment). Formulations, leaders' names and posts, dates, noise and whole-post
    judgements carry none. Two checks also read the terms while matching, where a dropped finding is not enough:
    the lexicon matcher vetoes every match overlapping an allowed term (`lexicon_match.LexiconMatcher.find`), and
    entertainment leaves allowed signals out of its whole-post judgement.
    """
    if not allow_terms:
        return findings
    return [finding for finding in findings if finding.term is None or finding.term not in allow_terms]


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """Collapse overlapping findings of the same category and field into the most serious one, then join runs of
    identical adjacent findings (20,000 emoji in a row are one finding, not 20,000)."""
    spanned = [f for f in findings if f.start is not None]
    whole = [f for f in findings if f.start is None]
    spanned.sort(key=lambda f: (f.field, f.category, f.start, -(f.end or 0)))
    kept: list[Finding] = []
    for finding in spanned:
        last = kept[-1] if kept else None
        if (
            last is not None
            and last.field == finding.field
            and last.category == finding.category
            and finding.start < last.end  # type: ignore[operator]
        ):
            if (SEVERITY_RANK[finding.severity], finding.confidence) > (SEVERITY_RANK[last.severity], last.confidence):
                kept[-1] = finding
            continue
        kept.append(finding)
    seen: set[tuple[str, str]] = set()
    unique_whole = []
    for finding in whole:
        key = (finding.rule, finding.message)
        if key not in seen:
            seen.add(key)
            unique_whole.append(finding)
    merged = join_adjacent_runs(kept) + unique_whole
    merged.sort(key=lambda f: (f.field != "title", f.start if f.start is not None else -1, f.category))
    return merged


def _same_problem(a: Finding, b: Finding) -> bool:
    """True when `b` repeats `a` right where `a` ends: same field, rule, severity, message and text."""
    return (
        a.end == b.start
        and a.field == b.field
        and a.rule == b.rule
        and a.severity == b.severity
        and a.message == b.message
        and a.text == b.text
        and (a.suggestion is None) == (b.suggestion is None)
    )


def join_adjacent_runs(findings: list[Finding]) -> list[Finding]:
    """Join each run of identical findings that touch end to start into one finding over the whole run.

    `findings` are sorted by field, category and start. The joined finding's suggestion is the run's suggestions
    joined, so it still replaces exactly its span; repeats that do not touch keep their own findings.
    """
    out: list[Finding] = []
    run: list[Finding] = []
    for finding in findings:
        if run and _same_problem(run[-1], finding):
            run.append(finding)
            continue
        if run:
            out.append(_joined(run))
        run = [finding]
    if run:
        out.append(_joined(run))
    return out


def _joined(run: list[Finding]) -> Finding:
    """One finding over a run of identical adjacent findings (the run itself when it has one)."""
    if len(run) == 1:
        return run[0]
    first = run[0]
    suggestion = None if first.suggestion is None else "".join(f.suggestion or "" for f in run)
    return replace(
        first,
        end=run[-1].end,
        text="".join(f.text or "" for f in run),
        suggestion=suggestion,
        confidence=min(f.confidence for f in run),
        message=f"{first.message}（连续 {len(run)} 处）",
    )


def most_serious(findings: list[Finding], limit: int) -> list[Finding]:
    """At most `limit` findings, the most serious (then the earliest) kept, in their original order."""
    if len(findings) <= limit:
        return findings
    ranked = sorted(range(len(findings)), key=lambda i: (-SEVERITY_RANK[findings[i].severity], i))
    return [findings[i] for i in sorted(ranked[:limit])]


def bounded_evidence(finding: Finding) -> Finding:
    """`finding` with at most MAX_EVIDENCE evidence items; a last item `{"left_out": n}` counts the rest (a post
    of 20,000 emoji once carried 20,000 of them)."""
    if finding.evidence is None or len(finding.evidence) <= MAX_EVIDENCE:
        return finding
    left_out = len(finding.evidence) - MAX_EVIDENCE
    return replace(finding, evidence=[*finding.evidence[:MAX_EVIDENCE], {"left_out": left_out}])


def unknown_checks_error(unknown: list[str], available: Iterable[str]) -> InputError:
    """The error for check names that are not registered: it lists the valid names, and the closest one."""
    names = sorted(available)
    shown = [name[:40] for name in unknown[:10]]  # a request may name thousands: the message stays short
    close = [found for name in shown for found in difflib.get_close_matches(name, names, n=1, cutoff=0.6)]
    hint_zh = f"（是否应为 {', '.join(close)}？）" if close else ""
    hint_en = f" (did you mean {', '.join(close)}?)" if close else ""
    return InputError(
        "unknown_check",
        f"未知的检查项{hint_zh} / unknown checks{hint_en}: {', '.join(shown)}; 可用 / available: {', '.join(names)}",
    )


class Reviewer:
    """Reviews posts with the registered checks; build once, share between threads."""

    def __init__(self, checks: Iterable[str] | None = None, scorer: Scorer | None = None,
                 typo_backend: str | None = None) -> None:
        registry = check_registry.discover()
        # handed to the checks that take them (`TakesRuntimeSettings`): the typo transformer's backend
        self.runtime = RuntimeSettings(typo_backend=typo_backend)
        if checks is None:
            names = [name for name, cls in registry.items() if cls.enabled_by_default]
        else:
            names = list(checks)
            unknown = [name for name in names if name not in registry]
            if unknown:
                raise unknown_checks_error(unknown, registry)
        self.default_checks: tuple[str, ...] = tuple(sorted(names))
        self.scorer = scorer or Scorer()
        # a report lists at most this many findings (the most serious first) and says how many it left out
        self.max_findings = int(load_toml("scoring.toml").get("report", {}).get("max_findings", MAX_FINDINGS))
        self._instances: dict[str, Check] = {}
        self._lock = threading.Lock()

    @property
    def available_checks(self) -> list[str]:
        """Every registered check name."""
        return sorted(check_registry.discover())

    def instance(self, name: str) -> Check:
        """The one instance of a check, created (and its resources loaded) on first use."""
        found = self._instances.get(name)
        if found is None:
            with self._lock:
                found = self._instances.get(name)
                if found is None:
                    cls = check_registry.discover()[name]
                    with collector_paused():
                        found = cls(self.runtime) if issubclass(cls, TakesRuntimeSettings) else cls()
                    self._instances[name] = found
        return found

    def warm_up(self, names: Iterable[str] | None = None) -> None:
        """Load every check's resources now rather than on the first post, and give back the memory the loading
        freed (its temporaries would otherwise stay resident for the life of the process)."""
        for name in names or self.default_checks:
            check = self.instance(name)
            with collector_paused():
                check.warm_up()
        release_free_memory()

    def selected(self, options: ReviewOptions) -> list[str]:
        """Names of the checks a call runs."""
        registry = check_registry.discover()
        wanted = self.default_checks if options.enable is None else tuple(sorted(options.enable))
        unknown = [n for n in list(wanted) + sorted(options.disable) if n not in registry]
        if unknown:
            raise unknown_checks_error(unknown, registry)
        return [name for name in wanted if name not in options.disable]

    def review(self, post: Post | dict, options: ReviewOptions | None = None, deadline: Deadline | None = None
               ) -> Report:
        """Review one post (a Post or a contract JSON object); raises InputError on bad input.

        With a `deadline`, the fast checks always run and the slow ones (the typo model) stop at it; checks not
        finished are listed in `meta.incomplete`, the report holds what was found, and its verdict is at least
        `revise` (what was not read is not cleared for publication).
        """
        began = time.perf_counter()
        if not isinstance(post, Post):
            post = Post.from_dict(post)
        options = options or ReviewOptions()
        names = self.selected(options)
        whole = PostText.build(post)  # title and body normalised once; each check reads a field's view of it
        docs = [whole.document("text", options, deadline)]
        if post.title and post.title.strip():
            docs.append(whole.document("title", options, deadline))
        findings: list[Finding] = []
        incomplete: list[str] = []
        checks = [self.instance(name) for name in names]
        for check in sorted(checks, key=lambda c: c.slow):  # stable: registry order within fast and slow
            # the deadline stops only slow checks: the fast ones (lexicons, rules: a few ms) always run, so a post
            # reviewed late still gets its sensitive words and banned expressions found
            if check.slow and deadline is not None and deadline.passed():
                incomplete.append(check.name)
                continue
            try:
                for doc in docs:
                    if doc.field in check.fields:
                        findings.extend(check.check(doc))
            except OutOfTime as stopped:
                findings.extend(stopped.partial)
                incomplete.append(check.name)
        findings = merge_findings(drop_allowed(findings, options.allow_terms))
        score = self.scorer.score(findings)
        verdict = self.scorer.verdict(findings, score)
        if incomplete and verdict == "pass":
            # a post whose checks did not all finish is not cleared for publication: what was not read may hold a
            # problem, so it goes back to the editor (meta.incomplete says which checks to run again)
            verdict = "revise"
        shown = [bounded_evidence(f) for f in most_serious(findings, self.max_findings)]
        from review import __version__

        meta: dict[str, Any] = {
            "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
            "engine": __version__,
            "checks": names,
        }
        if len(shown) < len(findings):
            meta["findings_total"] = len(findings)
            meta["findings_left_out"] = len(findings) - len(shown)
        if incomplete:
            meta["incomplete"] = sorted(incomplete)
        account_warning = unknown_account_type_warning(post.account.type)
        if account_warning:  # every caller (check, batch, inspect, the service) sees why the type had no effect
            meta["warnings"] = [{"code": "unknown_account_type", "message": account_warning}]
        if verdict != "pass":
            # what the editor must deal with for the post to pass (the findings say where)
            unfinished = [f"incomplete:{name}" for name in sorted(incomplete)]
            meta["verdict_reasons"] = self.scorer.reasons(findings, score) + unfinished
        return Report(id=post.id, score=score, verdict=verdict, findings=shown, meta=meta)

    def review_dict(self, data: Any, options: ReviewOptions | None = None, deadline: Deadline | None = None) -> dict:
        """Review a JSON object and return the report as JSON; bad input becomes a report with `error`."""
        try:
            return self.review(data, options, deadline).to_dict()
        except InputError as error:
            post_id = data.get("id") if isinstance(data, dict) else None
            if post_id is not None and not isinstance(post_id, str):
                try:
                    post_id = str(post_id)
                except ValueError:  # an integer past 4,300 digits: the error says so, the id stays out
                    post_id = None
            return Report.from_error(error, post_id).to_dict()


_defaults: dict[str | None, Reviewer] = {}
_default_lock = threading.Lock()


def get_reviewer(typo_backend: str | None = None) -> Reviewer:
    """The process-wide default Reviewer for `typo_backend` (models and lexicons load once)."""
    found = _defaults.get(typo_backend)
    if found is None:
        with _default_lock:
            found = _defaults.get(typo_backend)
            if found is None:
                found = _defaults[typo_backend] = Reviewer(typo_backend=typo_backend)
    return found

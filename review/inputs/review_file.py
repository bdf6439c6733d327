"""Reviewing an extracted file: long texts section by section with offsets into the whole, every finding told
where its text came from, and findings in text read by OCR weighed by how sure the reading was."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Callable

from review.budget import Deadline
from review.errors import InputError
from review.inputs.types import Extracted
from review.model import MAX_TEXT_CHARS, SEVERITY_RANK, Finding, Report, check_text_length, parse_datetime

# OCR confidence: a finding in a line read with less confidence than OCR_DROP_BELOW is not reported (the reading
# itself is in doubt: a misread character is not the author's typo), under OCR_INFO_BELOW it is `info`; above, its
# confidence is multiplied by the line's. Measured with benchmarks/ocr_accuracy.py (docs/inputs.md).
OCR_DROP_BELOW = 0.6
OCR_INFO_BELOW = 0.9
# What OCR does not read reliably: whether a mark is half- or full-width (a comma looks the same in a CJK font),
# where spaces are (it drops and adds them), and quotation marks, which it drops at a line's end or start (60
# 《新闻联播》 sentences with quotes, training data, rendered 3 to an image: all 27 findings that reviewing them as
# text did not give were punctuation.unbalanced). Findings of these rules in text read from an image say more about
# the reading than about the author: they are not reported.
OCR_UNSEEN_RULES = frozenset({
    "punctuation.halfwidth", "numbers.fullwidth_digit", "punctuation.space_between_han", "punctuation.unbalanced",
    "punctuation.nested_quote",
})
SECTION_BREAKS = "\n。！？；!?;"  # a section ends after a paragraph, else after a sentence, else anywhere


@dataclass(frozen=True)
class Section:
    """A piece of the extracted text reviewed as one post: text[start:end]."""

    start: int
    end: int


def sections(text: str, size: int = MAX_TEXT_CHARS) -> list[Section]:
    """Cut `text` into pieces of at most `size` characters, each ending at a paragraph's end where one lies in its
    second half, else at a sentence's end, else at `size`."""
    found = []
    start = 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = 0
        for breaks in ("\n", SECTION_BREAKS[1:]):
            cut = max(window.rfind(mark) for mark in breaks) + 1
            if cut > size // 2:
                break
        if cut <= size // 2:
            cut = size
        found.append(Section(start, start + cut))
        start += cut
    found.append(Section(start, len(text)))
    return found


def weigh_ocr(finding: Finding, confidence: float | None) -> Finding | None:
    """A finding in text read by OCR with `confidence`: dropped, made `info`, or kept with its confidence scaled."""
    if confidence is None:
        return finding
    if confidence < OCR_DROP_BELOW:
        return None
    scaled = round(finding.confidence * confidence, 4)
    if confidence < OCR_INFO_BELOW and SEVERITY_RANK[finding.severity] > SEVERITY_RANK["info"]:
        note = f"（图片文字识别置信度 {confidence:.2f}，请核对原图）"
        return replace(finding, severity="info", confidence=scaled, message=finding.message + note)
    return replace(finding, confidence=scaled)


def review_extracted(reviewer: Any, extracted: Extracted, post: dict | None = None, options: Any = None,
                     deadline: Callable[[], Deadline | None] | None = None) -> Report:
    """Review an extracted file as one post: `post` gives the contract's other fields (id, title, account, dates;
    its `text` is ignored), the file's own title and publication time fill those it leaves out. Each section gets
    `deadline()` as its deadline. Offsets are into `extracted.text`; `meta.input` describes the file."""
    began = time.perf_counter()
    post = dict(post or {})
    post.pop("text", None)
    post.pop("file", None)
    if extracted.title and not post.get("title"):
        post["title"] = extracted.title[:1000]
    if extracted.published_at and not post.get("published_at") and _valid_date(extracted.published_at):
        post["published_at"] = extracted.published_at
    if not extracted.text.strip():
        zh = f"{extracted.name} 中没有可审校的文字" if extracted.name else "输入中没有可审校的文字"
        en = f"{extracted.name} is empty" if extracted.name else "the input is empty"
        raise InputError("empty_text", f"{zh} / {en}: no text to review", "file")
    findings: list[Finding] = []
    left_out = 0  # findings the sections' reports left out of their lists
    incomplete: set[str] = set()
    names: list[str] = []
    warnings: list[dict] = []
    report_id = post.get("id")
    for number, section in enumerate(sections(extracted.text)):
        piece = dict(post, text=extracted.text[section.start:section.end])
        if number and "title" in piece:
            del piece["title"]  # the headline is reviewed once, with the first section
        check_text_length(piece["text"])
        if not piece["text"].strip():
            continue
        report = reviewer.review(piece, options, deadline() if deadline else None)
        report_id = report.id
        names = report.meta.get("checks", names)
        warnings = warnings or list(report.meta.get("warnings", []))  # the same for every section
        incomplete.update(report.meta.get("incomplete", []))
        # a section's report lists its most serious findings only: what it found in all is counted on
        left_out += report.meta.get("findings_left_out", 0)
        findings.extend(_placed(finding, section.start, extracted) for finding in report.findings)
    findings = [kept for kept in (weigh(f, extracted) for f in findings) if kept is not None]
    if extracted.images_skipped:
        incomplete.add("ocr")  # text in an image was not read: the post is not cleared for publication
        warnings.append(images_warning(extracted))
    if extracted.unread:
        incomplete.add("unread")  # part of the file could not be read: it is not cleared either
        warnings.append(unread_warning(extracted))
    report = _report(reviewer, report_id, findings, sorted(incomplete), names, extracted, left_out)
    if warnings:
        report.meta["warnings"] = warnings
    report.meta["elapsed_ms"] = round((time.perf_counter() - began) * 1000, 2)
    return report


def _valid_date(value: str) -> bool:
    """Whether a date read from a file is one the review takes (a page's placeholder time is left out, not refused:
    the caller cannot fix the file's script)."""
    try:
        parse_datetime(value, "published_at")
    except InputError:
        return False
    return True


def unread_warning(extracted: Extracted) -> dict:
    """The warning of a file with parts that could not be read, naming them."""
    zh = "、".join(part.zh for part in extracted.unread)
    en = ", ".join(part.en for part in extracted.unread)
    return {"code": "unread_parts",
            "message": f"文件中以下部分无法读取，未审校：{zh} / these parts of the file could not be read and were not "
                       f"reviewed: {en}"}


def images_warning(extracted: Extracted) -> dict:
    """The warning of a file whose images were not all read, saying why."""
    from review.inputs.ocr import OCR_MISSING, ocr_problem

    skipped = extracted.images_skipped
    if any(image.skipped == "ocr_missing" for image in skipped):
        return {"code": "ocr_missing", "message": ocr_problem() or OCR_MISSING}
    reasons = ", ".join(sorted({image.skipped or "" for image in skipped}))
    return {"code": "images_not_read",
            "message": f"{len(skipped)} 张图片中的文字未审校（{reasons}）/ the text of {len(skipped)} images was not "
                       f"reviewed ({reasons}): see meta.input.images"}


def _placed(finding: Finding, offset: int, extracted: Extracted) -> Finding:
    """The finding with offsets into the whole text and its source."""
    if finding.field != "text" or finding.start is None or finding.end is None:
        return finding
    start, end = finding.start + offset, finding.end + offset
    span = extracted.source_at(start, end)
    return replace(finding, start=start, end=end, source=span.to_dict() if span else None)


def weigh(finding: Finding, extracted: Extracted) -> Finding | None:
    """A finding in an image line: dropped for what OCR cannot see (widths, spaces), else weighed by confidence."""
    source = finding.source or {}
    if source.get("kind") != "image":
        return finding
    if finding.rule in OCR_UNSEEN_RULES:
        return None
    return weigh_ocr(finding, source.get("ocr_confidence"))


def _report(reviewer: Any, report_id: Any, findings: list[Finding], incomplete: list[str], names: list[str],
            extracted: Extracted, left_out: int = 0) -> Report:
    """One report over all sections: scored and judged again on all the findings (`left_out`: how many more the
    sections found than their reports list)."""
    from review import __version__
    from review.pipeline import bounded_evidence, merge_findings, most_serious

    findings = merge_findings(findings)
    scorer = reviewer.scorer
    score = scorer.score(findings)
    verdict = scorer.verdict(findings, score)
    if incomplete and verdict == "pass":
        verdict = "revise"
    shown = [bounded_evidence(f) for f in most_serious(findings, reviewer.max_findings)]
    meta: dict[str, Any] = {"elapsed_ms": 0.0, "engine": __version__, "checks": names}
    if len(shown) < len(findings) + left_out:
        meta["findings_total"] = len(findings) + left_out
        meta["findings_left_out"] = len(findings) + left_out - len(shown)
    if incomplete:
        meta["incomplete"] = incomplete
    if verdict != "pass":
        meta["verdict_reasons"] = scorer.reasons(findings, score) + [f"incomplete:{name}" for name in incomplete]
    meta["input"] = extracted.meta()
    meta["input"]["sections"] = len(sections(extracted.text))
    return Report(id=report_id, score=score, verdict=verdict, findings=shown, meta=meta)

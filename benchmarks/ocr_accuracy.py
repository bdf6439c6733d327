"""Text in images: how well the OCR path reads rendered sentences and what the review makes of them.

Usage: python benchmarks/ocr_accuracy.py [--data ../shared/data] [--images 40] [--per-image 3] [--seed 0]

Sentences come from two evaluation sets of csc-macro-correct (never trained on): `acc_xxqg_test` (error-free
学习强国 sentences: the clean images) and `gen_xxqg_test` (学习强国 sentences with generated typos, src ≠ tgt: the
typo images). Each image holds `--per-image` sentences wrapped at 22 characters a line, rendered by Pillow in a CJK
font (fonts-wqy-zenhei) in three styles: `plain` (black on white, 30 px), `poster` (coloured text on a tinted,
slightly blurred background, 26 px) and `photo` (17 px, blurred, with noise, JPEG quality 25: where the OCR
weighing matters). Each image is read by review.inputs (RapidOCR, PP-OCRv4) and reviewed; the
same sentences are also reviewed as plain text, which separates what OCR loses from what the checks miss.

Figures (printed, not asserted):
- character accuracy: 1 - edit distance / length, OCR text against the rendered text (line breaks and the spaces
  OCR drops left out of both, widths folded: a half-width comma looks like a full-width one);
- typo recall: share of the injected typos that a `typo` finding at minor or above corrects (its span holds the
  wrong character and its suggestion the right one at the same place); `info` counts apart (OCR-doubtful reads);
- false alarms per 1,000 characters on the clean images: `typo` findings at minor or above, from the image and from
  the same sentences reviewed as text; "OCR-only": findings of any check at minor or above that the text review
  does not have (by rule, span and suggestion), the alarms reading from an image adds (the sentences' own half-width
  punctuation is reported either way); and the `info` findings OCR weighing made of doubtful reads;
- seconds per image (OCR and review).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LINE_CHARS = 22
SEVERE = ("minor", "major", "critical")


def load(path: Path, typos: bool, count: int, rng: random.Random) -> list[dict]:
    """`count` sentences (with their typos' positions) of one set, 12-60 characters, same-length pairs only."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            src, tgt = row["src"], row["tgt"]
            if len(src) != len(tgt) or not 12 <= len(src) <= 60 or (src != tgt) != typos:
                continue
            errors = [(i, src[i], tgt[i]) for i in range(len(src)) if src[i] != tgt[i]]
            rows.append({"text": src, "errors": errors})
    rng.shuffle(rows)
    return rows[:count]


def render(sentences: list[str], style: str, font_path: str) -> bytes:
    """A PNG of the sentences, wrapped at LINE_CHARS characters a line."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    lines = [s[i:i + LINE_CHARS] for s in sentences for i in range(0, len(s), LINE_CHARS)]
    size = {"plain": 30, "poster": 26, "photo": 17}[style]
    font = ImageFont.truetype(font_path, size)
    width, height = int(LINE_CHARS * size * 1.1) + 60, int(len(lines) * size * 1.7) + 60
    background, ink = ("white", "black") if style == "plain" else ((250, 236, 214), (160, 30, 30))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((30, 30 + number * size * 1.7), line, font=font, fill=ink)
    if style == "poster":
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    if style == "photo":  # a small, soft, noisy, badly compressed picture of a notice
        image = image.filter(ImageFilter.GaussianBlur(0.9))
        noise = Image.effect_noise(image.size, 40).convert("RGB")
        image = Image.blend(image, noise, 0.18)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=25)
        return out.getvalue()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def corrected(findings: list, errors: list[tuple[int, str, str]], severities: tuple[str, ...]) -> int:
    """How many of the errors a typo finding of these severities corrects (matched by wrong and right character
    at the same place of its span and suggestion)."""
    hits = 0
    for _, wrong, right in errors:
        for f in findings:
            if f.category != "typo" or f.severity not in severities or not f.text or f.suggestion is None:
                continue
            if len(f.text) == len(f.suggestion) and any(
                w == wrong and r == right for w, r in zip(f.text, f.suggestion)
            ):
                hits += 1
                break
    return hits


def unmatched(findings: list, text_findings: list) -> list:
    """Findings at minor or above of the image's review that the same sentences reviewed as text do not have (by
    rule, span text and suggestion): the alarms reading from an image adds."""
    left = [(f.rule, f.text, f.suggestion) for f in text_findings if f.severity in SEVERE]
    extra = []
    for f in findings:
        if f.severity not in SEVERE:
            continue
        key = (f.rule, f.text, f.suggestion)
        if key in left:
            left.remove(key)
        else:
            extra.append(f)
    return extra


def share(count: int, total: int) -> str:
    """count / total with three decimals, or a dash."""
    return f"{count / total:.3f}" if total else "–"


def per_k(count: int, chars: int, shown: bool) -> str:
    """count per 1,000 characters (shown for the clean set only), or a dash."""
    return f"{1000 * count / chars:.2f}" if shown and chars else "–"


def main() -> None:
    """Render, read, review, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--images", type=int, default=40, help="images per set and style")
    parser.add_argument("--per-image", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--styles", default="plain,poster,photo")
    args = parser.parse_args()

    from inputs_helpers import cjk_font

    from review.inputs import extract, ocr_available, review_extracted
    from review.pipeline import get_reviewer

    if not ocr_available() or cjk_font() is None:
        sys.exit("needs the OCR extra (pip install -e '.[ocr]') and a CJK font (fonts-wqy-zenhei)")
    reviewer = get_reviewer()
    folder = Path(args.data) / "csc-macro-correct"
    rng = random.Random(args.seed)
    count = args.images * args.per_image
    sets = {"clean": load(folder / "acc_xxqg_test.jsonl", False, count, rng),
            "typos": load(folder / "gen_xxqg_test.jsonl", True, count, rng)}
    reviewer.review({"text": "预热。"})  # models load before the clock starts
    print("| set | style | images | chars | char accuracy | typo recall (OCR) | as info (OCR) | typo recall (text) | "
          "OCR-only alarms /1k | typo alarms /1k (OCR) | info /1k (OCR) | typo alarms /1k (text) | s / image |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for style in args.styles.split(","):
        for name, rows in sets.items():
            chars = distance = errors = found = found_info = found_text = 0
            alarms = typo_alarms = text_alarms = info = 0
            seconds = 0.0
            for start in range(0, len(rows), args.per_image):
                group = rows[start:start + args.per_image]
                truth = "".join(r["text"] for r in group)
                began = time.perf_counter()
                extracted = extract(render([r["text"] for r in group], style, cjk_font()), "bench.png")
                report = review_extracted(reviewer, extracted)
                seconds += time.perf_counter() - began
                # a comma looks the same in either width: widths are compared folded (NFKC)
                read = unicodedata.normalize("NFKC", extracted.text).replace("\n", "").replace(" ", "")
                chars += len(truth)
                distance += edit_distance(read, unicodedata.normalize("NFKC", truth).replace(" ", ""))
                group_errors = [e for r in group for e in r["errors"]]
                errors += len(group_errors)
                found += corrected(report.findings, group_errors, SEVERE)
                found_info += corrected(report.findings, group_errors, ("info",))
                text_findings = [f for r in group for f in reviewer.review({"text": r["text"]}).findings]
                found_text += corrected(text_findings, group_errors, SEVERE)
                alarms += len(unmatched(report.findings, text_findings))
                typo_alarms += sum(f.severity in SEVERE and f.category == "typo" for f in report.findings)
                text_alarms += sum(f.severity in SEVERE and f.category == "typo" for f in text_findings)
                info += sum(f.severity == "info" and (f.source or {}).get("kind") == "image" for f in report.findings)
            images = -(-len(rows) // args.per_image)
            clean = name == "clean"
            print(f"| {name} | {style} | {images} | {chars} | {1 - distance / chars:.4f} | {share(found, errors)} | "
                  f"{share(found_info, errors)} | {share(found_text, errors)} | {per_k(alarms, chars, clean)} | "
                  f"{per_k(typo_alarms, chars, clean)} | {per_k(info, chars, clean)} | "
                  f"{per_k(text_alarms, chars, clean)} | {seconds / images:.2f} |", flush=True)


if __name__ == "__main__":
    main()

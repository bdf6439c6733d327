"""Normalisation with an offset map: every normalised character knows its span in the original text.

Stages: scraper noise (inline pinyin annotations, HTML entities, mojibake) and invisible characters are
edited out or repaired, full-width ASCII letters/digits become half-width, traditional/HK/TW forms become
simplified (OpenCC). Noise found on the way is kept as `NoiseSpan`s for the `garbled` check.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from review.chars import HAN_CLASS

# Chinese characters, and here also the CJK Compatibility Ideographs (U+F900-U+FAFF): the noise patterns run on the
# raw text, before OpenCC folds those into unified ideographs, and a character next to lost ones is still one.
CJK = HAN_CLASS + "\uf900-\ufaff"

# Characters that render as nothing (or break words) and carry no content.
INVISIBLE_CLASS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
)
TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"

# Scraper noise: `持續(xù)` — a pinyin reading in brackets right after a Chinese character.
TONED_SYLLABLE = rf"[a-zü]{{0,5}}[{TONE_VOWELS}][a-zü{TONE_VOWELS}]{{0,5}}"
PINYIN_ANNOTATION = rf"(?<=[^\s(（])[(（]{TONED_SYLLABLE}[)）]|(?<=[{CJK}])[(（][a-zü]{{1,6}}[1-5][)）]"
HTML_ENTITY = r"&(?:[a-zA-Z]{2,8}|#[0-9]{2,6}|#[xX][0-9a-fA-F]{2,5});"
# Lost characters: `工作?,F將` — a question mark with ASCII debris, or several, between Chinese characters.
# A run of two or more may also touch Chinese punctuation mid-sentence: `全方位做????????、使用` (not a line end:
# 怎么办??? closing a question is punctuation, which the entertainment check reads).
ZH_PUNCT = "，。、；：“”‘’《》（）【】—…"
LOST_CHARS = (
    rf"(?<=[{CJK}])(?:\?[!-~]{{1,3}}?|\?{{2,}}|\?)(?=[{CJK}]|[(（]{TONED_SYLLABLE}[)）])"
    rf"|(?<=[{CJK}{ZH_PUNCT}])\?{{2,}}(?=[{CJK}{ZH_PUNCT}])"
)
MEMORY_JUNK = r"(?:锟斤拷)+|(?:烫){3,}|(?:屯){3,}|\ufffd+"
# UTF-8 bytes read as Latin-1/cp1252: `æ”¿åºœ`.
LATIN1_MOJIBAKE = (
    r"(?:[\u00c2-\u00ef][\u0080-\u00bf\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    r"\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,2}){2,}"
)

# Half of a UTF-16 surrogate pair with no partner: what a JSON "\ud800" escape or a cut emoji decodes to. It is
# no character at all, has no UTF-8 form (OpenCC and every file writer refuse it) and means the text was damaged.
LONE_SURROGATE = "[\ud800-\udfff]"

# The first character of every kind of noise below: a match can start only on one of these. Testing it first
# lets the scan pass every other position with one class test instead of trying each kind's lookbehind there
# (a quarter of a millisecond a 1,000-character post); the matches are the same.
NOISE_FIRST = f"\ud800-\udfff{INVISIBLE_CLASS}(（&锟烫屯\ufffd?\u00c2-\u00ef"
NOISE_RE = re.compile(
    f"(?=[{NOISE_FIRST}])(?:"
    + "|".join(
        [
            f"(?P<surrogate>{LONE_SURROGATE}+)",
            f"(?P<invisible>[{INVISIBLE_CLASS}]+)",
            f"(?P<annotation>{PINYIN_ANNOTATION})",
            f"(?P<entity>{HTML_ENTITY})",
            f"(?P<junk>{MEMORY_JUNK})",
            f"(?P<lost>{LOST_CHARS})",
            f"(?P<latin1>{LATIN1_MOJIBAKE})",
        ]
    )
    + ")"
)
QUESTION_PARTICLES = set("吗呢吧么嘛啊呀哪谁何")

# Full-width Latin letters, digits and a few symbols; Chinese punctuation (，。！？：；（）) is kept.
_WIDTH_SOURCE = "０１２３４５６７８９＠＃＄％＆＊＋－／＜＝＞＾＿｀｜～＼［］｛｝＂＇"
_WIDTH_TABLE = {ord(c): ord(c) - 0xFEE0 for c in _WIDTH_SOURCE}
_WIDTH_TABLE.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
_WIDTH_TABLE.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_WIDTH_TABLE[0x3000] = 0x20
_WIDTH_RE = re.compile("[" + "".join(chr(c) for c in _WIDTH_TABLE) + "]")


@dataclass(frozen=True)
class NoiseSpan:
    """Noise found in the ORIGINAL text: kind, span, the repair (or None), and a Chinese message."""

    kind: str
    start: int
    end: int
    repair: str | None
    message: str
    severity: str
    confidence: float


@dataclass
class Normalised:
    """Normalised text plus, per normalised character, its [start, end) span in the original."""

    original: str
    text: str
    starts: list[int] | None  # None means the identity map
    ends: list[int] | None
    noise: list[NoiseSpan]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to a half-open span of the original."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            point = self.starts[start] if start < len(self.starts) else len(self.original)
            return point, point
        return self.starts[start], self.ends[end - 1]


def _gbk_pair_ok(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF or 0xE0 <= byte <= 0xEF


@lru_cache(maxsize=1)
def _gbk_mojibake_re() -> re.Pattern[str]:
    """Runs of characters whose GBK bytes could be UTF-8 read as GBK, with a rare lead character."""
    allowed, rare = [], []
    for lead in range(0x81, 0xF0):
        if not _gbk_pair_ok(lead):
            continue
        for trail in range(0x80, 0xF0):
            if not _gbk_pair_ok(trail):
                continue
            try:
                char = bytes([lead, trail]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and not char.isspace():
                allowed.append(char)
                if 0xE0 <= lead <= 0xEF:
                    rare.append(char)
    allowed_class = "".join(sorted(set(allowed)))
    rare_class = "".join(sorted(set(rare)))
    # A match of `[A]*[R][A]*` (R within A) always spans a whole run of A, so it can only start where a run does:
    # the lookbehind keeps the scan from retrying every position of a long run with no rare character in it
    # (啊 × 20,000 was quadratic). Each run is then scanned once and backtracked over at most once: linear.
    return re.compile(f"(?<![{allowed_class}])[{allowed_class}]*[{rare_class}][{allowed_class}]*")


def _repair_gbk(run: str) -> str | None:
    """If `run` is UTF-8 text decoded as GBK, return the original text."""
    try:
        raw = run.encode("gbk")
    except UnicodeEncodeError:
        return None
    repaired = raw.decode("utf-8", errors="replace")
    broken = repaired.count("\ufffd")
    repaired = repaired.replace("\ufffd", "")
    hanzi = len(re.findall(f"[{CJK}]", repaired))
    if hanzi >= 2 and broken <= max(1, len(repaired) // 4) and len(repaired) < len(run):
        return repaired
    return None


def _trimmed_gbk_repair(run: str) -> tuple[int, int, str] | None:
    """(characters trimmed left, right, repair) of `run` as UTF-8 read as GBK. A run found by character class
    often takes in a correct neighbour whose GBK bytes look the same (“，”, 动): the fewest trimmed characters
    (up to 2 a side) that leave bytes decoding as UTF-8 without a loss win; else the run as it is, if repairable."""
    for trim in range(0, 5):
        for left in range(0, min(trim, 2) + 1):
            right = trim - left
            if right > 2 or len(run) - trim < 3:
                continue
            part = run[left : len(run) - right]
            try:
                repaired = part.encode("gbk").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if len(re.findall(f"[{CJK}]", repaired)) >= 2 and len(repaired) < len(part):
                return left, right, repaired
    repaired = _repair_gbk(run)
    return (0, 0, repaired) if repaired is not None else None


def _repair_latin1(run: str) -> str | None:
    """If `run` is UTF-8 text decoded as cp1252/Latin-1, return the original text."""
    for codec in ("cp1252", "latin-1"):
        try:
            return run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return None


def find_noise(text: str) -> tuple[list[tuple[int, int, str]], list[NoiseSpan]]:
    """Edits (start, end, replacement) that clean `text`, and the noise worth reporting."""
    edits: list[tuple[int, int, str]] = []
    noise: list[NoiseSpan] = []
    for match in NOISE_RE.finditer(text):
        kind = match.lastgroup
        start, end = match.span()
        chunk = match.group()
        if kind == "invisible":
            edits.append((start, end, ""))
        elif kind == "surrogate":
            edits.append((start, end, ""))
            codes = "、".join(f"U+{ord(ch):04X}" for ch in chunk[:3]) + ("…" if len(chunk) > 3 else "")
            noise.append(NoiseSpan("mojibake", start, end, None,
                                   f"文本含无效字符（孤立的代理码位 {codes}），疑似编码损坏或表情符号被截断，请核对原文",
                                   "major", 0.95))
        elif kind == "annotation":
            edits.append((start, end, ""))
            noise.append(NoiseSpan("annotation", start, end, "", f"正文夹杂注音“{chunk}”，疑似网页抓取或复制带入", "major", 0.95))
        elif kind == "entity":
            decoded = html.unescape(chunk)
            if decoded == chunk:
                continue
            decoded = decoded.replace("\xa0", " ")
            edits.append((start, end, decoded))
            noise.append(NoiseSpan("entity", start, end, decoded, f"正文夹杂网页转义符“{chunk}”", "minor", 0.9))
        elif kind == "junk":
            edits.append((start, end, ""))
            noise.append(NoiseSpan("mojibake", start, end, None, f"疑似乱码“{chunk}”，请核对原文", "major", 0.95))
        elif kind == "lost":
            if text[start - 1] in QUESTION_PARTICLES and (
                len(chunk) == 1 or (set(chunk) == {"?"} and not re.match(f"[{CJK}]", text[end : end + 1]))
            ):
                continue  # question marks after a question particle (吗?, 真的吗??) are just punctuation
            edits.append((start, end, ""))
            confidence = 0.9 if len(chunk) > 1 else 0.6
            severity = "major" if len(chunk) > 1 else "minor"
            noise.append(NoiseSpan("mojibake", start, end, None, f"疑似乱码或缺字“{chunk}”，请核对原文", severity, confidence))
        elif kind == "latin1":
            repaired = _repair_latin1(chunk)
            if repaired is None or not re.search(f"[{CJK}]", repaired):
                continue
            edits.append((start, end, repaired))
            noise.append(NoiseSpan("mojibake", start, end, repaired, f"疑似编码错误乱码，原文可能是“{repaired}”", "major", 0.95))
    for match in _gbk_mojibake_re().finditer(text):
        if match.end() - match.start() < 3:
            continue
        found = _trimmed_gbk_repair(match.group())
        if found is None:
            continue
        left, right, repaired = found
        start, end = match.start() + left, match.end() - right
        edits.append((start, end, repaired))
        noise.append(NoiseSpan("mojibake", start, end, repaired, f"疑似编码错误乱码，原文可能是“{repaired}”", "major", 0.9))
    edits.sort()
    noise.sort(key=lambda item: item.start)
    return edits, noise


@lru_cache(maxsize=1)
def _converter():
    import opencc

    # hk2s = t2s plus Hong Kong variant forms. tw2s is left out on purpose: its variant table turns the
    # simplified 么/麼 into 幺 (么么哒 → 幺幺哒) and adds nothing else that matters for review.
    return opencc.OpenCC("hk2s.json")


_SURROGATE_RUN = re.compile(f"({LONE_SURROGATE}+)")


def _convert(converter, text: str) -> str:
    """`converter.convert(text)` for any str: OpenCC encodes its input as UTF-8, which a lone surrogate (a scraped
    emoji cut in two, or a JSON "\\ud83d") has no form in, so the runs around such characters are converted and the
    surrogates kept as they are (a span ＂励\\ud83d＂ once made every path fail with a 500)."""
    if not _SURROGATE_RUN.search(text):
        return converter.convert(text)
    return "".join(part if index % 2 else converter.convert(part)
                   for index, part in enumerate(_SURROGATE_RUN.split(text)))


def to_simplified(text: str) -> str:
    """Traditional (incl. Hong Kong and Taiwan) forms to simplified Chinese (OpenCC)."""
    return _convert(_converter(), text)


# simplified → traditional, in the order tried: Hong Kong forms first (the inverse of hk2s), then Taiwan, then
# OpenCC's standard forms
TRADITIONAL_CONFIGS = ("s2hk.json", "s2tw.json", "s2t.json")


@lru_cache(maxsize=len(TRADITIONAL_CONFIGS))
def _traditional_converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def in_script_of(simplified: str, original: str) -> str:
    """`simplified` written in the traditional script of `original` (a span whose simplified form the checks
    read): the first converter that turns that simplified form back into `original` exactly, else s2t."""
    plain = to_simplified(original)
    for config in TRADITIONAL_CONFIGS:
        converter = _traditional_converter(config)
        if _convert(converter, plain) == original:
            return _convert(converter, simplified)
    return _convert(_traditional_converter(TRADITIONAL_CONFIGS[-1]), simplified)


def normalise(original: str) -> Normalised:
    """Normalise `original` and keep the offset map back to it."""
    edits, noise = find_noise(original)
    starts: list[int] | None = None
    ends: list[int] | None = None
    if edits:
        pieces: list[str] = []
        starts, ends = [], []
        position = 0
        for start, end, replacement in edits:
            if start < position:
                continue  # overlapping edit: the earlier one wins
            pieces.append(original[position:start])
            starts.extend(range(position, start))
            ends.extend(range(position + 1, start + 1))
            pieces.append(replacement)
            starts.extend([start] * len(replacement))
            ends.extend([end] * len(replacement))
            position = end
        pieces.append(original[position:])
        starts.extend(range(position, len(original)))
        ends.extend(range(position + 1, len(original) + 1))
        text = "".join(pieces)
    else:
        text = original
    if _WIDTH_RE.search(text):
        text = text.translate(_WIDTH_TABLE)
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        # A phrase rule changed the length: convert character by character to keep the map 1:1.
        simplified = "".join(_one_char(ch) for ch in text)
    return Normalised(original=original, text=simplified, starts=starts, ends=ends, noise=noise)


def _one_char(char: str) -> str:
    converted = to_simplified(char)
    return converted if len(converted) == 1 else char

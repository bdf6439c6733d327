"""过度娱乐化、卖萌、卖惨: lexicon signals reported as spans, and a whole-post decision from the style model."""

from __future__ import annotations

import math

from review.checks.base import Check, register
from review.classify.linear import shipped_model
from review.classify.signals import SIGNAL_CAP, Hit, load_entertainment_lexicon, signal_totals
from review.document import Document
from review.model import SEVERITY_RANK, Finding
from review.resources import lexicon_path, load_toml

# Signals whose repeated form has an obvious plain replacement ("！！！" → "！").
PUNCT_SUGGESTION = {"!": "！", "！": "！", "?": "？", "？": "？"}


@register
class EntertainmentCheck(Check):
    """Slang, cutesy particles, self-pity, emoji, kaomoji, repeated punctuation, 小编 chatter; then the whole post."""

    name = "entertainment"
    category = "entertainment"
    fields = ("text", "title")

    def __init__(self) -> None:
        config = load_toml("classifiers.toml")["entertainment"]
        self.min_probability = float(config["min_probability"])
        self.min_signal = float(config["min_signal_score"])
        self.strong_signal = float(config["strong_signal_score"])
        self.style_probability = float(config["style_probability"])
        self.style_signal = float(config["style_signal_score"])
        self.style_min_hits = int(config["style_min_hits"])
        self.severity = config["severity"]
        self.major_probability = float(config["major_probability"])
        self.major_signal = float(config["major_signal_score"])
        self.messages: dict[str, str] = config["messages"]
        self.lexicon = load_entertainment_lexicon(lexicon_path("entertainment"))
        self.model = shipped_model("style")
        self.informal_index = self.model.classes.index("informal")

    def signal_score(self, hits: list[Hit]) -> float:
        """The post's signal score: summed weights, each signal capped."""
        return sum(signal_totals(hits, SIGNAL_CAP).values())

    def probability(self, text: str, hits: list[Hit]) -> float:
        """The style model's calibrated probability that `text` is informal."""
        named = self.model.extractor.named_features(text, None, signal_totals(hits, SIGNAL_CAP))
        return float(self.model.predict_proba([named])[0][self.informal_index])

    def check(self, doc: Document) -> list[Finding]:
        """Span findings for the signals, and for the body a whole-post finding when the post overdoes it."""
        hits = [h for h in self.lexicon.find(doc.text) if h.start >= 0]
        whole: Finding | None = None
        if doc.is_body:
            # Allow terms steer the whole-post judgement (an allowed word is no evidence of style); the span
            # findings of allowed words carry them as `term`, and the pipeline drops those.
            allowed = doc.options.allow_terms
            whole = self._whole_post(doc, [h for h in hits if doc.text[h.start : h.end] not in allowed])
        findings = []
        for hit in hits:
            if whole is None and SEVERITY_RANK[hit.severity] < SEVERITY_RANK["minor"]:
                continue  # weak signals (one 啦, one emoji) are only shown when the whole post overdoes it
            span = doc.text[hit.start : hit.end]
            suggestion = PUNCT_SUGGESTION.get(span[0]) if hit.signal == "repeat_punct" and len(set(span)) == 1 else None
            findings.append(
                self.finding(
                    doc,
                    hit.start,
                    hit.end,
                    rule=f"entertainment.{hit.signal}",
                    severity=hit.severity,
                    message=f"“{span}”：{self.messages.get(hit.signal, '语气过度娱乐化')}",
                    suggestion=suggestion,
                    confidence=min(0.95, 0.5 + hit.weight / 3),
                    term=span,
                )
            )
        if whole is not None:
            findings.append(whole)
        return findings

    def _whole_post(self, doc: Document, hits: list[Hit]) -> Finding | None:
        # The body alone decides: the title's own spans are reported on the title.
        score = self.signal_score(hits)
        styled = len(hits) >= self.style_min_hits and score >= self.style_signal
        if score < self.min_signal and not styled:
            return None  # too little lexicon evidence: informal wording alone is not over-entertainment
        probability = self.probability(doc.text, hits)
        threshold = doc.options.thresholds.get(self.name, self.min_probability)
        # a per-call threshold above the style rule's probability governs it too
        written_in_style = styled and probability >= max(self.style_probability, threshold)
        judged = score >= self.strong_signal or (score >= self.min_signal and probability >= threshold)
        if not (judged or written_in_style):
            return None
        # Confidence: the model's probability, raised by strong lexicon evidence.
        confidence = 1.0 - (1.0 - probability) * math.exp(-score / 2.0)
        severity = self.severity
        if probability >= self.major_probability and score >= self.major_signal:
            severity = "major"
        kinds = sorted({self._kind(h.signal) for h in hits} - {""})
        evidence = []
        for hit in hits:
            start, end = doc.to_original(hit.start, hit.end)
            evidence.append({"start": start, "end": end, "text": doc.original[start:end], "signal": hit.signal})
        return self.finding(
            doc,
            None,
            None,
            rule="entertainment.post",
            severity=severity,
            message=(
                f"全文语言风格过度娱乐化（{'、'.join(kinds) or '网络化表达'}），"
                f"不符合政务新媒体的庄重定位（置信度 {confidence:.0%}），建议改用平实规范的表述"
            ),
            confidence=confidence,
            evidence=evidence or None,
        )

    @staticmethod
    def _kind(signal: str) -> str:
        return {
            "slang": "网络流行语",
            "fandom": "饭圈用语",
            "address": "网络化称呼",
            "cute": "卖萌",
            "self_pity": "卖惨",
            "xiaobian": "小编闲聊",
            "repeat_punct": "叠用标点",
            "repeat_char": "叠字",
            "emoji": "表情符号",
            "kaomoji": "颜文字",
            "tilde": "卖萌",
        }.get(signal, "")

"""无关信息: posts unrelated to government work or to the account's own field (topic model + signal lexicons)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from review.chars import is_han
from review.checks.base import Check, register
from review.classify.linear import shipped_model
from review.classify.signals import Hit, load_promotion_lexicon, load_topic_signal_lexicon, signal_totals
from review.document import BODY, TITLE, Document
from review.model import SEVERITY_RANK, Finding
from review.resources import lexicon_path, load_toml
from review.segment import cut

CORE = "none"  # `elsewhere` value of topics that belong to every account
GOVERNMENT_CONTEXT = "government_context"  # counter-signal rows of offtopic_signals.tsv
COMMERCE = "commerce"  # the topic of lexicons/promotion.tsv; offtopic_signals.tsv may add rows for it
TIP_KINDS = ("stock", "property_tip")  # the kinds model's two tip classes
CALL = "call"  # offtopic_signals.tsv rows that call the reader to act (赶紧, 没买的朋友): they back selling and tips
# offtopic_signals.tsv rows of a promised fortune (贵人扶持, 破财, 晚年有福, 容易出事): they back divination only
FORTUNE = "fortune"
HOROSCOPE = "horoscope"


@dataclass(frozen=True)
class TopicVerdict:
    """The off-topic decision for one post: the topic found, its score, and the hits that drove it."""

    topic: str
    score: float
    core_probability: float
    hits: list[tuple[str, Hit]]  # (field, hit) with offsets in that field's normalised text


@register
class OfftopicCheck(Check):
    """Whole-post check: the topic a post is about, against the topics its account type covers."""

    name = "offtopic"
    category = "offtopic"
    fields = ("text",)

    def __init__(self) -> None:
        profiles = load_toml("account_types.toml")
        self.topics: dict[str, dict] = profiles["topics"]
        self.accounts: dict[str, dict] = profiles["accounts"]
        config = load_toml("classifiers.toml")["offtopic"]
        self.min_probability = float(config["min_probability"])
        self.max_core = float(config["max_core_probability"])
        self.max_core_signals = float(config["max_core_probability_signals"])
        self.min_signal = float(config["min_signal_score"])
        self.strong_signal = float(config["strong_signal_score"])
        self.strong_signal_max_core = float(config["strong_signal_max_core_probability"])
        self.agreed_max_core = float(config["agreed_max_core_probability"])
        self.min_promotion = float(config["min_promotion_score"])
        self.major_probability = float(config["major_probability"])
        self.max_chars = int(config["max_chars"])
        self.min_model_chars = int(config["min_model_chars"])
        self.call_topics: dict[str, list[str]] = dict(config["call_topics"])
        self.call_model_probability = float(config["call_model_probability"])
        self.fortune_model_probability = float(config["fortune_model_probability"])
        self.fortune_max_score = float(config["fortune_max_score"])
        self.model = shipped_model("topic")
        # tips, adverts and lottery posts in words the lexicons lack (models/topic/kinds, issue 25)
        self.kinds_model = shipped_model("topic/kinds")
        self.kinds_min_probability = float(config["kinds_min_probability"])
        self.kinds_backed_probability = float(config["kinds_backed_probability"])
        self.kinds_sure_probability = float(config["kinds_sure_probability"])
        self.kinds_sure_max_core = float(config["kinds_sure_max_core_probability"])
        self.commerce_wordless_probability = float(config["commerce_wordless_probability"])
        self.fused_min_score = float(config["fused_min_score"])
        self.fused_max_probability = float(config["fused_max_probability"])
        unknown = set(self.model.classes) - set(self.topics)
        if unknown:
            raise ValueError(f"topic model classes missing from account_types.toml: {sorted(unknown)}")
        self.core_topics = [t for t, spec in self.topics.items() if spec["elsewhere"] == CORE]
        self.promotion = load_promotion_lexicon(lexicon_path("promotion.tsv"))
        self.topic_signals = load_topic_signal_lexicon(lexicon_path("offtopic_signals.tsv"))

    def account_topics(self, account_type: str | None) -> tuple[str, list[str]]:
        """The effective account type and the topics it covers (core topics first)."""
        kind = account_type if account_type in self.accounts else "other"
        return kind, self.core_topics + list(self.accounts[kind].get("topics", []))

    def decide(self, doc: Document, account_type: str | None) -> TopicVerdict | None:
        """The most likely topic that does not belong to the account, or None when the post is on topic."""
        whole = doc.whole
        title = whole.field_text(TITLE)
        # The title leads (the whole post's text is the title, a line break, the body); the body's jieba tokens are
        # the document's (segmented only as far as the lead goes, unless another check already segmented it all).
        body_chars = max(0, self.max_chars - len(title) - 1)
        head = whole.text[: whole.offset(BODY) + body_chars] if title else doc.text[:body_chars]
        words = (cut(title) if title else []) + [t.word for t in doc.lead_tokens(body_chars)]
        named = self.model.extractor.named_features(head, words)
        proba = dict(zip(self.model.classes, self.model.predict_proba([named])[0].tolist()))
        core_probability = sum(proba.get(t, 0.0) for t in self.core_topics)
        kinds_named = self.kinds_model.extractor.named_features(head, words)
        kinds = dict(zip(self.kinds_model.classes, self.kinds_model.predict_proba([kinds_named])[0].tolist()))
        # A tip is one kind split in two by what it tips (a house or a share): the likelier of the two takes both,
        # unless the topic model reads the post as the news of one of them (a flat sale's price call reads as
        # stock to the kinds model and as realty to the topic model): that one takes both (issue 25, sixth round).
        tip_pair = sorted(TIP_KINDS, key=lambda t: kinds.get(t, 0.0))
        read_as = [t for t in TIP_KINDS if self._reads_as(t, proba)]
        winner = read_as[0] if len(read_as) == 1 else tip_pair[-1]
        kinds[winner] = sum(kinds.get(t, 0.0) for t in TIP_KINDS)

        # Signals are read where the model reads: the title and the start of the body.
        lead = doc.text[:body_chars]
        hits: list[tuple[str, Hit]] = [("text", h) for h in self.topic_signals.find(lead)]
        promotion_hits: list[tuple[str, Hit]] = [("text", h) for h in self.promotion.find(lead)]
        if title:
            hits += [("title", h) for h in self.topic_signals.find(title)]
            promotion_hits += [("title", h) for h in self.promotion.find(title)]
        # Commerce words of offtopic_signals.tsv add to promotion.tsv's; a span both lists find counts once.
        promotion_hits = _heavier_first(promotion_hits + [(f, h) for f, h in hits if h.signal == COMMERCE])
        hits = [(f, h) for f, h in hits if h.signal != COMMERCE]
        # Each word counts once: a news item that says 票房 six times is about a film's takings, not gossip.
        distinct = {(h.signal, (title if f == "title" else lead)[h.start : h.end]): h for f, h in hits}
        topic_totals = signal_totals(list(distinct.values()))
        # Words of government work (warnings, enforcement) argue against every off-topic reading.
        damping = math.exp(-topic_totals.pop(GOVERNMENT_CONTEXT, 0.0))
        promotion_total = sum(h.weight for _, h in promotion_hits)
        # A call to act backs a selling or tipping topic the post already leans to (a word of its own, or the model
        # reading it as that kind of news); on its own it is no evidence (赶紧 is also a safety notice's word).
        call = topic_totals.pop(CALL, 0.0)
        backed = {
            topic: call
            for topic, classes in self.call_topics.items()
            if (promotion_total if topic == COMMERCE else topic_totals.get(topic, 0.0)) > 0
            or sum(proba.get(c, 0.0) for c in classes) >= self.call_model_probability
        }
        for topic, extra in backed.items():
            if topic == COMMERCE:
                promotion_total += extra
            else:
                topic_totals[topic] = topic_totals.get(topic, 0.0) + extra
        # A divination post ties a cue (a palm line, a date, a number) to a promised fortune (贵人扶持, 晚年有福,
        # 容易出事): the promise backs a post that already has a word of divination or that the kinds model leans to
        # read as one; on its own it is no evidence (a health notice says 容易生病). Issue 25, seventh round.
        fortune = min(topic_totals.pop(FORTUNE, 0.0), self.fortune_max_score)
        fortune_backs = fortune > 0 and (
            topic_totals.get(HOROSCOPE, 0.0) > 0 or kinds.get(HOROSCOPE, 0.0) >= self.fortune_model_probability)
        if fortune_backs:
            topic_totals[HOROSCOPE] = topic_totals.get(HOROSCOPE, 0.0) + fortune

        _kind, own = self.account_topics(account_type)
        threshold = doc.options.thresholds.get(self.name, self.min_probability)
        # A post of a few characters gives the models nothing to read (好 read as selling, 今天天气不错 as selling at
        # 0.87): only words of a topic judge it.
        too_short = sum(1 for char in head if is_han(char)) < self.min_model_chars
        best: tuple[bool, float, str, float] | None = None
        for topic, spec in self.topics.items():
            if spec["elsewhere"] == CORE or topic in own:
                continue
            signal = topic_totals.get(topic, 0.0)
            # Government and social-affairs content wins ties: a clean post must pass. Topics the model has no
            # class for (lottery, personal …) spread their mass over the model's classes, so their core probability
            # is less telling and gets a looser limit.
            core_limit = self.max_core_signals
            core = core_probability
            if topic == COMMERCE:
                score = 1.0 - math.exp(-promotion_total) if promotion_total >= self.min_promotion else 0.0
                if promotion_total >= self.strong_signal:
                    # several selling words (a claim, a sales count, a product) outweigh a headline model that reads
                    # a cure-all advert as government or health news, as for divination (issue 25, seventh round)
                    core_limit = self._strong_limit(topic, kinds)
            elif spec["source"] == "signals":
                score = 1.0 - math.exp(-signal) if signal >= self.min_signal else 0.0
                if signal >= self.strong_signal:
                    # Words that only fortune-telling or a draw uses, several of them, outweigh a headline model
                    # that reads a personal story (师傅说我今年命犯桃花) as society news.
                    core_limit = self._strong_limit(topic, kinds)
            else:
                # Confirming signal words shrink the model's remaining doubt, and the doubt that the post is core
                # news: gossip told as a story (顶流男星深夜同回酒店) reads half as 社会 to a headline model.
                score = 1.0 - (1.0 - proba.get(topic, 0.0)) * math.exp(-max(signal, 0.0))
                core = core_probability * math.exp(-max(signal, 0.0))
                core_limit = self.max_core
                if too_short and signal <= 0:
                    score = 0.0
            score *= damping
            worded = score >= threshold and core <= core_limit
            # the kinds model stands in for missing words, under the looser core limit of the word-only topics
            learnt = kinds.get(topic, 0.0) * damping
            # a tip reads as finance or housing news to the topic model: where it does, less kinds evidence will do
            reads_as = self._reads_as(topic, proba)
            kinds_limit = self.kinds_backed_probability if reads_as else self.kinds_min_probability
            # a short tip or advert with a date in it can read as government news to the headline model; where the
            # kinds model is nearly sure, a looser core limit applies
            core_limit = self.kinds_sure_max_core if learnt >= self.kinds_sure_probability else self.max_core_signals
            # An advert without a selling word needs the kinds model's clear reading (commerce_wordless_probability,
            # 0.5): lively government notices (好消息！…快转给身边的朋友吧, 冬至到啦…) read as selling at 0.3-0.48 to
            # it. Tips and the rest keep kinds_min_probability: their wordless posts are caught at 0.3 (issue 25,
            # seventh round).
            wordless_advert = topic == COMMERCE and promotion_total <= 0
            prefers = not wordless_advert or kinds.get(topic, 0.0) >= self.commerce_wordless_probability
            learnt_ok = not too_short and prefers and learnt >= max(
                kinds_limit, doc.options.thresholds.get(self.name, 0.0)) and core_probability <= core_limit
            # Words name the kind, the kinds model says the post is off-topic at all (1 − p(none)): one word of
            # divination (正缘, 五行缺) with a model that reads the post as no government text settles it, where
            # either alone is too weak. The model's evidence is counted in signal units, −ln(1 − p).
            fused = 0.0
            own_words = promotion_total if topic == COMMERCE else signal
            if own_words > 0 and spec["elsewhere"] != "info":
                off_mass = min(1.0 - kinds.get(CORE, 1.0), self.fused_max_probability)
                evidence = own_words - math.log(1.0 - off_mass)
                # where the kinds model reads the post as this kind rather than as `none` and words agree, the
                # headline model's reading of a personal story as society news (找人看了八字…果然闹离婚了: core 0.75)
                # yields, as it does to several words (issue 25, seventh round; not for commerce, whose model class
                # also reads lively government notices)
                agreed = topic != COMMERCE and kinds.get(topic, 0.0) >= kinds.get(CORE, 0.0)
                fused_core_limit = self.strong_signal_max_core if agreed else self.max_core_signals
                if evidence >= self.fused_min_score and core_probability <= fused_core_limit:
                    fused = (1.0 - math.exp(-evidence)) * damping
            fused_ok = fused >= threshold
            if not (worded or learnt_ok or fused_ok):
                continue
            score = max(score if worded else 0.0, learnt if learnt_ok else 0.0, fused if fused_ok else 0.0)
            # Topics found only by adding up rank by their own share, their words and the model's probability of
            # this kind: the model's off-topic belief may come from another kind (业内明星 in a fund tip is no gossip).
            rank = score if worded or learnt_ok else 1.0 - (1.0 - kinds.get(topic, 0.0)) * math.exp(-own_words)
            # An off-topic judgement (minor/major) outranks a cross-department hint (info) that scores higher:
            # a house-price tip is 房价预测 even though the model is surer that it is about housing.
            judged = SEVERITY_RANK[spec["elsewhere"]] >= SEVERITY_RANK["minor"]
            if best is None or (judged, rank) > best[:2]:
                best = (judged, rank, topic, score)
        if best is None:
            return None
        _judged, _rank, topic, score = best
        drivers = [(f, h) for f, h in hits if h.signal == topic and h.weight > 0]
        if topic == COMMERCE:
            drivers = [(f, h) for f, h in promotion_hits if h.weight > 0]
        if topic in backed:
            drivers += [(f, h) for f, h in hits if h.signal == CALL and h.weight > 0]
        if topic == HOROSCOPE and fortune_backs:
            drivers += [(f, h) for f, h in hits if h.signal == FORTUNE and h.weight > 0]
        return TopicVerdict(topic, score, core_probability, drivers)

    def _strong_limit(self, topic: str, kinds: dict[str, float]) -> float:
        """The core limit of a topic whose words reach strong_signal_score: looser still where the kinds model is
        sure of the same kind (issue 25, eighth round)."""
        if kinds.get(topic, 0.0) >= self.kinds_sure_probability:
            return self.agreed_max_core
        return self.strong_signal_max_core

    def _reads_as(self, topic: str, proba: dict[str, float]) -> bool:
        """True when the topic model reads the post as the news classes of a tip topic (finance, stock; realty)."""
        classes = self.call_topics.get(topic) or []
        return bool(classes) and sum(proba.get(c, 0.0) for c in classes) >= self.call_model_probability

    def check(self, doc: Document) -> list[Finding]:
        """One whole-post finding when the post is about a topic the account does not cover."""
        if not doc.is_body:
            return []
        verdict = self.decide(doc, doc.post.account.type)
        if verdict is None:
            return []
        kind, own = self.account_topics(doc.post.account.type)
        spec = self.topics[verdict.topic]
        severity = spec["elsewhere"]
        if severity == "major" and verdict.score < self.major_probability:
            severity = "minor"
        expected = self.accounts[kind].get("focus") or "、".join(self.topics[t]["label"] for t in own)
        account_label = self.accounts[kind]["label"]
        found = f"内容识别为“{spec['label']}”（置信度 {verdict.score:.0%}）"
        if severity == "info":
            message = f"{found}，属其他部门领域；{account_label}类账号聚焦：{expected}"
        else:
            message = f"疑似与政府工作或本部门职责无关：{found}；{account_label}类账号应聚焦：{expected}"
        return [
            self.finding(
                doc,
                None,
                None,
                rule=f"offtopic.{verdict.topic}",
                severity=severity,
                message=message,
                confidence=verdict.score,
                evidence=self._evidence(doc, verdict.hits) or None,
            )
        ]

    @staticmethod
    def _evidence(doc: Document, hits: list[tuple[str, Hit]]) -> list[dict]:
        """The signal words that drove the decision, in ORIGINAL offsets of their field."""
        evidence = []
        for field, hit in hits:
            span = doc.whole.field_original(field, hit.start, hit.end)
            evidence.append({"field": field, "start": span.start, "end": span.end, "text": span.text,
                             "signal": hit.signal})
        return evidence


def _heavier_first(hits: list[tuple[str, Hit]]) -> list[tuple[str, Hit]]:
    """(field, hit) pairs without overlaps within a field: of two overlapping hits the heavier stays."""
    kept: list[tuple[str, Hit]] = []
    for field, hit in sorted(hits, key=lambda pair: -pair[1].weight):
        if not any(f == field and h.start < hit.end and hit.start < h.end for f, h in kept):
            kept.append((field, hit))
    return sorted(kept, key=lambda pair: (pair[0], pair[1].start))

"""Intent classification for the offline engine: naive Bayes over text features, plus keyword evidence.

Trained once per process from the `[intents]` examples of every language file
(one model for all languages: their features hardly overlap, and a buyer who
mixes two languages is still understood). `[keywords]` add evidence at
classification time. Deterministic, no network, about a millisecond per
message after a training step of well under a second.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass

from seabridge.agent import locale as locales
from seabridge.agent.text import contains_phrase, features, fold

INTENTS = (
    "greeting", "goodbye", "order_status", "delivery_time", "shipping_cost", "change_order", "cancel_order",
    "return_policy", "return_request", "refund_status", "payment_methods", "payment_problem", "invoice",
    "product_question", "product_recommendation", "size_advice", "discount", "complaint", "human_agent",
    "account", "feedback", "other",
)  # fmt: skip

ALPHA = 0.3
KEYWORD_WEIGHT = 2.5
MIN_CONFIDENCE = 0.30


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float
    ranked: tuple[tuple[str, float], ...]  # (intent, probability), best first
    known_features: int
    keywords: tuple[str, ...]  # intents whose keywords matched


@dataclass(slots=True)
class IntentClassifier:
    log_prior: dict[str, float]
    log_likelihood: dict[str, dict[str, float]]
    log_unseen: dict[str, float]
    vocabulary: frozenset[str]
    keywords: dict[str, tuple[tuple[str, str], ...]]  # intent -> ((language, folded keyword), ...)

    @classmethod
    def train(cls, examples: list[tuple[str, str]], keywords: dict[str, list[tuple[str, str]]]) -> IntentClassifier:
        counts: dict[str, Counter[str]] = {intent: Counter() for intent in INTENTS}
        docs: Counter[str] = Counter()
        for intent, text in examples:
            counts[intent].update(features(fold(text)))
            docs[intent] += 1
        vocabulary = frozenset(f for c in counts.values() for f in c)
        total_docs = sum(docs.values()) or 1
        log_prior = {i: math.log((docs[i] + 1) / (total_docs + len(INTENTS))) for i in INTENTS}
        log_likelihood: dict[str, dict[str, float]] = {}
        log_unseen: dict[str, float] = {}
        for intent in INTENTS:
            total = sum(counts[intent].values()) + ALPHA * len(vocabulary)
            log_likelihood[intent] = {f: math.log((n + ALPHA) / total) for f, n in counts[intent].items()}
            log_unseen[intent] = math.log(ALPHA / total)
        return cls(
            log_prior,
            log_likelihood,
            log_unseen,
            vocabulary,
            {intent: tuple(kws) for intent, kws in keywords.items()},
        )

    def classify(self, text: str, language: str = "") -> Prediction:
        folded = fold(text)
        feats = [f for f in features(folded) if f in self.vocabulary]
        matched: list[str] = []
        scores: dict[str, float] = {}
        for intent in INTENTS:
            score = self.log_prior[intent]
            table, unseen = self.log_likelihood[intent], self.log_unseen[intent]
            for f in feats:
                score += table.get(f, unseen)
            scores[intent] = score
        for intent, kws in self.keywords.items():
            hits = [kw for lang, kw in kws if contains_phrase(folded, kw) and (not language or lang in (language, "*"))]
            if not hits:
                hits = [kw for _, kw in kws if len(kw) >= 4 and contains_phrase(folded, kw)]
            if hits:
                matched.append(intent)
                scores[intent] += KEYWORD_WEIGHT * (1 + math.log(len(hits))) + 0.1 * max(len(h) for h in hits)
        top = max(scores.values())
        exp = {i: math.exp(s - top) for i, s in scores.items()}
        norm = sum(exp.values())
        ranked = tuple(sorted(((i, e / norm) for i, e in exp.items()), key=lambda p: p[1], reverse=True))
        intent, confidence = ranked[0]
        if not feats and not matched:
            intent, confidence = "other", 1.0
        elif confidence < MIN_CONFIDENCE:
            intent = "other"
        return Prediction(intent, confidence, ranked, len(feats), tuple(matched))


@functools.cache
def default_classifier() -> IntentClassifier:
    examples: list[tuple[str, str]] = []
    keywords: dict[str, list[tuple[str, str]]] = {}
    for code, loc in locales.all_locales().items():
        for intent, texts in loc.intents.items():
            examples += [(intent, t) for t in texts]
        for intent, kws in loc.keywords.items():
            keywords.setdefault(intent, []).extend((code, fold(k)) for k in kws if k.strip())
    return IntentClassifier.train(examples, keywords)

"""Intent classification for the offline engine: naive Bayes over text features, plus keyword evidence.

Trained once per process from the `[intents]` examples of every language file
and of its training file (`training/<code>.toml`: more examples, kept apart
from the replies so the language file stays readable). One model for all
languages: their features hardly overlap, and a buyer who mixes two languages
is still understood. `[keywords]` add evidence at
classification time, found by one phrase matcher built at training time
(its cost follows the message's length, not the number of keywords).
Deterministic, no network, well under a millisecond per message after a
training step of a few seconds, made once per set of training data: the
trained model is kept in the user's cache folder under a hash of everything
it was trained from (the examples, the keywords, this module's and the text
features' code), so a process whose data did not change loads it instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import pickle
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from seabridge.agent import locale as locales
from seabridge.agent import text as text_features
from seabridge.agent.text import PhraseMatcher, borrowed, features, fold

INTENTS = (
    "greeting", "goodbye", "order_status", "delivery_time", "shipping_cost", "change_order", "cancel_order",
    "return_policy", "return_request", "refund_status", "payment_methods", "payment_problem", "invoice",
    "product_question", "product_recommendation", "size_advice", "discount", "complaint", "human_agent",
    "account", "feedback", "other",
)  # fmt: skip

# Intents that open a message before the request: their keywords are set aside to read the rest.
_OPENERS = frozenset({"greeting"})
# Thanks or praise that open a request ("thanks! and is it waterproof?", "love it, but can I switch it to L"):
# set aside when what follows is a question or uses its own intent's words.
_THANKS = frozenset({"goodbye", "feedback"})
# Where the first clause of a message ends: thanks before a request is usually a clause of its own.
# A contrast starts a clause too ("love it, but could you make it navy?").
_CLAUSE = re.compile(
    r"[,.!;:，。！；、]+\s*|\s(?:but|though|pero|mas|mais|aber|ma|però|но|ama|fakat|tapi|tetapi|nhưng|nhung)\s"
    r"|但是|不过|けど|でも|근데|하지만|그런데|แต่|لكن"
)
ALPHA = 0.3
# The n-gram features of one message are far from independent (a word and its letter pieces say the same
# thing), so their summed log-likelihoods are scaled down before the keywords and the prior are added.
EVIDENCE_SCALE = 0.3
KEYWORD_WEIGHT = 6.0
MIN_CONFIDENCE = 0.30
TRAINING = Path(__file__).parent / "training"
CACHE = Path.home() / ".cache" / "seabridge"  # trained models, by the hash of what they were trained from
KEEP_MODELS = 8


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
    matcher: PhraseMatcher[tuple[str, str]] = field(init=False)  # folded keyword -> (intent, language)
    # feature -> ((intent index, log likelihood - log unseen), ...): a message's score is the intent's
    # prior + n_features * log unseen + the sum of these gains, so only the features' own entries are read
    gains: dict[str, tuple[tuple[int, float], ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.matcher = PhraseMatcher(
            (kw, (intent, lang)) for intent, kws in self.keywords.items() for lang, kw in dict.fromkeys(kws)
        )
        gains: dict[str, list[tuple[int, float]]] = {}
        for index, intent in enumerate(INTENTS):
            unseen = self.log_unseen[intent]
            for feature, value in self.log_likelihood[intent].items():
                gains.setdefault(feature, []).append((index, value - unseen))
        self.gains = {f: tuple(g) for f, g in gains.items()}

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

    def keyword_hits(self, folded: str, language: str = "") -> dict[str, list[str]]:
        """Intent -> the keywords found: the message language's own (or any language's, as a fallback,
        when they are long enough to be specific)."""
        own: dict[str, list[str]] = {}
        foreign: dict[str, list[str]] = {}
        for start, keyword, (intent, lang) in self.matcher.spans(folded):
            if not language or lang in (language, "*"):
                hits = own.setdefault(intent, [])
            elif len(keyword) >= 4 and borrowed(folded, start, keyword, lang):
                hits = foreign.setdefault(intent, [])
            else:
                continue
            if keyword not in hits:
                hits.append(keyword)
        for intent, hits in foreign.items():
            own.setdefault(intent, hits)
        return own

    def classify(self, text: str, language: str = "") -> Prediction:
        prediction = self._classify(fold(text), language)
        if prediction.intent in _OPENERS or prediction.intent in _THANKS:
            # "hello, where is my order?": the greeting opens the message; what follows is the request
            rest = self._without(fold(text), prediction.intent)
            if rest:
                after = self._classify(rest, language)
                clear = bool(after.keywords) or after.confidence >= 0.5  # not a name or a form of address
                if prediction.intent in _THANKS:  # thanks before a request: the request has words of its own
                    asks = text.rstrip().endswith(("?", "？", "؟"))
                    clear = after.intent in after.keywords or (asks and clear)
                others = ("other", *_THANKS) if prediction.intent in _THANKS else ("other", prediction.intent)
                if after.intent not in others and after.known_features >= 2 and clear:
                    return after
            if prediction.intent in _THANKS:
                return self._after_thanks(text, language, prediction)
        return prediction

    def _after_thanks(self, text: str, language: str, prediction: Prediction) -> Prediction:
        """Thanks said in words that are no keyword ("great thanks, could you upgrade it to express?"): the
        clause after it, when it plainly asks something else."""
        parts = _CLAUSE.split(text.strip(), maxsplit=1)
        if len(parts) < 2 or len(parts[1].strip()) < 3:
            return prediction
        after = self._classify(fold(parts[1]), language)
        asks = text.rstrip().endswith(("?", "？", "؟"))
        clear = after.intent in after.keywords or (asks and after.confidence >= 0.5)
        if after.intent not in ("other", *_THANKS) and after.known_features >= 2 and clear:
            return after
        return prediction

    def _without(self, folded: str, intent: str) -> str:
        """The text with the intent's keywords taken out ("" when nothing else is left)."""
        spans = [(kw, v) for kw, v in self.matcher.find(folded) if v[0] == intent]
        for keyword, _ in sorted(spans, key=lambda span: -len(span[0])):  # "hey guys" before "hey"
            folded = folded.replace(keyword, " ", 1)
        rest = " ".join(folded.split())
        return rest if spans and len(rest.replace(" ", "")) >= 3 else ""

    def _classify(self, folded: str, language: str) -> Prediction:
        feats = [f for f in features(folded) if f in self.vocabulary]
        totals = [0.0] * len(INTENTS)
        for f in feats:
            for index, gain in self.gains[f]:
                totals[index] += gain
        scores = {
            intent: self.log_prior[intent] + EVIDENCE_SCALE * (len(feats) * self.log_unseen[intent] + totals[index])
            for index, intent in enumerate(INTENTS)
        }
        matched: list[str] = []
        for intent, hits in self.keyword_hits(folded, language).items():
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
def training_file(code: str) -> dict[str, tuple[str, ...]]:
    """Intent -> the extra examples of a language's training file (`training/<code>.toml`, `[intents]`)."""
    path = TRAINING / f"{code}.toml"
    if not path.exists():
        return {}
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return {intent: tuple(texts) for intent, texts in doc.get("intents", {}).items()}


def examples(code: str) -> dict[str, tuple[str, ...]]:
    """Intent -> every training example of a language: its language file's, then its training file's."""
    out = dict(locales.load(code).intents)
    for intent, texts in training_file(code).items():
        out[intent] = (*out.get(intent, ()), *texts)
    return out


@functools.cache
def default_classifier() -> IntentClassifier:
    training: list[tuple[str, str]] = []
    keywords: dict[str, list[tuple[str, str]]] = {}
    for code, loc in locales.all_locales().items():
        for intent, texts in examples(code).items():
            training += [(intent, t) for t in texts]
        for intent, kws in loc.keywords.items():
            keywords.setdefault(intent, []).extend((code, fold(k)) for k in kws if k.strip())
    return trained(training, keywords)


def trained(examples: list[tuple[str, str]], keywords: dict[str, list[tuple[str, str]]]) -> IntentClassifier:
    """`IntentClassifier.train`, or the model it made from the same data and code before (from `CACHE`)."""
    digest = hashlib.sha256(sys.version.encode())
    for source in (Path(__file__), Path(text_features.__file__)):
        digest.update(source.read_bytes())
    digest.update(json.dumps([examples, keywords], ensure_ascii=False).encode())
    path = CACHE / f"intents-{digest.hexdigest()[:40]}.pickle"
    try:
        with path.open("rb") as file:
            model = pickle.load(file)  # noqa: S301 - the user's own cache folder, written below
        if isinstance(model, IntentClassifier):
            return model
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    model = IntentClassifier.train(examples, keywords)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)  # whole or not at all, even with several processes starting at once
        # Each change to the training data makes a new model of several megabytes: keep the latest few.
        kept = sorted(CACHE.glob("intents-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP_MODELS:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # no writable cache folder: train again next time
    return model

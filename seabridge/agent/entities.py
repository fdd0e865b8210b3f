"""Entities in a buyer's message: order numbers, e-mail, measurements, sizes, country, budget, product words, colours.

Works on any of the agent's languages at once (a buyer may mix two), using
the word tables of the language files; numbers are read in any script that
Unicode calls decimal digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from seabridge.agent.locale import Locale
from seabridge.agent.text import contains_word, fold

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_ORDER_HASH = re.compile(r"#\s?(\d{3,8})")
_NUMBER = re.compile(r"(?<![\w.,])(\d{3,8})(?![\w.,])")
_TRACKING = re.compile(r"\b([A-Z]{2}\d{9}[A-Z]{2}|\d{10,22}|[A-Z0-9]{12,30})\b")
_MEASURE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(cm|см|厘米|公分|センチ|㎝|ซม|ซ\.ม|센티|센치|سم|kg|кг|公斤|斤|キロ|㎏|กก|กิโล|킬로|키로|كغ|كيلو|lbs?|pounds?|фунт|in\b|inch|inches|дюйм|\")",
    re.IGNORECASE,
)
_FEET = re.compile(r"(\d)\s*(?:'|ft|feet|foot)\s*(\d{1,2})?\s*(?:\"|in|inches)?", re.IGNORECASE)
_BARE_CM = re.compile(r"(?<![\d.,])(\d{2,3})(?![\d.,])")
_SIZE = re.compile(r"(?<![\w])(XXS|XS|S|M|L|XL|XXL|2XL|3XL)(?![\w])")
_EU_SIZE = re.compile(r"(?<![\d])(3[4-9]|4[0-8])(?![\d])")
_MONEY = re.compile(
    r"(?:[$€£¥₩₫฿]|usd|eur|us\$|r\$)\s*(\d+(?:[.,]\d{1,2})?)|(\d+(?:[.,]\d{1,2})?)\s*(?:[$€£¥₩₫฿]|usd|eur|dollars?|euros?|dolares|dólares|reais|долл|евро|доллар|美元|美金|ドル|달러|ดอลลาร์|دولار|lira|tl|рубл|руб)",
    re.IGNORECASE,
)
_KG = ("kg", "кг", "公斤", "キロ", "㎏", "กก", "กิโล", "킬로", "키로", "كغ", "كيلو")
_LB = ("lb", "lbs", "pound", "pounds", "фунт")
_IN = ("in", "inch", "inches", "дюйм", '"')


@dataclass(slots=True)
class Entities:
    order_numbers: list[str] = field(default_factory=list)  # "#1003"
    bare_numbers: list[str] = field(default_factory=list)  # numbers that may be an order number
    email: str = ""
    tracking_numbers: list[str] = field(default_factory=list)
    measurements: dict[str, float] = field(default_factory=dict)  # cm and kg
    sizes: list[str] = field(default_factory=list)
    country: str = ""
    max_price: Decimal | None = None
    terms: list[str] = field(default_factory=list)  # English catalog words
    colors: list[str] = field(default_factory=list)  # English colours
    latin_words: list[str] = field(default_factory=list)


def extract(text: str, locales: list[Locale]) -> Entities:
    found = Entities()
    plain = _digits(text)
    email = _EMAIL.search(plain)
    if email:
        found.email = email.group(0).strip(".").lower()
        plain_wo_email = plain.replace(email.group(0), " ")
    else:
        plain_wo_email = plain
    found.order_numbers = [f"#{n}" for n in dict.fromkeys(_ORDER_HASH.findall(plain_wo_email))]
    found.bare_numbers = [f"#{n}" for n in dict.fromkeys(_NUMBER.findall(plain_wo_email))]
    found.tracking_numbers = [t for t in dict.fromkeys(_TRACKING.findall(plain_wo_email)) if not t.isalpha()]
    folded = fold(plain_wo_email)
    _money(folded, found)
    _measurements(plain_wo_email, folded, locales, found)
    found.sizes = list(dict.fromkeys(_SIZE.findall(plain_wo_email)))
    for loc in locales:
        for name, code in loc.countries.items():
            if len(name) >= 2 and contains_word(folded, name) and not found.country:
                found.country = code
        for word, term in loc.terms.items():
            if contains_word(folded, word):
                found.terms.append(term)
        for word, color in loc.colors.items():
            if contains_word(folded, word):
                found.colors.append(color)
    found.terms = list(dict.fromkeys(found.terms))
    found.colors = list(dict.fromkeys(found.colors))
    found.latin_words = re.findall(r"[a-z]{3,}", folded)
    return found


def _digits(text: str) -> str:
    """Any Unicode decimal digit as ASCII (Arabic-Indic, full-width, Thai...)."""
    return "".join(str(int(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _money(folded: str, found: Entities) -> None:
    match = _MONEY.search(folded)
    if match:
        try:
            found.max_price = Decimal((match.group(1) or match.group(2)).replace(",", "."))
        except InvalidOperation:
            found.max_price = None


def _measurements(plain: str, folded: str, locales: list[Locale], found: Entities) -> None:
    names = [(word, measure) for loc in locales for word, measure in loc.measures.items()]
    for feet in _FEET.finditer(plain):
        inches = int(feet.group(2) or 0)
        height = round((int(feet.group(1)) * 12 + inches) * 2.54, 1)
        if 120 <= height <= 220:
            found.measurements["height"] = height
    for match in _MEASURE.finditer(plain):
        value, unit = _number(match.group(1)), match.group(2).lower()
        if unit in _KG or unit.startswith(("kg", "кг")):
            found.measurements["weight"] = value
            continue
        if unit in _LB or unit.startswith("lb"):
            found.measurements["weight"] = round(value * 0.4536, 1)
            continue
        if unit in _IN:
            value = round(value * 2.54, 1)
        measure = _named_before(folded, fold(plain[: match.start()]), names) or _guess(value)
        if measure:
            found.measurements.setdefault(measure, value)
    # "waist 80" with no unit: only when a measurement word is right before the number
    for match in _BARE_CM.finditer(plain):
        measure = _named_before(folded, fold(plain[: match.start()])[-12:], names)
        if measure and measure != "weight":
            found.measurements.setdefault(measure, float(match.group(1)))


def _named_before(folded: str, before: str, names: list[tuple[str, str]]) -> str:
    """The measurement named closest before a number (within the same clause)."""
    best, best_at = "", -1
    tail = before[-30:]
    for word, measure in names:
        at = tail.rfind(word)
        if at > best_at:
            best, best_at = measure, at
    return best


def _guess(value: float) -> str:
    if 140 <= value <= 220:
        return "height"
    if 15 <= value <= 33:
        return "foot_length"
    return ""


def eu_sizes(text: str) -> list[str]:
    return _EU_SIZE.findall(_digits(text))

"""Detection and masking of personal data in message text: cards, e-mail, phone, IBAN, patterns.

Payment cards are 13-19 digits, optionally typed in groups separated by single spaces or
dashes, that pass the Luhn check. Any Unicode decimal digit counts (full-width "４１１１" from
CJK input methods, Arabic-Indic "٤١١١"), normalized for the check only. A candidate never
splits a run of adjacent digits, and a digit group glued to a Latin letter is never part of a
card, so carrier and order tokens ("LX123456785CN", "YT2427512345678901", "#1001") are kept.

Trade-off: a bare 13-19 digit number (e.g. an 18-digit YunExpress number typed without its
"YT" prefix) passes Luhn one time in ten and is then masked. We accept over-masking a bare
number over ever storing a card number; tracking numbers travel in structured fields anyway.
An issuer-prefix (IIN) filter would halve that rate but miss new card ranges.

Detectors only report spans and replacements; no matched value is kept anywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

CARD_MIN_DIGITS = 13
CARD_MAX_DIGITS = 19
_CARD_SEPARATORS = " \u00a0\u3000\u2010\u2011\u2012\u2013\uff0d-"
_DIGIT_RUN = re.compile(rf"\d+(?:[{_CARD_SEPARATORS}]\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
_LATIN_LETTER = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ -]?\d){6,14}(?!\d)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")
IBAN_MIN_CHARS = 15
IBAN_MAX_CHARS = 34


@dataclass(frozen=True)
class Finding:
    """Personal data at `text[start:end]`, to be replaced by `replacement`."""

    reason: str
    start: int
    end: int
    replacement: str


class Detector(Protocol):
    def find(self, text: str) -> Iterator[Finding]: ...


def luhn_valid(digits: str) -> bool:
    """Luhn checksum over ASCII digits."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def ascii_digits(text: str) -> str:
    """The decimal digits of `text` as ASCII, whatever their script."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str


class CardDetector:
    """Luhn-valid payment card numbers, masked as "[card •••• 1234]"."""

    reason = "card_number"

    def find(self, text: str) -> Iterator[Finding]:
        if text.isascii():  # not digits enough in the whole text for one card: nothing to scan
            encoded = text.encode()
            if len(encoded) - len(encoded.translate(None, b"0123456789")) < CARD_MIN_DIGITS:
                return
        for run in _DIGIT_RUN.finditer(text):
            # Too few digits for any card: skip the group and Luhn work (a run shorter than the
            # minimum cannot hold enough digits; most runs are order numbers, prices, times).
            if (
                run.end() - run.start() < CARD_MIN_DIGITS
                or sum(char.isdigit() for char in run.group()) < CARD_MIN_DIGITS
            ):
                continue
            groups = [
                _Group(run.start() + m.start(), run.start() + m.end(), ascii_digits(m.group()))
                for m in _DIGIT_GROUP.finditer(run.group())
            ]
            # A group glued to a Latin letter belongs to a token such as "YT2427...".
            if run.start() > 0 and _LATIN_LETTER.match(text[run.start() - 1]):
                groups = groups[1:]
            if groups and run.end() < len(text) and _LATIN_LETTER.match(text[run.end()]):
                groups = groups[:-1]
            yield from self._cards_in(groups)

    def _cards_in(self, groups: list[_Group]) -> Iterator[Finding]:
        candidates: list[tuple[int, int, int]] = []
        for first in range(len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last].digits
                if len(digits) > CARD_MAX_DIGITS:
                    break
                if len(digits) >= CARD_MIN_DIGITS and luhn_valid(digits):
                    candidates.append((len(digits), first, last))
        # Longest first, so a stray number typed next to a card cannot leave card digits visible.
        taken: set[int] = set()
        for _, first, last in sorted(candidates, key=lambda c: (-c[0], c[1])):
            span = set(range(first, last + 1))
            if span & taken:
                continue
            taken |= span
            last_four = "".join(group.digits for group in groups[first : last + 1])[-4:]
            yield Finding(self.reason, groups[first].start, groups[last].end, f"[card •••• {last_four}]")


class EmailDetector:
    """ASCII e-mail addresses (internationalized addresses are not detected)."""

    reason = "email"

    def find(self, text: str) -> Iterator[Finding]:
        if "@" not in text:  # what the pattern needs, checked without it
            return
        for m in _EMAIL.finditer(text):
            yield Finding(self.reason, m.start(), m.end(), "[email]")


class PhoneDetector:
    """E.164-style numbers with a leading "+"; without it they are too close to order numbers."""

    reason = "phone"

    def find(self, text: str) -> Iterator[Finding]:
        for m in _PHONE.finditer(text):
            yield Finding(self.reason, m.start(), m.end(), "[phone]")


def iban_valid(compact: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN without spaces."""
    if not IBAN_MIN_CHARS <= len(compact) <= IBAN_MAX_CHARS or not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged.upper())) % 97 == 1


class IbanDetector:
    """Upper-case IBANs, compact or in groups of four, that pass mod-97."""

    reason = "iban"

    def find(self, text: str) -> Iterator[Finding]:
        for m in _IBAN.finditer(text):
            candidate = m.group()
            # The greedy match may swallow a following upper-case word; retry at group ends.
            ends = sorted({len(candidate), *(i for i, ch in enumerate(candidate) if ch == " ")}, reverse=True)
            for end in ends:
                after = m.start() + end
                if after < len(text) and text[after].isalnum():
                    continue
                if iban_valid(candidate[:end].replace(" ", "")):
                    yield Finding(self.reason, m.start(), after, "[iban]")
                    break


class PatternDetector:
    """An operator-configured regular expression (trusted configuration, not user input)."""

    def __init__(self, name: str, pattern: str) -> None:
        self.reason = name
        self._pattern = re.compile(pattern)

    def find(self, text: str) -> Iterator[Finding]:
        for m in self._pattern.finditer(text):
            if m.end() > m.start():
                yield Finding(self.reason, m.start(), m.end(), f"[{self.reason}]")


BUILTIN_DETECTORS: dict[str, type[CardDetector | EmailDetector | PhoneDetector | IbanDetector]] = {
    "card": CardDetector,
    "email": EmailDetector,
    "phone": PhoneDetector,
    "iban": IbanDetector,
}


def find_personal_data(text: str, detectors: Iterable[Detector]) -> list[Finding]:
    """Non-overlapping findings in text order; where two overlap, the longer one wins."""
    found = [finding for detector in detectors for finding in detector.find(text)]
    found.sort(key=lambda f: (-(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in found:
        if all(finding.end <= other.start or other.end <= finding.start for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)

"""What a product's description says: its sentences, and the one that answers a buyer's question.

Shops write facts in the description that no metafield holds: the fit of a
shirt ("Fit: Relaxed fit"), how long a battery lasts ("8 h playback"), what
comes in the box ("alignment frame included"), how much a hammock holds. The
description is split once into its sentences and labelled lines; a question
is answered with the labelled line of its topic, else the first sentence
with the topic's words, quoted as the shop wrote it.
"""

from __future__ import annotations

import html
import re

_BLOCK = re.compile(r"<\s*/?\s*(?:p|li|br|div|h\d|ul|ol|tr|td)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_LABEL = re.compile(r"^([A-Za-z][A-Za-z ]{1,24}):\s*(.+)$")


def sentences(body_html: str) -> tuple[str, ...]:
    """The description's sentences and labelled lines ("Fit: Relaxed fit"), markup removed, in order."""
    out: list[str] = []
    for block in _BLOCK.split(body_html or ""):
        text = " ".join(html.unescape(_TAG.sub(" ", block)).split())
        if not text:
            continue
        if _LABEL.match(text):  # "Care: Machine wash 30 °C; line dry." is one fact, however many sentences
            out.append(text.rstrip())
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(text) if s.strip())
    return tuple(dict.fromkeys(out))


# topic -> (labels the shop may write it under, words of a sentence that says it). A labelled line wins over a
# sentence; sentences are tried in the order of their patterns, then of the description.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]] = {
    "fit": (("fit", "sizing"), (re.compile(r"\bfits?\b", re.IGNORECASE),)),
    "care": (
        ("care", "care instructions", "washing"),
        (re.compile(r"\b(?:wash|washable|dishwasher|clean)", re.IGNORECASE),),
    ),
    "warranty": (("warranty", "guarantee"), (re.compile(r"\b(?:warrant|guarantee)", re.IGNORECASE),)),
    "compatibility": (
        ("compatibility", "compatible with", "works with"),
        (re.compile(r"\b(?:compatible|works with)\b", re.IGNORECASE),),
    ),
    "ships_from": (("ships from", "shipping"), (re.compile(r"\bships? from\b|\bwarehouse\b", re.IGNORECASE),)),
    "material": (("material", "materials", "fabric"), (re.compile(r"\bmade (?:of|from)\b", re.IGNORECASE),)),
    "battery": (
        ("battery", "battery life", "playback", "runtime"),
        (
            re.compile(r"\bbatter(?:y|ies)\b|\bplayback\b|\bruntime\b", re.IGNORECASE),
            re.compile(r"\b\d+(?:\.\d+)?\s*(?:h|hours?|-day|days?)\b|\blasts?\b", re.IGNORECASE),
        ),
    ),
    "included": (
        ("included", "in the box", "includes", "contents"),
        (
            re.compile(r"\bincluded?\b|\bincludes\b|\bsold separately\b|\bcomes with\b", re.IGNORECASE),
            re.compile(r"\bwith (?:a|an|two|three|four|five|\d+)\b", re.IGNORECASE),
        ),
    ),
    "load": (
        ("load", "max load", "capacity", "load capacity"),
        (re.compile(r"\b(?:holds?|supports?|carries|up to)\b[^.;]*\d\s*kg\b|\bmax(?:imum)? load\b", re.IGNORECASE),),
    ),
}


# labelled lines every product answer already says ("Material: ABS, CR2032 battery" is no battery life)
_SAID_ANYWAY = frozenset({"material", "dimensions"})


def answer(lines: tuple[str, ...], topic: str) -> str:
    """The description's words on a topic: a labelled line's value ("Relaxed fit; see the size chart..."), else
    the first sentence saying it; "" when the description does not say."""
    labels, patterns = TOPICS[topic]
    for line in lines:
        labelled = _LABEL.match(line)
        if labelled and labelled.group(1).strip().casefold() in labels:
            return labelled.group(2).strip().rstrip(".")
    # the shop's own sentences first, then other topics' lines ("Compatibility: ... (adapter included)")
    ordered = sorted(
        (line for line in lines if not (m := _LABEL.match(line)) or m.group(1).casefold() not in _SAID_ANYWAY),
        key=lambda line: _LABEL.match(line) is not None,
    )
    for pattern in patterns:
        for line in ordered:
            if pattern.search(line):
                return line.rstrip(".")
    return ""

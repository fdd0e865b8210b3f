"""Check an agent language file against the English reference: same tables, keys and placeholders.

A language's training file (seabridge/agent/training/<code>.toml), when it has
one, holds only [intents] with known intent names and non-empty examples. Its
vocabulary file (seabridge/agent/vocabulary/<code>.toml), when it has one,
holds [terms], each an English catalog word of en.toml or of
vocabulary/en.toml; optionally [modifiers] (same values), and
`false_friends`: single words of the language that only look like
English catalog words.

Usage: .venv/bin/python scripts/check_locale.py es [fr ...]
"""

from __future__ import annotations

import string
import sys
import tomllib
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "seabridge" / "agent" / "locales"
TRAINING = LOCALES.parent / "training"
VOCABULARY = LOCALES.parent / "vocabulary"
SAME_KEYS = (
    "intents",
    "keywords",
    "words",
    "payment",
    "status",
    "events",
    "reasons",
    "sentiment",
    "intent_names",
    "replies",
)
MEASURES = {"chest", "waist", "hip", "height", "weight", "foot_length"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def problems(code: str) -> list[str]:
    en = tomllib.loads((LOCALES / "en.toml").read_text(encoding="utf-8"))
    doc = tomllib.loads((LOCALES / f"{code}.toml").read_text(encoding="utf-8"))
    out: list[str] = []
    if doc.get("meta", {}).get("code") != code:
        out.append("meta.code must be the file's language code")
    for table in ("meta", *SAME_KEYS, "terms", "colors", "measures", "countries"):
        if table not in doc:
            out.append(f"missing table [{table}]")
    for table in SAME_KEYS:
        want, have = set(en[table]), set(doc.get(table, {}))
        if want - have:
            out.append(f"[{table}] missing keys: {sorted(want - have)}")
        if have - want:
            out.append(f"[{table}] unknown keys: {sorted(have - want)}")
    for intent, examples in doc.get("intents", {}).items():
        if not isinstance(examples, list) or len(examples) < 15 or not all(isinstance(e, str) and e for e in examples):
            out.append(f"[intents] {intent}: needs a list of at least 15 non-empty strings")
    for key, template in doc.get("replies", {}).items():
        if key in en["replies"] and fields(template) != fields(en["replies"][key]):
            out.append(
                f"[replies] {key}: placeholders {sorted(fields(template))} != {sorted(fields(en['replies'][key]))}"
            )
    terms = set(en["terms"].values()) | set(_vocabulary("en").values())
    out += [
        f"[terms] {k!r} -> {v!r}: not an English catalog word of en.toml"
        for k, v in doc.get("terms", {}).items()
        if v not in terms
    ]
    colors = set(en["colors"].values())
    out += [
        f"[colors] {k!r} -> {v!r}: not a colour of en.toml" for k, v in doc.get("colors", {}).items() if v not in colors
    ]
    out += [
        f"[measures] {k!r} -> {v!r}: not one of {sorted(MEASURES)}"
        for k, v in doc.get("measures", {}).items()
        if v not in MEASURES
    ]
    out += [
        f"[countries] {k!r} -> {v!r}: not an ISO code"
        for k, v in doc.get("countries", {}).items()
        if not (len(v) == 2 and v.isupper())
    ]
    out += [
        f"vocabulary [terms] {k!r} -> {v!r}: not an English catalog word of en.toml or vocabulary/en.toml"
        for k, v in _vocabulary(code).items()
        if not (isinstance(v, str) and v in terms and k.strip())
    ]
    return out + training_problems(code, set(en["intents"])) + vocabulary_problems(code)


def _vocabulary(code: str) -> dict[str, object]:
    path = VOCABULARY / f"{code}.toml"
    if not path.exists():
        return {}
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return {**doc.get("terms", {}), **doc.get("modifiers", {})}


def vocabulary_problems(code: str) -> list[str]:
    path = VOCABULARY / f"{code}.toml"
    if not path.exists():
        return []
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    out = [
        f"vocabulary: unknown table [{table}] (only [terms], [modifiers] and false_friends)"
        for table in doc
        if table not in ("terms", "modifiers", "false_friends")
    ]
    friends = doc.get("false_friends", [])
    if not isinstance(friends, list) or not all(isinstance(w, str) and w.strip() and " " not in w for w in friends):
        out.append("vocabulary false_friends: needs a list of single words")
    return out


def training_problems(code: str, intents: set[str]) -> list[str]:
    path = TRAINING / f"{code}.toml"
    if not path.exists():
        return []
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    out = [f"training: unknown table [{table}] (only [intents])" for table in doc if table != "intents"]
    for intent, examples in doc.get("intents", {}).items():
        if intent not in intents:
            out.append(f"training [intents] unknown intent {intent!r}")
        elif not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
            out.append(f"training [intents] {intent}: needs a list of non-empty strings")
    return out


def orphan_training_files() -> list[str]:
    """Training files with no language file of the same code."""
    return sorted(p.stem for p in TRAINING.glob("*.toml") if not (LOCALES / p.name).exists())


if __name__ == "__main__":
    bad = 0
    for code in orphan_training_files():
        bad += 1
        print(f"training/{code}.toml: no language file locales/{code}.toml")
    for code in sys.argv[1:]:
        found = problems(code)
        bad += len(found)
        print(f"{code}: {'ok' if not found else str(len(found)) + ' problems'}")
        for line in found:
            print("  " + line)
    sys.exit(1 if bad else 0)

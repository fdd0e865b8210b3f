"""The agent's language files (`locales/*.toml`) and locale-aware formatting through Babel (CLDR).

A language file holds everything language-specific the offline engine needs:
training examples and keywords per intent, word lists, product and colour
words mapped to the catalog's English, and the reply templates. Adding a
language is adding a file (docs/agent.md). A language's vocabulary file
(`vocabulary/<code>.toml`, optional) holds more product words in a [terms]
table; the language file's own [terms] win where both name a word. Its
[modifiers] table holds the words that name a kind alone but say what another
is made of or looks like when they come before it ("ニット" is a sweater,
"ニットのワンピース" a knit dress).
"""

from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale as BabelLocale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

from seabridge.agent.text import fold

LOCALES = Path(__file__).parent / "locales"
VOCABULARY = Path(__file__).parent / "vocabulary"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Locale:
    code: str
    name: str
    babel: BabelLocale
    direction: str
    intents: dict[str, tuple[str, ...]]
    keywords: dict[str, tuple[str, ...]]
    words: dict[str, tuple[str, ...]]
    terms: dict[str, str]  # folded local word -> English catalog word
    colors: dict[str, str]
    measures: dict[str, str]
    countries: dict[str, str]  # folded name -> ISO code (Babel's names and the file's extras)
    country_names: tuple[tuple[str, str], ...]  # (name as written, ISO code), for the names folding makes ambiguous
    payment: dict[str, str]
    status: dict[str, str]
    events: dict[str, str]
    reasons: dict[str, str]
    sentiment: dict[str, str]
    intent_names: dict[str, str]
    replies: dict[str, str]
    modifiers: dict[str, str] = field(default_factory=dict)  # folded local word -> English word, said before a kind

    def say(self, key: str, **values: object) -> str:
        return self.replies[key].format_map(_Strict(key, values))

    # --- formatting (CLDR) ---------------------------------------------------

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.babel)

    def number(self, value: float | int | Decimal) -> str:
        return format_decimal(value, locale=self.babel)

    def date(self, value: date | datetime, tz: str = "UTC") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(tz)).date()
        return format_date(value, format="medium", locale=self.babel)

    def weekday_time(self, value: datetime, tz: str) -> str:
        """'Monday 09:00' style, in the reader's time zone."""
        local = value.astimezone(ZoneInfo(tz))
        day = format_date(local.date(), format="EEEE", locale=self.babel)
        return f"{day} {format_time(local.time(), format='short', locale=self.babel)} ({self.tz_name(tz)})"

    def tz_name(self, tz: str) -> str:
        return tz.rsplit("/", 1)[-1].replace("_", " ")

    def join(self, items: list[str], style: Literal["standard", "or"] = "standard") -> str:
        return format_list(items, style=style, locale=self.babel) if items else ""

    def weekday(self, key: str, width: str = "abbreviated") -> str:
        return str(self.babel.days["format"][width][WEEKDAYS.index(key)])

    def country(self, code: str) -> str:
        return str(self.babel.territories.get(code.upper(), code.upper()))


class _Strict(dict[str, object]):
    def __init__(self, key: str, values: dict[str, object]) -> None:
        super().__init__(values)
        self.key = key

    def __missing__(self, name: str) -> object:
        raise KeyError(f"reply {self.key!r} needs {{{name}}}")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def available() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LOCALES.glob("*.toml")))


@functools.cache
def load(code: str) -> Locale:
    doc = tomllib.loads((LOCALES / f"{code}.toml").read_text(encoding="utf-8"))
    meta = doc["meta"]
    babel = BabelLocale.parse(meta["babel"])
    names = [(str(name), iso) for iso, name in babel.territories.items() if len(iso) == 2 and iso.isalpha()]
    names += list(doc.get("countries", {}).items())
    countries = {fold(name): iso for name, iso in names}
    return Locale(
        code=meta["code"],
        name=meta["name"],
        babel=babel,
        direction=meta.get("direction", "ltr"),
        intents={k: tuple(v) for k, v in doc["intents"].items()},
        keywords={k: tuple(v) for k, v in doc["keywords"].items()},
        words={k: tuple(v) for k, v in doc["words"].items()},
        terms={fold(k): v for k, v in {**vocabulary(code), **doc["terms"]}.items()},
        colors={fold(k): v for k, v in doc["colors"].items()},
        measures={fold(k): v for k, v in doc["measures"].items()},
        countries=countries,
        country_names=tuple(names),
        payment=dict(doc["payment"]),
        status=dict(doc["status"]),
        events=dict(doc["events"]),
        reasons=dict(doc["reasons"]),
        sentiment=dict(doc["sentiment"]),
        intent_names=dict(doc["intent_names"]),
        replies=dict(doc["replies"]),
        modifiers={fold(k): v for k, v in vocabulary(code, "modifiers").items()},
    )


def vocabulary(code: str, table: str = "terms") -> dict[str, str]:
    """A table of `vocabulary/<code>.toml` (local word -> English catalog word), if the file exists."""
    path = VOCABULARY / f"{code}.toml"
    if not path.exists():
        return {}
    return dict(tomllib.loads(path.read_text(encoding="utf-8")).get(table, {}))


@functools.cache
def false_friends(code: str) -> frozenset[str]:
    """Words of language `code` spelled like an English catalog word but meaning something else, folded:
    German "hat" (has) is no hat, Spanish "red" (a net) no colour, French "car" (because) no car. A message in
    that language does not name the English word with them (`false_friends` in `vocabulary/<code>.toml`)."""
    path = VOCABULARY / f"{code}.toml"
    if not path.exists():
        return frozenset()
    return frozenset(fold(w) for w in tomllib.loads(path.read_text(encoding="utf-8")).get("false_friends", []))


def all_locales() -> dict[str, Locale]:
    return {code: load(code) for code in available()}

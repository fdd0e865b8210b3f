"""store.toml: the shop's own settings (currency, policies, shipping zones, hours).

Errors carry row 0 and the dotted key path as column (``shipping[1].days_max``,
0-based array indexes); a TOML syntax error carries the line tomllib reports.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Callable
from datetime import time
from decimal import Decimal

from seabridge.formats.csvutil import (
    BAD_UTF8,
    MAX_ERRORS,
    ErrorCollector,
    check_amount,
    parse_amount,
    parse_country,
    parse_currency,
    parse_language,
    parse_timezone,
    show,
    unstorable,
)
from seabridge.formats.records import OpeningSpan, Policies, ShippingZone, StoreConfig

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REST_OF_WORLD = "*"

_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", re.ASCII)
_LINE = re.compile(r"at line (\d+)")


class _Table:
    """One TOML table: typed reads by key, errors named by dotted path."""

    def __init__(self, values: dict[str, object], path: str, errors: ErrorCollector) -> None:
        self.values = values
        self.path = path
        self.errors = errors
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, reason: str) -> None:
        self.errors.add(0, self.key(name), reason)

    def get(self, name: str) -> object:
        self.used.add(name)
        return self.values.get(name)

    def extra(self) -> dict[str, object]:
        return {key: value for key, value in self.values.items() if key not in self.used}

    def string(self, name: str, *, required: bool = True) -> str | None:
        value = self.get(name)
        if value is None:
            if required:
                self.error(name, "required key is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(name, "must be a non-empty string")
            return None
        return value.strip()

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.get(name)
        if value is None:
            if required:
                self.error(name, "required key is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, "must be a whole number")
            return None
        if value < 0:
            self.error(name, "must not be negative")
            return None
        return value

    def amount(self, name: str, *, required: bool = True) -> Decimal | None:
        value = self.get(name)
        if value is None:
            if required:
                self.error(name, "required key is missing")
            return None
        try:
            if isinstance(value, str):
                return parse_amount(value)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("must be a number")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError("must be a finite number")
            if value < 0:
                raise ValueError("must not be negative")
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            return check_amount(number, repr(value))
        except ValueError as exc:
            self.error(name, str(exc))
            return None

    def strings(self, name: str) -> list[str]:
        value = self.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(name, "must be a list of strings")
            return []
        return [item.strip() for item in value if item.strip()]

    def table(self, name: str) -> _Table | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(name, f"must be a table ([{self.key(name)}])")
            return None
        return _Table(value, self.key(name), self.errors)


def parse_store_toml(data: bytes, file: str = "store.toml", *, max_errors: int = MAX_ERRORS) -> StoreConfig:
    errors = ErrorCollector(file, max_errors)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        errors.add(0, None, f"{BAD_UTF8} (byte {exc.start})")
        errors.raise_if_any()
        raise  # unreachable: an error was just added
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _LINE.search(str(exc))
        errors.add(int(line.group(1)) if line else 0, None, f"invalid TOML: {exc}")
        errors.raise_if_any()
        raise
    for path in _unstorable_strings(document, ""):
        errors.add(0, path, "contains a NUL character (\\u0000), which cannot be stored")
    root = _Table(document, "", errors)
    name = root.string("name")
    language = _convert(root, "default_language", parse_language)
    languages = _languages(root, language)
    currency = _convert(root, "currency", parse_currency)
    timezone = _convert(root, "timezone", parse_timezone)
    policies = _policies(root)
    shipping = _shipping(root)
    hours = _hours(root)
    errors.raise_if_any()
    # Every None above was reported, so reaching here means all are set.
    assert name is not None
    assert language is not None
    assert currency is not None
    assert timezone is not None
    assert policies is not None
    return StoreConfig(
        name=name,
        default_language=language,
        currency=currency,
        timezone=timezone,
        policies=policies,
        shipping=shipping,
        hours=hours,
        languages=languages,
        extra=root.extra(),
    )


def _unstorable_strings(value: object, path: str) -> list[str]:
    """Dotted paths of the strings (and keys) that hold a NUL character."""
    if isinstance(value, str):
        return [path] if unstorable(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if unstorable(str(key)) else _unstorable_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _unstorable_strings(item, f"{path}[{index}]")
    return found


def _convert(table: _Table, name: str, parse_value: Callable[[str], str]) -> str | None:
    value = table.string(name)
    if value is None:
        return None
    try:
        return parse_value(value)
    except ValueError as exc:
        table.error(name, str(exc))
        return None


def _languages(root: _Table, default: str | None) -> tuple[str, ...]:
    languages: list[str] = []
    for index, value in enumerate(root.strings("languages")):
        try:
            languages.append(parse_language(value))
        except ValueError as exc:
            root.error(f"languages[{index}]", str(exc))
    if languages and default and default not in languages:
        root.error("languages", f"must include default_language {default!r}")
    return tuple(dict.fromkeys(languages))


def _policies(root: _Table) -> Policies | None:
    table = root.table("policies")
    if table is None:
        if "policies" not in root.values:
            root.error("policies", "required table [policies] is missing")
        return None
    return_days = table.integer("return_window_days")
    free_over = table.amount("free_shipping_over", required=False)
    methods = tuple(table.strings("payment_methods"))
    if return_days is None:
        return None
    return Policies(return_days, free_over, methods, extra=table.extra())


def _shipping(root: _Table) -> tuple[ShippingZone, ...]:
    value = root.get("shipping")
    if value is None:
        root.error("shipping", "at least one [[shipping]] zone is required")
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        root.error("shipping", "must be an array of tables ([[shipping]])")
        return ()
    zones: list[ShippingZone] = []
    claimed: set[str] = set()
    for index, item in enumerate(value):
        zone = _zone(_Table(item, f"shipping[{index}]", root.errors), claimed)
        if zone is not None:
            zones.append(zone)
    return tuple(zones)


def _zone(table: _Table, claimed: set[str]) -> ShippingZone | None:
    countries = _zone_countries(table, claimed)
    days_min = table.integer("days_min")
    days_max = table.integer("days_max")
    cost = table.amount("cost")
    name = table.string("name", required=False) or ""
    carrier = table.string("carrier", required=False) or ""
    if days_min is not None and days_max is not None and days_min > days_max:
        table.error("days_max", f"must be at least days_min ({days_min})")
        return None
    if not countries or days_min is None or days_max is None or cost is None:
        return None
    return ShippingZone(countries, days_min, days_max, cost, name=name, carrier=carrier)


def _zone_countries(table: _Table, claimed: set[str]) -> tuple[str, ...]:
    raw = table.get("countries")
    if raw == REST_OF_WORLD:
        raw = [REST_OF_WORLD]
    if raw is None:
        table.error("countries", "required key is missing")
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        table.error("countries", 'must be a non-empty list of country codes, or "*"')
        return ()
    countries: list[str] = []
    for index, value in enumerate(raw):
        try:
            code = REST_OF_WORLD if value.strip() == REST_OF_WORLD else parse_country(value)
        except ValueError as exc:
            table.error(f"countries[{index}]", str(exc))
            continue
        if code in claimed:
            table.error(f"countries[{index}]", f"{code!r} is already in another shipping zone")
            continue
        claimed.add(code)
        countries.append(code)
    return tuple(countries) if len(countries) == len(raw) else ()


def _hours(root: _Table) -> tuple[OpeningSpan, ...]:
    table = root.table("hours")
    if table is None:
        return ()
    for key in table.values:
        if key not in WEEKDAYS:
            table.error(key, f"unknown day; use {', '.join(WEEKDAYS)}")
    spans: list[OpeningSpan] = []
    for weekday, day in enumerate(WEEKDAYS):
        value = table.get(day)
        if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
            continue
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            table.error(day, 'must be "HH:MM-HH:MM", a list of them, or "closed"')
            continue
        spans.extend(_day_spans(table, day, weekday, texts))
    return tuple(spans)


def _day_spans(table: _Table, day: str, weekday: int, texts: list[str]) -> list[OpeningSpan]:
    spans: list[OpeningSpan] = []
    for text in texts:
        try:
            opens, closes = _span(text)
        except ValueError as exc:
            table.error(day, str(exc))
            return []
        spans.append(OpeningSpan(weekday, opens, closes))
    spans.sort(key=lambda span: span.opens)
    for earlier, later in itertools.pairwise(spans):
        if later.opens < earlier.closes:
            table.error(day, "opening hours overlap")
            return []
    return spans


def _span(text: str) -> tuple[time, time]:
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'{show(text)} is not "HH:MM-HH:MM" or "closed"')
    open_h, open_m, close_h, close_m = (int(part) for part in match.groups())
    if open_h > 23 or open_m > 59 or close_h > 24 or close_m > 59 or (close_h, close_m) > (24, 0):
        raise ValueError(f"{show(text)} is not a valid time of day")
    opens = time(open_h, open_m)
    # "24:00" means until midnight, which `time` cannot hold.
    closes = time.max if close_h == 24 else time(close_h, close_m)
    if closes <= opens:
        raise ValueError(f"{show(text)} closes before it opens (split spans that cross midnight)")
    return opens, closes

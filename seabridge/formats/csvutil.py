"""Shared reading of uploaded files: decoding, CSV headers and rows, cell validators.

Also owns `ErrorCollector`, so every format parser (CSV, JSONL, TOML) caps and
summarises its errors the same way. Nothing here does I/O: bytes in, rows out.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

from seabridge.formats.countries import is_alpha2
from seabridge.formats.records import FormatError, RowError

MAX_ERRORS = 1000
# Python's csv module refuses longer cells; `open_csv` reports them by this limit.
MAX_CELL = csv.field_size_limit()
# Largest amount whose integer cents fit the database's 64-bit integers, with room to spare.
MAX_AMOUNT_DIGITS = 16
# Whole numbers are stored in 32-bit integer columns.
MAX_INT = 2_147_483_647

# Lengths of the bounded identifier columns that values from files end up in.
MAX_HANDLE = 255
MAX_SKU = 255
MAX_EMAIL = 254
MAX_ORDER_NAME = 64
MAX_TRACKING_NUMBER = 100
MAX_CARRIER = 100
MAX_TAG = 32
MAX_SUBTAG = 64
MAX_BARCODE = 64
MAX_PHONE = 40
MAX_OPTION = 255
MAX_ATTRIBUTE_KEY = 100

BAD_UTF8 = "invalid UTF-8 bytes; save the file as UTF-8"
FORMULA = "looks like a spreadsheet formula (CSV injection)"

T = TypeVar("T")


class ErrorCollector:
    """Collects row errors up to a cap, then only counts them."""

    __slots__ = ("_errors", "_skipped", "file", "max_errors")

    def __init__(self, file: str, max_errors: int = MAX_ERRORS) -> None:
        self.file = file
        self.max_errors = max_errors
        self._errors: list[RowError] = []
        self._skipped = 0

    @property
    def count(self) -> int:
        return len(self._errors) + self._skipped

    def add(self, row: int, column: str | None, reason: str) -> None:
        if len(self._errors) < self.max_errors:
            self._errors.append(RowError(self.file, row, column, reason))
        else:
            self._skipped += 1

    def raise_if_any(self) -> None:
        if not self.count:
            return
        errors = list(self._errors)
        if self._skipped:
            reason = f"{self._skipped} more error(s) not shown (limit {self.max_errors})"
            errors.append(RowError(self.file, 0, None, reason))
        raise FormatError(self.file, errors)


# --- decoding -------------------------------------------------------------

_UNDECODABLE = re.compile("[\udc80-\udcff]")
# Control characters no text export contains, plus bytes that were not UTF-8.
_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
_SNIFF_CHARS = 65536


def decode_text(data: bytes, errors: ErrorCollector) -> str | None:
    """Decode an uploaded text file, keeping invalid bytes as lone surrogates.

    Returns None (after reporting one file-level error) when the file is not
    text at all, so a binary upload fails at once instead of row by row.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        errors.add(0, None, "file is UTF-16 text; save the file as UTF-8")
        return None
    if b"\x00" in data:
        errors.add(0, None, "file contains NUL bytes; it is a binary file, not UTF-8 text")
        return None
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    sample = text[:_SNIFF_CHARS]
    binary = len(_BINARY.findall(sample))
    if binary >= 16 and binary * 10 > len(sample):
        errors.add(0, None, "file is not UTF-8 text; save the file as UTF-8")
        return None
    return text


def has_bad_bytes(value: str) -> bool:
    return _UNDECODABLE.search(value) is not None


# --- CSV tables -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int  # record index; the header is 1
    cells: dict[str, str]
    unreadable: frozenset[str]  # columns with invalid UTF-8, already reported


class CsvTable:
    """A CSV file whose header passed the checks; iterating yields its rows."""

    def __init__(
        self,
        header: Sequence[str],
        records: Iterator[list[str]],
        errors: ErrorCollector,
        required: Sequence[str],
        check_bytes: bool,
    ) -> None:
        self.columns = tuple(name for name in header if name)
        self._indexed = [(i, name) for i, name in enumerate(header) if name]
        self._required = [(header.index(name), name) for name in required]
        self._width = len(header)
        self._records = records
        self._errors = errors
        self._check_bytes = check_bytes

    def __iter__(self) -> Iterator[CsvRow]:
        number = 1
        while True:
            number += 1
            try:
                cells = next(self._records)
            except StopIteration:
                return
            except csv.Error as exc:
                self._errors.add(number, None, csv_problem(exc))
                continue
            if not any(cell.strip() for cell in cells):
                continue
            row = self._row(number, cells)
            if row is not None:
                yield row

    def _row(self, number: int, cells: list[str]) -> CsvRow | None:
        count = len(cells)
        if count > self._width and any(cell.strip() for cell in cells[self._width :]):
            reason = f"row has {count} cells but the header has {self._width} (an unquoted comma or a stray quote?)"
            self._errors.add(number, None, reason)
            return None
        for index, name in self._required:
            if index >= count:
                reason = f"row has only {count} of {self._width} cells; column {name!r} is missing"
                self._errors.add(number, name, reason)
                return None
        values = {name: cells[i] if i < count else "" for i, name in self._indexed}
        unreadable: frozenset[str] = frozenset()
        if self._check_bytes:
            unreadable = frozenset(name for name, value in values.items() if has_bad_bytes(value))
            for name in sorted(unreadable, key=self.columns.index):
                self._errors.add(number, name, BAD_UTF8)
        return CsvRow(number, values, unreadable)


def csv_problem(exc: csv.Error) -> str:
    """A row the csv module refused, in the seller's terms."""
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {MAX_CELL} characters (if none should be, look for a quote that is not closed)"
    return f"broken CSV row ({exc}); check the quoting"


def open_csv(data: bytes, errors: ErrorCollector, required: Sequence[str]) -> CsvTable | None:
    """Decode `data` and check its header; None if the file cannot be read at all."""
    text = decode_text(data, errors)
    if text is None:
        return None
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        raw_header = next(records, None)
    except csv.Error as exc:
        reason = csv_problem(exc) if "field limit" in str(exc) else f"broken CSV header ({exc})"
        errors.add(1, None, reason)
        return None
    if raw_header is None or not any(cell.strip() for cell in raw_header):
        errors.add(0, None, "file is empty; expected a CSV header row")
        return None
    header = [cell.strip() for cell in raw_header]
    problems: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for name in header:
        if has_bad_bytes(name):
            problems.append((None, "header: " + BAD_UTF8))
        elif name and name in seen:
            problems.append((name, f"duplicate column {name!r}"))
        seen.add(name)
    missing = [name for name in required if name not in seen]
    problems += [(name, f"missing required column {name!r}") for name in missing]
    for column, reason in problems:
        errors.add(1, column, reason)
    if problems:
        return None
    return CsvTable(header, records, errors, required, has_bad_bytes(text))


class RowFields:
    """Typed access to one row's cells; every bad cell becomes a RowError."""

    __slots__ = ("_errors", "_row", "failed")

    def __init__(self, row: CsvRow, errors: ErrorCollector) -> None:
        self._row = row
        self._errors = errors
        self.failed = bool(row.unreadable)

    @property
    def number(self) -> int:
        return self._row.number

    def error(self, column: str | None, reason: str) -> None:
        self.failed = True
        self._errors.add(self._row.number, column, reason)

    def raw(self, column: str) -> str:
        """The stripped cell, "" if the column is absent or unreadable."""
        value = self._row.cells.get(column, "")
        if not value or column in self._row.unreadable:
            return ""
        return value.strip()

    def present(self, column: str) -> bool:
        return self.raw(column) != ""

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        """A free-text cell, refused if a spreadsheet would run it as a formula.

        `max_length` bounds cells that are stored in a bounded identifier column.
        """
        value = self.raw(column)
        if not value:
            if required and column not in self._row.unreadable:
                self.error(column, "a value is required")
            return ""
        if looks_like_formula(self._row.cells[column]):
            self.error(column, FORMULA)
            return ""
        if max_length is not None and len(value) > max_length:
            self.error(column, too_long(value, max_length))
            return ""
        return value

    def value(self, column: str, parse: Callable[[str], T], *, required: bool = False) -> T | None:
        value = self.raw(column)
        if not value:
            if required and column not in self._row.unreadable:
                self.error(column, "a value is required")
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.error(column, str(exc))
            return None


# --- cell validators: str in, value out, ValueError(reason) if bad ------

_FORMULA_START = ("=", "@")
_SIGNED_NUMBER = re.compile(r"[+-][0-9 ().\-]*")
# re.ASCII throughout: "\d" must not match other scripts' digits, which int() accepts.
_DECIMAL = re.compile(r"[+-]?(?:\d{1,18}(?:\.\d{0,12})?|\.\d{1,12})", re.ASCII)
_INTEGER = re.compile(r"([+-]?\d{1,18})(?:\.0*)?", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?"
    r"\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE | re.ASCII,
)
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.][^@\s]*\.[^@\s.]+")
_LANGUAGE = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")
_PHONE = re.compile(r"\+?[0-9 ().\-]{4,25}(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.IGNORECASE | re.ASCII)
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no", ""})


def show(value: str) -> str:
    """A value quoted for an error message, cut short."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def too_long(value: str, max_length: int) -> str:
    return f"is {len(value)} characters long; at most {max_length} are allowed"


def check_length(value: str, max_length: int) -> str:
    """`value`, or ValueError when it is longer than its column."""
    if len(value) > max_length:
        raise ValueError(too_long(value, max_length))
    return value


def fold(text: str) -> str:
    """Lower case, accents folded, whitespace collapsed: how search and option values compare."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(stripped.split())


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    """NUL characters and lone surrogates (from JSON escapes) cannot be stored as text."""
    return _UNSTORABLE.search(value) is not None


def looks_like_formula(value: str) -> bool:
    if value.lstrip(" \n")[:1] in ("\t", "\r"):
        return True
    head = value.strip()
    if head.startswith(_FORMULA_START):
        return True
    if head.startswith(("+", "-")):
        return _SIGNED_NUMBER.fullmatch(head) is None
    return False


def parse_decimal(value: str, *, non_negative: bool = False) -> Decimal:
    value = value.strip()
    if _DECIMAL.fullmatch(value) is None:
        if "," in value:
            raise ValueError(f"{show(value)} is not a plain number; use '.' for decimals and no thousands separators")
        raise ValueError(f"{show(value)} is not a plain decimal number (like 19.99)")
    number = Decimal(value)
    if non_negative and number < 0:
        raise ValueError(f"{show(value)} must not be negative")
    return number


def parse_amount(value: str) -> Decimal:
    """A money amount: a plain, non-negative decimal with at most two decimals (stored as cents)."""
    return check_amount(parse_decimal(value, non_negative=True), value)


def check_amount(number: Decimal, shown: str) -> Decimal:
    """ValueError unless `number` is whole cents and fits the database."""
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(f"{show(shown)} has more than two decimal places")
    if abs(number) >= Decimal(10) ** MAX_AMOUNT_DIGITS:
        raise ValueError(f"{show(shown)} is too large (at most {MAX_AMOUNT_DIGITS} digits before the point)")
    return number


def parse_int(value: str, *, non_negative: bool = False) -> int:
    """A whole number; "200.0" is accepted, as Shopify writes grams that way."""
    match = _INTEGER.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{show(value)} is not a whole number")
    number = int(match.group(1))
    if non_negative and number < 0:
        raise ValueError(f"{show(value)} must not be negative")
    if abs(number) > MAX_INT:
        raise ValueError(f"{show(value)} is too large (at most {MAX_INT})")
    return number


def parse_count(value: str) -> int:
    return parse_int(value, non_negative=True)


def parse_bool(value: str) -> bool:
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{show(value)} is not TRUE or FALSE")


def parse_datetime(value: str) -> datetime:
    """Shopify's "2024-03-01 10:22:33 +0800" or ISO 8601; naive means UTC."""
    value = value.strip()
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"{show(value)} is not a date and time (like 2024-03-01 10:22:33 +0800)")
    day, clock, offset = match.groups()
    offset = (offset or "").upper()
    if offset in ("Z", "UTC"):
        offset = "+00:00"
    elif len(offset) == 3:
        offset += ":00"
    elif len(offset) == 5:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(f"{day}T{clock or '00:00'}{offset}")
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        # Stored in UTC: a time at the very edge of the calendar must still be one in UTC.
        moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{show(value)} is not a valid date and time ({exc})") from None
    return moment


def parse_date(value: str) -> date:
    value = value.strip()
    if _DATE.fullmatch(value) is None:
        raise ValueError(f"{show(value)} is not a date (like 2024-03-01)")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{show(value)} is not a valid date ({exc})") from None


def parse_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, returned upper-case."""
    code = value.strip().upper()
    if not code.isascii() or not is_alpha2(code):
        raise ValueError(f"{show(value)} is not an ISO 3166 alpha-2 country code (like US, DE)")
    return code


def parse_currency(value: str) -> str:
    code = value.strip().upper()
    if not code.isascii() or _CURRENCY.fullmatch(code) is None:
        raise ValueError(f"{show(value)} is not a 3-letter currency code (like USD)")
    return code


def parse_email(value: str) -> str:
    """A lower-cased address; the value stays out of the message (personal data)."""
    address = value.strip().lower()
    if len(address) > MAX_EMAIL or _EMAIL.fullmatch(address) is None:
        raise ValueError("not a valid email address")
    if looks_like_formula(value):  # "=1+2@x.com" is an address by its shape, and a formula
        raise ValueError(FORMULA)
    return address


def parse_phone(value: str) -> str:
    """A phone number; the leading apostrophe Excel uses to keep text is dropped."""
    phone = value.strip().removeprefix("'").strip()
    digits = sum(char.isdigit() for char in phone)
    if _PHONE.fullmatch(phone) is None or digits < 4:
        raise ValueError("not a phone number (like +1 555 010 9999)")
    if len(phone) > MAX_PHONE:
        raise ValueError(f"a phone number may have at most {MAX_PHONE} characters")
    return phone


def parse_language(value: str) -> str:
    """A language tag such as "pt" or "pt-BR"; returns the primary tag, lower-case."""
    match = _LANGUAGE.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{show(value)} is not a language code (like en, pt-BR)")
    return match.group(1).lower()


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"Factory", "localtime"})


def parse_timezone(value: str) -> str:
    name = value.strip()
    if name not in _time_zones():
        raise ValueError(f"{show(value)} is not an IANA time zone (like Europe/Berlin)")
    return name


def split_tags(value: str) -> tuple[str, ...]:
    """Shopify's comma-separated tags, stripped, without blanks or repeats."""
    tags = (tag.strip() for tag in value.split(","))
    return tuple(dict.fromkeys(tag for tag in tags if tag))

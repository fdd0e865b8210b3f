"""store.toml → StoreConfig."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import FormatError, parse_store_toml
from seabridge.formats.records import OpeningSpan, ShippingZone

STORE = b"""\
name = "Seabridge Apparel"
default_language = "en"
languages = ["en", "pt-BR", "es"]
currency = "USD"
timezone = "Asia/Shanghai"
support_email = "help@seabridge.example"

[policies]
return_window_days = 30
free_shipping_over = 79.90
payment_methods = ["card", "paypal", "pix"]
restocking_fee = "none"

[[shipping]]
name = "Americas express"
countries = ["US", "CA", "br"]
days_min = 5
days_max = 9
cost = 9.90
carrier = "dhl"

[[shipping]]
name = "Rest of world"
countries = "*"
days_min = 10
days_max = 20
cost = 0

[hours]
mon = "09:00-18:00"
tue = ["09:00-12:30", "13:30-18:00"]
wed = "09:00-18:00"
fri = "10:00-24:00"
sat = "closed"
"""

MINIMAL = """\
name = "Shop"
default_language = "de"
currency = "EUR"
timezone = "Europe/Berlin"
[policies]
return_window_days = 14
[[shipping]]
countries = ["DE"]
days_min = 1
days_max = 3
cost = 4.95
"""


def errors_of(text: str) -> list[tuple[int, str | None, str]]:
    with pytest.raises(FormatError) as caught:
        parse_store_toml(text.encode())
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def test_reads_a_store_file() -> None:
    store = parse_store_toml(STORE)
    assert store.name == "Seabridge Apparel"
    assert (store.default_language, store.languages) == ("en", ("en", "pt", "es"))
    assert (store.currency, store.timezone) == ("USD", "Asia/Shanghai")
    assert store.extra == {"support_email": "help@seabridge.example"}

    assert store.policies.return_window_days == 30
    assert store.policies.free_shipping_over == Decimal("79.90")
    assert store.policies.payment_methods == ("card", "paypal", "pix")
    assert store.policies.extra == {"restocking_fee": "none"}

    assert store.shipping == (
        ShippingZone(("US", "CA", "BR"), 5, 9, Decimal("9.9"), name="Americas express", carrier="dhl"),
        ShippingZone(("*",), 10, 20, Decimal(0), name="Rest of world"),
    )
    assert store.hours == (
        OpeningSpan(0, time(9), time(18)),
        OpeningSpan(1, time(9), time(12, 30)),
        OpeningSpan(1, time(13, 30), time(18)),
        OpeningSpan(2, time(9), time(18)),
        OpeningSpan(4, time(10), time.max),  # thu, sat, sun closed
    )


def test_minimal_store_has_defaults() -> None:
    store = parse_store_toml(MINIMAL.encode())
    assert store.languages == ()
    assert store.hours == ()
    assert store.policies.free_shipping_over is None
    assert store.policies.payment_methods == ()
    assert store.shipping[0].cost == Decimal("4.95")


def test_syntax_error_is_one_error_with_the_line() -> None:
    errors = errors_of('name = "Shop"\ncurrency = EUR\n')
    assert len(errors) == 1
    row, column, reason = errors[0]
    assert (row, column) == (2, None)
    assert reason.startswith("invalid TOML: ")
    assert "line 2" in reason


def test_missing_keys_and_tables() -> None:
    errors = errors_of('name = "Shop"\n')
    assert [(row, column) for row, column, _ in errors] == [
        (0, "default_language"),
        (0, "currency"),
        (0, "timezone"),
        (0, "policies"),
        (0, "shipping"),
    ]


def test_bad_values_name_their_dotted_path() -> None:
    text = (
        MINIMAL.replace('"Europe/Berlin"', '"Europe/Berlinn"')
        .replace('"EUR"', '"EURO"')
        .replace("return_window_days = 14", "return_window_days = -1\nfree_shipping_over = 'lots'")
        .replace("days_max = 3", "days_max = 0")
        .replace("cost = 4.95", "cost = -1")
        .replace('["DE"]', '["DE", "Germany"]')
    )
    text += '\n[hours]\nmon = "9-5"\ntue = true\nwed = ["09:00-13:00", "12:00-18:00"]\nfunday = "closed"\n'
    errors = errors_of(text)
    assert [column for _, column, _ in errors] == [
        "currency",
        "timezone",
        "policies.return_window_days",
        "policies.free_shipping_over",
        "shipping[0].countries[1]",
        "shipping[0].cost",
        "shipping[0].days_max",
        "hours.funday",
        "hours.mon",
        "hours.tue",
        "hours.wed",
    ]
    assert all(row == 0 for row, _, _ in errors)
    reasons = {column: reason for _, column, reason in errors}
    assert reasons["shipping[0].days_max"] == "must be at least days_min (1)"
    assert reasons["hours.wed"] == "opening hours overlap"
    assert "IANA" in reasons["timezone"]


def test_a_country_in_two_zones_and_two_rest_of_world_zones() -> None:
    zone = "\n[[shipping]]\ncountries = {countries}\ndays_min = 1\ndays_max = 2\ncost = 1\n"
    text = MINIMAL + zone.format(countries='["de", "AT"]') + zone.format(countries='"*"') * 2
    errors = errors_of(text)
    assert errors == [
        (0, "shipping[1].countries[0]", "'DE' is already in another shipping zone"),
        (0, "shipping[3].countries[0]", "'*' is already in another shipping zone"),
    ]


def test_shipping_must_be_an_array_of_tables() -> None:
    text = MINIMAL.replace("[[shipping]]", "[shipping]")
    assert errors_of(text) == [(0, "shipping", "must be an array of tables ([[shipping]])")]


def test_spans_crossing_midnight_and_bad_clock_times() -> None:
    errors = errors_of(MINIMAL + '[hours]\nfri = "20:00-02:00"\nsat = "08:00-25:00"\n')
    assert [(column, reason.split(" ", 1)[1]) for _, column, reason in errors] == [
        ("hours.fri", "closes before it opens (split spans that cross midnight)"),
        ("hours.sat", "is not a valid time of day"),
    ]


def test_default_language_must_be_among_languages() -> None:
    text = MINIMAL.replace('default_language = "de"', 'default_language = "de"\nlanguages = ["en", "x1"]')
    assert [column for _, column, _ in errors_of(text)] == ["languages[1]", "languages"]


def test_non_utf8_file() -> None:
    with pytest.raises(FormatError) as caught:
        parse_store_toml(MINIMAL.replace("Shop", "Caf\xe9").encode("latin-1"))
    (error,) = caught.value.errors
    assert (error.file, error.row) == ("store.toml", 0)
    assert error.reason.startswith("invalid UTF-8 bytes")


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=500) | st.text(max_size=500).map(str.encode))
def test_any_bytes_give_a_config_or_format_error(data: bytes) -> None:
    try:
        store = parse_store_toml(data)
    except FormatError as exc:
        failure: FormatError | None = exc
    else:
        failure = None
        assert store.shipping
    assert failure is None or failure.errors

"""csvutil: decoding, header and row checks, cell validators; countries."""

from __future__ import annotations

import codecs
import csv
import io
import zoneinfo
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import countries
from seabridge.formats.csvutil import (
    BAD_UTF8,
    ErrorCollector,
    RowFields,
    decode_text,
    looks_like_formula,
    open_csv,
    parse_amount,
    parse_bool,
    parse_country,
    parse_currency,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_email,
    parse_int,
    parse_language,
    parse_phone,
    parse_timezone,
    split_tags,
)
from seabridge.formats.records import FormatError, RowError


def read(data: bytes, required: tuple[str, ...] = ("Handle",)) -> tuple[list[dict[str, str]], list[RowError]]:
    errors = ErrorCollector("t.csv")
    table = open_csv(data, errors, required)
    rows = [row.cells | {"#": str(row.number)} for row in table] if table is not None else []
    try:
        errors.raise_if_any()
    except FormatError as exc:
        return rows, exc.errors
    return rows, []


# --- validators -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("19.99", "19.99"), ("0", "0"), (" 7.5 ", "7.5"), ("-20", "-20"), (".5", "0.5")],
)
def test_parse_decimal_accepts_plain_numbers(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,299.00", "NaN", "inf", "-Infinity", "1e3", "$5", "5 EUR", "", "1.2.3", "١٢"])
def test_parse_decimal_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="not a plain"):
        parse_decimal(text)


def test_parse_decimal_explains_thousands_separators() -> None:
    with pytest.raises(ValueError, match="no thousands separators"):
        parse_decimal("1.299,00")


def test_amounts_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        parse_amount("-0.01")
    assert parse_amount("0.00") == Decimal("0.00")


def test_parse_int() -> None:
    assert parse_int("12") == 12
    assert parse_int("-3") == -3
    assert parse_int("200.0") == 200  # Shopify writes grams this way
    for bad in ("1.5", "1e3", "ten", "1 000"):
        with pytest.raises(ValueError, match="whole number"):
            parse_int(bad)
    with pytest.raises(ValueError, match="negative"):
        parse_int("-1", non_negative=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("TRUE", True), ("true", True), ("yes", True), ("FALSE", False), ("no", False), ("", False)],
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


def test_parse_bool_rejects_other_words() -> None:
    with pytest.raises(ValueError, match="TRUE or FALSE"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2024-03-01 10:22:33 +0800",
            datetime(2024, 3, 1, 10, 22, 33, tzinfo=timezone(timedelta(hours=8))),
        ),
        (
            "2024-03-01 10:22:33 -0500",
            datetime(2024, 3, 1, 10, 22, 33, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("2024-03-01T10:22:33Z", datetime(2024, 3, 1, 10, 22, 33, tzinfo=UTC)),
        (
            "2024-03-01T10:22:33.5+05:30",
            datetime(2024, 3, 1, 10, 22, 33, 500000, tzinfo=timezone(timedelta(hours=5.5))),
        ),
        ("2024-03-01 10:22:33", datetime(2024, 3, 1, 10, 22, 33, tzinfo=UTC)),
        ("2024-03-01 10:22 UTC", datetime(2024, 3, 1, 10, 22, tzinfo=UTC)),
    ],
)
def test_parse_datetime_returns_aware_times(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text", ["01/03/2024 10:22", "2024-13-01 10:00:00", "2024-02-30", "yesterday", "2024-03-01 25:00"]
)
def test_parse_datetime_rejects_bad_dates(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_datetime(text)


def test_parse_date() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for bad in ("2023-02-29", "20240301", "2024-W09-1", "1/3/2024"):
        with pytest.raises(ValueError, match="date"):
            parse_date(bad)


def test_parse_country_and_currency() -> None:
    assert parse_country("us") == "US"
    assert parse_country("XK") == "XK"
    for bad in ("USA", "XX", "U", ""):
        with pytest.raises(ValueError, match="alpha-2"):
            parse_country(bad)
    assert parse_currency("EUR") == "EUR"
    for bad in ("EURO", "€", "E1R"):
        with pytest.raises(ValueError, match="currency"):
            parse_currency(bad)


def test_parse_email_lower_cases_and_keeps_the_address_out_of_messages() -> None:
    assert parse_email(" Ana.Silva@Example.COM ") == "ana.silva@example.com"
    for bad in ("ana.silva", "ana@localhost", "ana silva@example.com", "a@@b.com", "@b.com"):
        with pytest.raises(ValueError, match=r"^not a valid email address$"):
            parse_email(bad)


def test_parse_phone() -> None:
    assert parse_phone("+1 (555) 010-9999") == "+1 (555) 010-9999"
    assert parse_phone("'+4915112345678") == "+4915112345678"  # Excel's text marker
    assert parse_phone("030 1234567 ext. 12") == "030 1234567 ext. 12"
    for bad in ("=1+2", "call me", "12", "+1 555 CALL NOW"):
        with pytest.raises(ValueError, match="not a phone number"):
            parse_phone(bad)


def test_parse_language_and_timezone() -> None:
    assert parse_language("pt-BR") == "pt"
    assert parse_language("EN") == "en"
    with pytest.raises(ValueError, match="language"):
        parse_language("english")
    assert parse_timezone("Asia/Shanghai") == "Asia/Shanghai"
    for bad in ("Mars/Olympus", "/etc/passwd", "../UTC", "Factory", "America", ""):
        with pytest.raises(ValueError, match="IANA"):
            parse_timezone(bad)


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A9)",
        "  =1+1",
        "@SUM(A1)",
        "\t=cmd",
        "\r=cmd",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "-HYPERLINK(1)",
    ],
)
def test_formulas_are_detected(text: str) -> None:
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["Linen Shirt", "+1 (555) 010-9999", "-20", "-12.5", "e-mail me", "#1001", "", "100%"])
def test_plain_text_is_not_a_formula(text: str) -> None:
    assert not looks_like_formula(text)


def test_split_tags() -> None:
    assert split_tags(" linen, summer,,Linen , summer") == ("linen", "summer", "Linen")
    assert split_tags("") == ()


# --- decoding and tables ------------------------------------------------------


def test_utf8_bom_is_stripped() -> None:
    rows, errors = read(codecs.BOM_UTF8 + b"Handle,Title\ntee,Tee\n")
    assert errors == []
    assert rows == [{"Handle": "tee", "Title": "Tee", "#": "2"}]


def test_utf16_file_is_refused_with_a_hint() -> None:
    _, errors = read("Handle\ntee\n".encode("utf-16"))
    assert [(e.row, e.reason) for e in errors] == [(0, "file is UTF-16 text; save the file as UTF-8")]


def test_binary_file_without_nul_is_refused_once() -> None:
    errors = ErrorCollector("t.csv")
    assert decode_text(bytes(range(1, 256)) * 100, errors) is None
    assert errors.count == 1


def test_invalid_utf8_is_reported_by_row_and_column() -> None:
    data = "Handle,City\ntee,Zürich\nmug,Genève\n".encode("cp1252")
    rows, errors = read(data)
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "City", BAD_UTF8),
        (3, "City", BAD_UTF8),
    ]
    assert len(rows) == 2


def test_unreadable_cell_is_not_reported_twice() -> None:
    errors = ErrorCollector("t.csv")
    table = open_csv(b"Handle,Title\ntee,\xff\n", errors, ("Handle", "Title"))
    assert table is not None
    (row,) = list(table)
    fields = RowFields(row, errors)
    assert fields.failed
    assert fields.text("Title", required=True) == ""
    assert errors.count == 1


def test_header_problems_stop_before_the_rows() -> None:
    _, errors = read(b"Handle,Title,Title,Vendor\n=1,x,y,z\n", required=("Handle", "Price"))
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (1, "Title", "duplicate column 'Title'"),
        (1, "Price", "missing required column 'Price'"),
    ]


def test_unknown_and_unnamed_columns_are_ignored() -> None:
    rows, errors = read(b" Handle ,Favourite colour,,\ntee,blue,,\n")
    assert errors == []
    assert rows == [{"Handle": "tee", "Favourite colour": "blue", "#": "2"}]


def test_empty_file() -> None:
    _, errors = read(b"")
    assert [(e.row, e.reason) for e in errors] == [(0, "file is empty; expected a CSV header row")]


def test_rows_are_numbered_as_records_and_blank_lines_count() -> None:
    data = b'Handle,Note\ntee,"two\nlines"\n\nmug,x\n,\n'
    rows, errors = read(data)
    assert errors == []
    assert [(row["Handle"], row["#"]) for row in rows] == [("tee", "2"), ("mug", "4")]
    assert rows[0]["Note"] == "two\nlines"


def test_short_and_long_rows() -> None:
    data = b"Handle,Title,Price\ntee\nmug,Mug,5,extra\ncap,Cap,5,,\n"
    rows, errors = read(data, required=("Handle", "Title"))
    assert [(e.row, e.column) for e in errors] == [(2, "Title"), (3, None)]
    assert "only 1 of 3 cells" in errors[0].reason
    assert "4 cells but the header has 3" in errors[1].reason
    assert [row["Handle"] for row in rows] == ["cap"]  # trailing empty cells are harmless


def test_broken_quoting_is_a_row_error() -> None:
    rows, errors = read(b'Handle,Title\ntee,"Tee" shirt\nmug,Mug\n')
    assert [(e.row, e.column) for e in errors] == [(2, None)]
    assert "check the quoting" in errors[0].reason
    assert [row["Handle"] for row in rows] == ["mug"]


def test_a_huge_field_from_a_missing_quote_is_one_error() -> None:
    data = b'Handle,Title\ntee,"' + b"x" * 200_000 + b"\n" + b"mug,Mug\n" * 10
    _, errors = read(data)
    assert len(errors) == 1
    assert errors[0].row == 2


def test_error_collector_caps_and_summarises() -> None:
    errors = ErrorCollector("t.csv", max_errors=1000)
    for row in range(1005):
        errors.add(row + 2, "Price", "bad")
    assert errors.count == 1005
    with pytest.raises(FormatError) as caught:
        errors.raise_if_any()
    assert len(caught.value.errors) == 1001
    assert caught.value.errors[-1] == RowError("t.csv", 0, None, "5 more error(s) not shown (limit 1000)")
    assert str(caught.value) == "t.csv: 1001 error(s)"


def test_no_errors_means_no_raise() -> None:
    ErrorCollector("t.csv").raise_if_any()


CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('\n\r\t,"; '),
    max_size=12,
)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.lists(CELL, min_size=2, max_size=2), max_size=8))
def test_written_rows_read_back(cells: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["Handle", "Note"], *cells])
    rows, errors = read(buffer.getvalue().encode())
    assert errors == []
    expected = [{"Handle": handle, "Note": note} for handle, note in cells if handle.strip() or note.strip()]
    assert [{k: v for k, v in row.items() if k != "#"} for row in rows] == expected


# --- countries ------------------------------------------------------------------


def test_country_tables() -> None:
    assert len(countries.ALPHA3_TO_ALPHA2) == 250  # 249 ISO codes plus Kosovo
    assert countries.alpha2_from_alpha3("DEU") == "DE"
    assert countries.alpha2_from_alpha3("gbr") == "GB"
    assert countries.alpha2_from_alpha3("XYZ") is None
    assert countries.is_alpha2("JP")
    assert not countries.is_alpha2("jp")
    assert countries.default_language("BR") == "pt"
    assert countries.default_timezone("br") == "America/Sao_Paulo"
    assert countries.default_language("AQ") is None
    assert countries.default_timezone("AQ") is None


def test_every_market_has_a_real_zone_and_a_language_tag() -> None:
    zones = zoneinfo.available_timezones()
    assert len(countries.MARKETS) >= 60
    for alpha2, (language, zone) in countries.MARKETS.items():
        assert countries.is_alpha2(alpha2), alpha2
        assert zone in zones, zone
        assert language.isalpha(), language
        assert language.islower(), language
        assert 2 <= len(language) <= 3, language

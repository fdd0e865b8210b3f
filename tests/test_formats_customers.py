"""Shopify customer export (both header generations) → CustomerRecord."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import FormatError, parse_customers
from seabridge.formats.csvutil import BAD_UTF8, FORMULA

CURRENT_EXPORT = """\
Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,\
Default Address Address1,Default Address Address2,Default Address City,\
Default Address Province Code,Default Address Country Code,Default Address Zip,\
Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags,\
Language,Time Zone
'7401234567890,Ana,Silva,Ana.Silva@Example.com,yes,,Av. Paulista 1000,,São Paulo,SP,BR,01310-100,\
,'+5511912345678,no,97.90,1,,no,"vip, newsletter",pt-BR,America/Sao_Paulo
'7401234567891,Kenji,Sato,kenji@example.jp,no,,1-1 Umeda,,Osaka,27,JP,530-0001,+81 6 1234 5678,,no,\
0.00,0,,no,,,
""".encode()

OLDER_EXPORT = b"""\
First Name,Last Name,Email,Accepts Marketing,Company,Address1,Address2,City,Province,Province Code,\
Country,Country Code,Zip,Phone,Total Spent,Total Orders,Tags,Note,Tax Exempt
Lena,Fischer,lena@example.de,TRUE,,Hauptstr. 5,,Berlin,,,Germany,DE,10115,+49 30 1234567,\
120.00,3,wholesale,,FALSE
"""

HEADER = "Email,First Name,Language,Time Zone"


def errors_of(data: bytes) -> list[tuple[int, str | None, str]]:
    with pytest.raises(FormatError) as caught:
        parse_customers(data)
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join((header, *lines)).encode() + b"\n"


def test_reads_the_current_export_with_seabridge_columns() -> None:
    ana, kenji = parse_customers(CURRENT_EXPORT)
    assert ana.email == "ana.silva@example.com"
    assert (ana.first_name, ana.last_name) == ("Ana", "Silva")
    assert ana.phone == "+5511912345678"
    assert (ana.city, ana.country) == ("São Paulo", "BR")
    assert (ana.language, ana.timezone) == ("pt", "America/Sao_Paulo")
    assert ana.accepts_marketing is True
    assert ana.tags == ("vip", "newsletter")
    assert ana.row == 2

    assert kenji.phone == "+81 6 1234 5678"  # falls back to the address phone
    assert (kenji.language, kenji.timezone) == ("", "")
    assert kenji.accepts_marketing is False
    assert kenji.tags == ()
    assert kenji.row == 3


def test_reads_the_older_export() -> None:
    (lena,) = parse_customers(OLDER_EXPORT)
    assert lena.email == "lena@example.de"
    assert (lena.city, lena.country) == ("Berlin", "DE")
    assert lena.accepts_marketing is True
    assert lena.tags == ("wholesale",)
    assert (lena.language, lena.timezone) == ("", "")


def test_missing_email_column() -> None:
    data = b"First Name,Last Name\nAna,Silva\n"
    assert errors_of(data) == [(1, "Email", "missing required column 'Email'")]


def test_email_required_and_valid() -> None:
    errors = errors_of(csv_bytes(",Ana,,", "ana-at-example.com,Ana,,"))
    assert errors == [
        (2, "Email", "a value is required"),
        (3, "Email", "not a valid email address"),
    ]


def test_duplicate_email_ignores_case_and_is_reported_on_the_second_row() -> None:
    errors = errors_of(csv_bytes("ana@example.com,Ana,,", "x@example.com,X,,", "ANA@example.com,A,,"))
    assert errors == [(4, "Email", "duplicate email, already used on row 2")]


def test_language_and_time_zone_are_validated() -> None:
    errors = errors_of(csv_bytes("ana@example.com,Ana,Portuguese,Brazil/Sao Paulo"))
    assert [(row, column) for row, column, _ in errors] == [(2, "Language"), (2, "Time Zone")]
    assert "IANA" in errors[1][2]


def test_bad_country_and_marketing_flag() -> None:
    header = "Email,Default Address Country Code,Accepts Email Marketing"
    errors = errors_of(csv_bytes("ana@example.com,Brazil,sometimes", header=header))
    assert [(row, column) for row, column, _ in errors] == [
        (2, "Default Address Country Code"),
        (2, "Accepts Email Marketing"),
    ]


def test_csv_injection_in_a_name_but_phone_numbers_pass() -> None:
    header = "Email,First Name,Phone"
    data = csv_bytes(
        'ana@example.com,"=HYPERLINK(""http://x.example"",""Click"")",+1 (555) 010-9999',
        "bo@example.com,-Bo,+44 20 7946 0958",
        "cy@example.com,Cy,+44 20 7946 0958",
        header=header,
    )
    assert errors_of(data) == [(2, "First Name", FORMULA), (3, "First Name", FORMULA)]


def test_non_utf8_name_reports_row_and_column() -> None:
    data = csv_bytes("ana@example.com,Jos\xe9,,").replace(b"Jos\xc3\xa9", b"Jos\xe9")
    assert errors_of(data) == [(2, "First Name", BAD_UTF8)]


def test_broken_row_and_nul_bytes() -> None:
    errors = errors_of(csv_bytes('ana@example.com,"Ana"x,,'))
    assert errors[0][0] == 2
    assert "check the quoting" in errors[0][2]
    errors = errors_of(b"Email\x00\x00\x00\nana@example.com\n")
    assert len(errors) == 1
    assert "NUL" in errors[0][2]


def test_error_cap() -> None:
    data = csv_bytes(*(f"customer{i}-at-example.com,C,," for i in range(1001)))
    errors = errors_of(data)
    assert len(errors) == 1001
    assert errors[-1] == (0, None, "1 more error(s) not shown (limit 1000)")


@settings(max_examples=150, deadline=None, database=None)
@given(st.binary(max_size=3000))
def test_any_bytes_after_a_header_give_records_or_format_error(data: bytes) -> None:
    try:
        customers = parse_customers(HEADER.encode() + b"\n" + data)
    except FormatError as exc:
        failure: FormatError | None = exc
    else:
        failure = None
        assert len({customer.email for customer in customers}) == len(customers)
    assert failure is None or failure.errors

"""Shopify order export → OrderRecord."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import FormatError, parse_orders
from seabridge.formats.csvutil import BAD_UTF8, FORMULA

EXPORT = """\
Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,\
Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,\
Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,\
Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing City,\
Billing Country,Shipping Name,Shipping City,Shipping Zip,Shipping Country,Shipping Phone,Notes,\
Cancelled at,Payment Method,Refunded Amount,Vendor,Id,Tags,Risk Level,Source,Phone
#1001,Ana.Silva@Example.com,paid,2024-03-01 10:23:01 +0800,fulfilled,2024-03-02 09:00:00 +0800,\
yes,USD,98.00,9.90,0.00,97.90,SPRING10,10.00,DHL Express,2024-03-01 10:22:33 +0800,1,\
Linen Shirt - S / White,49.00,,LS-S-WHT,true,true,fulfilled,Ana Silva,São Paulo,BR,Ana Silva,\
São Paulo,01310-100,BR,+55 11 91234-5678,,,Shopify Payments,0.00,Seabridge Apparel,5512345678901,,\
Low,web,+55 11 91234-5678
#1002,kenji@example.jp,pending,,,,no,JPY,5400,0,490,5400,,0,Japan Post,2024-03-03T08:00:00+09:00,\
2,Canvas Tote,2700,,TOTE-NAT,true,true,pending,,,,Kenji Sato,Osaka,,JP,,,,manual,,\
Seabridge Apparel,5512345678902,,,web,
#1001,Ana.Silva@Example.com,,,,,,,,,,,,,,2024-03-01 10:22:33 +0800,1,Linen Shirt - M / White,\
49.00,,LS-M-WHT,true,true,fulfilled,,,,,,,,,,,,,Seabridge Apparel,,,,,
""".encode()

HEADER = (
    "Name,Email,Financial Status,Fulfillment Status,Currency,Total,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price"
)
GOOD = "#1001,ana@example.com,paid,fulfilled,EUR,20.00,2024-03-01 10:22:33 +0100,1,Tote,20.00"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join((header, *lines)).encode() + b"\n"


def errors_of(data: bytes) -> list[tuple[int, str | None, str]]:
    with pytest.raises(FormatError) as caught:
        parse_orders(data)
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def test_reads_a_shopify_export() -> None:
    ana, kenji = parse_orders(EXPORT)

    assert ana.name == "#1001"
    assert ana.email == "ana.silva@example.com"
    assert (ana.financial_status, ana.fulfillment_status) == ("paid", "fulfilled")
    assert ana.currency == "USD"
    assert (ana.subtotal, ana.shipping, ana.taxes, ana.discount, ana.total) == (
        Decimal("98.00"),
        Decimal("9.90"),
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("97.90"),
    )
    plus8 = timezone(timedelta(hours=8))
    assert ana.created_at == datetime(2024, 3, 1, 10, 22, 33, tzinfo=plus8)
    assert ana.created_at.utcoffset() == timedelta(hours=8)
    assert ana.paid_at == datetime(2024, 3, 1, 2, 23, 1, tzinfo=UTC)
    assert ana.fulfilled_at == datetime(2024, 3, 2, 9, tzinfo=plus8)
    assert ana.cancelled_at is None
    assert (ana.shipping_name, ana.shipping_city, ana.shipping_country) == (
        "Ana Silva",
        "São Paulo",
        "BR",
    )
    assert ana.shipping_method == "DHL Express"
    assert ana.payment_method == "Shopify Payments"
    assert ana.phone == "+55 11 91234-5678"
    assert ana.row == 2
    # The third row belongs to #1001 although #1002 sits between them.
    assert [(line.sku, line.quantity, line.price, line.row) for line in ana.lines] == [
        ("LS-S-WHT", 1, Decimal("49.00"), 2),
        ("LS-M-WHT", 1, Decimal("49.00"), 4),
    ]
    assert ana.lines[1].name == "Linen Shirt - M / White"

    assert kenji.fulfillment_status == "unfulfilled"  # empty means unfulfilled
    assert kenji.financial_status == "pending"
    assert kenji.paid_at is None
    assert kenji.total == Decimal("5400")
    assert kenji.phone == ""
    assert [(line.name, line.quantity) for line in kenji.lines] == [("Canvas Tote", 2)]


def test_statuses_are_lower_cased() -> None:
    (order,) = parse_orders(csv_bytes(GOOD.replace("paid,fulfilled", "Partially refunded,PARTIAL")))
    assert (order.financial_status, order.fulfillment_status) == ("partially_refunded", "partial")


def test_optional_amounts_default_to_zero_and_email_may_be_empty() -> None:
    (order,) = parse_orders(csv_bytes(GOOD.replace("ana@example.com", "")))
    assert order.email == ""
    assert (order.subtotal, order.shipping, order.taxes, order.discount) == (Decimal(0),) * 4
    assert order.lines[0].sku == ""


def test_missing_required_column() -> None:
    header = HEADER.replace(",Created at", "")
    data = csv_bytes(GOOD.replace(",2024-03-01 10:22:33 +0100", ""), header=header)
    assert errors_of(data) == [(1, "Created at", "missing required column 'Created at'")]


def test_bad_date_number_and_status_are_all_reported() -> None:
    bad = (
        "#1001,ana@example.com,settled,shipped,EUR,20;00,03/01/2024 10:22,1,Tote,20.00",
        "#1002,not-an-email,paid,,EUR,10.00,2024-03-01,0,Mug,-3",
    )
    errors = errors_of(csv_bytes(*bad))
    assert [(row, column) for row, column, _ in errors] == [
        (2, "Financial Status"),
        (2, "Fulfillment Status"),
        (2, "Total"),
        (2, "Created at"),
        (3, "Email"),
        (3, "Lineitem quantity"),
        (3, "Lineitem price"),
    ]
    assert errors[3][2].startswith("'03/01/2024 10:22' is not a date and time")
    assert errors[4][2] == "not a valid email address"
    assert errors[5][2] == "must be at least 1"


def test_first_row_needs_the_order_fields() -> None:
    errors = errors_of(csv_bytes("#1001,,,,,,,1,Tote,20.00"))
    assert [(row, column, reason) for row, column, reason in errors] == [
        (2, "Financial Status", "a value is required"),
        (2, "Currency", "a value is required"),
        (2, "Total", "a value is required"),
        (2, "Created at", "a value is required"),
    ]


def test_shipping_country_must_be_alpha2() -> None:
    header = HEADER + ",Shipping Country"
    errors = errors_of(csv_bytes(GOOD + ",BRA", header=header))
    assert [(row, column) for row, column, _ in errors] == [(2, "Shipping Country")]


def test_csv_injection_in_shipping_name() -> None:
    header = HEADER + ",Shipping Name"
    errors = errors_of(csv_bytes(GOOD + ",@SUM(1+1)*cmd|' /C calc'!A0", header=header))
    assert errors == [(2, "Shipping Name", FORMULA)]


def test_non_utf8_bytes_in_lineitem_name() -> None:
    data = csv_bytes(GOOD.replace("Tote", "Sac \xe0 main")).replace(b"\xc3\xa0", b"\xe0")
    assert errors_of(data) == [(2, "Lineitem name", BAD_UTF8)]


def test_broken_quoting() -> None:
    errors = errors_of(csv_bytes(GOOD.replace("Tote", '"Tote" bag')))
    assert len(errors) == 1
    assert errors[0][0] == 2
    assert "check the quoting" in errors[0][2]


def test_binary_garbage_is_one_error() -> None:
    data = random.Random(3).randbytes(50 * 1024 * 1024)
    errors = errors_of(data)
    assert len(errors) == 1
    assert errors[0][0] == 0


def test_error_cap() -> None:
    bad_rows = [f"#{i},ana@example.com,paid,,EUR,lots,2024-03-01,1,Tote,1" for i in range(1500)]
    errors = errors_of(csv_bytes(*bad_rows))
    assert len(errors) == 1001
    assert errors[-1] == (0, None, "500 more error(s) not shown (limit 1000)")


@settings(max_examples=150, deadline=None, database=None)
@given(
    quantity=st.integers(min_value=1, max_value=10_000),
    cents=st.integers(min_value=0, max_value=10**9),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
)
def test_generated_rows_round_trip(quantity: int, cents: int, offset_minutes: int) -> None:
    price = Decimal(cents) / 100
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    created = f"2024-03-01 10:22:33 {sign}{hours:02d}{minutes:02d}"
    row = f"#1,a@b.co,paid,,EUR,{price},{created},{quantity},Tote,{price}"
    (order,) = parse_orders(csv_bytes(row))
    assert order.total == price
    assert order.lines[0].quantity == quantity
    assert order.created_at.utcoffset() == timedelta(minutes=offset_minutes)

"""orders.csv: Shopify's order export, one row per line item, grouped by order Name.

Order fields are read from the first row of a Name; every row adds a line
item. Rows of one order need not be next to each other.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from seabridge.formats.csvutil import (
    MAX_ERRORS,
    MAX_ORDER_NAME,
    MAX_SKU,
    ErrorCollector,
    RowFields,
    open_csv,
    parse_amount,
    parse_count,
    parse_country,
    parse_currency,
    parse_datetime,
    parse_email,
    parse_phone,
    show,
)
from seabridge.formats.records import LineItemRecord, OrderRecord

NAME = "Name"
EMAIL = "Email"
FINANCIAL_STATUS = "Financial Status"
FULFILLMENT_STATUS = "Fulfillment Status"
CURRENCY = "Currency"
SUBTOTAL = "Subtotal"
SHIPPING = "Shipping"
TAXES = "Taxes"
DISCOUNT = "Discount Amount"
TOTAL = "Total"
CREATED_AT = "Created at"
PAID_AT = "Paid at"
FULFILLED_AT = "Fulfilled at"
CANCELLED_AT = "Cancelled at"
SHIPPING_NAME = "Shipping Name"
SHIPPING_CITY = "Shipping City"
SHIPPING_COUNTRY = "Shipping Country"
SHIPPING_METHOD = "Shipping Method"
PAYMENT_METHOD = "Payment Method"
PHONE = "Phone"
LINE_QUANTITY = "Lineitem quantity"
LINE_NAME = "Lineitem name"
LINE_PRICE = "Lineitem price"
LINE_SKU = "Lineitem sku"

REQUIRED = (
    NAME,
    EMAIL,
    FINANCIAL_STATUS,
    FULFILLMENT_STATUS,
    CURRENCY,
    TOTAL,
    CREATED_AT,
    LINE_QUANTITY,
    LINE_NAME,
    LINE_PRICE,
)
FINANCIAL_STATUSES = frozenset(
    {
        "pending",
        "authorized",
        "partially_paid",
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
        "expired",
    }
)
FULFILLMENT_STATUSES = frozenset({"fulfilled", "unfulfilled", "partial", "restocked"})
_ZERO = Decimal(0)


@dataclass(slots=True)
class _Order:
    """An order being assembled; `header` is None if its first row was bad."""

    header: OrderRecord | None
    lines: list[LineItemRecord] = field(default_factory=list)


def parse_orders(data: bytes, file: str = "orders.csv", *, max_errors: int = MAX_ERRORS) -> list[OrderRecord]:
    errors = ErrorCollector(file, max_errors)
    table = open_csv(data, errors, REQUIRED)
    orders: dict[str, _Order] = {}
    if table is not None:
        for row in table:
            fields = RowFields(row, errors)
            name = fields.text(NAME, required=True, max_length=MAX_ORDER_NAME)
            if not name:
                continue
            order = orders.get(name)
            if order is None:
                order = orders[name] = _Order(_order(fields, name))
            line = _line(fields)
            if line is not None:
                order.lines.append(line)
    errors.raise_if_any()
    return [
        dataclasses.replace(order.header, lines=tuple(order.lines))
        for order in orders.values()
        if order.header is not None
    ]


def parse_financial_status(value: str) -> str:
    status = value.strip().lower().replace(" ", "_")
    if status not in FINANCIAL_STATUSES:
        raise ValueError(f"{show(value)} is not a Shopify financial status")
    return status


def parse_fulfillment_status(value: str) -> str:
    status = value.strip().lower()
    if status not in FULFILLMENT_STATUSES:
        raise ValueError(f"{show(value)} is not a Shopify fulfillment status")
    return status


def _order(fields: RowFields, name: str) -> OrderRecord | None:
    financial = fields.value(FINANCIAL_STATUS, parse_financial_status, required=True)
    fulfillment = fields.value(FULFILLMENT_STATUS, parse_fulfillment_status)
    currency = fields.value(CURRENCY, parse_currency, required=True)
    total = fields.value(TOTAL, parse_amount, required=True)
    created_at = fields.value(CREATED_AT, parse_datetime, required=True)
    email = fields.value(EMAIL, parse_email) or ""
    subtotal = _amount_or_zero(fields, SUBTOTAL)
    shipping = _amount_or_zero(fields, SHIPPING)
    taxes = _amount_or_zero(fields, TAXES)
    discount = _amount_or_zero(fields, DISCOUNT)
    paid_at = fields.value(PAID_AT, parse_datetime)
    fulfilled_at = fields.value(FULFILLED_AT, parse_datetime)
    cancelled_at = fields.value(CANCELLED_AT, parse_datetime)
    shipping_name = fields.text(SHIPPING_NAME)
    shipping_city = fields.text(SHIPPING_CITY)
    shipping_country = fields.value(SHIPPING_COUNTRY, parse_country) or ""
    shipping_method = fields.text(SHIPPING_METHOD)
    payment_method = fields.text(PAYMENT_METHOD)
    phone = fields.value(PHONE, parse_phone) or ""
    if financial is None or currency is None or total is None or created_at is None:
        return None
    return OrderRecord(
        name=name,
        email=email,
        financial_status=financial,
        fulfillment_status=fulfillment or "unfulfilled",
        currency=currency,
        subtotal=subtotal,
        shipping=shipping,
        taxes=taxes,
        discount=discount,
        total=total,
        created_at=created_at,
        paid_at=paid_at,
        fulfilled_at=fulfilled_at,
        cancelled_at=cancelled_at,
        shipping_name=shipping_name,
        shipping_city=shipping_city,
        shipping_country=shipping_country,
        shipping_method=shipping_method,
        payment_method=payment_method,
        phone=phone,
        lines=(),
        row=fields.number,
    )


def _amount_or_zero(fields: RowFields, column: str) -> Decimal:
    amount = fields.value(column, parse_amount)
    return _ZERO if amount is None else amount


def _line(fields: RowFields) -> LineItemRecord | None:
    quantity = fields.value(LINE_QUANTITY, parse_count, required=True)
    if quantity == 0:
        fields.error(LINE_QUANTITY, "must be at least 1")
    name = fields.text(LINE_NAME, required=True)
    price = fields.value(LINE_PRICE, parse_amount, required=True)
    sku = fields.text(LINE_SKU, max_length=MAX_SKU)
    if not quantity or not name or price is None:
        return None
    return LineItemRecord(name=name, sku=sku, quantity=quantity, price=price, row=fields.number)

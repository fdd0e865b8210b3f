"""customers.csv: Shopify's customer export, plus Seabridge's Language and Time Zone.

Both header generations are read: the current one (``Accepts Email Marketing``,
``Default Address City``, ``Default Address Country Code``) and the older one
(``Accepts Marketing``, ``City``, ``Country Code``).
"""

from __future__ import annotations

from seabridge.formats.csvutil import (
    MAX_ERRORS,
    ErrorCollector,
    RowFields,
    open_csv,
    parse_bool,
    parse_country,
    parse_email,
    parse_language,
    parse_phone,
    parse_timezone,
    split_tags,
)
from seabridge.formats.records import CustomerRecord

EMAIL = "Email"
FIRST_NAME = "First Name"
LAST_NAME = "Last Name"
TAGS = "Tags"
LANGUAGE = "Language"
TIME_ZONE = "Time Zone"
# Each field's column, newest Shopify header first.
ACCEPTS_MARKETING = ("Accepts Email Marketing", "Accepts Marketing")
CITY = ("Default Address City", "City")
COUNTRY = ("Default Address Country Code", "Country Code")
PHONE = ("Phone", "Default Address Phone")

REQUIRED = (EMAIL,)


def parse_customers(data: bytes, file: str = "customers.csv", *, max_errors: int = MAX_ERRORS) -> list[CustomerRecord]:
    errors = ErrorCollector(file, max_errors)
    table = open_csv(data, errors, REQUIRED)
    customers: list[CustomerRecord] = []
    if table is not None:
        email_rows: dict[str, int] = {}
        for row in table:
            customer = _customer(RowFields(row, errors), email_rows)
            if customer is not None:
                customers.append(customer)
    errors.raise_if_any()
    return customers


def _pick(fields: RowFields, columns: tuple[str, ...]) -> str:
    """The first of `columns` with a value in this row, else the first one."""
    return next((column for column in columns if fields.present(column)), columns[0])


def _customer(fields: RowFields, email_rows: dict[str, int]) -> CustomerRecord | None:
    email = fields.value(EMAIL, parse_email, required=True)
    if email is not None:
        first = email_rows.setdefault(email, fields.number)
        if first != fields.number:
            fields.error(EMAIL, f"duplicate email, already used on row {first}")
    first_name = fields.text(FIRST_NAME)
    last_name = fields.text(LAST_NAME)
    phone = fields.value(_pick(fields, PHONE), parse_phone) or ""
    country = fields.value(_pick(fields, COUNTRY), parse_country) or ""
    city = fields.text(_pick(fields, CITY))
    language = fields.value(LANGUAGE, parse_language) or ""
    timezone = fields.value(TIME_ZONE, parse_timezone) or ""
    accepts_marketing = fields.value(_pick(fields, ACCEPTS_MARKETING), parse_bool) or False
    tags = split_tags(fields.text(TAGS))
    if email is None:
        return None
    return CustomerRecord(
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        country=country,
        city=city,
        language=language,
        timezone=timezone,
        accepts_marketing=accepts_marketing,
        tags=tags,
        row=fields.number,
    )

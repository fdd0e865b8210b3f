"""Writes the demo store folder that `seabridge demo` imports.

The folder is an ordinary store folder, so it doubles as an example of the
import format::

    store.toml        shop settings: languages, policies, shipping zones, hours
    products.csv      Shopify product export (one row per variant)
    customers.csv     Shopify customer export + Language and Time Zone columns
    orders.csv        Shopify order export (one row per line item)
    tracking.jsonl    one AfterShip-style tracking webhook per line
    images/*.svg      a tile per product, plus a colour tile where it has colours

Everything is drawn from ``random.Random(seed)`` and dated relative to `now`,
so a given (seed, now) always produces the same bytes and a parcel that is late
stays late whenever the demo runs.
"""

from __future__ import annotations

import csv
import json
import pathlib
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from seabridge.demo.images import product_tile, swatch_tile
from seabridge.demo.orders import FREE_SHIPPING_OVER, PAYMENT_METHODS, Order, build_orders, order_rows, refund
from seabridge.demo.orders import HEADER as ORDER_HEADER
from seabridge.demo.people import Customer, build_customers
from seabridge.demo.products import HEADER as PRODUCT_HEADER
from seabridge.demo.products import Product, build_catalog, product_rows
from seabridge.demo.shipping import ZONES
from seabridge.demo.tracking import DAMAGED, LOST, RETURNED, Shipment, build_shipments, tracking_lines

STORE_NAME = "Harbor & Pine Trading"
HUMAN_ONLY = ("cancel_order", "change_order")
LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "ru", "ar", "tr", "ja", "ko", "zh", "th", "vi", "id")
HOURS = (
    ("mon", "09:00-18:00"),
    ("tue", "09:00-18:00"),
    ("wed", "09:00-18:00"),
    ("thu", "09:00-18:00"),
    ("fri", "09:00-18:00"),
    ("sat", "10:00-16:00"),
    ("sun", "closed"),
)
CUSTOMER_HEADER = (
    "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
    "Default Address Address1", "Default Address Address2", "Default Address City",
    "Default Address Province Code", "Default Address Country Code", "Default Address Zip",
    "Default Address Phone", "Phone", "Accepts SMS Marketing", "Total Spent", "Total Orders",
    "Note", "Tax Exempt", "Tags", "Language", "Time Zone",
)  # fmt: skip
_SPENT_STATUSES = ("paid", "partially_refunded", "refunded")


def generate_store(dest: pathlib.Path, *, now: datetime, seed: int = 7) -> pathlib.Path:
    """Write the demo store folder into `dest` (created if missing) and return it."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    products = build_catalog(rng)
    customers = build_customers(rng)
    orders = build_orders(customers, products, now, rng)
    shipments = build_shipments(orders, now, rng)
    _refund_failed_deliveries(shipments, rng)

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "store.toml").write_text(store_toml(), encoding="utf-8")
    _write_csv(dest / "products.csv", PRODUCT_HEADER, product_rows(products))
    _write_csv(dest / "customers.csv", CUSTOMER_HEADER, customer_rows(customers, orders))
    _write_csv(dest / "orders.csv", ORDER_HEADER, order_rows(orders))
    (dest / "tracking.jsonl").write_text(tracking_lines(shipments), encoding="utf-8")
    _write_images(dest / "images", products)
    return dest


def _refund_failed_deliveries(shipments: list[Shipment], rng: random.Random) -> None:
    for shipment in shipments:
        order = shipment.order
        if shipment.outcome == RETURNED:
            refund(order, order.total, "returned")
        elif shipment.outcome == LOST:
            if rng.random() < 0.5:
                refund(order, order.total, "lost-in-transit")
            else:
                order.tags.append("claim-open")
        elif shipment.outcome == DAMAGED:
            refund(order, order.lines[0].variant.price, "damaged")


def _toml(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return str(value)


def store_toml() -> str:
    lines = [
        f"name = {_toml(STORE_NAME)}",
        'default_language = "en"',
        'currency = "USD"',
        'timezone = "Asia/Shanghai"',
        f"languages = {_toml(LANGUAGES)}",
        f"ships_from = {_toml(['Shenzhen, Guangdong, CN', 'Yiwu, Zhejiang, CN'])}",
        'support_email = "support@harborpine.example"',
        "",
        "[policies]",
        "return_window_days = 30",
        f"free_shipping_over = {_toml(FREE_SHIPPING_OVER)}",
        f"payment_methods = {_toml(PAYMENT_METHODS)}",
        "handling_days_max = 3",
        'return_shipping = "Free for faulty or wrong items; otherwise paid by the buyer"',
        'refunds = "To the original payment method within 5 business days of receiving the return"',
        'duties = "VAT collected at checkout for the EU, UK and Australia; elsewhere the buyer pays any import duties"',
    ]
    for zone in ZONES:
        lines += [
            "",
            "[[shipping]]",
            f"name = {_toml(zone.name)}",
            f"countries = {_toml(zone.countries)}",
            f"days_min = {zone.days_min}",
            f"days_max = {zone.days_max}",
            f"cost = {_toml(zone.cost)}",
            f"carrier = {_toml(zone.carrier)}",
        ]
    lines += ["", "[hours]", *(f"{day} = {_toml(span)}" for day, span in HOURS)]
    lines += ["", "[agent]", "# intents the bot hands to a person at once", f"human_only = {_toml(HUMAN_ONLY)}"]
    return "\n".join(lines) + "\n"


def customer_rows(customers: list[Customer], orders: list[Order]) -> list[list[str]]:
    placed: dict[str, list[Order]] = {}
    for order in orders:
        placed.setdefault(order.customer.email, []).append(order)
    rows = []
    for customer in customers:
        own = placed.get(customer.email, [])
        spent = sum(
            (order.total - order.refunded for order in own if order.financial_status in _SPENT_STATUSES),
            Decimal("0.00"),
        )
        tags = list(customer.tags)
        if spent >= 300 or len(own) >= 4:
            tags.append("vip")
        if len(own) >= 2:
            tags.append("repeat")
        if not own:
            tags.append("lead")
        if customer.accepts_email:
            tags.append("newsletter")
        city = customer.city
        rows.append(
            [
                customer.first_name,
                customer.last_name,
                customer.email,
                "yes" if customer.accepts_email else "no",
                customer.company,
                customer.address1,
                customer.address2,
                city.name,
                city.province,
                customer.country.code,
                city.zip,
                customer.phone,
                customer.phone,
                "yes" if customer.accepts_sms else "no",
                str(spent),
                str(len(own)),
                customer.note,
                "no",
                ", ".join(tags),
                customer.country.language,
                city.timezone,
            ]
        )
    return rows


def _write_csv(path: pathlib.Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_images(folder: pathlib.Path, products: list[Product]) -> None:
    folder.mkdir(exist_ok=True)
    for product in products:
        (folder / f"{product.handle}.svg").write_text(product_tile(product), encoding="utf-8")
        if product.swatches:
            (folder / f"{product.handle}-colors.svg").write_text(swatch_tile(product), encoding="utf-8")

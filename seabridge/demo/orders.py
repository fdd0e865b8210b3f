"""Demo orders over the last ~90 days, written as Shopify's order CSV export.

Money adds up the way the importer checks it: subtotal = sum of quantity x
price; shipping is the zone's rate unless the discounted subtotal reaches the
free-shipping threshold; taxes are VAT/GST collected at checkout where the
destination requires it; total = subtotal + shipping + taxes - discount.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from seabridge.demo import catalog as cat
from seabridge.demo.people import Customer
from seabridge.demo.products import Product, Variant
from seabridge.demo.shipping import CARRIER_NAMES, Zone, pick_carrier, zone_for

STORE_TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST
HISTORY_DAYS = 90
FREE_SHIPPING_OVER = Decimal("79")
PAYMENT_METHODS = ("card", "paypal", "bank_transfer")
# Import VAT/GST collected at checkout (EU IOSS, UK and Australian low-value rules).
TAX_RATES = {
    "DE": Decimal("0.19"), "FR": Decimal("0.20"), "ES": Decimal("0.21"), "IT": Decimal("0.22"),
    "GB": Decimal("0.20"), "AU": Decimal("0.10"),
}  # fmt: skip
_CENT = Decimal("0.01")
ZERO = Decimal("0.00")

HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing City",
    "Billing Country", "Shipping Name", "Shipping City", "Shipping Zip", "Shipping Province",
    "Shipping Country", "Shipping Phone", "Notes", "Cancelled at", "Payment Method",
    "Refunded Amount", "Id", "Tags", "Phone",
)  # fmt: skip


@dataclass(slots=True)
class Line:
    product: Product
    variant: Variant
    quantity: int
    fulfilled: bool = True

    @property
    def amount(self) -> Decimal:
        return self.variant.price * self.quantity


@dataclass(slots=True)
class Order:
    number: int
    shopify_id: int
    customer: Customer
    created_at: datetime
    lines: list[Line]
    zone: Zone
    payment_method: str
    subtotal: Decimal = ZERO
    discount_code: str = ""
    discount: Decimal = ZERO
    shipping: Decimal = ZERO
    taxes: Decimal = ZERO
    total: Decimal = ZERO
    financial_status: str = "paid"
    paid_at: datetime | None = None
    fulfillment_status: str = "unfulfilled"
    fulfilled_at: datetime | None = None
    cancelled_at: datetime | None = None
    refunded: Decimal = ZERO
    carrier: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def shipped(self) -> bool:
        return self.fulfillment_status in ("fulfilled", "partial")


def shopify_time(moment: datetime | None) -> str:
    """Shopify's export format, in the store's zone: 2026-11-02 14:03:11 +0800."""
    return moment.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M:%S %z") if moment else ""


def build_orders(
    customers: list[Customer],
    products: list[Product],
    now: datetime,
    rng: random.Random,
    count: int = 240,
) -> list[Order]:
    active = [product for product in products if product.status == "active"]
    parts = [product for product in active if product.spec.category == cat.INDUSTRIAL]
    drafts: list[tuple[datetime, Customer]] = []
    per_customer = _orders_per_customer(len(customers), count, rng)
    for customer, placed in zip(customers, per_customer, strict=True):
        for _ in range(placed):
            age = timedelta(days=max(0.04, HISTORY_DAYS * rng.random() ** 1.3))
            drafts.append((now - age - timedelta(seconds=rng.randrange(60)), customer))
    drafts.sort(key=lambda draft: draft[0])
    orders: list[Order] = []
    seen: dict[str, int] = {}
    shopify_id = 5_810_000_000_000 + rng.randrange(10**9)
    for number, (created_at, customer) in enumerate(drafts, start=1001):
        shopify_id += rng.randrange(20_000_000, 400_000_000)
        nth = seen[customer.email] = seen.get(customer.email, 0) + 1
        pool = parts if "b2b" in customer.tags and rng.random() < 0.7 else active
        order = Order(
            number=number,
            shopify_id=shopify_id,
            customer=customer,
            created_at=created_at.replace(microsecond=0),
            lines=_lines(pool, "b2b" in customer.tags, rng),
            zone=zone_for(customer.country.code),
            payment_method=rng.choices(PAYMENT_METHODS, weights=(58, 32, 10))[0],
        )
        _price(order, nth, rng)
        if nth > 1:
            order.tags.append("repeat-buyer")
        if "b2b" in customer.tags:
            order.tags.append("b2b")
        if customer.country.notes and rng.random() < 0.12:
            order.note = rng.choice(customer.country.notes)
        orders.append(order)
    _settle(orders, now, rng)
    return orders


def _orders_per_customer(customers: int, count: int, rng: random.Random) -> list[int]:
    """Half the buyers order once, the others come back, some often; a few never ordered."""
    counts = [1] * customers
    for lead in rng.sample(range(customers), 4):
        counts[lead] = 0
    buyers = [index for index, placed in enumerate(counts) if placed]
    most = 8
    extra = count - len(buyers)
    loyal = rng.sample(buyers, max(len(buyers) // 2, -(-extra // (most - 1))))
    weights = [rng.paretovariate(1.5) for _ in loyal]
    while sum(counts) < count:
        pick = rng.choices(loyal, weights=weights)[0]
        if counts[pick] < most:
            counts[pick] += 1
    return counts


def _lines(pool: list[Product], bulk: bool, rng: random.Random) -> list[Line]:
    lines: list[Line] = []
    for _ in range(rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0]):
        product = rng.choice(pool)
        variant = rng.choice(product.variants)
        if any(line.variant.sku == variant.sku for line in lines):
            continue
        quantity = rng.choice((2, 4, 5, 10)) if bulk else rng.choices((1, 2, 3), (75, 18, 7))[0]
        lines.append(Line(product, variant, quantity))
    return lines


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _price(order: Order, nth: int, rng: random.Random) -> None:
    order.subtotal = _money(sum((line.amount for line in order.lines), ZERO))
    if nth == 1 and rng.random() < 0.2:
        order.discount_code, rate = "WELCOME10", Decimal("0.10")
        order.discount = _money(order.subtotal * rate)
    elif nth >= 3 and rng.random() < 0.35:
        order.discount_code, rate = "VIP15", Decimal("0.15")
        order.discount = _money(order.subtotal * rate)
    elif order.subtotal >= 40 and rng.random() < 0.08:
        order.discount_code, order.discount = "SAVE5", Decimal("5.00")
    goods = order.subtotal - order.discount
    order.shipping = ZERO if goods >= FREE_SHIPPING_OVER else order.zone.cost
    rate = TAX_RATES.get(order.customer.country.code, ZERO)
    order.taxes = _money(goods * rate)
    order.total = order.subtotal + order.shipping + order.taxes - order.discount


def _settle(orders: list[Order], now: datetime, rng: random.Random) -> None:
    """Payment, cancellation and fulfilment, as far as they got by `now`."""
    recent = [order for order in orders if now - order.created_at < timedelta(days=6)]
    pending = set(rng.sample([order.number for order in recent], 4))
    older = [
        order.number
        for order in orders
        if order.number not in pending and timedelta(days=2) < now - order.created_at < timedelta(days=85)
    ]
    cancelled = set(rng.sample(older, 5))
    for order in orders:
        if order.number in pending:
            order.payment_method = "bank_transfer"
            order.financial_status = "pending"
            continue
        if order.payment_method == "bank_transfer":
            paid_at = order.created_at + timedelta(hours=rng.uniform(8, 40))
        else:
            paid_at = order.created_at + timedelta(seconds=rng.randrange(5, 180))
        if order.number in cancelled:
            order.cancelled_at = order.created_at + timedelta(hours=rng.uniform(1, 20))
            order.tags.append("cancelled")
            if paid_at < order.cancelled_at:
                order.paid_at = paid_at
                order.financial_status = "refunded"
                order.refunded = order.total
            else:
                order.financial_status = "voided"
            continue
        if paid_at > now:
            order.financial_status = "pending"
            continue
        order.paid_at = paid_at
        fulfilled_at = paid_at + timedelta(hours=rng.uniform(14, 60))
        if fulfilled_at > now - timedelta(minutes=30):
            continue
        order.fulfilled_at = fulfilled_at.replace(microsecond=0)
        order.fulfillment_status = "fulfilled"
        order.carrier = pick_carrier(order.customer.country.code, rng)
    shipped = [order for order in orders if order.shipped and len(order.lines) > 1]
    for order in rng.sample(shipped, min(6, len(shipped))):
        order.fulfillment_status = "partial"
        order.lines[-1].fulfilled = False
        order.tags.append("backorder")


def refund(order: Order, amount: Decimal, tag: str) -> None:
    """Record a refund after delivery went wrong (returned, lost or damaged)."""
    order.refunded = _money(min(amount, order.total))
    order.financial_status = "refunded" if order.refunded == order.total else "partially_refunded"
    order.tags.append(tag)


def order_rows(orders: list[Order]) -> list[list[str]]:
    rows: list[list[str]] = []
    for order in orders:
        for index, line in enumerate(order.lines):
            cells = dict.fromkeys(HEADER, "")
            cells["Name"] = order.name
            if index == 0:
                cells.update(_order_cells(order))
            cells.update(
                {
                    "Lineitem quantity": str(line.quantity),
                    "Lineitem name": line.product.line_name(line.variant),
                    "Lineitem price": str(line.variant.price),
                    "Lineitem compare at price": str(line.variant.compare_at or ""),
                    "Lineitem sku": line.variant.sku,
                    "Lineitem requires shipping": "true",
                    "Lineitem taxable": "true",
                    "Lineitem fulfillment status": ("fulfilled" if order.shipped and line.fulfilled else "pending"),
                }
            )
            rows.append([cells[column] for column in HEADER])
    return rows


def _order_cells(order: Order) -> dict[str, str]:
    customer = order.customer
    free = order.shipping == ZERO
    method = "Free International Shipping" if free else f"{order.zone.name} Standard"
    if order.carrier:
        method += f" ({CARRIER_NAMES[order.carrier]})"
    return {
        "Email": customer.email,
        "Financial Status": order.financial_status,
        "Paid at": shopify_time(order.paid_at),
        "Fulfillment Status": order.fulfillment_status,
        "Fulfilled at": shopify_time(order.fulfilled_at),
        "Accepts Marketing": "yes" if customer.accepts_email else "no",
        "Currency": "USD",
        "Subtotal": str(order.subtotal),
        "Shipping": str(order.shipping),
        "Taxes": str(order.taxes),
        "Total": str(order.total),
        "Discount Code": order.discount_code,
        "Discount Amount": str(order.discount),
        "Shipping Method": method,
        "Created at": shopify_time(order.created_at),
        "Billing Name": customer.name,
        "Billing City": customer.city.name,
        "Billing Country": customer.country.code,
        "Shipping Name": customer.name,
        "Shipping City": customer.city.name,
        "Shipping Zip": customer.city.zip,
        "Shipping Province": customer.city.province,
        "Shipping Country": customer.country.code,
        "Shipping Phone": customer.phone,
        "Notes": order.note,
        "Cancelled at": shopify_time(order.cancelled_at),
        "Payment Method": order.payment_method,
        "Refunded Amount": str(order.refunded),
        "Id": str(order.shopify_id),
        "Tags": ", ".join(order.tags),
        "Phone": customer.phone,
    }

"""The agent's tools: every lookup it may make, bound to one buyer's scope.

A `Tools` object is made per turn for one conversation. The customer id comes
from the conversation's verified identity, never from the engine's arguments,
so no message and no model output can make a tool read another buyer's data:
an order that is not the buyer's is answered exactly like a missing one.
Every call is recorded (name and arguments) for the eval report and the
handoff summary.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from seabridge.agent.catalog import CatalogIndex, SearchQuery
from seabridge.agent.views import (
    BuyerProfile,
    Event,
    OrderView,
    ProductView,
    ReturnView,
    ShipmentView,
    ShippingZone,
    SizeAdvice,
    StoreProfile,
    ToolCall,
)
from seabridge.db.models import Customer
from seabridge.services import identity
from seabridge.services.identity import VerificationFailed
from seabridge.storage import agent as agent_store
from seabridge.storage.agent import OrderRow, ShipmentRow
from seabridge.storage.shipments import FINAL

REST_OF_WORLD = "*"


class Tools:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: StoreProfile,
        catalog: CatalogIndex,
        *,
        customer_id: int | None,
        conversation_id: int | None,
        now: datetime,
        on_verified: Callable[[AsyncSession, int], Awaitable[None]] | None = None,
    ) -> None:
        self._sessions = sessions
        self.store = store
        self._catalog = catalog
        self._customer_id = customer_id
        self._conversation_id = conversation_id
        self.now = now
        self._on_verified = on_verified
        # The buyer's orders, read at most once a turn: by the first order tool, or earlier by `prefetch_orders`.
        self._orders: asyncio.Task[list[OrderView]] | None = None
        self.calls: list[ToolCall] = []

    @property
    def verified(self) -> bool:
        return self._customer_id is not None

    def _record(self, name: str, **arguments: Any) -> None:
        self.calls.append(ToolCall(name, {k: v for k, v in arguments.items() if v not in (None, "", (), [])}))

    # --- identity -------------------------------------------------------------

    async def verify_buyer(self, email: str, order_number: str) -> BuyerProfile | None:
        """Bind the conversation to the customer who placed `order_number` with `email`; None if they don't match."""
        self._record("verify_buyer", order_number=order_number)  # the e-mail stays out of logs and reports
        async with self._sessions() as session, session.begin():
            try:
                customer = await identity.verify_by_order(session, self.store.id, email, order_number)
            except VerificationFailed:
                return None
            if self._on_verified is not None:
                await self._on_verified(session, customer.id)  # bound in the transaction that checked
        self._customer_id = customer.id
        self.cancel_prefetch()
        self._orders = None  # another buyer's orders, if any, are never shown to this one
        return buyer_profile(customer)

    # --- orders and shipments ---------------------------------------------------

    def prefetch_orders(self) -> None:
        """Start reading the verified buyer's orders now (while a model thinks); order tools then wait for it."""
        if self._customer_id is not None and self._orders is None:
            self._orders = asyncio.create_task(self._read_orders(self._customer_id))
            self._orders.add_done_callback(lambda task: task.cancelled() or task.exception())  # awaited or dropped

    def cancel_prefetch(self) -> None:
        """Stop a read `prefetch_orders` started that nothing waited for (the turn is over)."""
        if self._orders is not None and not self._orders.done():
            self._orders.cancel()
            self._orders = None

    async def _read_orders(self, customer_id: int) -> list[OrderView]:
        # a plain connection of the sessions' engine: a read needs no ORM session, which cost a quarter of it
        engine: AsyncEngine = self._sessions.kw["bind"]
        async with engine.connect() as connection:
            rows = await agent_store.customer_orders(connection, self.store.id, customer_id)
        return [self._order_view(order) for order in rows]

    async def _load_orders(self) -> list[OrderView]:
        if self._customer_id is None:
            return []
        if (
            self._orders is not None
            and self._orders.done()
            and (self._orders.cancelled() or self._orders.exception() is not None)
        ):
            self._orders = None  # a read that failed or was stopped is tried again
        self.prefetch_orders()
        assert self._orders is not None
        # Shielded: a turn that gives up waiting (the LLM's time limit) leaves the read to its fallback engine.
        return await asyncio.shield(self._orders)

    async def list_orders(self) -> list[OrderView]:
        """The verified buyer's orders, newest first (empty for an anonymous buyer)."""
        self._record("list_orders")
        return await self._load_orders()

    async def get_order(self, order_number: str) -> OrderView | None:
        """One of the buyer's own orders by number; None when missing or someone else's."""
        self._record("get_order", order_number=order_number)
        return _find(await self._load_orders(), order_number)

    async def track_shipment(self, order_number: str) -> OrderView | None:
        """The order with its shipments, tracking events and lateness; None when missing or someone else's."""
        self._record("track_shipment", order_number=order_number)
        return _find(await self._load_orders(), order_number)

    def _order_view(self, order: OrderRow) -> OrderView:
        return OrderView(
            number=order.name,
            placed_at=order.placed_at,
            financial_status=order.financial_status,
            fulfillment_status=order.fulfillment_status,
            cancelled_at=order.cancelled_at,
            fulfilled_at=order.fulfilled_at,
            currency=order.currency,
            total=Decimal(order.total),
            items=tuple(order.lines),
            country=order.shipping_country,
            shipments=tuple(self._shipment_view(s, order.shipping_country) for s in order.shipments),
        )

    def _shipment_view(self, shipment: ShipmentRow, country: str) -> ShipmentView:
        estimate, source = shipment.estimated_delivery, "carrier"
        if estimate is None and shipment.shipped_at is not None:
            zone = self.zone_for(shipment.destination_country or country)
            if zone is not None:
                estimate, source = add_business_days(shipment.shipped_at.date(), zone.days_max), "policy"
        if estimate is None:
            source = "none"
        today = self.now.astimezone(UTC).date()
        late = 0
        if estimate is not None and shipment.status not in FINAL and estimate < today:
            late = (today - estimate).days
        last = shipment.last_checkpoint
        return ShipmentView(
            tracking_number=shipment.tracking_number,
            carrier=shipment.carrier,
            status=shipment.status,
            subtag=shipment.subtag,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
            estimated_delivery=estimate,
            estimate_source=source,
            days_late=late,
            last_event=Event(last.time, last.subtag, last.message, last.location) if last else None,
            destination_country=shipment.destination_country or country,
        )

    # --- returns ------------------------------------------------------------------

    async def open_return(self, order_number: str, reason: str = "") -> ReturnView | None:
        """Open (or find the open) return request for one of the buyer's orders; None if not the buyer's order."""
        self._record("open_return", order_number=order_number)
        if self._customer_id is None:
            return None
        async with self._sessions() as session, session.begin():
            rows = await agent_store.customer_orders(session, self.store.id, self._customer_id)
            order = next((o for o in rows if _same_number(o.name, order_number)), None)
            if order is None:
                return None
            for existing in await agent_store.returns_for_order(session, self.store.id, order.id):
                if existing.status == "open":
                    return ReturnView(existing.reference, order.name, existing.status, created=False)
            request = await agent_store.open_return(
                session,
                self.store.id,
                order.id,
                customer_id=self._customer_id,
                conversation_id=self._conversation_id,
                reason=reason,
            )
            return ReturnView(request.reference, order.name, request.status, created=True)

    # --- catalog --------------------------------------------------------------------

    async def search_products(self, query: SearchQuery) -> list[ProductView]:
        self._record("search_products", **query.arguments())
        return self._catalog.search(query)

    async def product_details(self, product_id: int) -> ProductView | None:
        self._record("product_details", product_id=product_id)
        return self._catalog.get(product_id)

    async def size_advice(self, product_id: int, measurements: dict[str, float]) -> SizeAdvice | None:
        """The chart size whose body range holds the buyer's measurements; None without a chart or a usable measure."""
        self._record("size_advice", product_id=product_id, measurements=dict(measurements))
        product = self._catalog.get(product_id)
        if product is None or not product.size_chart:
            return None
        return advise_size(product, measurements)

    def kind_count(self, terms: tuple[str, ...]) -> int:
        """How many products (up to 3) of the kinds the terms name the catalog holds, to tell "do you have
        tents?" (a choice to show) from a question about the one product there is. No tool call: nothing of it
        reaches the buyer; the skill searches for what it says."""
        kinds = tuple(t for t in terms if self._catalog.names_a_kind(t))
        if any(self._catalog.titles_holding(t) == 1 for t in kinds if len(t.split()) >= 2):
            return 1  # "the denim jacket", "the down jacket": a kind described so that one title holds its words
        return len(self._catalog.search(SearchQuery(terms=kinds, limit=3))) if kinds else 0

    def names_a_kind(self, term: str) -> bool:
        """Whether a catalog word names a kind of product the store sells (no tool call: the catalog index)."""
        return self._catalog.names_a_kind(term)

    def names_one(self, terms: tuple[str, ...], described: bool = False) -> bool:
        """Whether product words pick out one product: a kind the catalog holds one of ("keyboard"; not when
        `described` is asked for), or a kind with a word that one title holds with it ("mechanical" +
        "keyboard", "denim jacket"). No tool call."""
        kinds = [t for t in terms if self._catalog.names_a_kind(t)]
        if not kinds:
            return False
        if not described and self.kind_count(tuple(kinds)) == 1:
            return True
        return any(self._catalog.titles_holding(f"{d} {k}") == 1 for k in kinds for d in terms if d != k)

    def beyond_the_title(self, terms: tuple[str, ...]) -> bool:
        """Whether some product word is not in the title of the product the words find first: a feature asked
        about ("is the mechanical keyboard wireless?"), not part of the name ("the portable straw"). No tool
        call."""
        found = self._catalog.search(SearchQuery(terms=terms, limit=1))
        return bool(found) and any(not self._catalog.in_title(found[0], t) for t in terms)

    def of_a_kind_in(self, terms: tuple[str, ...], items: list[str]) -> bool:
        """Whether a product term names the kind of one of these order items ("the coat" and a "Packable Down
        Jacket", whose category is "Coats & Jackets"). No tool call: the catalog index."""
        named = {self._catalog.term_kind(t) for t in terms} - {""}
        return any(named & self._catalog.kinds_of(item) for item in items)

    def knows(self, word: str) -> bool:
        """Whether a word occurs in the catalog (for English product words typed in any language)."""
        return self._catalog.knows(word)

    def sells_none_named(self, terms: tuple[str, ...]) -> bool:
        """Whether the terms name kinds of product and the store sells none of them ("leggings" in a shop
        without any). No tool call: the catalog index."""
        kinds, unsold = self._catalog.kinds_named(terms)
        return bool(kinds) and len(unsold) == len(kinds)

    def title_matches(self, text: str) -> list[ProductView]:
        return self._catalog.title_matches(text)

    def describes(self, product_id: int, terms: tuple[str, ...]) -> bool:
        """Whether every catalog word of the terms is one of the product's own ("the tent" of a tent shown), no
        tool call: the product was already looked up in this conversation."""
        return self._catalog.describes(product_id, terms)

    def names_another(self, terms: tuple[str, ...], shown: list[int]) -> bool:
        """Whether the product the words find first is one not shown, whose own words they all are ("the rattan
        lamp" after a ring light was listed): the buyer names another product. No tool call."""
        found = self._catalog.search(SearchQuery(terms=terms, limit=1))
        return bool(found) and found[0].id not in shown and self._catalog.describes(found[0].id, terms)

    def titled(self, product_id: int, terms: tuple[str, ...]) -> bool:
        """Whether the product's title names the kind of one of the terms ("Self-Inflating Camping Pad" is a pad,
        though its category is "Sleeping Bags"). No tool call."""
        return self._catalog.titled(product_id, terms)

    def peek(self, product_id: int) -> ProductView | None:
        """A product shown earlier in this conversation (no tool call: its facts were already looked up)."""
        return self._catalog.get(product_id)

    async def sale_items(self, limit: int = 3) -> list[ProductView]:
        self._record("search_products", on_sale=True)
        return self._catalog.on_sale(limit)

    # --- store policies ---------------------------------------------------------------

    def zone_for(self, country: str) -> ShippingZone | None:
        country = country.upper()
        for zone in self.store.zones:
            if country in zone.countries:
                return zone
        return next((z for z in self.store.zones if REST_OF_WORLD in z.countries), None)

    async def shipping_quote(self, country: str) -> ShippingZone | None:
        self._record("shipping_quote", country=country)
        return self.zone_for(country)

    async def store_policies(self) -> StoreProfile:
        self._record("store_policies")
        return self.store

    def escalate(self, reason: str) -> None:
        self._record("escalate", reason=reason)


def buyer_profile(customer: Customer) -> BuyerProfile:
    return BuyerProfile(customer.id, customer.first_name, customer.country, customer.language, customer.timezone)


def _same_number(name: str, wanted: str) -> bool:
    return name.lstrip("#").strip().lower() == wanted.lstrip("#").strip().lower()


def _find(orders: list[OrderView], number: str) -> OrderView | None:
    return next((o for o in orders if _same_number(o.number, number)), None)


def add_business_days(start: date, days: int) -> date:
    """The day `days` business days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


# Body measurements a chart column can be matched against, by what the buyer gave.
_BODY_COLUMNS = {"chest": ("chest", "bust"), "waist": ("waist",), "hip": ("hip",), "foot_length": ("foot_length",)}


def advise_size(product: ProductView, measurements: dict[str, float]) -> SizeAdvice | None:
    chart = product.size_chart or {}
    rows: dict[str, dict[str, list[float]]] = chart.get("rows", {})
    columns: list[str] = chart.get("columns", [])
    given = dict(measurements)
    if (
        "chest" not in given
        and "height" in given
        and "weight" in given
        and any(c in columns for c in ("chest", "bust"))
    ):
        given["chest"] = estimate_chest(given["height"], given["weight"])
    for measure, names in _BODY_COLUMNS.items():
        column = next((c for c in columns if c in names), None)
        if column is None or measure not in given:
            continue
        value = given[measure]
        fits = [(size, row[column]) for size, row in rows.items() if column in row]
        for index, (size, (low, high)) in enumerate(fits):
            if low <= value <= high:
                between = value == high and index + 1 < len(fits) and fits[index + 1][1][0] == value
                return SizeAdvice(product.id, size, column, float(low), float(high), between)
        if fits and value < fits[0][1][0]:
            size, (low, high) = fits[0]
            return SizeAdvice(product.id, size, column, float(low), float(high))
        if fits and value > fits[-1][1][1]:
            size, (low, high) = fits[-1]
            return SizeAdvice(product.id, size, column, float(low), float(high))
        for index in range(len(fits) - 1):
            high, next_low = fits[index][1][1], fits[index + 1][1][0]
            if high < value < next_low:
                size, (low, top) = fits[index + 1]
                return SizeAdvice(product.id, size, column, float(low), float(top), between=True)
    return None


def estimate_chest(height_cm: float, weight_kg: float) -> float:
    """A rough adult chest girth from height and weight (used only when the buyer gives no chest measurement)."""
    bmi = weight_kg / ((height_cm / 100) ** 2)
    return round(0.52 * height_cm + 1.6 * (bmi - 22), 1)

"""What the offline engine does for each intent: look facts up through the buyer's tools, then say them.

Every fact in a reply comes from a tool call made in this turn; templates only
carry the wording. A skill that needs something from the buyer (verification,
which order, a country, measurements) asks for it and leaves `state.pending`
so the next message is read as the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from seabridge.agent import description
from seabridge.agent.catalog import SearchQuery, words
from seabridge.agent.entities import eu_sizes
from seabridge.agent.offline import ORDER_INTENTS, Context, ordinal
from seabridge.agent.text import fold
from seabridge.agent.tools import add_business_days
from seabridge.agent.views import OrderView, ProductView, ShipmentView, ShippingZone

Skill = Callable[[Context], Awaitable[None]]
LATE_GRACE_DAYS = 7
_TROUBLE = ("exception", "customs_hold", "failed_attempt", "returned")  # a parcel stuck on its way


async def run(ctx: Context) -> None:
    skill = SKILLS.get(ctx.intent, other)
    # a message with no clear intent ("one second", "hmm") leaves the bot's own question standing
    moved_on = ctx.intent not in (ctx.state.pending_intent, "other")
    if ctx.state.pending and moved_on and ctx.state.pending != "verify":
        _clear_pending(ctx)
    await skill(ctx)


def _clear_pending(ctx: Context) -> None:
    ctx.state.pending = ""
    ctx.state.pending_intent = ""


def _ask(ctx: Context, pending: str, key: str, **values: object) -> None:
    ctx.state.pending = pending
    ctx.state.pending_intent = ctx.intent
    ctx.say(key, **values)


def _shipped(order: OrderView) -> bool:
    return bool(order.shipments) or order.fulfillment_status in ("fulfilled", "partial")


# --- small talk -------------------------------------------------------------------


async def greeting(ctx: Context) -> None:
    buyer = ctx.turn.buyer
    if buyer is not None and buyer.first_name:
        ctx.say("greeting_named", name=buyer.first_name, store=ctx.turn.tools.store.name)
    else:
        ctx.say("greeting", store=ctx.turn.tools.store.name)


async def goodbye(ctx: Context) -> None:
    _clear_pending(ctx)
    ctx.say("goodbye", store=ctx.turn.tools.store.name)


async def feedback(ctx: Context) -> None:
    ctx.say("feedback")
    ctx.note = True


async def other(ctx: Context) -> None:
    if ctx.cue("other_person") or ctx.cue("injection"):
        ctx.say("only_own_data")
        ctx.tried("refused a request for other people's data")
        return
    ctx.understood = False
    ctx.say("clarify")


async def human_agent(ctx: Context) -> None:
    ctx.escalate = "asked_for_person"


async def account(ctx: Context) -> None:
    ctx.say("account")


# --- identity and orders ----------------------------------------------------------------


async def _verified(ctx: Context) -> bool:
    """True when the buyer is verified (now or before); otherwise asks for what is missing."""
    tools, state, ents = ctx.turn.tools, ctx.state, ctx.entities
    if tools.verified:
        return True
    if ents.email:
        state.verify_email = ents.email
    numbers = ents.order_numbers or ents.bare_numbers
    if numbers:
        state.verify_order = numbers[0]
    if state.verify_email and state.verify_order:
        buyer = await tools.verify_buyer(state.verify_email, state.verify_order)
        if buyer is not None:
            ctx.turn.buyer = buyer
            state.order = state.verify_order
            state.verify_email = state.verify_order = ""
            state.verify_failures = 0
            _clear_pending(ctx)
            ctx.say("verified", name=buyer.first_name or "")
            ctx.tried("verified the buyer by e-mail and order number")
            return True
        state.verify_failures += 1
        state.verify_email = ""  # the order number stays: buyers usually correct the e-mail alone
        ctx.tried("verification failed")
        ctx.say("verify_failed")
        state.pending, state.pending_intent = "verify", state.pending_intent or ctx.intent
        if state.verify_failures >= 3:
            ctx.escalate = "verification_failed"
        return False
    if state.verify_email:
        _ask(ctx, "verify", "verify_ask_order")
    elif state.verify_order:
        _ask(ctx, "verify", "verify_ask_email", order=state.verify_order)
    else:
        _ask(ctx, "verify", "verify_ask")
    if ctx.cue("other_person"):
        ctx.parts.insert(0, ctx.loc.say("only_own_data"))
    return False


async def _which_order(ctx: Context, *, prefer: Callable[[OrderView], bool] | None = None) -> OrderView | None:
    """The order this turn is about, asking when it is not clear. Only the buyer's own orders are found."""
    tools, state, ents = ctx.turn.tools, ctx.state, ctx.entities
    numbers = list(ents.order_numbers or ents.bare_numbers)
    if numbers:
        order = await tools.track_shipment(numbers[0])
        if order is None:
            _clear_pending(ctx)
            if ctx.cue("other_person") or ctx.cue("injection"):
                ctx.say("only_own_data")
            else:
                ctx.say("order_not_found", order=numbers[0])
            ctx.tried(f"looked for order {numbers[0]}: not the buyer's")
            return None
        state.order = order.number
        _clear_pending(ctx)
        return order
    orders = await tools.list_orders()
    if len(orders) > 1:
        named = await _order_naming(ctx, orders)
        if named is not None:
            state.order = named.number
            _clear_pending(ctx)
            return await tools.track_shipment(named.number)
    if state.pending == "which_order":
        picked = _picked(_offered(state.listed, orders), ordinal(ctx.turn.text))
        if picked is not None:
            state.order = picked.number
            _clear_pending(ctx)
            return await tools.track_shipment(state.order)
    if state.order and state.pending != "which_order":
        order = await tools.track_shipment(state.order)
        if order is not None:
            return order
    if ctx.cue("other_person") or ctx.cue("injection"):
        ctx.say("only_own_data")
        return None
    if not orders:
        ctx.say("orders_none")
        return None
    candidates = [o for o in orders if prefer(o)] if prefer else orders
    if len(orders) == 1 or len(candidates) == 1:
        order = candidates[0] if candidates else orders[0]
        state.order = order.number
        return await tools.track_shipment(order.number)
    shown = (candidates or orders)[:5]
    state.listed = [o.number for o in shown]
    _ask(ctx, "which_order", "which_order", orders="; ".join(_choices(ctx, shown)))
    return None


def _choices(ctx: Context, orders: list[OrderView]) -> list[str]:
    """Orders as a buyer tells them apart: number, date and the first items."""
    loc, tz = ctx.loc, ctx.turn.tools.store.timezone
    return [
        loc.say("order_choice", order=o.number, date=loc.date(o.placed_at, tz), items=loc.join(list(o.items[:2])))
        for o in orders
    ]


async def mentioned_titles(ctx: Context) -> list[str]:
    """Catalog titles of the products the message names, best first (a title, or product words)."""
    tools, ents = ctx.turn.tools, ctx.entities
    titles = [p.title for p in tools.title_matches(ctx.turn.text)]
    catalog_words = [w for w in ents.latin_words if tools.knows(w)]
    terms = tuple(dict.fromkeys([*ents.product_terms, *catalog_words]))
    if terms:
        titles += [p.title for p in await tools.search_products(SearchQuery(terms=terms, limit=8, loose=True))]
    return list(dict.fromkeys(titles))


def holds(order: OrderView, title: str) -> bool:
    return any(item == title or item.startswith(title + " - ") for item in order.items)


async def _order_naming(ctx: Context, orders: list[OrderView]) -> OrderView | None:
    """The one order holding the product the buyer names ("the curtains one"), if any."""
    said = set(words(ctx.turn.text))
    for title in await mentioned_titles(ctx):
        holding = [o for o in orders if holds(o, title)]
        if holding:  # the variant the buyer names decides between orders of one product ("the 500 mm one")
            return max(holding, key=lambda o: max(len(said & set(words(item))) for item in o.items))
    wanted = {c.lower() for c in ctx.entities.colors}
    if wanted:
        holding = [o for o in orders if any(w in item.lower().split(" - ")[-1] for item in o.items for w in wanted)]
        if len(holding) == 1:
            return holding[0]
    return distinguished(ctx, orders) if ctx.state.pending == "which_order" else None


def _picked(orders: list[OrderView], pick: int | None) -> OrderView | None:
    """The order at a place in a list ("the second one"); "the last one" of a buyer's orders is the latest
    placed, whichever way they were listed: a buyer saying "my last order" means their most recent one."""
    if pick is None or not -len(orders) <= pick < len(orders):
        return None
    if pick == -1:
        return max(orders, key=lambda o: (o.placed_at, o.number))
    return orders[pick]


def _offered(listed: list[str], orders: list[OrderView]) -> list[OrderView]:
    """The orders the last "which order?" listed, as they were listed (all orders for an older state)."""
    by_number = {o.number: o for o in orders}
    offered = [by_number[n] for n in listed if n in by_number]
    return offered or orders


def distinguished(ctx: Context, orders: list[OrderView]) -> OrderView | None:
    """The one order whose items share the answer's own marks ("the 500 mm one", "the lineer ray"), if one does.

    Counts the message's words (numbers included) found in one order's item
    names and in no other's; a Latin word also matches an item word it shares
    its first five letters with, which carries spelling across languages
    ("lineer"/"linear"). Only used to answer "which order?".
    """
    said = [w for w in words(ctx.turn.text) if len(w) >= 2 or w.isdigit()]
    orders = _offered(ctx.state.listed, orders)
    if not said or len(orders) < 2:
        return None
    vocab = [{w for item in o.items for w in words(item)} for o in orders]

    def found(word: str, names: set[str]) -> bool:
        if word in names:
            return True
        return len(word) >= 5 and word.isascii() and word.isalpha() and any(n[:5] == word[:5] for n in names)

    scores = []
    for i, names in enumerate(vocab):
        others = set().union(*(v for j, v in enumerate(vocab) if j != i))
        scores.append(sum(1 for w in said if found(w, names) and not found(w, others)))
    best = max(scores)
    return orders[scores.index(best)] if best and scores.count(best) == 1 else None


async def order_status(ctx: Context) -> None:
    if not await _verified(ctx):
        return
    order = await _which_order(ctx)
    if order is not None:
        describe_order(ctx, order)


def describe_order(ctx: Context, order: OrderView) -> None:
    loc, tz = ctx.loc, ctx.turn.tools.store.timezone
    if order.cancelled_at is not None:
        ctx.say("order_cancelled", order=order.number, date=loc.date(order.cancelled_at, tz))
        ctx.fact(f"{order.number}: cancelled")
        return
    if not order.shipments:
        if _shipped(order):
            ctx.say("order_no_tracking", order=order.number, date=loc.date(order.fulfilled_at or order.placed_at, tz))
        else:
            days = ctx.turn.tools.store.handling_days
            ctx.say("order_unfulfilled", order=order.number, date=loc.date(order.placed_at, tz), days=loc.number(days))
        ctx.fact(f"{order.number}: {order.fulfillment_status or 'unfulfilled'}, no tracking yet")
        return
    for shipment in order.shipments:
        describe_shipment(ctx, order, shipment)


def describe_shipment(ctx: Context, order: OrderView, shipment: ShipmentView) -> None:
    loc, tz = ctx.loc, ctx.turn.tools.store.timezone
    if shipment.status == "delivered" and shipment.delivered_at is not None:
        ctx.say(
            "shipment_delivered",
            order=order.number,
            when=loc.date(shipment.delivered_at, tz),
            carrier=shipment.carrier,
            tracking=shipment.tracking_number,
        )
        ctx.fact(f"{order.number}: delivered ({shipment.tracking_number})")
        return
    status = loc.status.get(shipment.status, shipment.status)
    ctx.say(
        "shipment_status",
        order=order.number,
        status=status,
        carrier=shipment.carrier,
        tracking=shipment.tracking_number,
    )
    event = shipment.last_event
    if event is not None:
        phrase = loc.events.get(event.subtag) or status
        ctx.say("shipment_last_event", event=phrase, place=event.location or "-", when=loc.date(event.time, tz))
    if shipment.estimated_delivery is not None and not shipment.days_late:
        ctx.say("shipment_eta", eta=loc.date(shipment.estimated_delivery))
    fact = f"{order.number}: {shipment.status} with {shipment.carrier} ({shipment.tracking_number})"
    if shipment.days_late:
        ctx.say(
            "shipment_late",
            days=loc.number(shipment.days_late),
            eta=loc.date(shipment.estimated_delivery or ctx.turn.now),
        )
        if shipment.status in _TROUBLE and event is not None:
            ctx.say("shipment_late_reason", event=loc.events.get(event.subtag) or status)
        if shipment.status in ("exception", "returned"):
            ctx.say("shipment_problem_next")
            ctx.note = True
        else:
            ctx.say("shipment_late_next", days=loc.number(LATE_GRACE_DAYS))
        fact += f", {shipment.days_late} days late"
    elif shipment.status in ("exception", "returned"):
        ctx.say("shipment_problem_next")
        ctx.note = True
    ctx.fact(fact)


async def change_order(ctx: Context) -> None:
    await _human_only_order(ctx, "change_order_shipped")


async def cancel_order(ctx: Context) -> None:
    await _human_only_order(ctx, "cancel_order_shipped")


async def _human_only_order(ctx: Context, shipped_key: str) -> None:
    tools = ctx.turn.tools
    if tools.verified:
        number = (ctx.entities.order_numbers or [ctx.state.order])[0]
        order = await tools.get_order(number) if number else None
        if order is not None and _shipped(order):
            ctx.say(shipped_key, order=order.number, days=ctx.loc.number(tools.store.return_window_days))
        if order is not None:
            ctx.state.order = order.number
            ctx.fact(f"{order.number}: {order.fulfillment_status or 'unfulfilled'}")
    if ctx.intent not in tools.store.human_only:
        await order_status(ctx)


# --- returns and refunds ------------------------------------------------------------


async def return_policy(ctx: Context) -> None:
    policies = await ctx.turn.tools.store_policies()
    ctx.say("return_policy", days=ctx.loc.number(policies.return_window_days))


async def return_request(ctx: Context) -> None:
    if not await _verified(ctx):
        return
    order = await _which_order(ctx, prefer=lambda o: o.delivered_at is not None)
    if order is None:
        return
    tools, loc = ctx.turn.tools, ctx.loc
    window = tools.store.return_window_days
    delivered = order.delivered_at
    if delivered is None:
        ctx.say("return_not_delivered", order=order.number, days=loc.number(window))
        return
    if (ctx.turn.now - delivered).days > window:
        ctx.say(
            "return_too_late",
            order=order.number,
            when=loc.date(delivered, tools.store.timezone),
            days=loc.number(window),
        )
        ctx.note = True
        return
    opened = await tools.open_return(order.number, reason=ctx.turn.text)
    if opened is None:
        ctx.say("order_not_found", order=order.number)
        return
    ctx.say("return_exists" if not opened.created else "return_opened", reference=opened.reference, order=order.number)
    ctx.fact(f"return {opened.reference} for {order.number}")


async def refund_status(ctx: Context) -> None:
    if not await _verified(ctx):
        return
    order = await _which_order(ctx, prefer=lambda o: o.financial_status in ("refunded", "partially_refunded"))
    if order is None:
        return
    key = {"refunded": "refund_done", "partially_refunded": "refund_partial"}.get(
        order.financial_status, "refund_pending"
    )
    ctx.say(key, order=order.number)
    ctx.fact(f"{order.number}: payment {order.financial_status}")


# --- payments ---------------------------------------------------------------------------


def _methods(ctx: Context) -> str:
    store = ctx.turn.tools.store
    return ctx.loc.join([ctx.loc.payment.get(m, m) for m in store.payment_methods], style="or")


async def payment_methods(ctx: Context) -> None:
    await ctx.turn.tools.store_policies()
    ctx.say("payment_methods", methods=_methods(ctx))


async def payment_problem(ctx: Context) -> None:
    """Say how to pay, and for a verified buyer find the order concerned and what its payment shows."""
    tools, ents, state = ctx.turn.tools, ctx.entities, ctx.state
    answering = state.pending == "which_order" and state.pending_intent == "payment_problem"
    _clear_pending(ctx)
    await tools.store_policies()
    if not answering:
        ctx.say("payment_problem", methods=_methods(ctx))
    ctx.note = True
    if not tools.verified:
        return
    number = (ents.order_numbers or ents.bare_numbers or [""])[0]
    order = await tools.get_order(number) if number else None
    if order is None and not number:
        orders = await tools.list_orders()
        order = await _payment_order(ctx, orders, answering)
        if order is None and orders:  # "I was charged twice": for which order?
            shown = orders[:3]
            state.listed = [o.number for o in shown]
            _ask(ctx, "which_order", "payment_which_order", orders="; ".join(_choices(ctx, shown)))
            return
    if order is None:
        return
    ctx.state.order = order.number
    total = ctx.loc.money(order.total, order.currency)
    if order.financial_status in ("pending", "authorized"):
        ctx.say("payment_pending", order=order.number, total=total)
    elif order.financial_status == "paid":
        ctx.say("payment_paid", order=order.number, total=total)
    ctx.say("payment_problem_order", order=order.number)
    ctx.fact(f"payment problem on {order.number} (payment {order.financial_status})")


async def _payment_order(ctx: Context, orders: list[OrderView], answering: bool) -> OrderView | None:
    """The order a payment problem is about: the one whose product is named, the one picked from the list
    or called the last (newest) or first, the one talked about, the only unpaid one, the only one."""
    state = ctx.state
    if len(orders) > 1:
        named = await _order_naming(ctx, orders)
        if named is not None:
            return named
    pick = ordinal(ctx.turn.text)
    if pick is not None and orders:
        listed = _offered(state.listed, orders) if answering else orders[::-1]  # oldest first: "my first order"
        picked = _picked(listed, pick)
        if picked is not None:
            return picked
    if state.order:
        order = await ctx.turn.tools.get_order(state.order)
        if order is not None:
            return order
    unpaid = [o for o in orders if o.financial_status in ("pending", "authorized")]
    return unpaid[0] if len(unpaid) == 1 else orders[0] if len(orders) == 1 else None


async def invoice(ctx: Context) -> None:
    if not await _verified(ctx):
        return
    order = await _which_order(ctx)
    if order is None:
        return
    ctx.say("invoice", order=order.number, total=ctx.loc.money(order.total, order.currency))
    ctx.note = True


# --- shipping ------------------------------------------------------------------------------


def _country(ctx: Context) -> str:
    state = ctx.state
    if ctx.entities.country:
        state.country = ctx.entities.country
    elif not state.country and ctx.turn.buyer is not None and ctx.turn.buyer.country:
        state.country = ctx.turn.buyer.country
    return state.country


async def delivery_time(ctx: Context) -> None:
    country = _country(ctx)
    if not country:
        _ask(ctx, "country", "ask_country")
        return
    _clear_pending(ctx)
    zone = await ctx.turn.tools.shipping_quote(country)
    loc = ctx.loc
    if zone is None:
        ctx.say("no_shipping", country=loc.country(country))
        return
    ctx.say(
        "delivery_time",
        country=loc.country(country),
        min=loc.number(zone.days_min),
        max=loc.number(zone.days_max),
        handling=loc.number(ctx.turn.tools.store.handling_days),
    )
    product = await _product_in_talk(ctx)
    if product is not None:  # "when would it arrive?" right after a product: that product's arrival window
        _product_arrival(ctx, product, zone)


# what the buyer was last asking when a delivery question is about the product discussed ("how much to ship it
# to Canada?" in between keeps it)
_ABOUT_THE_PRODUCT = frozenset({"product_question", "size_advice", "shipping_cost", "delivery_time"})


async def _product_in_talk(ctx: Context) -> ProductView | None:
    """The product just discussed, when no order is: a delivery question then asks when it would arrive."""
    state = ctx.state
    if not state.product or state.order or state.last_intent not in _ABOUT_THE_PRODUCT:
        return None
    if ctx.entities.order_numbers or ctx.names_an_order():
        return None
    return await ctx.turn.tools.product_details(state.product)


def _product_arrival(ctx: Context, product: ProductView, zone: ShippingZone) -> None:
    """When the product would arrive if ordered today: handling, then the zone's business days."""
    loc, tools = ctx.loc, ctx.turn.tools
    ctx.products = [product]
    counts = [v.in_stock for v in product.variants]
    if counts and all(c is not None and c <= 0 for c in counts):
        ctx.say("product_out_of_stock", variant=product.title)
        return
    today = ctx.turn.now.astimezone(ZoneInfo(tools.store.timezone)).date()
    first = add_business_days(today, zone.days_min)
    last = add_business_days(today, tools.store.handling_days + zone.days_max)
    ctx.say("product_arrival", title=product.title, first=loc.date(first), last=loc.date(last))
    ctx.fact(f"delivery window for {product.title}: {first.isoformat()} to {last.isoformat()}")


async def shipping_cost(ctx: Context) -> None:
    country = _country(ctx)
    if not country:
        _ask(ctx, "country", "ask_country")
        return
    _clear_pending(ctx)
    tools, loc = ctx.turn.tools, ctx.loc
    zone = await tools.shipping_quote(country)
    if zone is None:
        ctx.say("no_shipping", country=loc.country(country))
        return
    ctx.say("shipping_cost", country=loc.country(country), cost=loc.money(zone.cost, tools.store.currency))
    if tools.store.free_shipping_over is not None:
        ctx.say("shipping_free_over", threshold=loc.money(tools.store.free_shipping_over, tools.store.currency))


async def discount(ctx: Context) -> None:
    """The store's products on sale; of the kind of product named, when one is ("any discounts on jackets?")."""
    tools, loc = ctx.turn.tools, ctx.loc
    if ctx.entities.product_terms:
        kind = await tools.search_products(replace(_query(ctx), limit=12))
        if kind:
            sale = [p for p in kind if p.on_sale][:3]
            if sale:
                ctx.say("discount_sale", items=_product_list(ctx, sale))
            else:
                ctx.say("discount_not_on_sale", items=_product_list(ctx, kind[:3]))
            ctx.products = sale or kind[:3]
            ctx.state.products = [p.id for p in ctx.products]
            if tools.store.free_shipping_over is not None:
                threshold = loc.money(tools.store.free_shipping_over, tools.store.currency)
                ctx.say("shipping_free_over", threshold=threshold)
            return
    sale = await tools.sale_items()
    if sale:
        ctx.say("discount_sale", items=_product_list(ctx, sale))
        ctx.products = sale
    else:
        ctx.say("discount_none")
    if tools.store.free_shipping_over is not None:
        ctx.say("shipping_free_over", threshold=loc.money(tools.store.free_shipping_over, tools.store.currency))


def _troubled(order: OrderView) -> bool:
    """A parcel that is late or stuck: what a complaint without an order number is most likely about."""
    return any(s.days_late or s.status in _TROUBLE for s in order.shipments)


async def complaint(ctx: Context) -> None:
    """Apologise, and for a verified buyer find the order it is about and say where it stands.

    A late or stuck parcel is described in full (status, why, what happens
    next), since that is usually the complaint; a delivered order is noted for
    a colleague (a replacement or a refund). A buyer with several orders and
    no clear one is asked which, with the orders listed.
    """
    tools = ctx.turn.tools
    if not tools.verified:
        ctx.say("complaint")
        ctx.tried("apologised and asked for details")
        return
    order = await _which_order(ctx, prefer=_troubled)
    if order is None:  # asked which order, or none of the buyer's: an apology comes first either way
        ctx.parts.insert(0, ctx.loc.say("complaint_sorry"))
        ctx.tried("apologised and asked which order")
        return
    ctx.state.order = order.number
    if _troubled(order) or not _shipped(order):
        ctx.say("complaint_sorry")
        describe_order(ctx, order)
    else:
        ctx.say("complaint_order", order=order.number)
    ctx.fact(f"complaint about {order.number}")
    ctx.note = True
    ctx.tried(f"apologised and looked up {order.number}")


# --- products ------------------------------------------------------------------------------


def _price(ctx: Context, product: ProductView) -> str:
    currency = ctx.turn.tools.store.currency
    if product.min_price == product.max_price:
        return ctx.loc.money(product.min_price, currency)
    return f"{ctx.loc.money(product.min_price, currency)}–{ctx.loc.money(product.max_price, currency)}"


def _product_list(ctx: Context, products: list[ProductView]) -> str:
    return ctx.loc.join([ctx.loc.say("product_item", title=p.title, price=_price(ctx, p)) for p in products])


def _query(ctx: Context, limit: int = 3) -> SearchQuery:
    ents = ctx.entities
    catalog_words = [w for w in ents.latin_words if ctx.turn.tools.knows(w)]
    return SearchQuery(
        terms=tuple(dict.fromkeys([*ents.terms, *catalog_words])),
        colors=tuple(ents.colors),
        max_price=ents.max_price,
        limit=limit,
    )


async def _focus_product(ctx: Context) -> ProductView | None:
    """The product the buyer means: named now, a reference to one shown before, or the last one discussed."""
    tools, state, ents = ctx.turn.tools, ctx.state, ctx.entities
    named = tools.title_matches(ctx.turn.text)
    if named:
        product = await tools.product_details(named[0].id)
        if product is not None:
            state.product = product.id
            return product
    if state.products and (ents.colors or ordinal(ctx.turn.text) is not None) and not ents.product_terms:
        shown = [p for p in (tools.peek(pid) for pid in state.products) if p is not None]
        pick = ordinal(ctx.turn.text)
        if ents.colors:
            wanted = {c.lower() for c in ents.colors}
            shown = [p for p in shown if wanted & {c.lower() for c in p.colors}] or shown
        if shown:
            index = pick if pick is not None and -len(shown) <= pick < len(shown) else 0
            product = await tools.product_details(shown[index].id)
            if product is not None:
                state.product = product.id
                return product
    query = _query(ctx, limit=1)
    aspects = query.terms and not any(tools.names_a_kind(t) for t in query.terms)
    told = _told_apart(ctx)
    if told is None and state.product and (aspects or set(query.terms) <= _ASPECTS):
        # "is it waterproof?", "does it work with an iPhone?", "can it hold a laptop?": words of what the product
        # discussed is like or works with, naming no other kind of product
        return await tools.product_details(state.product)
    told = told or _named_again(ctx, query)
    if told is not None:
        product = await tools.product_details(told)
        if product is not None:
            state.product = product.id
            return product
    if query.terms:
        found = await tools.search_products(await _ordered_first(ctx, query))
        if found:
            state.product = found[0].id
            return found[0]
    if state.product:
        return await tools.product_details(state.product)
    return await _ordered_item(ctx)


def _no_product(ctx: Context) -> None:
    """No product found for the question: "which product?", unless the buyer named a kind of product the
    store does not sell ("a size for the leggings" in a shop without leggings), which no name would find."""
    if ctx.turn.tools.sells_none_named(tuple(ctx.entities.product_terms)):
        ctx.say("products_none")
        ctx.tried("searched the catalog: the kind of product named is not sold")
        return
    _ask(ctx, "product", "product_ask")


def _told_apart(ctx: Context) -> int | None:
    """The one product of those just listed that the message tells apart by a word or number of its title
    alone ("2人用のは", "2인용은", "the cabin one"), if one is. A kind named is of it: "그 텐트 방수 돼요?" after
    a list with a waterproof dry bag asks of a tent."""
    tools, state = ctx.turn.tools, ctx.state
    shown = [p for p in (tools.peek(pid) for pid in state.products) if p is not None]
    if len(shown) < 2 or tools.title_matches(ctx.turn.text):
        return None
    said = set(words(ctx.turn.text)) | {w for t in ctx.entities.terms for w in words(t)}
    titles = [set(words(p.title)) for p in shown]
    scores = [len({w for w in title & said if sum(w in other for other in titles) == 1}) for title in titles]
    best = max(scores)
    if not best or scores.count(best) > 1:
        return None
    told = shown[scores.index(best)].id
    named = tuple(t for t in ctx.entities.product_terms if tools.names_a_kind(t))
    return told if not named or tools.describes(told, named) else None


def _named_again(ctx: Context, query: SearchQuery) -> int | None:
    """The product discussed, or one shown before, when the words the buyer names it by are all its own ("さっきの
    テント", "아까 그 이어폰", "the tent" two turns after it was shown): that product, not the best-ranked one.

    A word of what it is like picks among them ("the travel towel" of two towels shown), or names another
    product when none of them has it and one of the catalog has all the words. A kind none of them is, said in
    the buyer's own word for the product discussed ("자충 매트" ... "아까 그 매트", a camping pad), is that product,
    not a bath mat the catalog calls a mat.
    """
    tools, state = ctx.turn.tools, ctx.state
    named = tuple(t for t in query.terms if tools.names_a_kind(t))  # "battery", "waterproof" ask of it
    if not named:
        return None
    candidates = [pid for pid in dict.fromkeys([state.product, *state.products, *state.seen]) if pid]
    said = tuple(t for t in query.terms if t not in _ASPECTS)  # the kind and what it is like
    whole = next((pid for pid in candidates if tools.describes(pid, said)), None)
    if whole is not None:
        return whole
    if said != named and tools.names_another(said, candidates):
        return None
    kind = next((pid for pid in candidates if tools.describes(pid, named)), None)
    called = state.called if state.called_for == state.product else []
    if kind is None and state.product and any(w in called for w, t in ctx.entities.said_terms if t in named):
        return state.product
    return kind


async def _ordered_first(ctx: Context, query: SearchQuery) -> SearchQuery:
    """The query, narrowed to the product of the order just talked about when it is of the kind named ("how tall
    is the table?" after the order of a side table is about that table, not the best-ranked one).

    With no order talked about yet, a verified buyer asking of a kind the catalog holds several of means the one
    they ordered, when an order holds one the words all describe: "買った指輪の素材は？", "주문한 테이블 높이가
    어떻게 돼요?" ask of the opal ring and the side table in their orders, not the best-ranked ring or table.
    """
    tools, state = ctx.turn.tools, ctx.state
    if not tools.verified:
        return query
    kinds = tuple(t for t in query.terms if tools.names_a_kind(t))
    if state.order:
        order = await tools.get_order(state.order)
        orders = [order] if order is not None else []
    elif kinds and tools.kind_count(kinds) > 1:
        orders = await tools.list_orders()
    else:
        return query
    if not orders:
        return query
    wider = await tools.search_products(replace(query, limit=8))
    ordered = [p for p in wider if any(holds(order, p.title) for order in orders)]
    if not state.order:
        # "モアサナイトの指輪" of a buyer who ordered an opal ring is the moissanite one; a camping pad (its category
        # "Sleeping Bags") ordered is no "防水の巾着バッグ": the kind is the one its title names
        said = tuple(t for t in query.terms if t not in _ASPECTS)
        ordered = [p for p in ordered if tools.describes(p.id, said) and tools.titled(p.id, kinds)]
    if not ordered:
        return query
    return replace(query, terms=tuple(words(ordered[0].title)), colors=(), max_price=None)


async def _ordered_item(ctx: Context) -> ProductView | None:
    """The product of the order just talked about, when it holds one ("is this pot heavy?" after its order)."""
    tools, state = ctx.turn.tools, ctx.state
    if not (tools.verified and state.order):
        return None
    order = await tools.get_order(state.order)
    titles = {item.split(" - ")[0] for item in order.items} if order is not None else set()
    if len(titles) != 1:
        return None
    named = tools.title_matches(titles.pop())
    if not named:
        return None
    product = await tools.product_details(named[0].id)
    if product is not None:
        state.product = product.id
    return product


# Catalog words that say what a product is like or works with, not what it is: asked of the product discussed,
# they ask about it ("is it waterproof?") rather than search for another
_ASPECTS = frozenset(
    {
        "waterproof", "wireless", "portable", "magnetic", "foldable", "rechargeable", "insulated", "adjustable",
        "bluetooth", "usb", "iphone", "ipad", "android", "macbook", "apple", "samsung", "galaxy", "magsafe",
    }
)  # fmt: skip


# (cue list, reply, product attribute names, description topic): facts a buyer asks of one product beyond its
# material and size; what no attribute holds is looked for in the shop's description (`agent/description.py`)
_ASKED_ATTRIBUTES = (
    ("ask_warranty", "product_warranty", ("warranty",), "warranty"),
    ("ask_compatibility", "product_compatibility", ("compatibility", "compatible_with"), "compatibility"),
    ("ask_care", "product_care", ("care_instructions", "care"), "care"),
    ("ask_fit", "product_fit", ("fit",), "fit"),
    ("ask_ships_from", "product_ships_from", ("ships_from",), "ships_from"),
    ("ask_battery", "product_described", (), "battery"),
    ("ask_included", "product_described", (), "included"),
    ("ask_load", "product_described", (), "load"),
)


async def product_question(ctx: Context) -> None:
    product = await _focus_product(ctx)
    if product is None:
        _no_product(ctx)
        return
    _clear_pending(ctx)
    ctx.state.call(product.id, [said for said, _ in ctx.entities.said_terms])
    ctx.products = [product]
    ctx.parts.extend(_described(ctx, product))
    # "which is better, the X or the Y?": a second product named by its title is answered the same way after it
    other = next((p for p in ctx.turn.tools.title_matches(ctx.turn.text) if p.id != product.id), None)
    second = await ctx.turn.tools.product_details(other.id) if other is not None else None
    if second is not None:
        ctx.products.append(second)
        ctx.parts.extend(_described(ctx, second))
        ctx.fact(f"asked about {second.title}")
    ctx.fact(f"asked about {product.title}")
    if _asks_when_it_arrives(ctx) and not ctx.state.order:
        # "when would this one arrive in Spain?" read as a question of the product: its facts, and when it'd arrive
        if not _country(ctx):
            _ask(ctx, "country", "ask_country")
            ctx.state.pending_intent = "delivery_time"
            return
        zone = await ctx.turn.tools.shipping_quote(ctx.state.country)
        if zone is not None:
            _product_arrival(ctx, product, zone)
            ctx.products = [product, *(p for p in ctx.products if p.id != product.id)]


def _asks_when_it_arrives(ctx: Context) -> bool:
    """Whether a product question also asks when it would arrive: the delivery question's words, or the
    classifier's own first guess ("언제 도착해요?" right after a product)."""
    prediction = ctx.prediction
    return "delivery_time" in prediction.keywords or prediction.intent == "delivery_time"


def _described(ctx: Context, product: ProductView) -> list[str]:
    """The product's facts, the one asked first."""
    loc, ents = ctx.loc, ctx.entities
    attributes = dict(product.attributes)
    # What the buyer asked of it leads, so the asked fact comes first however long the answer; the rest follows.
    lead: list[str] = []
    rest: list[str] = []

    def say(asked: bool, key: str, **values: object) -> None:
        (lead if asked else rest).append(loc.say(key, **values))

    for cue, key, names, topic in _ASKED_ATTRIBUTES:
        if not ctx.cue(cue):
            continue
        value = next((attributes[n] for n in names if attributes.get(n)), "") or description.answer(
            product.description, topic
        )
        if value:
            say(True, key, title=product.title, value=value.rstrip("."))
    material = attributes.get("material") or attributes.get("Material")
    material = material or (description.answer(product.description, "material") if ctx.cue("ask_material") else "")
    if material:
        say(ctx.cue("ask_material"), "product_material", title=product.title, material=material)
    dimensions = attributes.get("dimensions") or attributes.get("Dimensions")
    if dimensions:
        asked = ctx.cue("ask_dimensions") or (ctx.cue("ask_weight") and bool(_WEIGHED.search(dimensions)))
        asked = asked or (ctx.cue("ask_size") and not product.sizes)  # "サイズは？" of a tent: how big it is
        say(asked, "product_dimensions", title=product.title, dimensions=dimensions)
    weight = _weight(ctx, product)
    if weight and ctx.cue("ask_weight") and not _WEIGHED.search(dimensions or ""):  # the shop's own figure first
        say(True, "product_weight", title=product.title, weight=weight)
    wanted = {v.lower() for v in [*ents.sizes, *eu_sizes(ctx.turn.text), *ents.colors]} | _named_options(ctx, product)
    wanted |= _sizes_by_number(ctx, product)
    matching = [v for v in product.variants if wanted and wanted <= {value.lower() for _, value in v.options}]
    if not matching and wanted:
        matching = [v for v in product.variants if wanted & {value.lower() for _, value in v.options}]
    if product.colors:
        colors = loc.join(list(product.colors))
        asked = (bool(ents.colors) or ctx.cue("ask_color")) and not matching  # the variant named leads instead
        say(asked, "product_colors", title=product.title, colors=colors)
    if product.sizes and not wanted & {s.lower() for s in product.sizes}:
        say(ctx.cue("ask_size"), "product_sizes", title=product.title, sizes=loc.join(list(product.sizes)))
    if not matching or product.min_price == product.max_price:
        say(ctx.cue("ask_price"), "product_price", title=product.title, price=_price(ctx, product))
    currency = ctx.turn.tools.store.currency
    for variant in matching[:2]:  # the variant asked for: its price and stock lead
        label = f"{product.title} – {variant.title}"
        if product.min_price != product.max_price:  # the variant asked about has a price of its own
            say(True, "product_price", title=label, price=loc.money(variant.price, currency))
        if variant.in_stock is None or variant.in_stock > 0:
            count = loc.number(variant.in_stock) if variant.in_stock is not None else "✓"
            say(True, "product_in_stock", variant=label, count=count)
        else:
            say(True, "product_out_of_stock", variant=label)
    if not matching and product.variants and ctx.cue("ask_stock"):  # "is it in stock?": the product as a whole
        counts = [v.in_stock for v in product.variants]
        if any(c is None for c in counts):
            say(True, "product_in_stock", variant=product.title, count="✓")
        elif any(c for c in counts if c is not None):
            say(True, "product_in_stock", variant=product.title, count=loc.number(sum(c for c in counts if c)))
        else:
            say(True, "product_out_of_stock", variant=product.title)
    return lead + rest


_WEIGHED = re.compile(r"\d\s*(?:g|kg)\b")  # dimensions that already give the weight ("95 × 95 × 45 mm; 240 g")


def _weight(ctx: Context, product: ProductView) -> str:
    """The product's weight from its variants' shipping weights ("240 g", "1,2 kg", "380–450 g"), if the shop
    gives them."""
    grams = sorted({v.grams for v in product.variants if v.grams})
    if not grams:
        return ""

    def amount(g: int) -> str:
        return f"{ctx.loc.number(Decimal(g) / 1000)} kg" if g >= 1000 else f"{ctx.loc.number(g)} g"

    return amount(grams[0]) if len(grams) == 1 else f"{amount(grams[0])}–{amount(grams[-1])}"


# a number said alone ("talla 7", "サイズ7", "7号", "7호"), not a measure, price, amount or order number
_BARE_SIZE = re.compile(
    r"(?<![\d.,#$€£¥₩])(\d{1,2}(?:[.,]5)?)(?![\d.,]|\s*(?:cm|mm|kg|g|ml|l|%|\$|€|人|인|명|個|개|つ|点|枚|ドル|달러|円|원|pcs|pack))",
    re.IGNORECASE,
)


def _sizes_by_number(ctx: Context, product: ProductView) -> set[str]:
    """The product's sizes the message names by their number alone, with no system word ("7号" is "US 7" of a
    ring in US sizes; "talla 7" too); only a size the product comes in is read."""
    said = {m.replace(",", ".") for m in _BARE_SIZE.findall(unicodedata.normalize("NFKC", ctx.turn.text))}
    if not said:
        return set()
    found = set()
    for size in product.sizes:
        number = re.search(r"(\d{1,2}(?:[.,]5)?)$", size.strip())
        if number and number.group(1).replace(",", ".") in said and not size.strip().isdigit():
            found.add(size.lower())
    return found


def _named_options(ctx: Context, product: ProductView) -> set[str]:
    """Option values of the product the message names beyond sizes and colours ("1 TB", "UK Plug", "500 mm"),
    spaces aside; short ones ("S", "M") are left to the size reader."""
    said = "".join(fold(ctx.turn.text).split())
    values = {value for v in product.variants for _, value in v.options}
    return {v.lower() for v in values if len(compact := "".join(fold(v).split())) >= 3 and compact in said}


async def product_recommendation(ctx: Context) -> None:
    tools = ctx.turn.tools
    numbered = bool(_BARE_SIZE.search(unicodedata.normalize("NFKC", ctx.turn.text)))
    found = await tools.search_products(_query(ctx, limit=8 if numbered else 3))
    if numbered:  # "指輪は7号ありますか": the ones that come in that size, among more of the kind
        found = ([p for p in found if _sizes_by_number(ctx, p)] or found)[:3]
    if not found:
        named = tools.title_matches(ctx.turn.text)
        found = named[:3]
    if not found:
        ctx.say("products_none")
        ctx.tried("searched the catalog: nothing matched")
        return
    ctx.products = found
    ctx.state.products = [p.id for p in found]
    ctx.state.product = found[0].id
    ctx.state.call(found[0].id, [said for said, _ in ctx.entities.said_terms])
    ctx.say("products_found", items=_product_list(ctx, found))


async def size_advice(ctx: Context) -> None:
    tools, state, loc = ctx.turn.tools, ctx.state, ctx.loc
    state.measurements = {**state.measurements, **ctx.entities.measurements}
    product = await _focus_product(ctx)
    if product is None:
        _no_product(ctx)
        return
    if not product.size_chart:
        _clear_pending(ctx)
        if dict(product.attributes).get("dimensions") and not state.measurements:
            ctx.intent = "product_question"  # "what size is the walnut board?": its dimensions
            await product_question(ctx)
            return
        ctx.products = [product]
        if product.sizes:  # "モアサナイトの指輪のサイズは？": the sizes it comes in, though no chart says which fits
            ctx.say("product_sizes", title=product.title, sizes=loc.join(list(product.sizes)))
        ctx.say("size_no_chart", title=product.title)
        return
    fit = _fit(ctx, product)
    if fit:  # "does it run small?", "ゆったりしたサイズ感ですか？": the shop's word on the fit, before any size
        ctx.products = [product]
        ctx.say("product_fit", title=product.title, value=fit)
    if product.sizes and ctx.cue("ask_size") and not state.measurements:  # "サンダルのサイズ展開は？"
        ctx.products = [product]
        ctx.say("product_sizes", title=product.title, sizes=loc.join(list(product.sizes)))
    if not state.measurements:
        _ask(ctx, "size", "size_ask")
        return
    advice = await tools.size_advice(product.id, state.measurements)
    if advice is None:
        _ask(ctx, "size", "size_ask")
        return
    _clear_pending(ctx)
    ctx.products = [product]
    ctx.say("size_advice", title=product.title, size=advice.size)
    measure = next((word for word, name in loc.measures.items() if name == advice.measure), advice.measure)
    span = f"{loc.number(Decimal(str(advice.low)))}–{loc.number(Decimal(str(advice.high)))} cm"
    ctx.say("size_reason", measure=measure, range=span)
    if advice.between:
        ctx.say("size_between", size=advice.size)
    ctx.fact(f"size {advice.size} for {product.title}")


def _fit(ctx: Context, product: ProductView) -> str:
    """How the product fits, when the buyer asks: the shop's fit attribute, else its description's."""
    if not ctx.cue("ask_fit"):
        return ""
    value = dict(product.attributes).get("fit") or description.answer(product.description, "fit")
    return value.rstrip(".")


SKILLS: dict[str, Skill] = {
    "greeting": greeting,
    "goodbye": goodbye,
    "order_status": order_status,
    "delivery_time": delivery_time,
    "shipping_cost": shipping_cost,
    "change_order": change_order,
    "cancel_order": cancel_order,
    "return_policy": return_policy,
    "return_request": return_request,
    "refund_status": refund_status,
    "payment_methods": payment_methods,
    "payment_problem": payment_problem,
    "invoice": invoice,
    "product_question": product_question,
    "product_recommendation": product_recommendation,
    "size_advice": size_advice,
    "discount": discount,
    "complaint": complaint,
    "human_agent": human_agent,
    "account": account,
    "feedback": feedback,
    "other": other,
}
assert set(SKILLS) >= ORDER_INTENTS

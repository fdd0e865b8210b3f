"""The tools as the LLM engine offers them: JSON-schema definitions, argument checks, and dispatch to `Tools`.

The model names a tool and writes its arguments as JSON; `call_tool` checks
them (types, finite prices, measurements in range), runs the buyer-scoped tool
and returns the JSON the model reads back. Arguments the model must correct
raise `BadArguments`, whose message goes back to the model. No definition
takes a customer: the scope comes from `Tools`, never from the model.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from seabridge.agent.catalog import SearchQuery
from seabridge.agent.classifier import INTENTS
from seabridge.agent.engine import Turn
from seabridge.agent.views import ProductView, jsonable

ESCALATION_REASONS = ("asked_for_person", "frustration", "human_only", "other")
SELF_CONTAINED = frozenset({"classify", "escalate"})  # tools whose result the model need not see
MEASURES = ("chest", "waist", "hip", "height", "weight", "foot_length")


def _fn(name: str, description: str, properties: dict[str, Any] | None = None, *required: str) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties or {}, "required": list(required)}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


_STR, _INT, _NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
_ORDER = {"type": "string", "description": 'Order number as the buyer gave it, e.g. "#1003"'}
_WORDS = {"type": "array", "items": {"type": "string"}}
TOOL_DEFINITIONS = [
    _fn("verify_buyer", "Verify an anonymous buyer by e-mail and the number of one of their orders.",
        {"email": _STR, "order_number": _ORDER}, "email", "order_number"),
    _fn("list_orders", "The verified buyer's orders, newest first."),
    _fn("get_order", "One of the buyer's orders; found=false when it is not theirs.", {"order_number": _ORDER},
        "order_number"),
    _fn("track_shipment", "An order's shipments, tracking events and estimated delivery.", {"order_number": _ORDER},
        "order_number"),
    _fn("search_products", "Search the catalog with English catalog words and colours, optionally by price.",
        {"terms": _WORDS, "colors": _WORDS, "max_price": _NUM, "min_price": _NUM}, "terms"),
    _fn("product_details", "One product with variants, prices, stock and size chart.", {"product_id": _INT},
        "product_id"),
    _fn("size_advice", "The chart size for the buyer's body measurements (cm, kg).",
        {"product_id": _INT, "measurements": {"type": "object", "properties": {m: _NUM for m in MEASURES}}},
        "product_id", "measurements"),
    _fn("shipping_quote", "Shipping zone, cost and delivery days for a country.",
        {"country": {"type": "string", "description": "ISO 3166-1 alpha-2 code"}}, "country"),
    _fn("store_policies", "Returns window, free-shipping threshold, payment methods, hours, shipping zones."),
    _fn("open_return", "Open a return request for one of the buyer's orders.", {"order_number": _ORDER, "reason": _STR},
        "order_number"),
    _fn("escalate", "Hand the conversation to a human agent.",
        {"reason": {"type": "string", "enum": list(ESCALATION_REASONS)},
         "summary": {"type": "string", "description": "A short note for the agent, in the agent's language"}},
        "reason"),
    _fn("classify", "Record the intent of the buyer's latest message.",
        {"intent": {"type": "string", "enum": list(INTENTS)}}, "intent"),
]  # fmt: skip


class BadArguments(Exception):
    """Tool arguments the model must correct; the message goes back to the model."""


@dataclass(slots=True)
class TurnLog:
    """What one turn's tool calls produced, beyond their results."""

    turn: Turn
    intent: str = ""
    escalation: str = ""
    summary: str = ""
    products: list[ProductView] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # serialised tool results, for the grounding check


Handler = Callable[[TurnLog, dict[str, Any]], Awaitable[Any]]


def _object(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        raise BadArguments("arguments are not valid JSON") from None
    if not isinstance(value, dict):
        raise BadArguments("arguments must be a JSON object")
    return value


def _text(args: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = args.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise BadArguments(f"{key} must be a non-empty string")
    return str(value).strip()


def _int(args: dict[str, Any], key: str) -> int:
    value = args.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadArguments(f"{key} must be an integer")
    return value


def _price(args: dict[str, Any], key: str) -> Decimal | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with contextlib.suppress(InvalidOperation):
            if (price := Decimal(str(value))).is_finite() and price >= 0:
                return price
    raise BadArguments(f"{key} must be a number")


def _words(args: dict[str, Any], key: str) -> tuple[str, ...]:
    value = args.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadArguments(f"{key} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _measurements(args: dict[str, Any]) -> dict[str, float]:
    value = args.get("measurements")
    if not isinstance(value, dict):
        raise BadArguments("measurements must be an object")
    given = {k: v for k, v in value.items() if k in MEASURES and v is not None}
    if not given or not all(type(v) in (int, float) and 0 < v < 1000 for v in given.values()):
        raise BadArguments(f"measurements must give positive numbers for some of {', '.join(MEASURES)}")
    return {k: float(v) for k, v in given.items()}


async def _verify_buyer(log_: TurnLog, args: dict[str, Any]) -> Any:
    buyer = await log_.turn.tools.verify_buyer(_text(args, "email"), _text(args, "order_number"))
    return {"verified": False} if buyer is None else {"verified": True, "first_name": buyer.first_name}


async def _search_products(log_: TurnLog, args: dict[str, Any]) -> Any:
    query = SearchQuery(
        _words(args, "terms"), _words(args, "colors"), _price(args, "min_price"), _price(args, "max_price")
    )
    found = await log_.turn.tools.search_products(query)
    log_.products.extend(found)
    return found


async def _product_details(log_: TurnLog, args: dict[str, Any]) -> Any:
    product = await log_.turn.tools.product_details(_int(args, "product_id"))
    if product is not None:
        log_.products.append(product)
    return product


async def _escalate(log_: TurnLog, args: dict[str, Any]) -> Any:
    reason = _text(args, "reason")
    log_.escalation = reason if reason in ESCALATION_REASONS else "other"
    log_.summary = _text(args, "summary", required=False)
    log_.turn.tools.escalate(log_.escalation)
    return {"escalated": True}


async def _classify(log_: TurnLog, args: dict[str, Any]) -> Any:
    intent = _text(args, "intent")
    if intent not in INTENTS:
        raise BadArguments(f"intent must be one of {', '.join(INTENTS)}")
    log_.intent = intent
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "verify_buyer": _verify_buyer,
    "list_orders": lambda log_, args: log_.turn.tools.list_orders(),
    "get_order": lambda log_, args: log_.turn.tools.get_order(_text(args, "order_number")),
    "track_shipment": lambda log_, args: log_.turn.tools.track_shipment(_text(args, "order_number")),
    "search_products": _search_products,
    "product_details": _product_details,
    "size_advice": lambda log_, args: log_.turn.tools.size_advice(_int(args, "product_id"), _measurements(args)),
    "shipping_quote": lambda log_, args: log_.turn.tools.shipping_quote(_text(args, "country").upper()),
    "store_policies": lambda log_, args: log_.turn.tools.store_policies(),
    "open_return": lambda log_, args: log_.turn.tools.open_return(
        _text(args, "order_number"), _text(args, "reason", required=False)
    ),
    "escalate": _escalate,
    "classify": _classify,
}


class UnknownTool(Exception):
    """The model called a tool that does not exist."""


async def call_tool(record: TurnLog, name: str, arguments: str) -> str:
    """Run one tool call; the JSON result for the model (also kept in `record.facts`)."""
    handler = HANDLERS.get(name)
    if handler is None:
        raise UnknownTool(name)
    result = await handler(record, _object(arguments))
    content = json.dumps(jsonable(result) if result is not None else {"found": False})
    record.facts.append(content)
    return content

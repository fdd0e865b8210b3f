"""A store's settings as the agent sees them (from the `stores` row written by the import)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from seabridge.agent.views import ShippingZone, StoreProfile
from seabridge.db.models import Store

# Intents handed to a person at once unless the store's `[agent] human_only` says otherwise:
# the bot cannot change or cancel an order in the shop system, so it should not pretend to.
DEFAULT_HUMAN_ONLY = frozenset({"cancel_order", "change_order"})


def store_profile(store: Store) -> StoreProfile:
    policies: dict[str, Any] = store.policies or {}
    agent: dict[str, Any] = (store.extra or {}).get("agent", {}) or {}
    free = policies.get("free_shipping_over")
    human_only = agent.get("human_only")
    return StoreProfile(
        id=store.id,
        name=store.name,
        currency=store.currency,
        timezone=store.timezone,
        default_language=store.default_language,
        languages=tuple(store.languages or [store.default_language]),
        return_window_days=int(policies.get("return_window_days") or 30),
        free_shipping_over=Decimal(str(free)) if free is not None else None,
        payment_methods=tuple(policies.get("payment_methods") or ()),
        handling_days=int(policies.get("handling_days_max") or 3),
        zones=tuple(
            ShippingZone(
                name=str(z.get("name", "")),
                countries=tuple(z.get("countries", ())),
                days_min=int(z["days_min"]),
                days_max=int(z["days_max"]),
                cost=Decimal(str(z["cost"])).quantize(Decimal("0.01")),
                carrier=str(z.get("carrier", "")),
            )
            for z in store.shipping or []
        ),
        hours=tuple((int(h["weekday"]), str(h["opens"]), str(h["closes"])) for h in store.hours or []),
        human_only=frozenset(human_only) if isinstance(human_only, list) else DEFAULT_HUMAN_ONLY,
    )

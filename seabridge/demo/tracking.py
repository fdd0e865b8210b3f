"""Demo shipments: one per fulfilled order, as AfterShip-style tracking webhooks.

Each shipment is given an outcome first (in transit, late, customs hold, out
for delivery, failed attempt, delivered, lost, damaged, bad address, returned),
chosen so that every outcome appears often enough to demo and fits the parcel's
age. Its checkpoints are then laid out along a China -> destination route and
stretched to end where the outcome says, never after `now`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from seabridge.demo.catalog import KINDS
from seabridge.demo.orders import Order
from seabridge.demo.shipping import GATEWAYS, ISO3, ORIGINS, Place, tracking_number

# Outcomes: what state a shipment is in at `now`.
INFO_RECEIVED = "info_received"
IN_TRANSIT = "in_transit"
LATE = "late"
CUSTOMS_HOLD = "customs_hold"
OUT_FOR_DELIVERY = "out_for_delivery"
FAILED_ATTEMPT = "failed_attempt"
DELIVERED = "delivered"
LOST = "lost"
DAMAGED = "damaged"
BAD_ADDRESS = "bad_address"
RETURNED = "returned"

SUBTAG_MESSAGES = {
    "InfoReceived_001": "Info received",
    "InTransit_001": "Shipment on the way",
    "InTransit_002": "Shipment accepted by carrier",
    "InTransit_003": "Shipment arrived at a hub or sorting center",
    "InTransit_004": "Shipment arrived at delivery facility",
    "InTransit_005": "Shipment arrived at destination country",
    "InTransit_006": "Customs clearance completed",
    "InTransit_007": "Shipment departed from a facility",
    "OutForDelivery_001": "Out for delivery",
    "AttemptFail_001": "Addressee not available",
    "AttemptFail_002": "Business closed",
    "AvailableForPickup_001": "The package arrived at a pickup point near you",
    "Delivered_001": "Shipment delivered",
    "Delivered_002": "Picked up by the customer",
    "Delivered_003": "Package delivered to and signed by the customer",
    "Exception_004": "Delayed (Customs clearance)",
    "Exception_007": "Incorrect Address",
    "Exception_010": "Returning to sender",
    "Exception_011": "Returned to sender",
    "Exception_012": "Shipment damage",
    "Exception_013": "Shipment lost",
}


@dataclass(frozen=True, slots=True)
class Step:
    hours: float  # typical time since the previous checkpoint
    where: str  # warehouse, sorting, gateway, arrival, local
    subtag: str
    message: str

    @property
    def tag(self) -> str:
        return self.subtag.split("_")[0]


JOURNEY = (
    Step(0, "warehouse", "InfoReceived_001", "Shipment information received"),
    Step(9, "warehouse", "InTransit_002", "Parcel picked up by carrier"),
    Step(10, "sorting", "InTransit_003", "Arrived at sorting center"),
    Step(7, "sorting", "InTransit_007", "Departed from sorting center"),
    Step(20, "gateway", "InTransit_001", "Export customs clearance completed"),
    Step(14, "gateway", "InTransit_007", "Handed over to airline"),
    Step(8, "gateway", "InTransit_007", "Flight departed from origin airport"),
    Step(22, "arrival", "InTransit_005", "Arrived at destination country"),
    Step(6, "arrival", "InTransit_001", "Import customs clearance started"),
    Step(30, "arrival", "InTransit_006", "Import customs clearance completed"),
    Step(14, "arrival", "InTransit_003", "Arrived at destination sorting facility"),
    Step(8, "arrival", "InTransit_007", "Departed from sorting facility"),
    Step(26, "local", "InTransit_004", "Arrived at delivery facility"),
    Step(12, "local", "OutForDelivery_001", "Out for delivery"),
)
CUSTOMS_STARTED, DEST_SORTING, DELIVERY_FACILITY = 9, 11, 13  # lengths of JOURNEY prefixes
# Postal operators word their scans in UPU terms.
_POSTAL = {"china-ems", "china-post", "royal-mail", "correos"}
_POSTAL_WORDING = {
    1: "Posting/Collection",
    3: "Dispatch from sorting center",
    5: "Dispatch from outward office of exchange",
    7: "Arrival at inward office of exchange",
    8: "Held by customs for inspection",
    9: "Released from customs",
}
_LAST_MILE = {"yunexpress", "4px", "cainiao"}
_ORIGIN_SIDE = {"warehouse", "sorting", "gateway"}

ATTEMPT = Step(5, "local", "AttemptFail_001", "Delivery attempted: recipient not available, notice card left")
CLOSED = Step(5, "local", "AttemptFail_002", "Delivery attempted: business closed")
RETRY = Step(20, "local", "OutForDelivery_001", "Out for delivery (second attempt)")
PICKUP = Step(20, "local", "AvailableForPickup_001", "Available for pickup at the local post office")
RETURNING = Step(168, "local", "Exception_010", "Not collected within the holding period; returning to sender")
RETURNED_STEP = Step(288, "warehouse", "Exception_011", "Returned to sender")
DELIVERED_STEPS = (
    Step(5, "local", "Delivered_001", "Delivered"),
    Step(5, "local", "Delivered_001", "Delivered, left at front door"),
    Step(5, "local", "Delivered_003", "Delivered, signed for by recipient"),
    Step(8, "local", "Delivered_002", "Picked up by recipient at parcel locker"),
)
HOLDS = (
    "Held by customs: clearance delayed",
    "Held by customs: awaiting import documents from the recipient",
    "Customs inspection in progress; clearance delayed",
)
LOST_STEP = Step(240, "arrival", "Exception_013", "Shipment lost: the carrier has opened an investigation")
DAMAGED_STEP = Step(20, "arrival", "Exception_012", "Parcel damaged in transit; contents being inspected")
ADDRESS_STEP = Step(
    10, "local", "Exception_007", "Incorrect or incomplete address; delivery on hold until the recipient confirms it"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """How many parcels get an outcome, and which ages (days since fulfilment) suit it."""

    quota: int
    youngest: float  # never younger than this
    ages: Callable[[int, int], tuple[float, float]]  # (days_min, days_max) -> preferred ages
    overdue: bool | None = None  # must the zone's estimate have passed (None: either)

    def allows(self, shipment: Shipment, today: date) -> bool:
        overdue = shipment.expected < today
        return shipment.age >= self.youngest and self.overdue in (None, overdue)

    def prefers(self, shipment: Shipment) -> bool:
        low, high = self.ages(shipment.order.zone.days_min, shipment.order.zone.days_max)
        return low <= shipment.age <= high


# Assigned in this order: the narrowest windows choose first.
RULES: dict[str, Rule] = {
    IN_TRANSIT: Rule(12, 1.2, lambda lo, hi: (1.2, hi + 1), overdue=False),
    OUT_FOR_DELIVERY: Rule(12, 3, lambda lo, hi: (lo - 1, hi + 8)),
    FAILED_ATTEMPT: Rule(11, 3, lambda lo, hi: (lo, hi + 10)),
    LATE: Rule(12, 0, lambda lo, hi: (hi, hi + 30), overdue=True),
    CUSTOMS_HOLD: Rule(12, 3, lambda lo, hi: (4, hi + 20)),
    RETURNED: Rule(11, 8, lambda lo, hi: (hi + 14, hi + 50)),
    LOST: Rule(4, 6, lambda lo, hi: (hi + 8, hi + 40)),
    DAMAGED: Rule(4, 3, lambda lo, hi: (lo + 1, hi + 15)),
    BAD_ADDRESS: Rule(4, 3, lambda lo, hi: (lo, hi + 12)),
}


@dataclass(slots=True)
class Shipment:
    order: Order
    outcome: str
    age: float  # days since fulfilment
    expected: date
    tracking_id: str = ""
    tracking_number: str = ""
    arrival: Place | None = None
    checkpoints: Sequence[tuple[Step, datetime, str]] = ()  # (step, time, message)


def build_shipments(orders: list[Order], now: datetime, rng: random.Random) -> list[Shipment]:
    shipments = []
    for order in orders:
        if not order.shipped or order.fulfilled_at is None:
            continue
        age = (now - order.fulfilled_at).total_seconds() / 86400
        expected = (order.fulfilled_at.astimezone(UTC) + timedelta(days=order.zone.days_max)).date()
        shipments.append(Shipment(order, "", age, expected))
    _assign_outcomes(shipments, now, rng)
    for shipment in shipments:
        country = shipment.order.customer.country.code
        shipment.tracking_id = f"{rng.getrandbits(96):024x}"
        shipment.tracking_number = tracking_number(shipment.order.carrier, rng, now.year)
        shipment.arrival = rng.choice(GATEWAYS[country])
        shipment.checkpoints = _checkpoints(shipment, now, rng)
    return shipments


def _assign_outcomes(shipments: list[Shipment], now: datetime, rng: random.Random) -> None:
    today = now.astimezone(UTC).date()
    for outcome, rule in RULES.items():
        free = [s for s in shipments if not s.outcome and rule.allows(s, today)]
        fitting = [s for s in free if rule.prefers(s)]
        chosen = rng.sample(fitting, min(rule.quota, len(fitting)))
        if len(chosen) < rule.quota:  # too few parcels of the right age: take the oldest others
            others = sorted((s for s in free if s not in chosen), key=lambda s: -s.age)
            chosen += others[: rule.quota - len(chosen)]
        for shipment in chosen:
            shipment.outcome = outcome
    for shipment in shipments:
        if shipment.outcome:
            continue
        if shipment.age < 1.2:
            shipment.outcome = INFO_RECEIVED
        elif shipment.expected >= today and (shipment.age < shipment.order.zone.days_min or rng.random() < 0.5):
            shipment.outcome = IN_TRANSIT
        else:
            shipment.outcome = DELIVERED


def _checkpoints(shipment: Shipment, now: datetime, rng: random.Random) -> list[tuple[Step, datetime, str]]:
    order = shipment.order
    assert order.fulfilled_at is not None
    start, age, zone = order.fulfilled_at, shipment.age, order.zone
    outcome = shipment.outcome
    if outcome == INFO_RECEIVED:
        timeline = [(JOURNEY[0], start)]
    elif outcome in (IN_TRANSIT, LATE):
        if outcome == IN_TRANSIT:
            planned = rng.uniform(zone.days_min, zone.days_max)
            planned = age / min(max(age / planned, 0.15), 0.85)
        else:
            planned = age / rng.uniform(0.5, 0.85)
        steps = [*JOURNEY, DELIVERED_STEPS[0]]
        timeline = _spread(steps, start, start + timedelta(days=planned), rng)
        timeline = [(step, moment) for step, moment in timeline[:DELIVERY_FACILITY] if moment <= now]
        if len(timeline) < 2:
            timeline.append((JOURNEY[1], now - timedelta(hours=1)))
    else:
        steps, gap = _ending(outcome, age, zone.days_min, zone.days_max, rng)
        timeline = _spread(steps, start, now - timedelta(days=gap), rng)
    return [(step, moment, _wording(step, index, order.carrier)) for index, (step, moment) in enumerate(timeline)]


def _ending(outcome: str, age: float, low: int, high: int, rng: random.Random) -> tuple[list[Step], float]:
    """The checkpoints of a finished or stuck journey, and days from the last to now."""
    journey = list(JOURNEY)
    if outcome == DELIVERED:
        planned = rng.uniform(low, high) if rng.random() < 0.85 else high + rng.uniform(1, 7)
        planned = min(planned, age * 0.97)
        retry = [rng.choice((ATTEMPT, CLOSED)), RETRY] if rng.random() < 0.2 else []
        return [*journey, *retry, rng.choice(DELIVERED_STEPS)], age - planned
    gaps = {
        OUT_FOR_DELIVERY: (0.05, 0.25),
        FAILED_ATTEMPT: (0.1, 1.6),
        CUSTOMS_HOLD: (2.0, 9.0),
        LOST: (1.0, 8.0),
        DAMAGED: (0.5, 5.0),
        BAD_ADDRESS: (0.5, 4.0),
        RETURNED: (1.0, 12.0),
    }
    gap = min(rng.uniform(*gaps[outcome]), age * 0.4)
    if outcome == OUT_FOR_DELIVERY:
        return journey, gap
    if outcome == FAILED_ATTEMPT:
        return [*journey, rng.choice((ATTEMPT, ATTEMPT, CLOSED))], gap
    if outcome == CUSTOMS_HOLD:
        hold = Step(40, "arrival", "Exception_004", rng.choice(HOLDS))
        return [*journey[:CUSTOMS_STARTED], hold], gap
    if outcome == LOST:
        return [*journey[: rng.choice((CUSTOMS_STARTED, DEST_SORTING + 1))], LOST_STEP], gap
    if outcome == DAMAGED:
        return [*journey[:DEST_SORTING], DAMAGED_STEP], gap
    if outcome == BAD_ADDRESS:
        return [*journey[:DELIVERY_FACILITY], ADDRESS_STEP], gap
    return [*journey, ATTEMPT, PICKUP, RETURNING, RETURNED_STEP], gap


def _spread(steps: list[Step], start: datetime, end: datetime, rng: random.Random) -> list[tuple[Step, datetime]]:
    """Checkpoint times from `start` to `end`, spaced like the steps' typical gaps.

    Delays happen at customs and in the destination network, not in the
    seller's warehouse or in the air: when the journey is long, the steps up to
    the arrival in the destination country keep about their usual pace and the
    later steps absorb the rest.
    """
    hours = [step.hours * rng.uniform(0.6, 1.4) for step in steps[1:]]
    span = (end - start).total_seconds() / 3600
    # Up to and including the arrival scan in the destination country.
    arrival = next((i + 1 for i, step in enumerate(steps[1:]) if step.where not in _ORIGIN_SIDE), len(hours))
    origin, rest = sum(hours[:arrival]), sum(hours[arrival:])
    stretch = span / (origin + rest)
    if stretch > 1 and rest > 0:
        origin_scale = min(stretch, 1.25)
        rest_scale = (span - origin * origin_scale) / rest
        scales = [origin_scale] * arrival + [rest_scale] * (len(hours) - arrival)
    else:
        scales = [stretch] * len(hours)
    elapsed, timeline = 0.0, [(steps[0], start)]
    for step, gap, scale in zip(steps[1:], hours, scales, strict=True):
        elapsed += gap * scale
        timeline.append((step, start + timedelta(seconds=min(int(elapsed * 3600), int(span * 3600)))))
    return timeline


def _wording(step: Step, index: int, carrier: str) -> str:
    if step in JOURNEY and carrier in _POSTAL and index in _POSTAL_WORDING:
        return _POSTAL_WORDING[index]
    if step is JOURNEY[DEST_SORTING] and carrier in _LAST_MILE:
        return "Departed from sorting facility; handed over to last-mile carrier"
    return step.message


def _place(shipment: Shipment, step: Step) -> Place:
    order = shipment.order
    origin = ORIGINS[KINDS[order.lines[0].product.spec.kind].ships_from.split(",")[0]]
    if step.where == "local":
        customer = order.customer
        city = customer.city
        label = (
            f"{city.name}, {city.province}"
            if city.province and city.province[:2] != customer.country.code
            else city.name
        )
        return Place(label, customer.country.code, city.timezone)
    if step.where == "arrival":
        assert shipment.arrival is not None
        return shipment.arrival
    return {"warehouse": origin.warehouse, "sorting": origin.sorting, "gateway": origin.gateway}.get(
        step.where, origin.warehouse
    )


def webhook(shipment: Shipment) -> dict[str, object]:
    order = shipment.order
    checkpoints = []
    for step, moment, message in shipment.checkpoints:
        place = _place(shipment, step)
        checkpoints.append(
            {
                "checkpoint_time": moment.astimezone(ZoneInfo(place.timezone)).isoformat(timespec="seconds"),
                "message": message,
                "location": place.label,
                "country_iso3": ISO3[place.country],
                "tag": step.tag,
                "subtag": step.subtag,
            }
        )
    last_step, last_time, _ = shipment.checkpoints[-1]
    return {
        "event": "tracking_update",
        "msg": {
            "id": shipment.tracking_id,
            "tracking_number": shipment.tracking_number,
            "slug": order.carrier,
            "tag": last_step.tag,
            "subtag": last_step.subtag,
            "subtag_message": SUBTAG_MESSAGES[last_step.subtag],
            "title": order.name,
            "order_id": str(order.shopify_id),
            "order_number": order.name,
            "expected_delivery": shipment.expected.isoformat(),
            "origin_country_iso3": "CHN",
            "destination_country_iso3": ISO3[order.customer.country.code],
            "checkpoints": checkpoints,
        },
        "ts": int(last_time.timestamp()),
    }


def tracking_lines(shipments: list[Shipment]) -> str:
    return "".join(json.dumps(webhook(s), ensure_ascii=False, separators=(",", ":")) + "\n" for s in shipments)

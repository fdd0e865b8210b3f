"""AfterShip-style tracking updates: one webhook payload, or one per line of tracking.jsonl.

The webhook endpoint and the file importer share `parse_tracking_event`, so a
payload means the same thing whichever way it arrives. Errors name the JSON
path of the bad value (``msg.checkpoints[2].checkpoint_time``, 0-based).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime

from seabridge.formats.countries import alpha2_from_alpha3
from seabridge.formats.csvutil import (
    BAD_UTF8,
    MAX_CARRIER,
    MAX_ERRORS,
    MAX_ORDER_NAME,
    MAX_SUBTAG,
    MAX_TRACKING_NUMBER,
    ErrorCollector,
    decode_text,
    has_bad_bytes,
    parse_date,
    parse_datetime,
    show,
    too_long,
    unstorable,
)
from seabridge.formats.records import CheckpointRecord, ShipmentStatus, TrackingRecord

EVENT = "tracking_update"

STATUS_BY_TAG: dict[str, ShipmentStatus] = {
    "Pending": ShipmentStatus.PENDING,
    "InfoReceived": ShipmentStatus.INFO_RECEIVED,
    "InTransit": ShipmentStatus.IN_TRANSIT,
    "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "AvailableForPickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "AttemptFail": ShipmentStatus.FAILED_ATTEMPT,
    "Delivered": ShipmentStatus.DELIVERED,
    "Exception": ShipmentStatus.EXCEPTION,
    "Expired": ShipmentStatus.EXPIRED,
}
# Exceptions that a shopper cares about as their own state.
STATUS_BY_EXCEPTION_SUBTAG: dict[str, ShipmentStatus] = {
    "Exception_004": ShipmentStatus.CUSTOMS_HOLD,  # delayed, customs clearance
    "Exception_010": ShipmentStatus.RETURNED,  # returning to sender
    "Exception_011": ShipmentStatus.RETURNED,  # returned to sender
}
_MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z


def shipment_status(tag: str, subtag: str) -> ShipmentStatus:
    """Normalize an AfterShip tag and subtag; KeyError for an unknown tag."""
    status = STATUS_BY_TAG[tag]
    if status is ShipmentStatus.EXCEPTION:
        return STATUS_BY_EXCEPTION_SUBTAG.get(subtag, status)
    return status


def parse_tracking_event(obj: object, row: int, file: str) -> TrackingRecord:
    """One decoded webhook payload; raises FormatError listing every bad value."""
    errors = ErrorCollector(file)
    record = _Event(row, errors).record(obj)
    errors.raise_if_any()
    assert record is not None  # no errors means a record was built
    return record


def parse_tracking_jsonl(
    data: bytes, file: str = "tracking.jsonl", *, max_errors: int = MAX_ERRORS
) -> list[TrackingRecord]:
    """One payload per line; blank lines skipped; row = line number."""
    errors = ErrorCollector(file, max_errors)
    text = decode_text(data, errors)
    records: list[TrackingRecord] = []
    for number, line in enumerate((text or "").split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        if has_bad_bytes(line):
            errors.add(number, None, BAD_UTF8)
            continue
        try:
            obj = json.loads(line, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            errors.add(number, None, f"invalid JSON ({exc})")
            continue
        record = _Event(number, errors).record(obj)
        if record is not None:
            records.append(record)
    errors.raise_if_any()
    return records


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


class _Event:
    """Reads one payload, reporting each bad value by its JSON path."""

    def __init__(self, row: int, errors: ErrorCollector) -> None:
        self.row = row
        self.errors = errors
        self.failed = False

    def error(self, path: str | None, reason: str) -> None:
        self.failed = True
        self.errors.add(self.row, path, reason)

    def record(self, obj: object) -> TrackingRecord | None:
        if not isinstance(obj, dict):
            self.error(None, "must be a JSON object")
            return None
        event = obj.get("event")
        if event is not None and event != EVENT:
            self.error("event", f"unsupported event {show(str(event))}; expected {EVENT!r}")
        msg = obj.get("msg")
        if not isinstance(msg, dict):
            self.error("msg", "required object is missing" if msg is None else "must be an object")
            return None
        tracking_number = self.string(msg, "tracking_number", "msg", required=True, max_length=MAX_TRACKING_NUMBER)
        slug = self.string(msg, "slug", "msg", required=True, max_length=MAX_CARRIER)
        tag = self.tag(msg, "msg", required=True)
        subtag = self.string(msg, "subtag", "msg", max_length=MAX_SUBTAG)
        order_name = self.order_name(msg)
        expected = self.expected_delivery(msg.get("expected_delivery"))
        origin = self.country(msg, "origin_country_iso3", "msg")
        destination = self.country(msg, "destination_country_iso3", "msg")
        checkpoints = self.checkpoints(msg.get("checkpoints"))
        event_time = self.timestamp(obj.get("ts"))
        if self.failed:
            return None
        return TrackingRecord(
            tracking_number=tracking_number,
            carrier=slug,
            tag=tag,
            subtag=subtag,
            status=shipment_status(tag, subtag),
            order_name=order_name,
            expected_delivery=expected,
            origin_country=origin,
            destination_country=destination,
            checkpoints=checkpoints,
            event_time=event_time,
            row=self.row,
        )

    def string(
        self,
        obj: dict[str, object],
        key: str,
        parent: str,
        *,
        required: bool = False,
        max_length: int | None = None,
    ) -> str:
        value = obj.get(key)
        path = f"{parent}.{key}"
        if value is None:
            if required:
                self.error(path, "required value is missing")
            return ""
        if not isinstance(value, str):
            self.error(path, "must be a string")
            return ""
        value = value.strip()
        if required and not value:
            self.error(path, "must not be empty")
        return self.storable(path, value, max_length)

    def storable(self, path: str, value: str, max_length: int | None) -> str:
        """`value` if the database can hold it, else "" and an error."""
        if unstorable(value):
            self.error(path, "contains a NUL character or an unpaired \\u surrogate escape")
            return ""
        if max_length is not None and len(value) > max_length:
            self.error(path, too_long(value, max_length))
            return ""
        return value

    def tag(self, obj: dict[str, object], parent: str, *, required: bool = False) -> str:
        tag = self.string(obj, "tag", parent, required=required)
        if tag and tag not in STATUS_BY_TAG:
            self.error(f"{parent}.tag", f"unknown AfterShip tag {show(tag)}")
            return ""
        return tag

    def order_name(self, msg: dict[str, object]) -> str:
        for key in ("order_number", "order_id"):
            value = msg.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return self.storable(f"msg.{key}", str(value), MAX_ORDER_NAME)
            if value is not None and not isinstance(value, str):
                self.error(f"msg.{key}", "must be a string")
            elif value and value.strip():
                return self.storable(f"msg.{key}", value.strip(), MAX_ORDER_NAME)
        return ""

    def country(self, obj: dict[str, object], key: str, parent: str) -> str:
        code = self.string(obj, key, parent)
        if not code:
            return ""
        alpha2 = alpha2_from_alpha3(code)
        if alpha2 is None:
            self.error(f"{parent}.{key}", f"{show(code)} is not an ISO 3166 alpha-3 country code")
            return ""
        return alpha2

    def expected_delivery(self, value: object) -> date | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error("msg.expected_delivery", "must be a string")
            return None
        try:
            return parse_date(value) if len(value.strip()) == 10 else parse_datetime(value).date()
        except ValueError as exc:
            self.error("msg.expected_delivery", str(exc))
            return None

    def checkpoints(self, value: object) -> tuple[CheckpointRecord, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("msg.checkpoints", "must be a list")
            return ()
        checkpoints: list[CheckpointRecord] = []
        for index, item in enumerate(value):
            path = f"msg.checkpoints[{index}]"
            if not isinstance(item, dict):
                self.error(path, "must be an object")
                continue
            checkpoint = self.checkpoint(item, path)
            if checkpoint is not None:
                checkpoints.append(checkpoint)
        return tuple(sorted(checkpoints, key=lambda checkpoint: checkpoint.time))

    def checkpoint(self, item: dict[str, object], path: str) -> CheckpointRecord | None:
        raw_time = self.string(item, "checkpoint_time", path, required=True)
        moment: datetime | None = None
        if raw_time:
            try:
                moment = parse_datetime(raw_time)
            except ValueError as exc:
                self.error(f"{path}.checkpoint_time", str(exc))
        message = self.string(item, "message", path)
        location = self.string(item, "location", path)
        country = self.country(item, "country_iso3", path)
        tag = self.tag(item, path)
        subtag = self.string(item, "subtag", path, max_length=MAX_SUBTAG)
        if moment is None:
            return None
        return CheckpointRecord(moment, message, location, country, tag, subtag)

    def timestamp(self, value: object) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error("ts", "must be a number (unix seconds)")
            return None
        if not math.isfinite(value) or not 0 <= value <= _MAX_TIMESTAMP:
            self.error("ts", "is not a plausible unix time in seconds")
            return None
        return datetime.fromtimestamp(value, UTC)

"""AfterShip-style tracking webhook payloads and tracking.jsonl → TrackingRecord."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import FormatError, parse_tracking_event, parse_tracking_jsonl
from seabridge.formats.csvutil import BAD_UTF8
from seabridge.formats.records import ShipmentStatus

IN_TRANSIT = {
    "event": "tracking_update",
    "msg": {
        "id": "5b7658cec7c33c0e007de3c5",
        "tracking_number": " 1234567890 ",
        "slug": "dhl",
        "tag": "InTransit",
        "subtag": "InTransit_002",
        "order_id": "5512345678901",
        "order_number": "#1001",
        "expected_delivery": "2024-03-06",
        "origin_country_iso3": "CHN",
        "destination_country_iso3": "BRA",
        "checkpoints": [
            {
                "checkpoint_time": "2024-03-02T18:40:00+08:00",
                "message": "Departed Facility in HONG KONG",
                "location": "HONG KONG, HONG KONG",
                "country_iso3": "HKG",
                "tag": "InTransit",
                "subtag": "InTransit_002",
            },
            {
                "checkpoint_time": "2024-03-01T10:22:33",
                "message": "Shipment information received",
                "location": None,
                "country_iso3": None,
                "tag": "InfoReceived",
                "subtag": "InfoReceived_001",
            },
        ],
    },
    "ts": 1709376000,
}


def payload(**msg: object) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(IN_TRANSIT))
    body["msg"].update(msg)
    return body


def jsonl(*objects: object) -> bytes:
    return b"\n".join(json.dumps(obj).encode() for obj in objects) + b"\n"


def errors_of(data: bytes) -> list[tuple[int, str | None, str]]:
    with pytest.raises(FormatError) as caught:
        parse_tracking_jsonl(data)
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def test_reads_a_tracking_update() -> None:
    record = parse_tracking_event(IN_TRANSIT, 1, "webhook")
    assert record.tracking_number == "1234567890"
    assert record.carrier == "dhl"
    assert (record.tag, record.subtag, record.status) == (
        "InTransit",
        "InTransit_002",
        ShipmentStatus.IN_TRANSIT,
    )
    assert record.order_name == "#1001"  # order_number wins over order_id
    assert record.expected_delivery == date(2024, 3, 6)
    assert (record.origin_country, record.destination_country) == ("CN", "BR")
    assert record.event_time == datetime(2024, 3, 2, 10, 40, tzinfo=UTC)
    first, second = record.checkpoints  # sorted by time
    assert first.message == "Shipment information received"
    assert first.time == datetime(2024, 3, 1, 10, 22, 33, tzinfo=UTC)  # naive means UTC
    assert (first.location, first.country) == ("", "")
    assert second.time == datetime(2024, 3, 2, 18, 40, tzinfo=timezone(timedelta(hours=8)))
    assert (second.country, second.tag) == ("HK", "InTransit")
    assert record.row == 1


@pytest.mark.parametrize(
    ("tag", "subtag", "status"),
    [
        ("Pending", "Pending_001", ShipmentStatus.PENDING),
        ("InfoReceived", "InfoReceived_001", ShipmentStatus.INFO_RECEIVED),
        ("InTransit", "InTransit_007", ShipmentStatus.IN_TRANSIT),
        ("OutForDelivery", "OutForDelivery_001", ShipmentStatus.OUT_FOR_DELIVERY),
        ("AvailableForPickup", "AvailableForPickup_001", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("AttemptFail", "AttemptFail_002", ShipmentStatus.FAILED_ATTEMPT),
        ("Delivered", "Delivered_001", ShipmentStatus.DELIVERED),
        ("Exception", "Exception_004", ShipmentStatus.CUSTOMS_HOLD),
        ("Exception", "Exception_010", ShipmentStatus.RETURNED),
        ("Exception", "Exception_011", ShipmentStatus.RETURNED),
        ("Exception", "Exception_013", ShipmentStatus.EXCEPTION),
        ("Exception", "", ShipmentStatus.EXCEPTION),
        ("Expired", "Expired_001", ShipmentStatus.EXPIRED),
    ],
)
def test_status_normalization(tag: str, subtag: str, status: ShipmentStatus) -> None:
    record = parse_tracking_event(payload(tag=tag, subtag=subtag), 1, "webhook")
    assert record.status is status


def test_order_id_is_used_without_order_number_and_optional_fields_may_be_absent() -> None:
    body = {"msg": {"tracking_number": "LX123", "slug": "china-post", "tag": "Pending", "order_id": " 1001 "}}
    record = parse_tracking_event(body, 7, "webhook")
    assert record.order_name == "1001"
    assert record.checkpoints == ()
    assert (record.expected_delivery, record.event_time) == (None, None)
    assert (record.origin_country, record.subtag) == ("", "")
    assert record.row == 7


def test_jsonl_skips_blank_lines_and_keeps_repeated_tracking_numbers() -> None:
    delivered = payload(tag="Delivered", subtag="Delivered_001")
    data = jsonl(IN_TRANSIT) + b"\n  \r\n" + jsonl(delivered)
    first, second = parse_tracking_jsonl(data)
    assert first.tracking_number == second.tracking_number
    assert (first.status, second.status) == (ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED)
    assert (first.row, second.row) == (1, 4)


def test_invalid_json_line_is_reported_by_line_number() -> None:
    data = jsonl(IN_TRANSIT) + b'{"msg": {"tracking_number": "1"\n' + jsonl(IN_TRANSIT)
    errors = errors_of(data)
    assert len(errors) == 1
    assert errors[0][:2] == (2, None)
    assert errors[0][2].startswith("invalid JSON")


def test_missing_and_mistyped_values_name_their_json_path() -> None:
    body = payload(tracking_number="", slug=None, tag="Lost", origin_country_iso3="ZZZ", order_id=[1])
    body["msg"]["order_number"] = None
    body["msg"]["checkpoints"][1]["checkpoint_time"] = 1709287353
    body["msg"]["checkpoints"][0]["country_iso3"] = "HK"
    body["ts"] = "yesterday"
    errors = errors_of(jsonl(body))
    assert [(row, column) for row, column, _ in errors] == [
        (1, "msg.tracking_number"),
        (1, "msg.slug"),
        (1, "msg.tag"),
        (1, "msg.order_id"),
        (1, "msg.origin_country_iso3"),
        (1, "msg.checkpoints[0].country_iso3"),
        (1, "msg.checkpoints[1].checkpoint_time"),
        (1, "ts"),
    ]
    reasons = dict((column, reason) for _, column, reason in errors)
    assert reasons["msg.tag"] == "unknown AfterShip tag 'Lost'"
    assert reasons["msg.checkpoints[1].checkpoint_time"] == "must be a string"


def test_bad_checkpoint_time_and_structure() -> None:
    body = payload(checkpoints=[{"checkpoint_time": "02/03/2024"}, "scan", {"message": "x"}])
    errors = errors_of(jsonl(body))
    assert [(column, reason[:20]) for _, column, reason in errors] == [
        ("msg.checkpoints[0].checkpoint_time", "'02/03/2024' is not "),
        ("msg.checkpoints[1]", "must be an object"),
        ("msg.checkpoints[2].checkpoint_time", "required value is mi"),
    ]


def test_wrong_shapes() -> None:
    data = b'[1, 2]\n{"event": "tracking_update"}\n{"msg": "x"}\n{"msg": {}, "event": "ping"}\n'
    errors = errors_of(data)
    assert [(row, column) for row, column, _ in errors] == [
        (1, None),
        (2, "msg"),
        (3, "msg"),
        (4, "event"),
        (4, "msg.tracking_number"),
        (4, "msg.slug"),
        (4, "msg.tag"),
    ]


def test_nan_and_absurd_timestamps_are_refused() -> None:
    assert errors_of(b'{"msg": {}, "ts": NaN}\n')[0][2].startswith("invalid JSON")
    body = payload()
    body["ts"] = 10**15  # milliseconds, not seconds
    assert errors_of(jsonl(body)) == [(1, "ts", "is not a plausible unix time in seconds")]


def test_webhook_errors_raise_format_error_with_the_given_row() -> None:
    with pytest.raises(FormatError) as caught:
        parse_tracking_event({"msg": {"slug": "ups", "tag": "Delivered"}}, 0, "webhook")
    assert [(e.file, e.row, e.column) for e in caught.value.errors] == [("webhook", 0, "msg.tracking_number")]


def test_non_utf8_line() -> None:
    data = jsonl(IN_TRANSIT) + jsonl(payload(message="x")).replace(b'"dhl"', b'"dh\xff"')
    assert errors_of(data) == [(2, None, BAD_UTF8)]


def test_binary_garbage_fails_fast_with_a_short_report() -> None:
    errors = errors_of(random.Random(11).randbytes(50 * 1024 * 1024))
    assert len(errors) == 1
    assert errors[0][0] == 0


def test_error_cap() -> None:
    errors = errors_of(b"not json\n" * 1003)
    assert len(errors) == 1001
    assert errors[999][0] == 1000
    assert errors[-1] == (0, None, "3 more error(s) not shown (limit 1000)")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=20,
)
MSG_KEYS = st.sampled_from(["tracking_number", "slug", "tag", "subtag", "order_id", "expected_delivery", "checkpoints"])


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.dictionaries(MSG_KEYS, JSON | st.sampled_from(["InTransit", "Exception", "2024-03-01"])),
    JSON,
)
def test_any_json_gives_a_record_or_format_error(msg: dict[str, object], ts: object) -> None:
    try:
        record = parse_tracking_event({"msg": msg, "ts": ts}, 1, "webhook")
    except FormatError as exc:
        failure: FormatError | None = exc
    else:
        failure = None
        assert record.tracking_number
        assert record.status in ShipmentStatus
    assert failure is None or failure.errors

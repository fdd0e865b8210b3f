"""The tracking webhook: signed with HMAC, fresh `ts`, idempotent, never corrupting stored shipments."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from seabridge import security
from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"


async def shop(state: AppState) -> tuple[StoreHandle, str, str]:
    files = {name: (FIXTURE / name).read_bytes() for name in ("products.csv", "customers.csv", "orders.csv")}
    handle = await make_store(state, files)
    async with state.sessions() as session:
        from seabridge.storage import stores

        store = await stores.get_by_id(session, handle.id)
        assert store is not None
        secret = state.store_secret("tracking-webhook", store.id, store.secret_version)
        return handle, store.public_key, secret


def event(
    tracking_number: str = "YT0000000001",
    tag: str = "InTransit",
    subtag: str = "InTransit_001",
    order: str = "#1001",
    ts: float | None = None,
    checkpoints: list[dict[str, Any]] | None = None,
) -> bytes:
    body = {
        "event": "tracking_update",
        "msg": {
            "tracking_number": tracking_number,
            "slug": "yunexpress",
            "tag": tag,
            "subtag": subtag,
            "order_number": order,
            "expected_delivery": "2026-12-01",
            "origin_country_iso3": "CHN",
            "destination_country_iso3": "ESP",
            "checkpoints": checkpoints
            if checkpoints is not None
            else [
                {
                    "checkpoint_time": "2026-11-20T10:00:00+08:00",
                    "message": "Departed Shenzhen hub",
                    "location": "Shenzhen",
                    "country_iso3": "CHN",
                    "tag": "InTransit",
                    "subtag": "InTransit_001",
                }
            ],
        },
        "ts": int(time.time()) if ts is None else ts,
    }
    return json.dumps(body).encode()


async def post(client: httpx.AsyncClient, public_key: str, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["aftership-hmac-sha256"] = signature
    return await client.post(f"/v1/webhooks/tracking/{public_key}", content=body, headers=headers)


async def test_signed_update_creates_shipment_linked_to_order(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, secret = await shop(state)
    body = event()
    res = await post(client, pk, body, security.sign_webhook_body(secret, body))
    assert res.status_code == 200, res.text
    assert res.json()["duplicate"] is False and res.json()["status"] == "in_transit"
    shipment = (await client.get("/v1/shipments/by-tracking/YT0000000001", headers=handle.auth)).json()
    order = (await client.get("/v1/orders/by-name/%231001", headers=handle.auth)).json()
    assert shipment["order_id"] == order["id"]
    assert [c["message"] for c in shipment["checkpoints"]] == ["Departed Shenzhen hub"]


async def test_replayed_body_is_acknowledged_but_not_applied_twice(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, secret = await shop(state)
    body = event()
    sig = security.sign_webhook_body(secret, body)
    first = await post(client, pk, body, sig)
    second = await post(client, pk, body, sig)
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    shipment = (await client.get("/v1/shipments/by-tracking/YT0000000001", headers=handle.auth)).json()
    assert len(shipment["checkpoints"]) == 1


async def test_later_update_adds_checkpoints_and_moves_status(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, secret = await shop(state)
    first = event()
    await post(client, pk, first, security.sign_webhook_body(secret, first))
    cps = [
        {
            "checkpoint_time": "2026-11-20T10:00:00+08:00",
            "message": "Departed Shenzhen hub",
            "location": "Shenzhen",
            "country_iso3": "CHN",
            "tag": "InTransit",
            "subtag": "InTransit_001",
        },
        {
            "checkpoint_time": "2026-11-27T09:00:00+01:00",
            "message": "Out for delivery",
            "location": "Madrid",
            "country_iso3": "ESP",
            "tag": "OutForDelivery",
            "subtag": "OutForDelivery_001",
        },
    ]
    later = event(tag="OutForDelivery", subtag="OutForDelivery_001", ts=int(time.time()) + 1, checkpoints=cps)
    res = await post(client, pk, later, security.sign_webhook_body(secret, later))
    assert res.json()["status"] == "out_for_delivery"
    # An older update arriving late adds nothing and does not move the status back.
    stale = event(ts=int(time.time()) - 60)
    res = await post(client, pk, stale, security.sign_webhook_body(secret, stale))
    assert res.status_code == 200
    shipment = (await client.get("/v1/shipments/by-tracking/YT0000000001", headers=handle.auth)).json()
    assert shipment["status"] == "out_for_delivery"
    assert len(shipment["checkpoints"]) == 2


async def test_rejections_are_precise_and_change_nothing(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, secret = await shop(state)
    good = event()
    cases: list[tuple[str, bytes, str | None, int, str]] = [
        ("no signature", good, None, 401, "signature_missing"),
        ("forged signature", good, security.sign_webhook_body("wrong-secret", good), 401, "signature_invalid"),
        ("other store's secret", good, security.sign_webhook_body(secret + "x", good), 401, "signature_invalid"),
        ("stale ts", event(ts=time.time() - 3600), None, 400, "timestamp_out_of_tolerance"),
        ("future ts", event(ts=time.time() + 3600), None, 400, "timestamp_out_of_tolerance"),
        ("no ts", json.dumps({"event": "tracking_update", "msg": {}}).encode(), None, 422, "timestamp_missing"),
        ("malformed json", b'{"event": "tracking_update", ', None, 400, "malformed_json"),
        ("unknown tag", event(tag="Teleported"), None, 422, "invalid_payload"),
        (
            "bad checkpoint time",
            event(checkpoints=[{"checkpoint_time": "soon", "message": "x"}]),
            None,
            422,
            "invalid_payload",
        ),
    ]
    for name, body, sig, status, code in cases:
        signature = sig if sig is not None or name == "no signature" else security.sign_webhook_body(secret, body)
        res = await post(client, pk, body, signature)
        assert res.status_code == status, (name, res.text)
        assert res.json()["error"]["code"] == code, name
    listing = (await client.get("/v1/shipments", headers=handle.auth)).json()
    assert listing["items"] == []


async def test_unknown_store_and_oversized_body(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, secret = await shop(state)
    body = event()
    res = await post(client, "pk_does_not_exist", body, security.sign_webhook_body(secret, body))
    assert res.status_code == 404
    huge = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    res = await post(client, pk, huge, security.sign_webhook_body(secret, huge))
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "payload_too_large"


async def test_update_for_an_order_imported_later_is_linked(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, secret = await shop(state)
    body = event(tracking_number="YT0000000999", order="#1999")
    assert (await post(client, pk, body, security.sign_webhook_body(secret, body))).status_code == 200
    shipment = (await client.get("/v1/shipments/by-tracking/YT0000000999", headers=handle.auth)).json()
    assert shipment["order_id"] is None
    orders_csv = (FIXTURE / "orders.csv").read_text().replace("#1002", "#1999")
    from seabridge.services import importer

    await importer.import_files(state.sessions, {"orders.csv": orders_csv.encode()}, store_id=handle.id)
    shipment = (await client.get("/v1/shipments/by-tracking/YT0000000999", headers=handle.auth)).json()
    order = (await client.get("/v1/orders/by-name/1999", headers=handle.auth)).json()
    assert shipment["order_id"] == order["id"]

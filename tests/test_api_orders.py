"""Customers, orders and shipments over HTTP, from a store imported from Shopify/AfterShip files."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store
from tests.fixtures import store_files


@pytest.fixture
async def shop(state: AppState) -> StoreHandle:
    return await make_store(state, store_files())


async def get_json(client: httpx.AsyncClient, shop: StoreHandle, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=shop.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def order_named(client: httpx.AsyncClient, shop: StoreHandle, name: str) -> dict[str, Any]:
    order: dict[str, Any] = await get_json(client, shop, f"/v1/orders/by-name/{name.replace('#', '%23')}")
    return order


# --- customers -------------------------------------------------------------------


async def test_list_and_filter_customers(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    everyone = await get_json(client, shop, "/v1/customers")
    assert [c["email"] for c in everyone["items"]] == ["alice@example.com", "bob@example.com", "zoe@example.de"]
    assert everyone["next_cursor"] is None
    assert [c["email"] for c in (await get_json(client, shop, "/v1/customers", q="MARTIN"))["items"]] == [
        "alice@example.com"
    ]
    assert [c["email"] for c in (await get_json(client, shop, "/v1/customers", q="example.de"))["items"]] == [
        "zoe@example.de"
    ]
    assert [c["email"] for c in (await get_json(client, shop, "/v1/customers", country="de"))["items"]] == [
        "zoe@example.de"
    ]
    assert (await get_json(client, shop, "/v1/customers", country="JP"))["items"] == []


async def test_customer_paging(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    first = await get_json(client, shop, "/v1/customers", limit=2)
    second = await get_json(client, shop, "/v1/customers", limit=2, cursor=first["next_cursor"])
    assert len(first["items"]) == 2
    assert [c["email"] for c in second["items"]] == ["zoe@example.de"]
    assert second["next_cursor"] is None


async def test_customer_detail(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    listed = (await get_json(client, shop, "/v1/customers", q="alice"))["items"][0]
    alice = await get_json(client, shop, f"/v1/customers/{listed['id']}")
    assert alice == listed
    assert (alice["first_name"], alice["last_name"], alice["country"], alice["city"]) == (
        "Alice",
        "Martin",
        "FR",
        "Paris",
    )
    assert (alice["language"], alice["timezone"]) == ("fr", "Europe/Paris")
    assert alice["accepts_marketing"] is True
    assert alice["tags"] == ["vip"]


async def test_customer_orders(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    alice = (await get_json(client, shop, "/v1/customers", q="alice"))["items"][0]
    orders = await get_json(client, shop, f"/v1/customers/{alice['id']}/orders")
    assert {o["name"] for o in orders["items"]} == {"#1001", "#1003"}
    assert all(o["customer_id"] == alice["id"] for o in orders["items"])
    first = await get_json(client, shop, f"/v1/customers/{alice['id']}/orders", limit=1)
    rest = await get_json(client, shop, f"/v1/customers/{alice['id']}/orders", limit=1, cursor=first["next_cursor"])
    assert [o["id"] for o in first["items"] + rest["items"]] == [o["id"] for o in orders["items"]]
    assert rest["next_cursor"] is None
    missing = await client.get("/v1/customers/2147483647/orders", headers=shop.auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


# --- orders ----------------------------------------------------------------------------


async def test_order_lines_and_totals_are_strings(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    order = await order_named(client, shop, "#1001")
    assert order["email"] == "alice@example.com"
    assert (order["financial_status"], order["fulfillment_status"], order["currency"]) == ("paid", "fulfilled", "USD")
    totals = {k: order[k] for k in ("subtotal", "shipping", "taxes", "discount", "total")}
    assert totals == {"subtotal": "51.50", "shipping": "6.90", "taxes": "0.00", "discount": "0.00", "total": "58.40"}
    assert order["placed_at"] == "2024-03-01T02:22:33Z"
    lines = order["lines"]
    assert [(ln["position"], ln["name"], ln["sku"], ln["quantity"], ln["price"]) for ln in lines] == [
        (1, "Linen Shirt - M", "LS-M", 1, "39.00"),
        (2, "Café Crème Mug", "CCM-1", 1, "12.50"),
    ]
    shirt = await get_json(client, shop, "/v1/products/by-handle/linen-shirt")
    assert lines[0]["variant_id"] == next(v["id"] for v in shirt["variants"] if v["sku"] == "LS-M")
    socks = await order_named(client, shop, "#1004")
    assert (socks["discount"], socks["total"]) == ("2.00", "14.85")
    assert socks["shipments"] == []


async def test_order_shipment_summary_says_late(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    delivered = (await order_named(client, shop, "#1001"))["shipments"]
    assert [(s["tracking_number"], s["carrier"], s["status"], s["late"]) for s in delivered] == [
        ("1Z999AA10123456784", "ups", "delivered", False)
    ]
    assert delivered[0]["estimated_delivery"] == "2024-03-10"
    assert delivered[0]["delivered_at"] == "2024-03-08T13:02:00Z"
    stuck = (await order_named(client, shop, "#1003"))["shipments"]
    assert [(s["tracking_number"], s["status"], s["late"]) for s in stuck] == [("LX123456789CN", "in_transit", True)]
    on_time = (await order_named(client, shop, "#1002"))["shipments"]
    assert [(s["status"], s["late"]) for s in on_time] == [("in_transit", False)]


async def test_order_by_id_and_by_name_agree(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    by_name = await order_named(client, shop, "#1002")
    assert await get_json(client, shop, f"/v1/orders/{by_name['id']}") == by_name
    assert await get_json(client, shop, "/v1/orders/by-name/1002") == by_name  # '#' may be left out
    for missing in ("/v1/orders/by-name/%239999", "/v1/orders/by-name/9999", "/v1/orders/2147483647"):
        response = await client.get(missing, headers=shop.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["#1001", "#1002", "#1003", "#1004"]),
        ({"financial_status": "paid"}, ["#1001", "#1002"]),
        ({"fulfillment_status": "unfulfilled"}, ["#1002", "#1004"]),
        ({"email": "ALICE@example.com"}, ["#1001", "#1003"]),
        ({"financial_status": "refunded", "email": "alice@example.com"}, ["#1003"]),
        ({"email": "nobody@example.com"}, []),
    ],
)
async def test_list_orders_filters(
    client: httpx.AsyncClient, shop: StoreHandle, params: dict[str, str], expected: list[str]
) -> None:
    page = await get_json(client, shop, "/v1/orders", **params)
    assert [o["name"] for o in page["items"]] == expected


async def test_list_orders_by_customer_and_paging(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    bob = (await get_json(client, shop, "/v1/customers", q="bob"))["items"][0]
    assert [o["name"] for o in (await get_json(client, shop, "/v1/orders", customer_id=bob["id"]))["items"]] == [
        "#1002"
    ]
    names: list[str] = []
    cursor = None
    while True:
        page = await get_json(client, shop, "/v1/orders", limit=3, **({"cursor": cursor} if cursor else {}))
        names += [o["name"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == ["#1001", "#1002", "#1003", "#1004"]


# --- shipments -----------------------------------------------------------------------


async def test_shipment_detail_with_checkpoints(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    shipment = await get_json(client, shop, "/v1/shipments/by-tracking/1Z999AA10123456784")
    assert await get_json(client, shop, f"/v1/shipments/{shipment['id']}") == shipment
    order = await order_named(client, shop, "#1001")
    assert (shipment["order_id"], shipment["order_name"]) == (order["id"], "#1001")
    assert (shipment["carrier"], shipment["status"], shipment["tag"]) == ("ups", "delivered", "Delivered")
    assert (shipment["origin_country"], shipment["destination_country"]) == ("CN", "FR")
    assert shipment["late"] is False
    assert shipment["shipped_at"] == "2024-03-02T01:30:00Z"
    assert [(c["message"], c["location"], c["country"], c["tag"]) for c in shipment["checkpoints"]] == [
        ("Shipment information received", "Shenzhen", "CN", "InfoReceived"),
        ("Arrived at facility", "Paris", "FR", "InTransit"),
        ("Delivered, front door", "Paris", "FR", "Delivered"),
    ]
    times = [c["time"] for c in shipment["checkpoints"]]
    assert times == sorted(times)


async def test_late_shipment(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    late = await get_json(client, shop, "/v1/shipments/by-tracking/LX123456789CN")
    assert (late["status"], late["estimated_delivery"], late["late"]) == ("in_transit", "2020-01-15", True)
    assert late["delivered_at"] is None
    future = await get_json(client, shop, "/v1/shipments/by-tracking/9400100000000000000001")
    assert (future["estimated_delivery"], future["late"]) == ("2099-12-31", False)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["1Z999AA10123456784", "LX123456789CN", "9400100000000000000001"]),
        ({"status": "in_transit"}, ["LX123456789CN", "9400100000000000000001"]),
        ({"status": "delivered"}, ["1Z999AA10123456784"]),
        ({"late": "true"}, ["LX123456789CN"]),
        ({"late": "true", "status": "delivered"}, []),
    ],
)
async def test_list_shipments_filters(
    client: httpx.AsyncClient, shop: StoreHandle, params: dict[str, str], expected: list[str]
) -> None:
    page = await get_json(client, shop, "/v1/shipments", **params)
    assert [s["tracking_number"] for s in page["items"]] == expected
    assert all(s["late"] == (s["tracking_number"] == "LX123456789CN") for s in page["items"])


async def test_list_shipments_by_order_and_paging(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    order = await order_named(client, shop, "#1002")
    page = await get_json(client, shop, "/v1/shipments", order_id=order["id"])
    assert [s["tracking_number"] for s in page["items"]] == ["9400100000000000000001"]
    first = await get_json(client, shop, "/v1/shipments", limit=2)
    second = await get_json(client, shop, "/v1/shipments", limit=2, cursor=first["next_cursor"])
    assert len(first["items"]) == 2
    assert [s["tracking_number"] for s in second["items"]] == ["9400100000000000000001"]
    assert second["next_cursor"] is None


async def test_unknown_shipment_and_bad_status(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    for path in ("/v1/shipments/by-tracking/NOPE123", "/v1/shipments/2147483647"):
        response = await client.get(path, headers=shop.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    response = await client.get("/v1/shipments", params={"status": "lost_at_sea"}, headers=shop.auth)
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/orders", "/v1/shipments", "/v1/customers/1/orders"])
async def test_lists_reject_bad_cursor_and_limit(client: httpx.AsyncClient, shop: StoreHandle, path: str) -> None:
    if path.startswith("/v1/customers/"):
        alice = (await get_json(client, shop, "/v1/customers", q="alice"))["items"][0]
        path = f"/v1/customers/{alice['id']}/orders"
    bad_cursor = await client.get(path, params={"cursor": "bm9wZQ"}, headers=shop.auth)
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["error"]["code"] == "invalid_cursor"
    for limit in (0, 201):
        response = await client.get(path, params={"limit": limit}, headers=shop.auth)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"

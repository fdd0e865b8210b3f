"""Tenancy and access: a store never sees, changes or learns of another store's objects.

Every route under /v1 is listed here, either as a tenant route (with how to probe
it) or as a public route owned elsewhere. A new route fails
`test_every_v1_route_is_covered` until it is added to one of the lists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from seabridge.app import create_app
from seabridge.db.calls import Call
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import webhooks
from seabridge.storage.conversations import add_outbox
from tests.conftest import StoreHandle, make_store
from tests.fixtures import agent_token, bearer, store_files
from tests.test_attachments import png

# Store B: another seller, with its own handles, order names and tracking numbers.
B_FILES = {
    "products.csv": (
        b"Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,"
        b"Variant Inventory Qty,Variant Price,Status,Material (product.metafields.custom.material)\n"
        b"bamboo-bowl,Bamboo Bowl,<p>Zebrawood bowl</p>,Other Works,Bowls,kitchen,Title,Default Title,"
        b"BB-1,4,15.00,active,Bamboo\n"
    ),
    "customers.csv": b"First Name,Last Name,Email,Default Address Country Code\nYuki,Tanaka,yuki@other.example,JP\n",
    "orders.csv": (
        b"Name,Email,Financial Status,Fulfillment Status,Currency,Subtotal,Total,Created at,"
        b"Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"
        b"#9001,yuki@other.example,paid,fulfilled,JPY,15.00,15.00,2024-04-01 09:00:00 +0900,1,Bamboo Bowl,15.00,BB-1\n"
    ),
    "tracking.jsonl": (
        b'{"msg": {"tracking_number": "BONLY0001JP", "slug": "japan-post", "tag": "InTransit",'
        b' "order_id": "#9001", "expected_delivery": "2020-02-02", "checkpoints": []}, "ts": 1711929600}\n'
    ),
}


@dataclass(frozen=True)
class Tenants:
    a: StoreHandle
    b: StoreHandle
    b_ids: dict[str, Any]  # path parameters naming B's objects


@dataclass(frozen=True)
class Probe:
    """How to call a route. `path` is the route template; `params` fills it from B's objects."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    query: dict[str, str] | None = None

    def url(self, ids: dict[str, Any]) -> str:
        return self.path.format(**{k: quote(str(v), safe="") for k, v in ids.items()})


# Routes that name one object: A's key must get the same 404 for B's object as for none.
OBJECT_ROUTES = [
    Probe("GET", "/v1/products/{product_id}"),
    Probe("GET", "/v1/products/by-handle/{handle}"),
    Probe("GET", "/v1/customers/{customer_id}"),
    Probe("GET", "/v1/customers/{customer_id}/orders"),
    Probe("GET", "/v1/orders/{order_id}"),
    Probe("GET", "/v1/orders/by-name/{name}"),
    Probe("GET", "/v1/shipments/{shipment_id}"),
    Probe("GET", "/v1/shipments/by-tracking/{tracking_number}"),
    Probe("DELETE", "/v1/store/api-keys/{key_id}"),
    Probe("GET", "/v1/webhook-endpoints/{endpoint_id}"),
    Probe("GET", "/v1/webhook-endpoints/{endpoint_id}/secret"),
    Probe("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries"),
    Probe("POST", "/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"),
    Probe("DELETE", "/v1/webhook-endpoints/{endpoint_id}"),  # after the others: it disables B's endpoint
    Probe("GET", "/v1/conversations/{conversation_id}"),
    Probe("GET", "/v1/conversations/{conversation_id}/messages"),
    Probe("POST", "/v1/conversations/{conversation_id}/handoff"),  # bot -> waiting
    Probe("POST", "/v1/conversations/{conversation_id}/close"),  # waiting -> closed
    Probe("GET", "/v1/attachments/{attachment_id}"),
    Probe("GET", "/v1/calls/{call_id}"),
    Probe("GET", "/v1/calls/{call_id}/ice-servers"),
]
MISSING_IDS = {
    "product_id": 2147483647,
    "handle": "no-such-handle",
    "customer_id": 2147483647,
    "order_id": 2147483647,
    "name": "#0",
    "shipment_id": 2147483647,
    "tracking_number": "NO-SUCH-PARCEL",
    "key_id": 2147483647,
    "endpoint_id": 2147483647,
    "delivery_id": 2147483647,
    "conversation_id": 2147483647,
    "attachment_id": 2147483647,
    "reply_id": 2147483647,
    "call_id": "c_no_such_call",
}


def _page_ids(body: Any) -> set[Any]:
    return {item["id"] for item in body["items"]}


def _list_ids(body: Any) -> set[Any]:
    return {item["id"] for item in body}


# Lists and singletons: A sees its own data and nothing of B's. The function turns an
# answer into the identities it reveals; the filters target B's objects on purpose.
LIST_ROUTES: list[tuple[Probe, Callable[[Any], set[Any]]]] = [
    (Probe("GET", "/v1/products"), _page_ids),
    (Probe("GET", "/v1/products", query={"q": "bamboo"}), _page_ids),
    (Probe("GET", "/v1/categories"), lambda body: set(body["items"])),
    (Probe("GET", "/v1/customers"), _page_ids),
    (Probe("GET", "/v1/customers", query={"country": "JP"}), _page_ids),
    (Probe("GET", "/v1/orders"), _page_ids),
    (Probe("GET", "/v1/orders", query={"customer_id": "{customer_id}"}), _page_ids),
    (Probe("GET", "/v1/orders", query={"email": "yuki@other.example"}), _page_ids),
    (Probe("GET", "/v1/shipments"), _page_ids),
    (Probe("GET", "/v1/shipments", query={"order_id": "{order_id}"}), _page_ids),
    (Probe("GET", "/v1/shipments", query={"late": "true"}), _page_ids),
    (Probe("GET", "/v1/store/api-keys"), _list_ids),
    (Probe("GET", "/v1/store/agents"), _list_ids),
    (Probe("GET", "/v1/store"), lambda body: {body["id"], body["public_key"]}),
    (Probe("GET", "/v1/store/secrets"), lambda body: {body["identity"]["secret"], body["tracking_webhook"]["secret"]}),
    (Probe("GET", "/v1/webhook-endpoints"), _page_ids),
    (Probe("GET", "/v1/conversations"), _page_ids),
    (Probe("GET", "/v1/conversations", query={"status": "bot"}), _page_ids),
    (Probe("GET", "/v1/conversations", query={"customer_id": "{customer_id}"}), _page_ids),
    (Probe("GET", "/v1/calls"), _page_ids),
]
# Routes that create in the caller's store.
CREATE_ROUTES = [
    Probe("POST", "/v1/store/api-keys", json={"name": "probe"}),
    Probe(
        "POST",
        "/v1/store/agents",
        json={"email": "probe@shop.example", "name": "Probe", "role": "agent", "password": "0123456789"},
    ),
    Probe("POST", "/v1/webhook-endpoints", json={"url": "https://shop.example/hooks", "events": ["*"]}),
]
ADMIN_ROUTES = [
    Probe("GET", "/v1/store/api-keys"),
    Probe("POST", "/v1/store/api-keys", json={"name": "probe"}),
    Probe("DELETE", "/v1/store/api-keys/{key_id}"),
    Probe(
        "POST",
        "/v1/store/agents",
        json={"email": "x@shop.example", "name": "X", "role": "agent", "password": "0123456789"},
    ),
    Probe("GET", "/v1/store/secrets"),
    Probe("GET", "/v1/webhook-endpoints"),
    Probe("POST", "/v1/webhook-endpoints", json={"url": "https://shop.example/hooks", "events": ["*"]}),
]
# Probed here for credentials only (they need a body); their cross-store 404s are
# tested in test_api_conversations and test_attachments.
CREDENTIAL_ROUTES = [
    Probe("POST", "/v1/conversations/{conversation_id}/messages", json={"client_msg_id": "probe", "text": "probe"}),
    Probe("POST", "/v1/conversations/{conversation_id}/read", json={"seq": 0}),
    Probe("POST", "/v1/conversations/{conversation_id}/assign", json={"agent_id": 1}),
    Probe("POST", "/v1/conversations/{conversation_id}/transfer", json={"agent_id": 1}),
    Probe("POST", "/v1/conversations/{conversation_id}/attachments"),
    # The agent console (cross-store 404s in test_console_api).
    Probe("GET", "/v1/console/me"),
    Probe("GET", "/v1/console/inbox"),
    Probe("GET", "/v1/console/conversations/{conversation_id}"),
    Probe("GET", "/v1/console/conversations/{conversation_id}/customer"),
    Probe("GET", "/v1/console/conversations/{conversation_id}/suggestions"),
    Probe("POST", "/v1/console/conversations/{conversation_id}/canned-replies/{reply_id}/render"),
    Probe("POST", "/v1/console/conversations/{conversation_id}/close"),
    Probe("GET", "/v1/console/canned-replies"),
    Probe("POST", "/v1/console/canned-replies", json={"shortcut": "probe", "title": "Probe", "texts": {"en": "x"}}),
    Probe("PATCH", "/v1/console/canned-replies/{reply_id}", json={"title": "probe"}),
    Probe("DELETE", "/v1/console/canned-replies/{reply_id}"),
    # Consult availability and bookings (per store; tested in test_appointments).
    Probe("GET", "/v1/consults/availability"),
    Probe("PUT", "/v1/consults/availability", json={"windows": []}),
    Probe("GET", "/v1/consults/appointments"),
]
TENANT_ROUTES = OBJECT_ROUTES + [probe for probe, _ in LIST_ROUTES] + CREATE_ROUTES + CREDENTIAL_ROUTES
# Owned and tested by other modules (login, import, buyer widget, inbound webhooks).
PUBLIC_ROUTES = {("POST", "/v1/store/import")}
PUBLIC_PREFIXES = ("/v1/auth/", "/v1/widget/", "/v1/webhooks/")


def app_v1_routes() -> set[tuple[str, str]]:
    app = create_app()
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith("/v1/"):
            found |= {(method, path) for method in route.methods or ()}
    return found


def test_every_v1_route_is_covered() -> None:
    routes = app_v1_routes()
    assert ("GET", "/v1/products") in routes  # the walk over app.routes found the routers
    covered = {(p.method, p.path) for p in TENANT_ROUTES} | PUBLIC_ROUTES
    missing = {r for r in routes if r not in covered and not r[1].startswith(PUBLIC_PREFIXES)}
    assert not missing, f"add these routes to the tenancy lists: {sorted(missing)}"
    assert not {(p.method, p.path) for p in TENANT_ROUTES} - routes, "a listed route does not exist"


async def _b_webhook_delivery(state: AppState, client: httpx.AsyncClient, b: StoreHandle) -> tuple[int, int]:
    """B's webhook endpoint (nobody listens on port 9) and one delivery to it."""
    hook = {"url": "http://127.0.0.1:9/hooks", "events": ["*"]}
    endpoint = await client.post("/v1/webhook-endpoints", json=hook, headers=b.auth)
    assert endpoint.status_code == 201, endpoint.text
    endpoint_id: int = endpoint.json()["webhook_endpoint"]["id"]
    async with state.sessions() as session, session.begin():
        await add_outbox(session, b.id, "conversation.closed", {"id": 1})
        await webhooks.fan_out(session, datetime.now(UTC))
    log = await client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=b.auth)
    delivery_id: int = log.json()["items"][0]["id"]
    return endpoint_id, delivery_id


@pytest.fixture
async def tenants(state: AppState, client: httpx.AsyncClient) -> Tenants:
    a = await make_store(state, store_files())
    b = await make_store(state, B_FILES)
    for store in (a, b):
        await agent_token(state, store.id, "agent")

    async def get(path: str) -> Any:
        response = await client.get(path, headers=b.auth)
        assert response.status_code == 200, response.text
        return response.json()

    product = await get("/v1/products/by-handle/bamboo-bowl")
    customer = (await get("/v1/customers"))["items"][0]
    order = await get("/v1/orders/by-name/%239001")
    shipment = await get("/v1/shipments/by-tracking/BONLY0001JP")
    key = await client.post("/v1/store/api-keys", json={"name": "b-spare"}, headers=b.auth)
    assert key.status_code == 201
    endpoint_id, delivery_id = await _b_webhook_delivery(state, client, b)
    conv = await state.messaging.open_for_buyer(Actor(b.id, "buyer", "v_tenancy_probe", customer_id=customer["id"]))
    image = await client.post(
        f"/v1/conversations/{conv.id}/attachments", files={"file": ("p.png", png(1, 1), "image/png")}, headers=b.auth
    )
    assert image.status_code == 201, image.text
    b_ids = {
        "product_id": product["id"],
        "handle": "bamboo-bowl",
        "customer_id": customer["id"],
        "order_id": order["id"],
        "name": "#9001",
        "shipment_id": shipment["id"],
        "tracking_number": "BONLY0001JP",
        "key_id": key.json()["api_key"]["id"],
        "endpoint_id": endpoint_id,
        "delivery_id": delivery_id,
        "conversation_id": conv.id,
        "attachment_id": image.json()["id"],
        "call_id": await _b_call(state, b.id, conv.id),
    }
    return Tenants(a, b, b_ids)


async def _b_call(state: AppState, store_id: int, conversation_id: int) -> str:
    async with state.sessions() as session, session.begin():
        row = Call(
            call_id="c_tenancy_" + secrets.token_hex(6),
            store_id=store_id,
            conversation_id=conversation_id,
            media="video",
            state="ended",
            outcome="missed",
            reason="ring_timeout",
            caller_kind="buyer",
            caller_ref="v_tenancy_probe",
            callee_kind="agent",
            callee_ref=None,
            invited_at=datetime.now(UTC),
            restarts=0,
            quality={},
        )
        session.add(row)
    return row.call_id


async def test_other_stores_objects_are_404_like_missing_ones(client: httpx.AsyncClient, tenants: Tenants) -> None:
    for probe in OBJECT_ROUTES:
        own = await client.request(probe.method, probe.url(tenants.b_ids), headers=tenants.b.auth)
        assert own.status_code in (200, 204), probe  # the probe does name a real object of B...
        other = await client.request(probe.method, probe.url(tenants.b_ids), headers=tenants.a.auth)
        missing = await client.request(probe.method, probe.url(MISSING_IDS), headers=tenants.a.auth)
        assert other.status_code == 404, probe  # ...which A cannot reach,
        assert other.json()["error"]["code"] == "not_found", probe
        assert other.json() == missing.json(), probe  # nor tell from one that does not exist.


async def test_lists_never_include_another_stores_objects(client: httpx.AsyncClient, tenants: Tenants) -> None:
    for probe, identities in LIST_ROUTES:
        query = {k: v.format(**tenants.b_ids) for k, v in (probe.query or {}).items()}
        as_b = await client.request(probe.method, probe.path, params=query, headers=tenants.b.auth)
        as_a = await client.request(probe.method, probe.path, params=query, headers=tenants.a.auth)
        assert as_a.status_code == as_b.status_code == 200, probe
        b_sees = identities(as_b.json())
        assert b_sees, probe  # the probe does reach B's data
        assert not identities(as_a.json()) & b_sees, probe


async def test_a_stores_lists_show_its_own_data(client: httpx.AsyncClient, tenants: Tenants) -> None:
    products = (await client.get("/v1/products", headers=tenants.a.auth)).json()
    assert len(products["items"]) == 7
    categories = (await client.get("/v1/categories", headers=tenants.a.auth)).json()
    assert "Bowls" not in categories["items"]
    assert len((await client.get("/v1/orders", headers=tenants.a.auth)).json()["items"]) == 4


async def test_creating_stays_in_the_callers_store(client: httpx.AsyncClient, tenants: Tenants) -> None:
    async def b_has() -> tuple[set[int], set[int]]:
        keys = (await client.get("/v1/store/api-keys", headers=tenants.b.auth)).json()
        team = (await client.get("/v1/store/agents", headers=tenants.b.auth)).json()
        return _list_ids(keys), _list_ids(team)

    before = await b_has()
    for probe in CREATE_ROUTES:
        response = await client.request(probe.method, probe.path, json=probe.json, headers=tenants.a.auth)
        assert response.status_code == 201
    assert await b_has() == before
    # The same e-mail in another store is no conflict, and says nothing about that store.
    again = await client.request("POST", CREATE_ROUTES[1].path, json=CREATE_ROUTES[1].json, headers=tenants.b.auth)
    assert again.status_code == 201


async def test_revoking_another_stores_key_leaves_it_working(client: httpx.AsyncClient, tenants: Tenants) -> None:
    b_import_key = (await client.get("/v1/store/api-keys", headers=tenants.b.auth)).json()[0]
    response = await client.delete(f"/v1/store/api-keys/{b_import_key['id']}", headers=tenants.a.auth)
    assert response.status_code == 404
    assert (await client.get("/v1/store", headers=tenants.b.auth)).status_code == 200


BAD_AUTHORIZATION = [
    None,
    "",
    "Bearer",
    "Bearer  ",
    "Basic dXNlcjpwYXNz",
    "Bearer garbage",
    "Bearer sbk_not-a-real-key",
    "Bearer sbs_not-a-real-session",
    "bearer sbk_" + "A" * 43,
]


@pytest.mark.parametrize("probe", TENANT_ROUTES, ids=lambda p: f"{p.method} {p.path} {p.query or ''}")
async def test_missing_or_bad_credentials_are_401(client: httpx.AsyncClient, probe: Probe) -> None:
    ids = dict(MISSING_IDS, key_id=1)
    query = {k: "1" for k in probe.query or {}}
    for authorization in BAD_AUTHORIZATION:
        headers = {} if authorization is None else {"Authorization": authorization}
        response = await client.request(probe.method, probe.url(ids), params=query, json=probe.json, headers=headers)
        assert response.status_code == 401, authorization
        assert set(response.json()) == {"error"}
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_is_401(client: httpx.AsyncClient, store: StoreHandle) -> None:
    created = (await client.post("/v1/store/api-keys", json={"name": "temp"}, headers=store.auth)).json()
    key_auth = bearer(created["key"])
    assert (await client.get("/v1/products", headers=key_auth)).status_code == 200
    assert (
        await client.delete(f"/v1/store/api-keys/{created['api_key']['id']}", headers=store.auth)
    ).status_code == 204
    for probe in TENANT_ROUTES:
        response = await client.request(probe.method, probe.url(MISSING_IDS), json=probe.json, headers=key_auth)
        assert response.status_code == 401, probe
        assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("probe", ADMIN_ROUTES, ids=lambda p: f"{p.method} {p.path}")
async def test_agent_role_is_403_on_admin_routes(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle, probe: Probe
) -> None:
    agent = bearer(await agent_token(state, store.id, "agent"))
    keys = (await client.get("/v1/store/api-keys", headers=store.auth)).json()
    response = await client.request(probe.method, probe.url({"key_id": keys[0]["id"]}), json=probe.json, headers=agent)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (await client.get("/v1/store", headers=store.auth)).status_code == 200  # the key was not revoked
    admin = bearer(await agent_token(state, store.id, "admin"))
    allowed = await client.request(probe.method, probe.url({"key_id": keys[0]["id"]}), json=probe.json, headers=admin)
    assert allowed.status_code in (200, 201, 204)


async def test_agent_role_reads_the_stores_data(client: httpx.AsyncClient, state: AppState, tenants: Tenants) -> None:
    agent = bearer(await agent_token(state, tenants.a.id, "agent"))
    for path in (
        "/v1/store",
        "/v1/store/agents",
        "/v1/products",
        "/v1/categories",
        "/v1/customers",
        "/v1/orders",
        "/v1/shipments",
    ):
        assert (await client.get(path, headers=agent)).status_code == 200, path
    other = await client.get(f"/v1/orders/{tenants.b_ids['order_id']}", headers=agent)
    assert other.status_code == 404

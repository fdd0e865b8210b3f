"""The OpenAPI document describes every /v1 route, and the docs page is served."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from seabridge.app import create_app

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    spec: dict[str, Any] = json.loads(response.text)
    return spec


def v1_operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


async def test_every_v1_route_is_documented_with_a_summary(client: httpx.AsyncClient) -> None:
    spec = await openapi(client)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Seabridge"
    operations = v1_operations(spec)
    routes = {
        (method, route.path)
        for route in iter_route_contexts(create_app().routes)
        if (route.path or "").startswith("/v1/")
        for method in route.methods or ()
    }
    assert ("GET", "/v1/products") in routes
    assert routes <= set(operations), f"undocumented: {sorted(routes - set(operations))}"
    unsummarised = [key for key, op in operations.items() if not op.get("summary", "").strip()]
    assert not unsummarised
    operation_ids = [op["operationId"] for op in operations.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_resource_routes_explain_themselves(client: httpx.AsyncClient) -> None:
    operations = v1_operations(await openapi(client))
    ours = {
        k: op
        for k, op in operations.items()
        if k[1].split("/")[2] in {"store", "products", "categories", "customers", "orders", "shipments"}
        and k[1] != "/v1/store/import"
    }
    assert len(ours) == 20  # store 7, catalog 4, customers 3, orders 3, shipments 3
    for key, op in ours.items():
        assert op.get("description", "").strip(), f"{key} has no description"
        assert "401" in op["responses"], f"{key} does not document 401"
    get_order = operations[("GET", "/v1/orders/{order_id}")]
    assert get_order["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


async def test_schemas_show_money_as_strings_and_no_secrets(client: httpx.AsyncClient) -> None:
    spec = await openapi(client)
    schemas = spec["components"]["schemas"]
    assert schemas["ProductOut"]["properties"]["min_price"]["type"] == "string"
    assert schemas["OrderOut"]["properties"]["total"]["type"] == "string"
    assert set(schemas["ShipmentOut"]["properties"]) >= {"late", "checkpoints"}
    page = spec["paths"]["/v1/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page_schema = schemas[page["$ref"].rsplit("/", 1)[1]]
    assert set(page_schema["properties"]) == {"items", "next_cursor"}
    text = json.dumps(spec)
    assert "key_hash" not in text
    assert "password_hash" not in text


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in response.text.lower()
    assert "/openapi.json" in response.text

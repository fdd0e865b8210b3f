"""Catalog over HTTP: search filters, product detail, categories and cursor paging."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store
from tests.fixtures import store_files

ALL_HANDLES = {"linen-shirt", "cotton-tee", "cafe-creme-mug", "travel-mug", "summer-dress", "silk-scarf", "wool-socks"}


@pytest.fixture
async def shop(state: AppState) -> StoreHandle:
    return await make_store(state, store_files())


async def handles(client: httpx.AsyncClient, shop: StoreHandle, **params: Any) -> set[str]:
    response = await client.get("/v1/products", params={"limit": 200, **params}, headers=shop.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return {item["handle"] for item in body["items"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cafe creme", {"cafe-creme-mug"}),  # accents folded
        ("CAFÉ", {"cafe-creme-mug"}),  # case folded
        ("crème MUG", {"cafe-creme-mug"}),  # every word must match, in any case
        ("linen", {"linen-shirt"}),
        ("harbor mills", {"linen-shirt", "cotton-tee", "summer-dress"}),  # vendor
        ("breathable", {"linen-shirt"}),  # body text, HTML stripped
        ("CT-M", {"cotton-tee"}),  # variant SKU
        ("no such thing", set()),
    ],
)
async def test_search_by_text(client: httpx.AsyncClient, shop: StoreHandle, q: str, expected: set[str]) -> None:
    assert await handles(client, shop, q=q) == expected


async def test_search_by_category_and_list_categories(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    assert await handles(client, shop, category="Mugs") == {"cafe-creme-mug", "travel-mug"}
    assert await handles(client, shop, category="Shirts") == {"linen-shirt", "cotton-tee"}
    assert await handles(client, shop, category="Hats") == set()
    response = await client.get("/v1/categories", headers=shop.auth)
    assert response.status_code == 200
    assert response.json() == {"items": ["Accessories", "Dresses", "Mugs", "Shirts"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"min_price": "20", "max_price": "40"}, {"linen-shirt", "travel-mug"}),
        ({"min_price": "19.99", "max_price": "19.99"}, {"cotton-tee"}),  # bounds are inclusive
        ({"max_price": "10"}, {"wool-socks"}),
        ({"min_price": "60"}, {"silk-scarf"}),
        ({"min_price": "40.50", "max_price": "40.99"}, {"linen-shirt"}),  # 39.00..41.00 spans the range
        ({"min_price": "1000"}, set()),
    ],
)
async def test_search_by_price_range(
    client: httpx.AsyncClient, shop: StoreHandle, params: dict[str, str], expected: set[str]
) -> None:
    assert await handles(client, shop, **params) == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (["material:cotton"], {"cotton-tee", "summer-dress"}),
        (["material:COTTON"], {"cotton-tee", "summer-dress"}),
        (["material:merino"], {"wool-socks"}),  # accent folded on both sides
        (["material:Mérino Wool"], {"wool-socks"}),
        (["material:steel"], {"travel-mug"}),  # part of the value
        (["material:cotton", "material:linen"], set()),  # filters narrow
        (["colour:blue"], set()),  # no such attribute
    ],
)
async def test_search_by_attribute(
    client: httpx.AsyncClient, shop: StoreHandle, attributes: list[str], expected: set[str]
) -> None:
    assert await handles(client, shop, attribute=attributes) == expected


async def test_search_by_stock_status_and_combined_filters(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    # travel-mug has every variant at 0; summer-dress does not track stock, so it is available.
    assert await handles(client, shop, in_stock="false") == {"travel-mug"}
    assert await handles(client, shop, in_stock="true") == ALL_HANDLES - {"travel-mug"}
    assert await handles(client, shop, status="draft") == {"silk-scarf"}
    assert await handles(client, shop, status="active") == ALL_HANDLES - {"silk-scarf"}
    assert await handles(client, shop, q="mug", in_stock="true") == {"cafe-creme-mug"}
    assert await handles(client, shop, category="Shirts", attribute="material:linen", max_price="39") == {"linen-shirt"}


async def test_product_detail_by_id_and_handle(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    by_handle = await client.get("/v1/products/by-handle/linen-shirt", headers=shop.auth)
    assert by_handle.status_code == 200
    product = by_handle.json()
    by_id = await client.get(f"/v1/products/{product['id']}", headers=shop.auth)
    assert by_id.status_code == 200
    assert by_id.json() == product

    assert product["title"] == "Linen Shirt"
    assert product["product_type"] == "Shirts"
    assert product["min_price"] == "39.00"
    assert product["max_price"] == "41.00"
    assert product["attributes"] == {"material": "Linen"}
    assert product["size_chart"]["rows"][1] == {"size": "M", "chest": 102}
    assert product["images"] == [
        "https://cdn.example.com/linen-shirt.jpg",
        "https://cdn.example.com/linen-shirt-back.jpg",
    ]
    assert product["tags"] == ["summer", "linen"]
    variants = product["variants"]
    assert [v["sku"] for v in variants] == ["LS-S", "LS-M", "LS-L"]
    assert [v["position"] for v in variants] == [1, 2, 3]
    assert variants[0]["options"] == [{"name": "Size", "value": "S"}]
    assert variants[0]["title"] == "S"
    assert [v["price"] for v in variants] == ["39.00", "39.00", "41.00"]
    assert [v["compare_at_price"] for v in variants] == ["49.00", "49.00", None]
    assert [v["inventory_qty"] for v in variants] == [5, 0, 3]


async def test_money_is_a_string_with_two_decimals(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    response = await client.get("/v1/products/by-handle/cotton-tee", headers=shop.auth)
    product = response.json()
    assert product["min_price"] == "19.99"
    assert all(isinstance(v["price"], str) for v in product["variants"])
    mug = (await client.get("/v1/products/by-handle/cafe-creme-mug", headers=shop.auth)).json()
    assert mug["variants"][0]["price"] == "12.50"
    assert mug["variants"][0]["options"] == []


async def test_unknown_product_is_404_with_error_shape(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    for path in ("/v1/products/by-handle/no-such-handle", "/v1/products/2147483647"):
        response = await client.get(path, headers=shop.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
async def test_paging_visits_every_product_once(client: httpx.AsyncClient, shop: StoreHandle, limit: int) -> None:
    seen: list[int] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get("/v1/products", params=params, headers=shop.auth)
        assert response.status_code == 200
        body = response.json()
        pages += 1
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["items"]) == limit  # only the last page may be short
    assert len(seen) == len(set(seen)) == len(ALL_HANDLES)
    assert seen == sorted(seen)
    assert pages == -(-len(ALL_HANDLES) // limit)  # no empty trailing page


async def test_paging_keeps_filters(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    first = (await client.get("/v1/products", params={"category": "Mugs", "limit": 1}, headers=shop.auth)).json()
    assert len(first["items"]) == 1
    assert first["next_cursor"] is not None
    second = (
        await client.get(
            "/v1/products", params={"category": "Mugs", "limit": 1, "cursor": first["next_cursor"]}, headers=shop.auth
        )
    ).json()
    assert {first["items"][0]["handle"], second["items"][0]["handle"]} == {"cafe-creme-mug", "travel-mug"}
    assert second["next_cursor"] is None


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "!!!",
        _cursor({"before": 3}),
        _cursor({"after": -1}),
        _cursor({"after": "3"}),
        _cursor({"after": 2**40}),
        _cursor([1, 2]),
    ],
)
async def test_invalid_cursor_is_400(client: httpx.AsyncClient, shop: StoreHandle, cursor: str) -> None:
    response = await client.get("/v1/products", params={"cursor": cursor}, headers=shop.auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": -5},
        {"limit": "ten"},
        {"min_price": "1.005"},
        {"min_price": "-1"},
        {"max_price": "abc"},
        {"in_stock": "maybe"},
        {"status": "deleted"},
        {"attribute": "material"},
        {"attribute": ":cotton"},
        {"attribute": ["material:cotton"] * 21},
    ],
)
async def test_bad_parameters_are_422(client: httpx.AsyncClient, shop: StoreHandle, params: dict[str, Any]) -> None:
    response = await client.get("/v1/products", params=params, headers=shop.auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]


@pytest.mark.parametrize("limit", [1, 200])
async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, shop: StoreHandle, limit: int) -> None:
    response = await client.get("/v1/products", params={"limit": limit}, headers=shop.auth)
    assert response.status_code == 200
    assert len(response.json()["items"]) == min(limit, len(ALL_HANDLES))

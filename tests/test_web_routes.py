"""The buyer side over HTTP: /widget.js (caching, cross-origin), CORS on the buyer endpoints
only, the demo store page and its CSP, demo images, product links from the widget's cards."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from seabridge.state import AppState
from seabridge.storage import catalog, stores
from seabridge.web.assets import STATIC
from tests.conftest import StoreHandle, make_store

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"
SHOP = "https://shop.example"
WIDGET_BUDGET = 60 * 1024


@pytest.fixture
async def shop(state: AppState) -> tuple[StoreHandle, str]:
    handle = await make_store(state, {"products.csv": (FIXTURE / "products.csv").read_bytes()})
    async with state.sessions() as session:
        found = await stores.get_by_id(session, handle.id)
        assert found is not None
        return handle, found.public_key


def test_widget_bundle_is_built_and_within_budget() -> None:
    body = (STATIC / "widget.js").read_bytes()
    assert b"seabridge" in body, "widget.js is not the built widget: run scripts/bootstrap"
    assert len(gzip.compress(body, 9)) <= WIDGET_BUDGET


async def test_widget_js_is_cacheable_and_loadable_from_any_origin(client: httpx.AsyncClient) -> None:
    res = await client.get("/widget.js", headers={"Origin": SHOP, "Accept-Encoding": "gzip"})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert res.headers["access-control-allow-origin"] == "*"
    assert res.headers["cross-origin-resource-policy"] == "cross-origin"
    assert res.headers["content-encoding"] == "gzip"
    assert "max-age=" in res.headers["cache-control"]
    assert res.content == (STATIC / "widget.js").read_bytes()  # httpx decoded the gzip body
    etag = res.headers["etag"]
    again = await client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = await client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] == etag


async def test_buyer_endpoints_allow_cross_origin_without_credentials(
    client: httpx.AsyncClient, shop: tuple[StoreHandle, str]
) -> None:
    _, key = shop
    preflight = await client.options(
        "/v1/widget/sessions",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    res = await client.post("/v1/widget/sessions", json={"store": key}, headers={"Origin": SHOP})
    assert res.status_code == 200 and res.headers["access-control-allow-origin"] == "*"
    token = res.json()["token"]
    conv = await client.post("/v1/widget/conversation", headers={"Origin": SHOP, "Authorization": f"Bearer {token}"})
    assert conv.status_code == 200 and conv.headers["access-control-allow-origin"] == "*"


async def test_agent_api_is_not_opened_to_other_origins(client: httpx.AsyncClient, store: StoreHandle) -> None:
    preflight = await client.options("/v1/products", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers
    res = await client.get("/v1/products", headers={"Origin": SHOP, **store.auth})
    assert res.status_code == 200 and "access-control-allow-origin" not in res.headers


async def test_demo_store_page_has_the_widget_and_a_csp(
    client: httpx.AsyncClient, shop: tuple[StoreHandle, str]
) -> None:
    handle, key = shop
    res = await client.get(f"/demo-store?store={handle.slug}")
    assert res.status_code == 200
    assert "This is a demo store" in res.text
    assert f'<script src="/widget.js" data-store="{key}" async></script>' in res.text
    csp = res.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self' ws://seabridge.test wss://seabridge.test" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in res.text
    assert 'id="product-' in res.text  # the products of the store are listed


async def test_demo_images_are_served_or_replaced_by_a_placeholder(client: httpx.AsyncClient, state: AppState) -> None:
    folder = state.settings.data_dir / "demo-store" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tile.svg").write_text("<svg id='tile'/>")
    res = await client.get("/demo/images/tile.svg")
    assert res.status_code == 200 and res.text == "<svg id='tile'/>"
    assert res.headers["content-type"].startswith("image/svg+xml")
    missing = await client.get("/demo/images/not-generated.svg")
    assert missing.status_code == 200 and missing.text.startswith("<svg")
    assert (await client.get("/demo/images/..%2Fseabridge.db")).status_code == 404


async def test_product_cards_link_to_the_store_page(
    client: httpx.AsyncClient, state: AppState, shop: tuple[StoreHandle, str]
) -> None:
    handle, key = shop
    async with state.sessions() as session:
        product = (await catalog.search_products(session, handle.id, catalog.ProductQuery(), limit=1)).items[0]
        found = await stores.get_by_id(session, handle.id)
        assert found is not None
    res = await client.get(f"/v1/widget/products/{product.id}/page", params={"store": key})
    assert res.status_code == 302
    assert res.headers["location"] == f"/demo-store?store={handle.slug}#product-{product.handle}"
    async with state.sessions() as session, session.begin():
        found = await stores.get_by_id(session, handle.id)
        assert found is not None
        found.extra = {**found.extra, "product_url": "https://shop.example/products/{handle}"}
    res = await client.get(f"/v1/widget/products/{product.id}/page", params={"store": key})
    assert res.headers["location"] == f"https://shop.example/products/{product.handle}"
    other = await make_store(state)
    async with state.sessions() as session:
        other_store = await stores.get_by_id(session, other.id)
        assert other_store is not None
    res = await client.get(f"/v1/widget/products/{product.id}/page", params={"store": other_store.public_key})
    assert res.status_code == 404  # another store's product


async def test_every_html_page_declares_its_icon(client: httpx.AsyncClient, shop: tuple[StoreHandle, str]) -> None:
    """Without one a browser asks for /favicon.ico, gets a 404 and reports a page error."""
    handle, _ = shop
    for path in ("/", f"/demo-store?store={handle.slug}", "/console"):
        res = await client.get(path)
        assert res.status_code == 200, path
        assert '<link rel="icon" href="data:,">' in res.text, path

"""LIKE wildcards typed by a user are literal characters, not patterns."""

from __future__ import annotations

from pathlib import Path

import httpx

from seabridge.state import AppState
from tests.conftest import make_store

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"


async def test_wildcards_in_search_are_literal(state: AppState, client: httpx.AsyncClient) -> None:
    files = {name: (FIXTURE / name).read_bytes() for name in ("products.csv", "customers.csv")}
    shop = await make_store(state, files)
    everything = (await client.get("/v1/products", headers=shop.auth)).json()["items"]
    assert len(everything) == 3
    percent = (await client.get("/v1/products", params={"q": "%"}, headers=shop.auth)).json()["items"]
    assert [p["handle"] for p in percent] == ["linen-overshirt"]  # "100% linen", a literal match
    for q in ("%%", "_", "\\", "l_nen", "lin%"):
        res = await client.get("/v1/products", params={"q": q}, headers=shop.auth)
        assert res.json()["items"] == [], q
        res = await client.get("/v1/products", params={"attribute": f"material:{q}"}, headers=shop.auth)
        assert res.json()["items"] == [], q
        res = await client.get("/v1/customers", params={"q": q}, headers=shop.auth)
        assert res.json()["items"] == [], q
    linen = (await client.get("/v1/products", params={"attribute": "material:LIN"}, headers=shop.auth)).json()
    assert [p["handle"] for p in linen["items"]] == ["linen-overshirt"]

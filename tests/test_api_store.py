"""The caller's store over HTTP: settings, API keys, agent accounts and derived secrets."""

from __future__ import annotations

import httpx

from seabridge import security
from seabridge.state import AppState
from seabridge.storage import agents
from tests.conftest import StoreHandle
from tests.fixtures import agent_token, bearer

SECRET_FIELDS = ("key_hash", "password_hash", "secret_version", "extra")


async def test_get_store_shows_settings_and_no_secret(client: httpx.AsyncClient, store: StoreHandle) -> None:
    response = await client.get("/v1/store", headers=store.auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["slug"]) == (store.id, store.slug)
    assert (body["default_language"], body["currency"], body["timezone"]) == ("en", "USD", "Asia/Shanghai")
    assert body["public_key"].startswith("pk_")
    assert body["policies"]["return_window_days"] == 30
    assert body["shipping"][0]["countries"] == ["US", "CA"]
    assert len(body["hours"]) == 5
    assert not set(SECRET_FIELDS) & set(body)
    assert "sbsec_" not in response.text


async def test_api_key_lifecycle(client: httpx.AsyncClient, store: StoreHandle) -> None:
    created = await client.post("/v1/store/api-keys", json={"name": "shopify-sync"}, headers=store.auth)
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith("sbk_")
    assert body["api_key"]["name"] == "shopify-sync"
    assert key.startswith(body["api_key"]["prefix"])
    assert body["api_key"]["revoked_at"] is None

    listed = await client.get("/v1/store/api-keys", headers=store.auth)
    assert listed.status_code == 200
    keys = listed.json()
    assert [k["name"] for k in keys] == ["import", "shopify-sync"]
    assert key not in listed.text  # the key is shown once, never listed
    assert all("key_hash" not in k for k in keys)

    new_auth = bearer(key)
    assert (await client.get("/v1/store", headers=new_auth)).status_code == 200
    used = next(
        k for k in (await client.get("/v1/store/api-keys", headers=store.auth)).json() if k["name"] == "shopify-sync"
    )
    assert used["last_used_at"] is not None

    revoked = await client.delete(f"/v1/store/api-keys/{body['api_key']['id']}", headers=store.auth)
    assert revoked.status_code == 204
    assert revoked.content == b""
    assert (await client.get("/v1/store", headers=new_auth)).status_code == 401
    again = await client.delete(f"/v1/store/api-keys/{body['api_key']['id']}", headers=store.auth)
    assert again.status_code == 204  # revoking twice changes nothing
    after = {k["name"]: k for k in (await client.get("/v1/store/api-keys", headers=store.auth)).json()}
    assert after["shopify-sync"]["revoked_at"] is not None
    assert after["import"]["revoked_at"] is None
    assert (await client.delete("/v1/store/api-keys/2147483647", headers=store.auth)).status_code == 404


async def test_api_key_name_is_validated(client: httpx.AsyncClient, store: StoreHandle) -> None:
    for body in ({"name": ""}, {"name": "x" * 101}, {}):
        response = await client.post("/v1/store/api-keys", json=body, headers=store.auth)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"


async def test_create_agent_then_log_in_with_it(client: httpx.AsyncClient, store: StoreHandle, state: AppState) -> None:
    body = {
        "email": "Mei@Shop.Example",
        "name": "Mei",
        "role": "agent",
        "password": "a long password",
        "language": "zh",
    }
    created = await client.post("/v1/store/agents", json=body, headers=store.auth)
    assert created.status_code == 201
    agent = created.json()
    assert (agent["email"], agent["role"], agent["language"]) == ("mei@shop.example", "agent", "zh")
    assert "password" not in created.text
    listed = (await client.get("/v1/store/agents", headers=store.auth)).json()
    assert [a["email"] for a in listed] == ["mei@shop.example"]
    assert all("password_hash" not in a for a in listed)
    async with state.sessions() as session:
        stored = await agents.get_agent(session, store.id, agent["id"])
        assert stored is not None
        assert security.verify_password(stored.password_hash, "a long password")

    duplicate = await client.post("/v1/store/agents", json={**body, "email": "mei@shop.example"}, headers=store.auth)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict"


async def test_create_agent_validation(client: httpx.AsyncClient, store: StoreHandle) -> None:
    good = {"email": "lee@shop.example", "name": "Lee", "role": "agent", "password": "0123456789"}
    for bad in ({"password": "123456789"}, {"role": "root"}, {"email": "not-an-email"}, {"name": ""}):
        response = await client.post("/v1/store/agents", json={**good, **bad}, headers=store.auth)
        assert response.status_code == 422, bad
    assert (await client.post("/v1/store/agents", json=good, headers=store.auth)).status_code == 201


async def test_only_an_owner_creates_an_owner(client: httpx.AsyncClient, store: StoreHandle, state: AppState) -> None:
    owner_body = {"email": "boss2@shop.example", "name": "Boss", "role": "owner", "password": "0123456789"}
    as_key = await client.post("/v1/store/agents", json=owner_body, headers=store.auth)  # API keys act as admin
    assert as_key.status_code == 403
    admin = bearer(await agent_token(state, store.id, "admin"))
    assert (await client.post("/v1/store/agents", json=owner_body, headers=admin)).status_code == 403
    admin_body = {**owner_body, "email": "helper@shop.example", "role": "admin"}
    assert (await client.post("/v1/store/agents", json=admin_body, headers=admin)).status_code == 201
    owner = bearer(await agent_token(state, store.id, "owner"))
    created = await client.post("/v1/store/agents", json=owner_body, headers=owner)
    assert created.status_code == 201
    assert created.json()["role"] == "owner"


async def test_secrets_are_the_derived_ones(client: httpx.AsyncClient, store: StoreHandle, state: AppState) -> None:
    response = await client.get("/v1/store/secrets", headers=store.auth)
    assert response.status_code == 200
    body = response.json()
    assert body["secret_version"] == 1
    assert body["identity"]["secret"] == state.store_secret("identity", store.id, 1)
    assert body["tracking_webhook"]["secret"] == state.store_secret("tracking-webhook", store.id, 1)
    assert body["identity"]["secret"] != body["tracking_webhook"]["secret"]
    assert "JWT" in body["identity"]["usage"]
    assert "aftership-hmac-sha256" in body["tracking_webhook"]["usage"]
    # A signature made with the published secret is one the server accepts.
    token = security.sign_identity_token(body["identity"]["secret"], "buyer@example.com")
    assert (
        security.verify_identity_token(state.store_secret("identity", store.id, 1), token).email == "buyer@example.com"
    )

"""Agent login and roles; buyer identities: anonymous, e-mail + order number, store-signed token."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt

from seabridge import security
from seabridge.state import AppState
from seabridge.storage import agents, conversations, stores
from tests.conftest import StoreHandle, make_store

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"


async def shop(state: AppState) -> tuple[StoreHandle, str, str]:
    files = {name: (FIXTURE / name).read_bytes() for name in ("products.csv", "customers.csv", "orders.csv")}
    handle = await make_store(state, files)
    async with state.sessions() as session, session.begin():
        store = await stores.get_by_id(session, handle.id)
        assert store is not None
        await agents.create_agent(
            session,
            store.id,
            email="Li.Wei@Shop.example",
            name="Li Wei",
            role="agent",
            password="correct horse battery",
        )
        await agents.create_agent(
            session, store.id, email="owner@shop.example", name="Owner", role="owner", password="correct horse battery"
        )
        return handle, store.public_key, state.store_secret("identity", store.id, store.secret_version)


async def test_agent_login_me_logout(state: AppState, client: httpx.AsyncClient) -> None:
    handle, _, _ = await shop(state)
    res = await client.post(
        "/v1/auth/login",
        json={"store": handle.slug, "email": "li.wei@shop.example", "password": "correct horse battery"},
    )
    assert res.status_code == 200, res.text
    token = res.json()["token"]
    assert token.startswith("sbs_") and res.json()["role"] == "agent"
    auth = {"Authorization": f"Bearer {token}"}
    me = (await client.get("/v1/auth/me", headers=auth)).json()
    assert me == {"store_id": handle.id, "kind": "agent", "role": "agent", "agent_id": res.json()["agent_id"]}
    assert (await client.get("/v1/products", headers=auth)).status_code == 200
    assert (await client.post("/v1/auth/logout", headers=auth)).status_code == 204
    assert (await client.get("/v1/auth/me", headers=auth)).status_code == 401


async def test_login_failures_do_not_say_which_part_was_wrong(state: AppState, client: httpx.AsyncClient) -> None:
    handle, _, _ = await shop(state)
    attempts = [
        {"store": handle.slug, "email": "li.wei@shop.example", "password": "wrong password!"},
        {"store": handle.slug, "email": "nobody@shop.example", "password": "correct horse battery"},
        {"store": "no-such-store", "email": "li.wei@shop.example", "password": "correct horse battery"},
    ]
    messages = set()
    for body in attempts:
        res = await client.post("/v1/auth/login", json=body)
        assert res.status_code == 401
        messages.add(res.json()["error"]["message"])
    assert len(messages) == 1
    res = await client.post("/v1/auth/login", json={"store": handle.slug})
    assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_request"


async def test_session_tokens_and_api_keys_are_stored_hashed(state: AppState, client: httpx.AsyncClient) -> None:
    handle, _, _ = await shop(state)
    res = await client.post(
        "/v1/auth/login",
        json={"store": handle.slug, "email": "owner@shop.example", "password": "correct horse battery"},
    )
    token = res.json()["token"]
    from tests.support.snapshot import snapshot

    dump = repr(snapshot(state.settings.effective_database_url))
    assert token not in dump and token[4:] not in dump
    assert handle.api_key not in dump and handle.api_key[4:] not in dump
    assert "correct horse battery" not in dump


async def test_anonymous_visitor_then_verified_by_order(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, _ = await shop(state)
    res = await client.post("/v1/widget/sessions", json={"store": pk})
    assert res.status_code == 200
    anon = res.json()
    assert anon["verified"] is False and anon["customer_id"] is None
    auth = {"Authorization": f"Bearer {anon['token']}"}
    assert (await client.get("/v1/widget/orders", headers=auth)).status_code == 403

    wrong = await client.post(
        "/v1/widget/verify", headers=auth, json={"email": "jonas.becker@example.org", "order_number": "#1001"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "verification_failed"

    ok = await client.post(
        "/v1/widget/verify", headers=auth, json={"email": "LUCIA.fernandez@example.com ", "order_number": "1001"}
    )
    assert ok.status_code == 200, ok.text
    verified = ok.json()
    assert verified["verified"] is True and verified["visitor_id"] == anon["visitor_id"]
    assert verified["first_name"] == "Lucía" and verified["language"] == "es"
    mine = await client.get("/v1/widget/orders", headers={"Authorization": f"Bearer {verified['token']}"})
    assert sorted(o["name"] for o in mine.json()) == ["#1001", "#1003"]  # never Jonas's #1002


async def test_verification_attempts_are_rate_limited(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, _ = await shop(state)
    anon = (await client.post("/v1/widget/sessions", json={"store": pk})).json()
    auth = {"Authorization": f"Bearer {anon['token']}"}
    codes = []
    for n in range(7):
        res = await client.post(
            "/v1/widget/verify", headers=auth, json={"email": "lucia.fernandez@example.com", "order_number": f"#9{n}"}
        )
        codes.append(res.status_code)
    assert codes[:5] == [400] * 5 and codes[5:] == [429, 429]


async def test_identity_token_signed_by_store_backend(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, secret = await shop(state)
    token = security.sign_identity_token(secret, "jonas.becker@example.org", name="Jonas Becker")
    res = await client.post("/v1/widget/sessions", json={"store": pk, "identity_token": token})
    assert res.status_code == 200, res.text
    assert res.json()["verified"] is True and res.json()["first_name"] == "Jonas"
    mine = await client.get("/v1/widget/orders", headers={"Authorization": f"Bearer {res.json()['token']}"})
    assert [o["name"] for o in mine.json()] == ["#1002"]


async def test_forged_and_expired_identity_tokens(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, secret = await shop(state)
    forged = security.sign_identity_token("sbsec_" + "0" * 64, "lucia.fernandez@example.com")
    expired = jwt.encode(
        {"email": "lucia.fernandez@example.com", "exp": int(time.time()) - 3600}, secret, algorithm="HS256"
    )
    none_alg = jwt.encode(
        {"email": "lucia.fernandez@example.com", "exp": int(time.time()) + 60}, None, algorithm="none"
    )
    for token, reason in ((forged, "invalid"), (expired, "expired"), (none_alg, "invalid"), ("garbage", "invalid")):
        res = await client.post("/v1/widget/sessions", json={"store": pk, "identity_token": token})
        assert res.status_code == 401, token
        assert reason in res.json()["error"]["message"]


async def test_buyer_tokens_cannot_be_forged_or_moved(state: AppState, client: httpx.AsyncClient) -> None:
    _, pk, _ = await shop(state)
    anon = (await client.post("/v1/widget/sessions", json={"store": pk})).json()
    claims = security.verify_buyer_token(state.server_key, anon["token"])
    forged = security.sign_buyer_token(
        b"another-server", security.BuyerClaims(claims.store_id, claims.visitor_id, 1, claims.expires_at)
    )
    expired = security.sign_buyer_token(
        state.server_key, security.BuyerClaims(claims.store_id, claims.visitor_id, None, int(time.time()) - 1)
    )
    for token in (forged, expired, anon["token"] + "x", "sbb_e30.AAAA", "not-a-token"):
        res = await client.get("/v1/widget/orders", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 401, token
    # A buyer token is not an API credential.
    res = await client.get("/v1/orders", headers={"Authorization": f"Bearer {anon['token']}"})
    assert res.status_code == 401


async def test_unknown_store_public_key(client: httpx.AsyncClient) -> None:
    res = await client.post("/v1/widget/sessions", json={"store": "pk_nope"})
    assert res.status_code == 404


async def test_verifying_binds_the_visitors_open_conversations_only(state: AppState, client: httpx.AsyncClient) -> None:
    handle, pk, _ = await shop(state)
    anon = (await client.post("/v1/widget/sessions", json={"store": pk})).json()
    other = (await client.post("/v1/widget/sessions", json={"store": pk})).json()
    async with state.sessions() as session, session.begin():
        mine = await conversations.create_conversation(
            session, handle.id, visitor_id=anon["visitor_id"], customer_id=None, language="es"
        )
        theirs = await conversations.create_conversation(
            session, handle.id, visitor_id=other["visitor_id"], customer_id=None, language="de"
        )
        ids = (mine.id, theirs.id)
    auth = {"Authorization": f"Bearer {anon['token']}"}
    ok = await client.post(
        "/v1/widget/verify", headers=auth, json={"email": "lucia.fernandez@example.com", "order_number": "#1001"}
    )
    assert ok.status_code == 200, ok.text
    lucia = ok.json()["customer_id"]
    async with state.sessions() as session:
        bound = {
            c.id: c.customer_id for c in [await conversations.get_conversation(session, handle.id, i) for i in ids]
        }
    assert bound == {ids[0]: lucia, ids[1]: None}

    # Proving a second identity from the same browser never moves a conversation to another customer.
    again = await client.post(
        "/v1/widget/verify", headers=auth, json={"email": "jonas.becker@example.org", "order_number": "#1002"}
    )
    assert again.status_code == 200, again.text
    assert again.json()["customer_id"] != lucia
    async with state.sessions() as session:
        conv = await conversations.get_conversation(session, handle.id, ids[0])
    assert conv is not None and conv.customer_id == lucia

"""Conversations over REST: history paging, idempotent sends, buyer isolation, status changes."""

from __future__ import annotations

from typing import Any

import httpx

from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import conversations as conversation_rows
from tests.conftest import StoreHandle, make_store
from tests.fixtures import agent_token, bearer


async def buyer_auth(client: httpx.AsyncClient, shop: StoreHandle) -> dict[str, str]:
    """A new anonymous buyer of `shop`, through the widget's session route."""
    public_key = (await client.get("/v1/store", headers=shop.auth)).json()["public_key"]
    response = await client.post("/v1/widget/sessions", json={"store": public_key})
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])


async def open_conversation(client: httpx.AsyncClient, buyer: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/v1/widget/conversation", headers=buyer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def agent(client: httpx.AsyncClient, state: AppState, shop: StoreHandle) -> tuple[dict[str, str], int]:
    auth = bearer(await agent_token(state, shop.id, "agent"))
    me = (await client.get("/v1/auth/me", headers=auth)).json()
    return auth, int(me["agent_id"])


async def page_all(client: httpx.AsyncClient, url: str, auth: dict[str, str], forwards: bool) -> list[int]:
    seqs: list[int] = []
    params: dict[str, int] = {"limit": 50, "after_seq": 0} if forwards else {"limit": 50}
    for _ in range(20):
        response = await client.get(url, params=params, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        page = [m["seq"] for m in body["items"]]
        assert page == sorted(page)
        if forwards:
            seqs.extend(page)
            if body["next_after_seq"] == body["last_seq"]:
                return seqs
            params["after_seq"] = body["next_after_seq"]
        else:
            seqs[:0] = page
            if body["next_before_seq"] is None:
                return seqs
            params["before_seq"] = body["next_before_seq"]
    raise AssertionError("paging did not end")


async def test_paging_120_messages_backwards_and_forwards(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    buyer = await buyer_auth(client, store)
    conv = await open_conversation(client, buyer)
    staff = Actor(store.id, "agent", "7")
    notes = set()
    for i in range(1, 121):
        kind = "note" if i % 7 == 0 else "text"
        result = await state.messaging.send(staff, conv["id"], f"m{i}", f"message {i}", kind=kind)
        assert result.message.seq == i
        if kind == "note":
            notes.add(i)
    agent_url = f"/v1/conversations/{conv['id']}/messages"
    buyer_url = f"/v1/widget/conversations/{conv['id']}/messages"
    everything = list(range(1, 121))
    assert await page_all(client, agent_url, store.auth, forwards=False) == everything
    assert await page_all(client, agent_url, store.auth, forwards=True) == everything
    visible = [s for s in everything if s not in notes]
    assert await page_all(client, buyer_url, buyer, forwards=False) == visible
    assert await page_all(client, buyer_url, buyer, forwards=True) == visible
    both = await client.get(agent_url, params={"before_seq": 5, "after_seq": 1}, headers=store.auth)
    assert both.status_code == 422
    too_many = await client.get(agent_url, params={"limit": 201}, headers=store.auth)
    assert too_many.status_code == 422


async def test_rest_send_is_idempotent(client: httpx.AsyncClient, state: AppState, store: StoreHandle) -> None:
    buyer = await buyer_auth(client, store)
    conv = await open_conversation(client, buyer)
    url = f"/v1/conversations/{conv['id']}/messages"
    first = await client.post(url, json={"client_msg_id": "c-1", "text": "Hello!"}, headers=store.auth)
    assert first.status_code == 201, first.text
    assert first.json()["duplicate"] is False
    again = await client.post(url, json={"client_msg_id": "c-1", "text": "Hello again?"}, headers=store.auth)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["message"] == first.json()["message"]
    buyer_url = f"/v1/widget/conversations/{conv['id']}/messages"
    mine = await client.post(buyer_url, json={"client_msg_id": "c-1", "text": "Hi"}, headers=buyer)
    assert mine.status_code == 201  # the same client id from another sender is another message
    assert (await client.post(buyer_url, json={"client_msg_id": "c-1", "text": "Hi"}, headers=buyer)).status_code == 200
    async with state.sessions() as session:
        assert await conversation_rows.count_messages(session, store.id, conv["id"]) == 2


async def test_buyers_see_only_their_own_conversation_and_no_notes(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    alice, bob = await buyer_auth(client, store), await buyer_auth(client, store)
    conv = await open_conversation(client, alice)
    assert (await open_conversation(client, alice))["id"] == conv["id"]  # opening again returns the open one
    assert (await open_conversation(client, bob))["id"] != conv["id"]
    url = f"/v1/widget/conversations/{conv['id']}/messages"
    assert (
        await client.post(url, json={"client_msg_id": "a1", "text": "Where is my parcel?"}, headers=alice)
    ).is_success
    agent_url = f"/v1/conversations/{conv['id']}/messages"
    note = {"client_msg_id": "n1", "text": "customer sounds upset", "kind": "note"}
    assert (await client.post(agent_url, json=note, headers=store.auth)).status_code == 201
    reply = {"client_msg_id": "r1", "text": "It ships tomorrow."}
    assert (await client.post(agent_url, json=reply, headers=store.auth)).status_code == 201

    texts = [m["text"] for m in (await client.get(url, headers=alice)).json()["items"]]
    assert texts == ["Where is my parcel?", "It ships tomorrow."]
    agent_texts = [m["text"] for m in (await client.get(agent_url, headers=store.auth)).json()["items"]]
    assert "customer sounds upset" in agent_texts
    for response in (
        await client.get(url, headers=bob),
        await client.post(url, json={"client_msg_id": "b1", "text": "let me in"}, headers=bob),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # A buyer cannot smuggle a note in.
    sneaky = await client.post(url, json={"client_msg_id": "a2", "text": "x", "kind": "note"}, headers=alice)
    assert sneaky.status_code == 201 and sneaky.json()["message"]["kind"] == "text"
    # Another store's agent finds nothing either.
    other = await make_store(state)
    _, others_agent = await agent(client, state, other)
    base = f"/v1/conversations/{conv['id']}"
    for method, path, body in (
        ("GET", "", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"client_msg_id": "o1", "text": "hello from elsewhere"}),
        ("POST", "/read", {"seq": 1}),
        ("POST", "/assign", {"agent_id": others_agent}),
        ("POST", "/transfer", {"agent_id": others_agent}),
        ("POST", "/handoff", None),
        ("POST", "/close", None),
    ):
        response = await client.request(method, base + path, json=body, headers=other.auth)
        assert response.status_code == 404, path
        assert response.json()["error"]["message"] == "conversation not found", path
    assert (await client.get(base, headers=store.auth)).json()["status"] == "bot"


async def test_status_changes_and_illegal_ones(client: httpx.AsyncClient, state: AppState, store: StoreHandle) -> None:
    conv = await open_conversation(client, await buyer_auth(client, store))
    base = f"/v1/conversations/{conv['id']}"
    li, li_id = await agent(client, state, store)
    _, wu_id = await agent(client, state, store)

    early = await client.post(f"{base}/transfer", json={"agent_id": wu_id}, headers=li)
    assert early.status_code == 409 and early.json()["error"]["code"] == "illegal_transition"
    assert (await client.post(f"{base}/handoff", headers=li)).json()["status"] == "waiting"
    assigned = await client.post(f"{base}/assign", json={"agent_id": li_id}, headers=li)
    assert assigned.status_code == 200
    assert assigned.json()["status"] == "assigned" and assigned.json()["assigned_agent_id"] == li_id
    mine = (await client.get("/v1/conversations", params={"mine": "true"}, headers=li)).json()
    assert [c["id"] for c in mine["items"]] == [conv["id"]]
    moved = await client.post(f"{base}/transfer", json={"agent_id": wu_id}, headers=li)
    assert moved.status_code == 200 and moved.json()["assigned_agent_id"] == wu_id
    assert (await client.get("/v1/conversations", params={"mine": "true"}, headers=li)).json()["items"] == []
    assert (await client.post(f"{base}/close", headers=li)).json()["status"] == "closed"
    for path, body in (("close", None), ("assign", {"agent_id": li_id}), ("transfer", {"agent_id": li_id})):
        refused = await client.post(f"{base}/{path}", json=body, headers=li)
        assert refused.status_code == 409, path
        assert refused.json()["error"]["code"] == "illegal_transition"
    detail = (await client.get(base, headers=li)).json()
    assert detail["status"] == "closed" and detail["closed_at"] is not None
    assert {(p["kind"], p["ref"]) for p in detail["participants"]} >= {("agent", str(li_id)), ("agent", str(wu_id))}
    closed = (await client.get("/v1/conversations", params={"status": "closed"}, headers=store.auth)).json()
    assert conv["id"] in [c["id"] for c in closed["items"]]
    assert (await client.get("/v1/conversations", params={"mine": "true"}, headers=store.auth)).status_code == 422


async def test_assigning_another_stores_agent_is_refused(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    conv = await open_conversation(client, await buyer_auth(client, store))
    other = await make_store(state)
    _, stranger = await agent(client, state, other)
    response = await client.post(
        f"/v1/conversations/{conv['id']}/assign", json={"agent_id": stranger}, headers=store.auth
    )
    assert response.status_code == 404
    missing = await client.post(
        f"/v1/conversations/{conv['id']}/assign", json={"agent_id": 2147483647}, headers=store.auth
    )
    assert missing.json() == response.json()  # another store's agent looks like none at all
    assert (await client.get(f"/v1/conversations/{conv['id']}", headers=store.auth)).json()["status"] == "bot"


async def test_read_markers_and_rejected_messages(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    conv = await open_conversation(client, await buyer_auth(client, store))
    base = f"/v1/conversations/{conv['id']}"
    li, li_id = await agent(client, state, store)
    for i in range(3):
        sent = await client.post(f"{base}/messages", json={"client_msg_id": f"x{i}", "text": f"line {i}"}, headers=li)
        assert sent.status_code == 201
    assert (await client.post(f"{base}/read", json={"seq": 2}, headers=li)).json() == {"seq": 2}
    assert (await client.post(f"{base}/read", json={"seq": 1}, headers=li)).json() == {"seq": 2}  # only forward
    assert (await client.post(f"{base}/read", json={"seq": 99}, headers=li)).json() == {"seq": 3}  # not past the end
    people = (await client.get(base, headers=li)).json()["participants"]
    assert {"kind": "agent", "ref": str(li_id), "last_read_seq": 3}.items() <= next(
        p for p in people if p["kind"] == "agent"
    ).items()
    rejected = await client.post(f"{base}/messages", json={"client_msg_id": "long", "text": "a" * 4001}, headers=li)
    assert rejected.status_code == 422
    assert rejected.json()["error"]["code"] == "message_rejected"
    assert rejected.json()["error"]["details"] == [{"reason": "too_long"}]
    empty = await client.post(f"{base}/messages", json={"client_msg_id": "e", "text": "  "}, headers=li)
    assert empty.status_code == 422
    nul = await client.post(f"{base}/messages", json={"client_msg_id": "n", "text": "a\u0000b"}, headers=li)
    assert nul.status_code == 422 and "NUL" in nul.text  # no text column stores it (PostgreSQL refuses it)
    assert (await client.get(base, headers=li)).json()["last_seq"] == 3

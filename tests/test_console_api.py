"""The console API: inbox views and timers, the conversation's context, the customer panel,
canned and suggested replies, closing with a satisfaction question, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from seabridge.agent.views import StoreProfile
from seabridge.services import console as svc
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import agent as agent_store
from seabridge.storage import customers
from tests.conftest import StoreHandle, make_store
from tests.fixtures import agent_token, bearer, store_files
from tests.test_api_conversations import buyer_auth, open_conversation

SPANISH = "Hola, mi pedido todavía no ha llegado y ya pasaron varias semanas. ¿Dónde está mi paquete?"
SUMMARY = "Buyer asks where order #1003 is; the parcel is late. Frustrated."


async def handed_off(state: AppState, client: httpx.AsyncClient, shop: StoreHandle) -> dict[str, Any]:
    """A conversation of Alice (a verified customer) in Spanish, handed to a person by the bot."""
    buyer = await buyer_auth(client, shop)
    conv = await open_conversation(client, buyer)
    async with state.sessions() as session, session.begin():
        alice = await customers.get_by_email(session, shop.id, "alice@example.com")
        assert alice is not None
        await agent_store.bind_customer(session, shop.id, conv["id"], alice.id)
    sent = await client.post(
        f"/v1/widget/conversations/{conv['id']}/messages", json={"client_msg_id": "b1", "text": SPANISH}, headers=buyer
    )
    assert sent.status_code == 201, sent.text
    bot = Actor(shop.id, "bot", "bot")
    data = {"intent": "order_status", "engine": "offline", "handoff": "frustration"}
    await state.messaging.send(bot, conv["id"], "re-1", "Lo siento, te paso con una persona.", language="es", data=data)
    await state.messaging.change_status(bot, conv["id"], "waiting")
    await state.messaging.send(bot, conv["id"], "note-1", SUMMARY, kind="note", language="en")
    return {"id": conv["id"], "buyer": buyer, "customer_id": alice.id}


@pytest.fixture
async def shop(state: AppState) -> StoreHandle:
    return await make_store(state, store_files())


async def test_inbox_views_counts_wait_time_and_timer(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    other_buyer = await buyer_auth(client, shop)
    await open_conversation(client, other_buyer)  # stays with the bot
    staff = bearer(await agent_token(state, shop.id, "agent"))
    me_answer = await client.get("/v1/console/me", headers=staff)
    assert me_answer.status_code == 200, me_answer.text
    me = me_answer.json()
    assert me["agent"]["role"] == "agent" and me["store"]["timezone"] == "Asia/Shanghai"
    assert me["agent"]["id"] in {a["id"] for a in me["agents"]}

    waiting = (await client.get("/v1/console/inbox", params={"view": "waiting"}, headers=staff)).json()
    assert waiting["counts"] == {"bot": 1, "waiting": 1, "mine": 0, "all": 2, "closed": 0}
    [item] = waiting["items"]
    assert item["id"] == conv["id"] and item["customer_name"] == "Alice Martin"
    assert item["wait_seconds"] is not None and item["wait_seconds"] >= 0
    assert item["timer"]["kind"] == "first_response" and item["timer"]["target_seconds"] == 300
    assert item["last_text"] == "Lo siento, te paso con una persona."

    take = await client.post(
        f"/v1/conversations/{conv['id']}/assign", json={"agent_id": me["agent"]["id"]}, headers=staff
    )
    assert take.status_code == 200, take.text
    mine = (await client.get("/v1/console/inbox", params={"view": "mine"}, headers=staff)).json()
    assert [i["id"] for i in mine["items"]] == [conv["id"]] and mine["counts"]["waiting"] == 0
    assert mine["items"][0]["wait_seconds"] is None
    assert mine["items"][0]["timer"]["kind"] == "first_response"  # nobody has answered yet

    reply = {"client_msg_id": "a1", "text": "Hola Alice, lo reviso ahora."}
    assert (await client.post(f"/v1/conversations/{conv['id']}/messages", json=reply, headers=staff)).status_code == 201
    mine = (await client.get("/v1/console/inbox", params={"view": "mine"}, headers=staff)).json()
    assert mine["items"][0]["timer"] is None  # answered, nothing pending
    again = {"client_msg_id": "b2", "text": "¿Y cuándo llegará?"}
    url = f"/v1/widget/conversations/{conv['id']}/messages"
    assert (await client.post(url, json=again, headers=conv["buyer"])).status_code == 201
    mine = (await client.get("/v1/console/inbox", params={"view": "mine"}, headers=staff)).json()
    assert mine["items"][0]["timer"]["kind"] == "next_response"


async def test_timers_count_only_business_hours() -> None:
    store = StoreProfile.__new__(StoreProfile)
    object.__setattr__(store, "timezone", "Asia/Shanghai")
    object.__setattr__(store, "hours", tuple((d, "09:00", "18:00") for d in range(5)))
    friday_5pm = datetime(2026, 1, 9, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    monday_10am = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert svc.business_seconds(store, friday_5pm, monday_10am) == 2 * 3600
    saturday = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
    assert svc.business_seconds(store, saturday, saturday.replace(hour=8)) == 0
    object.__setattr__(store, "hours", ())
    assert svc.business_seconds(store, friday_5pm, monday_10am) == 65 * 3600


async def test_context_shows_the_handoff_summary_and_languages(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    body = (await client.get(f"/v1/console/conversations/{conv['id']}", headers=shop.auth)).json()
    assert body["summary"]["text"] == SUMMARY
    assert body["buyer_language"] == "es" and body["agent_language"] == "en"
    assert body["intent"] == "order_status" and body["handoff_reason"] == "frustration"
    assert body["conversation"]["status"] == "waiting" and body["csat"] is None


async def test_customer_panel(client: httpx.AsyncClient, state: AppState, shop: StoreHandle) -> None:
    conv = await handed_off(state, client, shop)
    panel = (await client.get(f"/v1/console/conversations/{conv['id']}/customer", headers=shop.auth)).json()
    assert (panel["name"], panel["country"], panel["language"]) == ("Alice Martin", "FR", "fr")
    assert panel["timezone"] == "Europe/Paris" and len(panel["local_time"]) == 5
    by_name = {o["name"]: o for o in panel["orders"]}
    late = by_name["#1003"]["shipments"][0]
    assert late["tracking_number"] == "LX123456789CN" and late["late"] is True and late["status"] == "in_transit"
    assert late["checkpoints"] and late["checkpoints"][0]["time"] >= late["checkpoints"][-1]["time"]
    assert panel["conversations"] == []
    # An earlier conversation of the same customer shows up in the next one's panel.
    await client.post(f"/v1/console/conversations/{conv['id']}/close", headers=shop.auth)
    second = await handed_off(state, client, shop)
    panel = (await client.get(f"/v1/console/conversations/{second['id']}/customer", headers=shop.auth)).json()
    assert [c["id"] for c in panel["conversations"]] == [conv["id"]]


async def test_anonymous_buyer_has_an_empty_panel(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    conv = await open_conversation(client, await buyer_auth(client, shop))
    panel = (await client.get(f"/v1/console/conversations/{conv['id']}/customer", headers=shop.auth)).json()
    assert panel["customer_id"] is None and panel["orders"] == [] and panel["local_time"] is None


CANNED = {
    "shortcut": "late-parcel",
    "title": "Late parcel",
    "texts": {
        "en": "Hi {first_name}, order {order_number} is with {carrier} ({tracking_number}).",
        "es": "Hola {first_name}, el pedido {order_number} está con {carrier} ({tracking_number}).",
    },
    "intents": ["order_status"],
}


async def test_canned_replies_crud_and_refusals(client: httpx.AsyncClient, state: AppState, shop: StoreHandle) -> None:
    created = await client.post("/v1/console/canned-replies", json=CANNED, headers=shop.auth)
    assert created.status_code == 201, created.text
    reply = created.json()
    assert reply["texts"]["es"].startswith("Hola")
    dup = await client.post("/v1/console/canned-replies", json=CANNED, headers=shop.auth)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "shortcut_taken"
    for bad in (
        {**CANNED, "shortcut": "x2", "texts": {"xx": "hello"}},
        {**CANNED, "shortcut": "x3", "texts": {"en": "Hi {nickname}"}},
        {**CANNED, "shortcut": "x4", "texts": {}},
        {**CANNED, "shortcut": "Has Spaces"},
        {**CANNED, "shortcut": "x5", "texts": {"en": "   "}},
        {"shortcut": "x6"},
    ):
        answer = await client.post("/v1/console/canned-replies", json=bad, headers=shop.auth)
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["code"] == "invalid_request"
    staff = bearer(await agent_token(state, shop.id, "agent"))
    listed = await client.get("/v1/console/canned-replies", headers=staff)
    assert [r["shortcut"] for r in listed.json()] == ["late-parcel"]
    refused = await client.post("/v1/console/canned-replies", json={**CANNED, "shortcut": "y"}, headers=staff)
    assert refused.status_code == 403
    assert (await client.delete(f"/v1/console/canned-replies/{reply['id']}", headers=staff)).status_code == 403

    patched = await client.patch(
        f"/v1/console/canned-replies/{reply['id']}", json={"title": "Parcel late"}, headers=shop.auth
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Parcel late"
    assert patched.json()["texts"] == CANNED["texts"]
    bad_patch = await client.patch(
        f"/v1/console/canned-replies/{reply['id']}", json={"texts": {"en": "{nope}"}}, headers=shop.auth
    )
    assert bad_patch.status_code == 422

    other = await make_store(state)
    for method in ("PATCH", "DELETE"):
        answer = await client.request(
            method, f"/v1/console/canned-replies/{reply['id']}", json={"title": "x"}, headers=other.auth
        )
        assert answer.status_code == 404, method
    assert (await client.get("/v1/console/canned-replies", headers=other.auth)).json() == []
    assert (await client.delete(f"/v1/console/canned-replies/{reply['id']}", headers=shop.auth)).status_code == 204
    assert (await client.delete(f"/v1/console/canned-replies/{reply['id']}", headers=shop.auth)).status_code == 404


async def test_canned_reply_rendered_in_the_buyers_language(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    reply = (await client.post("/v1/console/canned-replies", json=CANNED, headers=shop.auth)).json()
    url = f"/v1/console/conversations/{conv['id']}/canned-replies/{reply['id']}/render"
    rendered = (await client.post(url, headers=shop.auth)).json()
    assert rendered["language"] == "es" and rendered["missing"] == []
    # Alice's newest order is #1003 (china-post, LX123456789CN).
    assert rendered["text"] == "Hola Alice, el pedido #1003 está con china-post (LX123456789CN)."
    assert rendered["agent_text"].startswith("Hi Alice, order #1003")
    other = await make_store(state)
    assert (await client.post(url, headers=other.auth)).status_code == 404
    missing = f"/v1/console/conversations/{conv['id']}/canned-replies/2147483647/render"
    assert (await client.post(missing, headers=shop.auth)).status_code == 404


async def test_suggested_replies_follow_the_bots_analysis(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    await client.post("/v1/console/canned-replies", json=CANNED, headers=shop.auth)
    unrelated = {**CANNED, "shortcut": "sizes", "intents": ["size_advice"]}
    await client.post("/v1/console/canned-replies", json=unrelated, headers=shop.auth)
    staff = bearer(await agent_token(state, shop.id, "agent"))
    found = (await client.get(f"/v1/console/conversations/{conv['id']}/suggestions", headers=staff)).json()
    keys = [s["key"] for s in found]
    assert keys == ["take_over", "order_check", "apology", "late-parcel"]
    order_check = found[1]
    assert order_check["language"] == "es" and "#1003" in order_check["text"] and "en tránsito" in order_check["text"]
    assert "in transit" in order_check["agent_text"]
    assert found[0]["text"].startswith("Hola Alice, soy Agent")


async def test_close_asks_for_a_rating_and_stores_the_answer(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    staff = bearer(await agent_token(state, shop.id, "agent"))
    closed = await client.post(f"/v1/console/conversations/{conv['id']}/close", headers=staff)
    assert closed.status_code == 200, closed.text
    assert closed.json()["conversation"]["status"] == "closed"
    twice = await client.post(f"/v1/console/conversations/{conv['id']}/close", headers=staff)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "illegal_transition"
    history = await client.get(f"/v1/widget/conversations/{conv['id']}/messages", headers=conv["buyer"])
    question = history.json()["items"][-1]
    assert question["kind"] == "system" and question["data"]["event"] == "csat"
    assert question["text"] == svc.CSAT_QUESTION["es"]

    url = f"/v1/widget/conversations/{conv['id']}/csat"
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {}, {"score": 4, "comment": "x" * 1001}):
        assert (await client.post(url, json=bad, headers=conv["buyer"])).status_code == 422, bad
    stranger = await buyer_auth(client, shop)
    assert (await client.post(url, json={"score": 5}, headers=stranger)).status_code == 404
    assert (await client.post(url, json={"score": 5})).status_code == 401
    answered = await client.post(url, json={"score": 5, "comment": " gracias "}, headers=conv["buyer"])
    assert answered.status_code == 200, answered.text
    assert answered.json()["score"] == 5 and answered.json()["comment"] == "gracias"
    assert (await client.post(url, json={"score": 1}, headers=conv["buyer"])).status_code == 409
    context = (await client.get(f"/v1/console/conversations/{conv['id']}", headers=staff)).json()
    assert context["csat"]["score"] == 5
    closed_view = (await client.get("/v1/console/inbox", params={"view": "closed"}, headers=staff)).json()
    assert [i["id"] for i in closed_view["items"]] == [conv["id"]]


async def test_no_survey_means_no_rating(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    buyer = await buyer_auth(client, shop)
    conv = await open_conversation(client, buyer)
    answer = await client.post(f"/v1/widget/conversations/{conv['id']}/csat", json={"score": 3}, headers=buyer)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_survey"


CONVERSATION_ROUTES = [
    ("GET", "/v1/console/conversations/{id}"),
    ("GET", "/v1/console/conversations/{id}/customer"),
    ("GET", "/v1/console/conversations/{id}/suggestions"),
    ("POST", "/v1/console/conversations/{id}/close"),
]


async def test_another_stores_conversation_is_404_and_no_token_is_401(
    client: httpx.AsyncClient, state: AppState, shop: StoreHandle
) -> None:
    conv = await handed_off(state, client, shop)
    other = await make_store(state)
    for method, path in CONVERSATION_ROUTES:
        url = path.format(id=conv["id"])
        assert (await client.request(method, url, headers=other.auth)).status_code == 404, url
        assert (await client.request(method, url)).status_code == 401, url
        bad = await client.request(method, url, headers=bearer("sbs_not-a-session"))
        assert bad.status_code == 401, url
        assert (await client.request(method, path.format(id="abc"), headers=shop.auth)).status_code == 422
    theirs = (await client.get("/v1/console/inbox", params={"view": "all"}, headers=other.auth)).json()
    assert theirs["items"] == [] and theirs["counts"]["waiting"] == 0
    for path in ("/v1/console/me", "/v1/console/inbox", "/v1/console/canned-replies"):
        assert (await client.get(path)).status_code == 401
    assert (await client.get(f"/v1/console/conversations/{conv['id']}", headers=shop.auth)).status_code == 200


async def test_inbox_refuses_bad_views(client: httpx.AsyncClient, shop: StoreHandle) -> None:
    bad = await client.get("/v1/console/inbox", params={"view": "everything"}, headers=shop.auth)
    assert bad.status_code == 422
    assert (await client.get("/v1/console/inbox", params={"limit": 0}, headers=shop.auth)).status_code == 422
    keyed = await client.get("/v1/console/inbox", params={"view": "mine"}, headers=shop.auth)
    assert keyed.status_code == 422 and "agent session" in keyed.json()["error"]["message"]


async def test_console_page_has_a_strict_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<script type="module" src="/console/assets/console.js">' in page.text
    assert "<script>" not in page.text
    assert (await client.get("/console/assets/widget.js")).status_code == 404
    assert (await client.get("/console/assets/..%2Fassets.py")).status_code == 404

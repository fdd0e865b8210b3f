"""The one path every message takes: seq, idempotency, moderation, language, translation, system notices."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from seabridge import security
from seabridge.bus.base import BusEvent
from seabridge.db.conversations import OutboxEvent
from seabridge.services.messaging import Actor, IllegalStatusChange, NotFound, Rejected, message_payload
from seabridge.state import AppState
from seabridge.storage import agents, stores
from seabridge.storage import conversations as conv_store
from seabridge.translation import LibreTranslateTranslator
from tests.conftest import make_store
from tests.support.fake_translation_servers import FakeLibreTranslate

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"


def buyer(store_id: int, ref: str = "v_buyer000001", **kw: object) -> Actor:
    return Actor(store_id, "buyer", ref, **kw)  # type: ignore[arg-type]


async def next_event(events: asyncio.Queue[BusEvent], type_: str) -> BusEvent:
    while True:
        event = await asyncio.wait_for(events.get(), timeout=10)
        if event.type == type_:
            return event


async def collect(state: AppState) -> tuple[asyncio.Queue[BusEvent], asyncio.Task[None]]:
    queue: asyncio.Queue[BusEvent] = asyncio.Queue()
    ready = asyncio.Event()

    async def run() -> None:
        stream = state.bus.events()
        first = asyncio.ensure_future(stream.__anext__())
        ready.set()
        queue.put_nowait(await first)
        async for event in stream:
            queue.put_nowait(event)

    task = asyncio.create_task(run())
    await ready.wait()
    await asyncio.sleep(0)  # let the generator register its queue before anything is published
    return queue, task


async def test_seq_is_gapless_and_client_ids_are_idempotent(state: AppState) -> None:
    shop = await make_store(state)
    me = buyer(shop.id)
    conv = await state.messaging.open_for_buyer(me)
    results = await asyncio.gather(*(state.messaging.send(me, conv.id, f"c{i}", f"message {i}") for i in range(20)))
    assert sorted(r.message.seq for r in results) == list(range(1, 21))
    again = await state.messaging.send(me, conv.id, "c7", "a different text")
    assert again.duplicate is True
    assert again.message.seq == next(r.message.seq for r in results if r.message.client_msg_id == "c7")
    assert again.message.text == "message 7"
    async with state.sessions() as session:
        assert await conv_store.count_messages(session, shop.id, conv.id) == 20


async def test_concurrent_repeats_of_one_client_id_store_once(state: AppState) -> None:
    shop = await make_store(state)
    me = buyer(shop.id)
    conv = await state.messaging.open_for_buyer(me)
    results = await asyncio.gather(*(state.messaging.send(me, conv.id, "same", "hello") for _ in range(8)))
    assert len({r.message.id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1


async def test_card_numbers_are_masked_before_storage(state: AppState) -> None:
    shop = await make_store(state)
    me = buyer(shop.id)
    conv = await state.messaging.open_for_buyer(me)
    sent = await state.messaging.send(me, conv.id, "card", "my card is 4111 1111 1111 1111, please charge it")
    assert "4111 1111 1111 1111" not in sent.message.text
    assert "1111" in sent.message.text and "card_number" in sent.message.moderation[0]
    from tests.support.snapshot import snapshot

    assert "4111 1111 1111 1111" not in repr(snapshot(state.settings.effective_database_url))


async def test_each_stored_message_has_its_outbox_event(state: AppState) -> None:
    """The group commit writes a `message.created` event per message (notes excepted), with the message's payload
    exactly as `message_payload` gives it, whatever the batch holds."""
    shop, other = await make_store(state), await make_store(state)
    me, agent = buyer(shop.id), Actor(shop.id, "agent", "7", role="agent")
    conv = await state.messaging.open_for_buyer(me)
    second = await state.messaging.open_for_buyer(buyer(shop.id, "v_buyer000002"))
    theirs = await state.messaging.open_for_buyer(buyer(other.id))
    await state.messaging.change_status(agent, second.id, "closed")
    sends = [
        state.messaging.send(me, conv.id, "q", 'a "quoted" line\nand ümlauts, 我的订单 \\ done'),
        state.messaging.send(me, conv.id, "card", "card 4111 1111 1111 1111 please"),
        state.messaging.send(agent, conv.id, "n1", "internal: check the refund", kind="note"),
        state.messaging.send(agent, conv.id, "img", "", attachments=[{"id": "a1"}], kind="image"),
        state.messaging.send(agent, conv.id, "data", "see", data={"event": "x", "n": [1, 2.5, None, True]}),
        state.messaging.send(buyer(shop.id, "v_buyer000002"), second.id, "reopen", "hello again"),
        state.messaging.send(agent, theirs.id, "x", "another store's conversation"),
    ]
    results: list[Any] = await asyncio.gather(*sends, return_exceptions=True)  # one batch
    assert isinstance(results[6], NotFound)
    if state.settings.effective_database_url.startswith("sqlite"):  # PostgreSQL text cannot hold a NUL
        results.append(await state.messaging.send(me, conv.id, "nul", "a NUL \x00 inside"))
    sent = [r for r in results if not isinstance(r, BaseException)]
    assert len(sent) == len(results) - 1
    async with state.sessions() as session:
        rows = (await session.execute(select(OutboxEvent).where(OutboxEvent.type == "message.created"))).scalars()
        outbox = {event.payload["message"]["id"]: event for event in rows}
        reopened = await conv_store.get_conversation(session, shop.id, second.id)
    assert reopened is not None and reopened.status == "bot" and reopened.last_seq == 1
    for result in sent:
        message = result.message
        if message.kind == "note":
            assert message.id not in outbox
            continue
        event = outbox[message.id]
        assert event.store_id == message.store_id
        assert event.payload == {"conversation_id": message.conversation_id, "message": message_payload(message)}
        assert event.created_at == message.created_at
    history = await state.messaging.history_after(agent, conv.id, 0, 50)
    assert [(m.id, m.seq, m.text) for m in history] == sorted(
        (r.message.id, r.message.seq, r.message.text) for r in sent if r.message.conversation_id == conv.id
    )
    assert [m.seq for m in history] == list(range(1, len(results) - 1))


async def test_language_is_detected_and_stored(state: AppState) -> None:
    shop = await make_store(state)
    me = buyer(shop.id, language="en")
    conv = await state.messaging.open_for_buyer(me)
    cases = {"¿Dónde está mi pedido?": "es", "Wo ist meine Bestellung?": "de", "我的订单在哪里": "zh", "ok": "en"}
    for n, (text, expected) in enumerate(cases.items()):
        sent = await state.messaging.send(me, conv.id, f"l{n}", text)
        assert sent.message.language == expected, text


async def test_buyers_cannot_reach_each_other_or_other_stores(state: AppState) -> None:
    shop, other_shop = await make_store(state), await make_store(state)
    alice, bob = buyer(shop.id, "v_alice000001"), buyer(shop.id, "v_bob00000001")
    conv = await state.messaging.open_for_buyer(alice)
    with pytest.raises(NotFound):
        await state.messaging.send(bob, conv.id, "x", "let me in")
    with pytest.raises(NotFound):
        await state.messaging.history_after(bob, conv.id, 0, 10)
    intruder = Actor(other_shop.id, "agent", "1", role="owner")
    with pytest.raises(NotFound):
        await state.messaging.history_after(intruder, conv.id, 0, 10)


async def test_status_changes_follow_the_table(state: AppState) -> None:
    shop = await make_store(state)
    me = buyer(shop.id)
    conv = await state.messaging.open_for_buyer(me)
    async with state.sessions() as session, session.begin():
        agent = await agents.create_agent(
            session, shop.id, email="a@x.example", name="A", role="agent", password="long enough pw"
        )
    staff = Actor(shop.id, "agent", str(agent.id), role="agent")
    assert (await state.messaging.change_status(me, conv.id, "waiting")).status == "waiting"
    assigned = await state.messaging.change_status(staff, conv.id, "assigned", agent_id=agent.id)
    assert assigned.assigned_agent_id == agent.id
    with pytest.raises(IllegalStatusChange):
        await state.messaging.change_status(staff, conv.id, "bot")
    assert (await state.messaging.change_status(staff, conv.id, "closed")).status == "closed"
    # Writing again reopens the conversation for the bot.
    await state.messaging.send(me, conv.id, "after-close", "one more question")
    async with state.sessions() as session:
        reopened = await conv_store.get_conversation(session, shop.id, conv.id)
    assert reopened is not None and reopened.status == "bot"


async def test_blocked_words_hold_or_reject(state: AppState) -> None:
    from seabridge.moderation import ModerationConfig, Moderator

    state.messaging.moderator = Moderator(
        ModerationConfig.from_dict({"blocked": {"*": {"reject": ["scamlink"], "hold": ["wire transfer"]}}})
    )
    shop = await make_store(state)
    me = buyer(shop.id)
    conv = await state.messaging.open_for_buyer(me)
    with pytest.raises(Rejected) as rejected:
        await state.messaging.send(me, conv.id, "r", "visit scamlink now")
    assert "scamlink" not in str(rejected.value)
    held = await state.messaging.send(me, conv.id, "h", "can I pay by wire transfer?")
    assert held.message.status == "held"
    staff = Actor(shop.id, "agent", "1", role="agent")
    other = buyer(shop.id, "v_buyer000001")
    assert [m.client_msg_id for m in await state.messaging.history_after(staff, conv.id, 0, 10)] == ["h"]
    assert [m.client_msg_id for m in await state.messaging.history_after(other, conv.id, 0, 10)] == ["h"]


async def test_translation_follows_delivery_as_an_update(state: AppState) -> None:
    async with FakeLibreTranslate() as server:
        state.messaging.translator = LibreTranslateTranslator(server.base_url)
        shop = await make_store(state)  # default language "en"
        me = buyer(shop.id, language="es")
        conv = await state.messaging.open_for_buyer(me)
        events, task = await collect(state)
        try:
            sent = await state.messaging.send(me, conv.id, "t1", "¿Dónde está mi pedido?")
            delivered = await next_event(events, "message")
            assert delivered.payload["translations"] == {}  # delivery did not wait
            updated = await next_event(events, "message_updated")
        finally:
            task.cancel()
        assert updated.seq == sent.message.seq
        assert set(updated.payload["translations"]) == {"en"}
        assert updated.payload["text"] == "¿Dónde está mi pedido?"  # the original is kept
        async with state.sessions() as session:
            stored = await conv_store.translations_for(session, [sent.message.id])
        assert stored[sent.message.id]["en"] == updated.payload["translations"]["en"]
        await state.messaging.translator.aclose()


async def test_an_assigned_agent_reads_translations_into_their_own_language(state: AppState) -> None:
    async with FakeLibreTranslate() as server:
        state.messaging.translator = LibreTranslateTranslator(server.base_url)
        shop = await make_store(state)  # default language "en"
        async with state.sessions() as session, session.begin():
            greta = await agents.create_agent(
                session, shop.id, email="greta@example.com", name="Greta", role="agent", password="x" * 12
            )
            greta.language = "de"
        me = buyer(shop.id, language="es")
        conv = await state.messaging.open_for_buyer(me)
        staff = Actor(shop.id, "agent", str(greta.id), role="agent")
        await state.messaging.change_status(staff, conv.id, "waiting")
        await state.messaging.change_status(staff, conv.id, "assigned", agent_id=greta.id)
        events, task = await collect(state)
        try:
            sent = await state.messaging.send(me, conv.id, "t-de", "¿Dónde está mi pedido?")
            updated = await next_event(events, "message_updated")
        finally:
            task.cancel()
        assert updated.seq == sent.message.seq
        assert set(updated.payload["translations"]) == {"en", "de"}
        await state.messaging.translator.aclose()


async def test_tracking_update_posts_a_system_message_to_the_buyer(state: AppState, client: httpx.AsyncClient) -> None:
    files = {name: (FIXTURE / name).read_bytes() for name in ("products.csv", "customers.csv", "orders.csv")}
    shop = await make_store(state, files)
    async with state.sessions() as session:
        row = await stores.get_by_id(session, shop.id)
        assert row is not None
        from seabridge.storage import customers

        lucia = await customers.get_by_email(session, shop.id, "lucia.fernandez@example.com")
        assert lucia is not None
    secret = state.store_secret("tracking-webhook", shop.id, row.secret_version)
    me = buyer(shop.id, customer_id=lucia.id)
    conv = await state.messaging.open_for_buyer(me)
    body = json.dumps(
        {
            "event": "tracking_update",
            "msg": {
                "tracking_number": "YT7777",
                "slug": "yunexpress",
                "tag": "OutForDelivery",
                "subtag": "OutForDelivery_001",
                "order_number": "#1001",
                "expected_delivery": "2026-12-01",
                "checkpoints": [
                    {
                        "checkpoint_time": "2026-11-21T09:00:00+01:00",
                        "message": "Out for delivery",
                        "location": "Madrid",
                        "country_iso3": "ESP",
                        "tag": "OutForDelivery",
                    }
                ],
            },
            "ts": int(time.time()),
        }
    ).encode()
    for _ in range(2):  # the replay is acknowledged but posts nothing more
        res = await client.post(
            f"/v1/webhooks/tracking/{row.public_key}",
            content=body,
            headers={"aftership-hmac-sha256": security.sign_webhook_body(secret, body)},
        )
        assert res.status_code == 200
    history = await state.messaging.history_after(me, conv.id, 0, 10)
    assert [m.kind for m in history] == ["system"]
    assert "#1001" in history[0].text and "out for delivery" in history[0].text
    assert history[0].data["status"] == "out_for_delivery"


async def test_conversation_rate_limit_counts_every_participant(state: AppState) -> None:
    from seabridge.ratelimit import SlidingWindow
    from seabridge.services.messaging import RateLimited

    now = [0.0]
    state.messaging.conversation_limit = SlidingWindow(3, 10.0, clock=lambda: now[0])
    shop = await make_store(state)
    me = buyer(shop.id)
    staff = Actor(shop.id, "agent", "1", role="agent")
    conv = await state.messaging.open_for_buyer(me)
    await state.messaging.send(me, conv.id, "a", "one")
    await state.messaging.send(staff, conv.id, "b", "two")
    await state.messaging.send(me, conv.id, "c", "three")
    with pytest.raises(RateLimited):
        await state.messaging.send(staff, conv.id, "d", "four")
    other = await state.messaging.open_for_buyer(buyer(shop.id, "v_other0000001"))
    await state.messaging.send(buyer(shop.id, "v_other0000001"), other.id, "a", "another conversation is not limited")
    now[0] = 10.5
    assert (await state.messaging.send(staff, conv.id, "d", "four")).message.seq == 4

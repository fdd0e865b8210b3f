"""The bot runner's reads and writes: what it caches per store and when it reads again, a turn's messages
and history, the optimistic save of the dialogue state, and the buyer's orders as the tools read them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from seabridge.agent.offline import OfflineEngine
from seabridge.agent.runner import BotRunner
from seabridge.db.agent import AgentState
from seabridge.db.conversations import Message
from seabridge.db.models import Checkpoint, Customer, Order, Shipment
from seabridge.services import importer
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import agent as agent_store
from seabridge.storage import conversations as conv_store
from tests.conftest import STORE_TOML, make_store

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
async def shop(state: AppState) -> tuple[int, str]:
    name = f"Runner Store {secrets.token_hex(4)}"
    files = {"products.csv": (FIXTURE / "products.csv").read_bytes()}
    return (await make_store(state, files, name=name)).id, name


async def _turn(state: AppState, runner: BotRunner, store_id: int, text: str) -> str:
    buyer = Actor(store_id, "buyer", f"visitor-{secrets.token_hex(4)}")
    conv = await state.messaging.open_for_buyer(buyer)
    sent = await state.messaging.send(buyer, conv.id, secrets.token_hex(6), text)
    runner.remember(sent.message, text)
    outcome = await runner.answer(store_id, conv.id)
    assert outcome is not None
    return outcome.reply.text


async def test_store_profile_and_catalog_are_read_again_only_when_they_change(
    state: AppState, shop: tuple[int, str]
) -> None:
    store_id, name = shop
    runner = BotRunner(state.sessions, state.messaging, OfflineEngine(), clock=lambda: NOW)
    assert "12" in await _turn(state, runner, store_id, "How much is shipping to Germany?")
    profile, catalog = runner._profiles[store_id][1], runner._catalogs[store_id][1]
    await _turn(state, runner, store_id, "hello")
    assert runner._profiles[store_id][1] is profile and runner._catalogs[store_id][1] is catalog  # nothing changed

    toml = STORE_TOML.format(name=name).replace("cost = 12", "cost = 17.5")
    await importer.import_files(state.sessions, {"store.toml": toml.encode()})
    assert "17.50" in await _turn(state, runner, store_id, "How much is shipping to Germany?")
    assert runner._profiles[store_id][1] is not profile
    assert runner._catalogs[store_id][1] is catalog  # the store changed, its products did not

    products = (FIXTURE / "products.csv").read_bytes().replace(b"Linen Overshirt", b"Flax Overshirt", 1)
    await importer.import_files(state.sessions, {"products.csv": products}, store_id=store_id)
    await _turn(state, runner, store_id, "hello")
    assert runner._catalogs[store_id][1] is not catalog
    assert runner._catalogs[store_id][1].knows("flax") and not catalog.knows("flax")


async def test_turn_messages_and_history_with_a_gap_in_the_sequence(state: AppState, shop: tuple[int, str]) -> None:
    store_id, _ = shop
    buyer = Actor(store_id, "buyer", "visitor-history")
    conv = await state.messaging.open_for_buyer(buyer)
    for n in range(1, 31):
        await state.messaging.send(buyer, conv.id, f"m{n}", f"message {n}")
    async with state.sessions() as session:
        stored = await conv_store.messages_after(session, store_id, conv.id, 0, 100)
    seqs = [m.seq for m in stored]
    handled = seqs[19]  # the bot has answered the first 20

    async def read() -> tuple[list[str], list[str]]:
        async with state.sessions() as session:
            fresh, earlier = await agent_store.turn_messages(session, store_id, conv.id, handled, 200, 10)
            expected = await conv_store.messages_before(session, store_id, conv.id, fresh[0].seq, 10)
        assert [m.text for m in earlier] == [m.text for m in expected]
        async with state.sessions() as session, session.begin():  # the bot's own read: state and messages at once
            await agent_store.save_state(session, store_id, conv.id, version=0, handled_seq=handled, state={})
        async with state.sessions() as session:
            together = await agent_store.turn_reads(session, store_id, conv.id, 200, 10)
        async with state.sessions() as session, session.begin():
            await session.execute(delete(AgentState).where(AgentState.conversation_id == conv.id))
        assert together is not None and together[0].handled_seq == handled
        assert (together[1], together[2]) == (fresh, earlier)
        return [m.text for m in fresh], [m.text for m in earlier]

    fresh, earlier = await read()
    assert fresh == [f"message {n}" for n in range(21, 31)]
    assert earlier == [f"message {n}" for n in range(11, 21)]

    async with state.sessions() as session, session.begin():  # a gap right before the handled message
        await session.execute(delete(Message).where(Message.conversation_id == conv.id, Message.seq.in_(seqs[12:19])))
    fresh, earlier = await read()
    assert fresh == [f"message {n}" for n in range(21, 31)]
    assert earlier == [f"message {n}" for n in (4, 5, 6, 7, 8, 9, 10, 11, 12, 20)]  # read on its own, complete

    assert await _nothing_fresh(state, store_id, conv.id, seqs[-1])


async def _nothing_fresh(state: AppState, store_id: int, conversation_id: int, handled: int) -> bool:
    async with state.sessions() as session:
        return await agent_store.turn_messages(session, store_id, conversation_id, handled, 200, 10) == ([], [])


async def test_the_dialogue_state_is_saved_once_per_version(state: AppState, shop: tuple[int, str]) -> None:
    store_id, _ = shop
    conv = await state.messaging.open_for_buyer(Actor(store_id, "buyer", "visitor-state"))

    async def save(version: int, handled: int) -> bool:
        async with state.sessions() as session, session.begin():
            return await agent_store.save_state(
                session, store_id, conv.id, version=version, handled_seq=handled, state={"language": "es"}
            )

    assert await save(0, 1)
    assert not await save(0, 2)  # another process saved first
    assert await save(1, 3)
    assert not await save(1, 4)  # read at version 1, but it is at 2 now
    async with state.sessions() as session:
        context = await agent_store.turn_context(session, store_id, conv.id)
    assert context is not None
    assert (context.version, context.handled_seq, context.state) == (2, 3, {"language": "es"})


async def test_the_buyers_orders_with_several_lines_and_shipments(state: AppState) -> None:
    files = {p.name: p.read_bytes() for p in FIXTURE.iterdir() if p.is_file() and p.name != "store.toml"}
    store_id = (await make_store(state, files)).id
    async with state.sessions() as session, session.begin():
        lucia = await session.scalar(
            select(Customer).where(Customer.store_id == store_id, Customer.email == "lucia.fernandez@example.com")
        )
        order = await session.scalar(select(Order).where(Order.store_id == store_id, Order.name == "#1003"))
        assert lucia is not None and order is not None
        shipments = []
        for number, status in (("SPLIT-A-0001", "in_transit"), ("SPLIT-B-0002", "delivered")):
            shipment = Shipment(
                store_id=store_id, order_id=order.id, tracking_number=number, order_name="#1003", carrier="dhl",
                status=status, tag=status, destination_country="ES", updated_at=NOW,
            )  # fmt: skip
            session.add(shipment)
            shipments.append(shipment)
        await session.flush()
        for hours, message in ((9, "arrived at the hub"), (1, "picked up"), (5, "out for delivery")):
            session.add(
                Checkpoint(
                    store_id=store_id, shipment_id=shipments[0].id, time=NOW - timedelta(days=2, hours=-hours),
                    message=message, location="Madrid",
                )
            )  # fmt: skip
    async with state.sessions() as session:
        orders = await agent_store.customer_orders(session, store_id, lucia.id)
    assert [o.name for o in orders] == ["#1003", "#1001"]  # newest first
    split = orders[0]
    assert split.lines == ["Silk Lip Tint - Rosé", "Silk Lip Tint - Coral"]  # once each, in the order's order
    assert [s.tracking_number for s in split.shipments] == ["SPLIT-A-0001", "SPLIT-B-0002"]
    first, second = split.shipments
    assert first.last_checkpoint is not None and first.last_checkpoint.message == "arrived at the hub"  # latest
    assert second.last_checkpoint is None
    assert [s.tracking_number for s in orders[1].shipments] == ["YT2427512345678901"]

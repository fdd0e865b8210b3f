"""Outgoing webhooks over a real socket: REST endpoints, signatures, retries, 410, leases, restarts.

The end-to-end tests run the real worker (started by the `state` fixture). The
schedule tests drive a dispatcher pass by pass with an injected clock, so hours
of backoff take no time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from seabridge.app import create_app
from seabridge.db.conversations import OutboxEvent
from seabridge.services.messaging import Actor
from seabridge.services.webhooks import WebhookDispatcher
from seabridge.settings import Settings
from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store
from tests.fixtures import agent_token, bearer
from tests.support.webhook_receiver import Arrival, WebhookReceiver

BASE = "/v1/webhook-endpoints"


def verify_signature(secret: str, header: str, raw_body: bytes, tolerance_s: int = 300) -> bool:
    """Exactly what docs/webhooks.md tells a receiver to do."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    signed = f"{timestamp}.".encode() + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def create_endpoint(
    client: httpx.AsyncClient, store: StoreHandle, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(BASE, json={"url": url, "events": events or ["*"]}, headers=store.auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def buyer_writes(state: AppState, store_id: int, text: str = "Where is my order?") -> tuple[Actor, int]:
    buyer = Actor(store_id, "buyer", f"v_{secrets.token_hex(4)}", language="en")
    conv = await state.messaging.open_for_buyer(buyer)
    await state.messaging.send(buyer, conv.id, secrets.token_hex(4), text)
    return buyer, conv.id


async def deliveries(client: httpx.AsyncClient, store: StoreHandle, endpoint_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/{endpoint_id}/deliveries", headers=store.auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def assert_signed(arrival: Arrival, secret: str) -> None:
    assert arrival.headers["content-type"] == "application/json"
    assert arrival.headers["user-agent"] == "Seabridge-Webhooks/1"
    assert arrival.headers["seabridge-event-id"] == str(arrival.body["id"])
    assert verify_signature(secret, arrival.headers["seabridge-signature"], arrival.raw)
    assert not verify_signature("sbsec_wrong", arrival.headers["seabridge-signature"], arrival.raw)
    assert not verify_signature(secret, arrival.headers["seabridge-signature"], arrival.raw + b" ")


# --- end to end with the real worker --------------------------------------------------


async def test_events_reach_the_receiver_signed(state: AppState, client: httpx.AsyncClient, store: StoreHandle) -> None:
    async with WebhookReceiver() as receiver, WebhookReceiver() as closed_only:
        everything = await create_endpoint(client, store, receiver.url)
        closing = await create_endpoint(client, store, closed_only.url, ["conversation.closed"])
        secret = everything["secret"]
        endpoint_id = everything["webhook_endpoint"]["id"]
        again = await client.get(f"{BASE}/{endpoint_id}/secret", headers=store.auth)
        assert again.json()["secret"] == secret
        assert closing["secret"] != secret

        buyer, conv_id = await buyer_writes(state, store.id)
        [first] = await receiver.wait_for(1)
        assert_signed(first, secret)
        body = first.body
        assert body["type"] == "message.created"
        assert body["store_id"] == store.id
        assert body["created_at"].endswith("Z")
        assert body["data"]["conversation_id"] == conv_id
        assert body["data"]["message"]["text"] == "Where is my order?"

        agent = await client.post(
            "/v1/store/agents",
            json={"email": f"a{secrets.token_hex(3)}@shop.example", "name": "Ana", "password": "0123456789"},
            headers=store.auth,
        )
        agent_id = agent.json()["id"]
        await state.messaging.change_status(buyer, conv_id, "waiting")
        staff = Actor(store.id, "agent", str(agent_id), role="agent")
        await state.messaging.change_status(staff, conv_id, "assigned", agent_id=agent_id)
        await state.messaging.change_status(staff, conv_id, "closed")
        arrivals = await receiver.wait_for(4)
        assert [a.body["type"] for a in arrivals] == [
            "message.created",
            "conversation.waiting",
            "conversation.assigned",
            "conversation.closed",
        ]
        assert arrivals[2].body["data"]["assigned_agent_id"] == agent_id
        for arrival in arrivals:
            assert_signed(arrival, secret)
        assert len({a.event_id for a in arrivals}) == 4

        [closed] = await closed_only.wait_for(1)
        assert closed.body["type"] == "conversation.closed"
        assert closed.event_id == arrivals[3].event_id  # one event, one id, whoever receives it
        assert_signed(closed, closing["secret"])

        log = await deliveries(client, store, endpoint_id)
        assert [d["event_type"] for d in log] == [
            "conversation.closed",
            "conversation.assigned",
            "conversation.waiting",
            "message.created",
        ]
        # One dispatcher sends one at a time and records each outcome before the next send,
        # so all but the newest (which may still be in flight) are recorded by now.
        for entry in log[1:]:
            assert (entry["state"], entry["attempts"], entry["last_status"]) == ("delivered", 1, 200)
            assert entry["delivered_at"] is not None
            assert entry["next_attempt_at"] is None
        for entry in log:
            assert set(entry) == {
                "id",
                "event_id",
                "event_type",
                "state",
                "attempts",
                "last_status",
                "last_error",
                "next_attempt_at",
                "delivered_at",
                "created_at",
            }
        assert len(closed_only.arrivals) == 1


# --- driven pass by pass with an injected clock -------------------------------------------


@dataclass
class Rig:
    state: AppState
    client: httpx.AsyncClient
    store: StoreHandle
    clock: FakeClock
    receiver: WebhookReceiver

    def dispatcher(self, state: AppState | None = None, **options: Any) -> WebhookDispatcher:
        return WebhookDispatcher.for_state(state or self.state, clock=self.clock, **options)


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[Rig]:
    """An app state with no background workers: the test runs the dispatcher's passes."""
    state = await AppState.open(settings)
    await state.start(())
    app = create_app(state=state)
    try:
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://seabridge.test") as client,
            WebhookReceiver() as receiver,
        ):
            store = await make_store(state)
            yield Rig(state, client, store, FakeClock(), receiver)
            # Leave nothing pending for later tests sharing the database.
            listed = await client.get(BASE, headers=store.auth)
            for endpoint in listed.json()["items"]:
                await client.delete(f"{BASE}/{endpoint['id']}", headers=store.auth)
            await WebhookDispatcher.for_state(state, clock=FakeClock()).run_once()
    finally:
        await state.close()


async def test_retries_follow_the_backoff_schedule(rig: Rig) -> None:
    created = await create_endpoint(rig.client, rig.store, rig.receiver.url)
    endpoint_id = created["webhook_endpoint"]["id"]
    dispatcher = rig.dispatcher()
    rig.receiver.fail_next(3, 500)
    await buyer_writes(rig.state, rig.store.id)

    for expected_wait in (30, 120, 600):
        attempted_at = rig.clock.now
        await dispatcher.run_once()
        [entry] = await deliveries(rig.client, rig.store, endpoint_id)
        assert entry["state"] == "pending"
        assert entry["last_status"] == 500
        assert entry["last_error"] == "HTTP 500"
        wait = (datetime.fromisoformat(entry["next_attempt_at"]) - attempted_at).total_seconds()
        assert expected_wait * 0.9 <= wait <= expected_wait * 1.1  # the schedule, with jitter
        sent = len(rig.receiver.arrivals)
        rig.clock.advance(expected_wait * 0.9 - 1)
        await dispatcher.run_once()
        assert len(rig.receiver.arrivals) == sent  # not due yet
        rig.clock.now = datetime.fromisoformat(entry["next_attempt_at"])

    await dispatcher.run_once()
    [entry] = await deliveries(rig.client, rig.store, endpoint_id)
    assert entry["state"] == "delivered"
    assert entry["attempts"] == 4
    assert entry["last_status"] == 200
    assert entry["next_attempt_at"] is None
    assert [a.status for a in rig.receiver.arrivals] == [500, 500, 500, 200]
    assert len({a.event_id for a in rig.receiver.arrivals}) == 1  # every attempt names the same event
    for arrival in rig.receiver.arrivals:
        assert arrival.raw == rig.receiver.arrivals[0].raw


async def test_events_without_an_endpoint_are_only_marked_dispatched(rig: Rig) -> None:
    """With no endpoint enabled anywhere, a pass marks events dispatched and makes no deliveries (on SQLite in
    the message writer's thread); an endpoint created later gets the events written after it."""
    dispatcher = rig.dispatcher()
    await dispatcher.run_once()  # whatever earlier tests left
    for n in range(3):
        await buyer_writes(rig.state, rig.store.id, f"before the endpoint {n}")
    await dispatcher.run_once()
    async with rig.state.sessions() as session:
        waiting = await session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None)))
    assert waiting == 0
    created = await create_endpoint(rig.client, rig.store, rig.receiver.url)
    endpoint_id = created["webhook_endpoint"]["id"]
    await buyer_writes(rig.state, rig.store.id, "after the endpoint")
    await dispatcher.run_once()
    [entry] = await deliveries(rig.client, rig.store, endpoint_id)
    assert entry["state"] == "delivered"
    [arrival] = rig.receiver.arrivals
    assert arrival.body["data"]["message"]["text"] == "after the endpoint"


async def test_gone_disables_the_endpoint(rig: Rig) -> None:
    created = await create_endpoint(rig.client, rig.store, rig.receiver.url)
    endpoint_id = created["webhook_endpoint"]["id"]
    dispatcher = rig.dispatcher()
    rig.receiver.fail_next(1, 410)
    await buyer_writes(rig.state, rig.store.id)
    await dispatcher.run_once()
    [entry] = await deliveries(rig.client, rig.store, endpoint_id)
    assert (entry["state"], entry["last_status"], entry["attempts"]) == ("failed", 410, 1)
    endpoint = (await rig.client.get(f"{BASE}/{endpoint_id}", headers=rig.store.auth)).json()
    assert endpoint["disabled_at"] is not None

    await buyer_writes(rig.state, rig.store.id)
    rig.clock.advance(3600)
    await dispatcher.run_once()
    assert len(rig.receiver.arrivals) == 1
    assert len(await deliveries(rig.client, rig.store, endpoint_id)) == 1
    retry = await rig.client.post(f"{BASE}/{endpoint_id}/deliveries/{entry['id']}/retry", headers=rig.store.auth)
    assert retry.status_code == 409


async def test_gives_up_after_the_last_attempt_and_can_be_retried(rig: Rig) -> None:
    created = await create_endpoint(rig.client, rig.store, rig.receiver.url)
    endpoint_id = created["webhook_endpoint"]["id"]
    dispatcher = rig.dispatcher(schedule=(30, 120))  # three attempts in all
    rig.receiver.fail_next(3, 503)
    await buyer_writes(rig.state, rig.store.id)
    for _ in range(5):
        await dispatcher.run_once()
        rig.clock.advance(86400)
    [entry] = await deliveries(rig.client, rig.store, endpoint_id)
    assert (entry["state"], entry["attempts"], entry["last_status"]) == ("failed", 3, 503)
    assert entry["next_attempt_at"] is None
    assert len(rig.receiver.arrivals) == 3

    retried = await rig.client.post(f"{BASE}/{endpoint_id}/deliveries/{entry['id']}/retry", headers=rig.store.auth)
    assert retried.status_code == 200
    assert (retried.json()["state"], retried.json()["attempts"]) == ("pending", 0)
    rig.clock.now = datetime.now(UTC)  # the retry is due at the real now
    await dispatcher.run_once()
    [entry] = await deliveries(rig.client, rig.store, endpoint_id)
    assert (entry["state"], entry["attempts"], entry["last_status"]) == ("delivered", 1, 200)
    assert len(rig.receiver.accepted) == 1
    failed_only = await rig.client.get(
        f"{BASE}/{endpoint_id}/deliveries", params={"state": "failed"}, headers=rig.store.auth
    )
    assert failed_only.json()["items"] == []


async def test_restart_resends_after_the_lease_and_loses_nothing(rig: Rig, settings: Settings) -> None:
    """Process A dies mid-send; process B sends new events at once and A's after the lease."""
    created = await create_endpoint(rig.client, rig.store, rig.receiver.url)
    endpoint_id = created["webhook_endpoint"]["id"]
    buyer, conv_id = await buyer_writes(rig.state, rig.store.id)
    rig.receiver.hold = True
    in_flight = asyncio.create_task(rig.dispatcher(lease_s=60).run_once())
    [held] = await rig.receiver.wait_for(1, accepted=False)
    in_flight.cancel()  # process A dies: no outcome is ever recorded
    with contextlib.suppress(asyncio.CancelledError):
        await in_flight
    assert in_flight.cancelled()
    await rig.receiver.__aexit__(None, None, None)  # and the receiver goes down with it
    await rig.state.messaging.change_status(buyer, conv_id, "waiting")  # written while nobody sends

    process_b = await AppState.open(settings)
    await process_b.start(())
    try:
        receiver = WebhookReceiver()
        receiver.port = rig.receiver.port
        async with receiver:
            dispatcher = rig.dispatcher(process_b, lease_s=60)
            await dispatcher.run_once()
            await dispatcher.run_once()
            assert [a.body["type"] for a in receiver.accepted] == ["conversation.waiting"]  # A's is leased
            rig.clock.advance(61)
            await dispatcher.run_once()
            rig.clock.advance(3600)
            await dispatcher.run_once()
            ids = [a.event_id for a in receiver.accepted]
            assert len(ids) == 2  # each event exactly once: the new one at once, A's after the lease
            assert ids[1] == held.event_id != ids[0]
            assert receiver.accepted[1].raw == held.raw
            assert_signed(receiver.accepted[1], created["secret"])
    finally:
        await process_b.close()
    log = await deliveries(rig.client, rig.store, endpoint_id)
    assert {(d["event_type"], d["state"], d["attempts"]) for d in log} == {
        ("message.created", "delivered", 2),
        ("conversation.waiting", "delivered", 1),
    }


async def test_two_dispatchers_never_send_one_delivery_twice(rig: Rig, settings: Settings) -> None:
    await create_endpoint(rig.client, rig.store, rig.receiver.url)
    for _ in range(3):
        await buyer_writes(rig.state, rig.store.id)
    other = await AppState.open(settings)
    try:
        await asyncio.gather(rig.dispatcher().run_once(), rig.dispatcher(other).run_once())
        await asyncio.gather(rig.dispatcher().run_once(), rig.dispatcher(other).run_once())
    finally:
        await other.close()
    ids = [a.event_id for a in rig.receiver.arrivals]
    assert len(ids) == 3
    assert len(set(ids)) == 3


# --- REST ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "location", "reason"),
    [
        ({"url": "ftp://shop.example/hook"}, "url", "the URL must start with http:// or https://"),
        ({"url": "javascript:alert(1)"}, "url", "the URL must start with http:// or https://"),
        ({"url": "shop.example/hook"}, "url", "the URL must start with http:// or https://"),
        ({"url": "https://user:pw@shop.example/hook"}, "url", "the URL must not carry a user name or password"),
        ({"url": "https://token@shop.example/hook"}, "url", "the URL must not carry a user name or password"),
        ({"url": "https:///hook"}, "url", "the URL must name a host"),
        ({"url": "https://shop.example:99999/hook"}, "url", "the URL's port is not valid"),
        ({"url": "https://shop.example/a b"}, "url", "the URL must not contain spaces or control characters"),
        ({"url": "https://shop.example/" + "a" * 2030}, "url", "String should have at most 2048 characters"),
        ({"events": ["order.paid"]}, "events", ""),
        ({"events": []}, "events", "List should have at least 1 item after validation, not 0"),
        ({"events": ["*", "message.created"]}, "events", '"*" stands for every event; give it alone'),
    ],
)
async def test_invalid_endpoints_are_precise_422s(
    client: httpx.AsyncClient, store: StoreHandle, body: dict[str, Any], location: str, reason: str
) -> None:
    payload = {"url": "https://shop.example/hook", "events": ["*"], **body}
    response = await client.post(BASE, json=payload, headers=store.auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    [detail] = [d for d in error["details"] if d["location"][:2] == ["body", location]]
    if reason:
        assert detail["reason"] == reason
    assert (await client.get(BASE, headers=store.auth)).json()["items"] == []


async def test_endpoints_crud_and_tenancy(state: AppState, client: httpx.AsyncClient, store: StoreHandle) -> None:
    other = await make_store(state)
    created = await create_endpoint(client, store, "https://shop.example/hook?token=x", ["message.created"])
    endpoint = created["webhook_endpoint"]
    assert endpoint["events"] == ["message.created"]
    assert created["secret"].startswith("sbsec_")
    assert (await client.get(BASE, headers=store.auth)).json()["items"] == [endpoint]
    assert (await client.get(BASE, headers=other.auth)).json()["items"] == []
    for method, path in [
        ("GET", f"{BASE}/{endpoint['id']}"),
        ("GET", f"{BASE}/{endpoint['id']}/secret"),
        ("GET", f"{BASE}/{endpoint['id']}/deliveries"),
        ("POST", f"{BASE}/{endpoint['id']}/deliveries/1/retry"),
        ("DELETE", f"{BASE}/{endpoint['id']}"),
    ]:
        response = await client.request(method, path, headers=other.auth)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    agent = bearer(await agent_token(state, store.id, "agent"))
    assert (await client.get(BASE, headers=agent)).status_code == 403
    assert (await client.delete(f"{BASE}/{endpoint['id']}", headers=store.auth)).status_code == 204
    assert (await client.delete(f"{BASE}/{endpoint['id']}", headers=store.auth)).status_code == 204
    shown = (await client.get(f"{BASE}/{endpoint['id']}", headers=store.auth)).json()
    assert shown["disabled_at"] is not None

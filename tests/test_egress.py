"""Webhook deliveries go to public addresses only, unless private networks are allowed (SSRF guard).

Registration refuses a URL whose host is, or resolves only to, a non-public
address; delivery checks every connection it makes (a name registered while it
pointed elsewhere, or re-pointed later, is refused then), against a real
receiver on loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from seabridge.app import create_app
from seabridge.services import egress
from seabridge.services.webhooks import WebhookDispatcher
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.storage import webhooks as webhook_store
from tests.conftest import StoreHandle, make_store
from tests.support.webhook_receiver import WebhookReceiver
from tests.test_webhooks_out import BASE, buyer_writes, deliveries


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (CGNAT)
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fd00::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:8.8.8.8", True),
        ("ff02::1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert egress.is_public(ipaddress.ip_address(address)) is public


async def test_the_guarded_transport_refuses_loopback_and_connects_when_allowed() -> None:
    async with WebhookReceiver() as receiver:
        for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
            async with httpx.AsyncClient(transport=egress.guarded_transport(allow_private=False)) as http:
                with pytest.raises(egress.BlockedAddress, match="not a public address"):
                    await http.post(url, content=b"{}")
        assert receiver.arrivals == []
        async with httpx.AsyncClient(transport=egress.guarded_transport(allow_private=True)) as http:
            response = await http.post(receiver.url, content=b"{}")
        assert response.status_code == 200
        assert len(receiver.arrivals) == 1


async def test_a_name_that_does_not_resolve_fails_as_a_connection_error() -> None:
    async with httpx.AsyncClient(transport=egress.guarded_transport(allow_private=False)) as http:
        with pytest.raises(httpx.ConnectError, match="does not resolve"):
            await http.post("http://no-such-host.invalid/hook", content=b"{}")


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[tuple[AppState, httpx.AsyncClient, StoreHandle]]:
    """A server that refuses private networks (the default), without background workers."""
    state = await AppState.open(settings.model_copy(update={"webhook_private_networks": False}))
    await state.start(())
    try:
        transport = httpx.ASGITransport(app=create_app(state=state))
        async with httpx.AsyncClient(transport=transport, base_url="http://seabridge.test") as client:
            yield state, client, await make_store(state)
    finally:
        await state.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1"),
        ("http://[::1]:8080/hook", "::1"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://10.0.0.5/hook", "10.0.0.5"),
        ("http://localhost:5432/", "127.0.0.1"),
    ],
)
async def test_registering_a_private_address_is_a_precise_422(
    guarded: tuple[AppState, httpx.AsyncClient, StoreHandle], url: str, shown: str
) -> None:
    _, client, store = guarded
    response = await client.post(BASE, json={"url": url, "events": ["*"]}, headers=store.auth)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    [detail] = error["details"]
    assert detail["location"] == ["body", "url"]
    assert shown in detail["reason"]
    assert "SEABRIDGE_WEBHOOK_PRIVATE_NETWORKS" in detail["reason"]
    assert (await client.get(BASE, headers=store.auth)).json()["items"] == []


async def test_a_name_that_does_not_resolve_yet_can_be_registered(
    guarded: tuple[AppState, httpx.AsyncClient, StoreHandle],
) -> None:
    _, client, store = guarded
    response = await client.post(
        BASE, json={"url": "https://hooks.shop.example/in", "events": ["*"]}, headers=store.auth
    )
    assert response.status_code == 201, response.text
    endpoint_id = response.json()["webhook_endpoint"]["id"]
    assert (await client.delete(f"{BASE}/{endpoint_id}", headers=store.auth)).status_code == 204


async def test_a_delivery_to_a_host_that_now_resolves_to_loopback_is_refused_and_logged(
    guarded: tuple[AppState, httpx.AsyncClient, StoreHandle],
) -> None:
    state, client, store = guarded
    async with WebhookReceiver() as receiver:
        # Registered while the name pointed elsewhere (stored directly: the API would refuse it now).
        url = receiver.url.replace("127.0.0.1", "localhost")
        async with state.sessions() as session, session.begin():
            endpoint = await webhook_store.create_endpoint(
                session, store.id, url=url, events=["*"], description="", now=datetime.now(UTC)
            )
        await buyer_writes(state, store.id)
        dispatcher = WebhookDispatcher.for_state(state)
        assert dispatcher.private_networks is False
        await dispatcher.run_once()
        [delivery] = await deliveries(client, store, endpoint.id)
        assert receiver.arrivals == []
        assert delivery["state"] == "pending"  # retried later, as any failed attempt
        assert delivery["last_error"].startswith("refused: localhost resolves to ")
        assert "not a public address" in delivery["last_error"]
    # Leave nothing pending in the shared database (other tests' dispatchers would retry it): disabled,
    # its delivery ends as failed at its next attempt, which a pass past the retry schedule makes now.
    assert (await client.delete(f"{BASE}/{endpoint.id}", headers=store.auth)).status_code == 204
    later = datetime.now(UTC) + timedelta(days=3)
    await WebhookDispatcher.for_state(state, clock=lambda: later).run_once()
    [ended] = await deliveries(client, store, endpoint.id)
    assert ended["state"] == "failed"

"""The joint acceptance test: a verified buyer in the widget asks in Spanish about a late
order and gets its true status in Spanish (checked against the shipment the server holds),
asks for a person; an agent in a second browser context sees the conversation waiting with
the bot's summary and answers; the buyer sees the answer."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import Live, OpenPage
from tests.e2e.test_console import agent_auth, log_in, until
from tests.e2e.test_widget import WAIT_MS, open_chat, say

ES_LOCALE = Path(__file__).resolve().parents[2] / "seabridge" / "agent" / "locales" / "es.toml"


def late_order(live: Live, staff: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A late shipment still on its way, and its order (with the buyer's e-mail), from the API."""
    with httpx.Client(base_url=live.url, headers=staff, timeout=10) as client:
        late = client.get("/v1/shipments", params={"late": "true", "limit": 200}).json()["items"]
        for shipment in late:
            if shipment["status"] == "in_transit" and shipment["order_id"]:
                order = client.get(f"/v1/orders/{shipment['order_id']}").json()
                if order["email"]:
                    return shipment, order
    raise AssertionError("the frozen store has no late parcel in transit")


def test_spanish_buyer_late_order_handoff_to_an_agent(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    shipment, order = late_order(live, staff)
    status_es = tomllib.loads(ES_LOCALE.read_text(encoding="utf-8"))["status"][shipment["status"]]

    buyer, _ = open_page(viewport={"width": 1100, "height": 820}, locale="es-ES")
    buyer.goto(live.url + "/demo-store")
    open_chat(buyer)
    buyer.locator(".verify-box > summary").click()
    buyer.get_by_label(re.compile("E-mail|Correo", re.I)).fill(order["email"])
    buyer.get_by_label(re.compile("Order number|pedido", re.I)).fill(order["name"])
    buyer.get_by_role("button", name=re.compile("^(Verify|Verificar)$")).click()
    expect(buyer.locator(".ok")).to_be_visible(timeout=WAIT_MS)

    say(buyer, f"Hola, mi pedido {order['name']} todavía no ha llegado. ¿Dónde está mi paquete?")
    # Verified in the widget, so the bot answers at once: no second e-mail + order number check.
    answer = buyer.locator("li.them").filter(has_text=status_es)  # the parcel's real status, in Spanish
    expect(answer.first).to_be_visible(timeout=WAIT_MS)
    expect(answer.first).to_contain_text(order["name"].lstrip("#"))

    say(buyer, "Quiero hablar con una persona, por favor.")
    identity = buyer.evaluate("k => JSON.parse(localStorage.getItem(k))", f"seabridge:{live.public_key}:buyer")
    assert identity["verified"] is True

    def waiting_conversation() -> dict[str, Any] | None:
        listed = httpx.get(f"{live.url}/v1/console/inbox", params={"view": "waiting"}, headers=staff, timeout=10)
        for item in listed.json()["items"]:
            if item["customer_id"] == identity["customer_id"]:
                url = f"{live.url}/v1/console/conversations/{item['id']}"
                context: dict[str, Any] = httpx.get(url, headers=staff, timeout=10).json()
                if context["summary"]:
                    return context
        return None

    context = until(waiting_conversation, "the handoff with a summary")
    conversation_id = context["conversation"]["id"]

    agent, _ = open_page(viewport={"width": 1366, "height": 820}, locale="en-US")
    log_in(agent, live)
    row = agent.locator(f'.row[data-id="{conversation_id}"]')
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator(".wait")).to_have_text(re.compile(r"waiting \d+(s|m)"))
    row.click()
    expect(agent.locator(".summary")).to_contain_text(context["summary"]["text"].split("\n")[0])
    expect(agent.locator(".customer")).to_contain_text(order["name"])
    reply = f"Hola, soy Mei. Reviso el pedido {order['name']} con {shipment['carrier']} ahora mismo."
    box = agent.get_by_label("Reply", exact=True)
    box.fill(reply)
    box.press("Control+Enter")
    expect(agent.locator(".msg.agent").filter(has_text="soy Mei")).to_be_visible(timeout=WAIT_MS)

    expect(buyer.locator("li.them").filter(has_text="soy Mei")).to_be_visible(timeout=WAIT_MS)

    # The agent closes; the buyer answers the satisfaction question in the widget.
    agent.get_by_role("button", name="Close", exact=True).click()
    rating = buyer.locator(".rating")
    expect(rating).to_be_visible(timeout=WAIT_MS)
    rating.get_by_role("button", name="4/5").click()
    expect(buyer.locator("li.system .notice").filter(has_text="Gracias")).to_be_visible(timeout=WAIT_MS)

    def answered() -> dict[str, Any] | None:
        url = f"{live.url}/v1/console/conversations/{conversation_id}"
        csat = httpx.get(url, headers=staff, timeout=10).json().get("csat")
        return csat if csat and csat.get("answered_at") else None

    assert until(answered, "the buyer's rating")["score"] == 4

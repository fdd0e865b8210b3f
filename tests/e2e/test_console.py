"""The agent console in a real browser against a real server: login, the inbox with a
conversation the bot handed over (wait time), the handoff summary, answering, a canned reply
in the buyer's language, closing with the satisfaction question; checked over REST too."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, Live, OpenPage

WAIT_MS = 20_000
ASK_FOR_A_PERSON = "Hola, quiero hablar con una persona de verdad, por favor."
CANNED = {
    "shortcut": "gracias",
    "title": "Thanks for waiting",
    "texts": {
        "en": "Thank you for waiting, this is {agent_name} from {store_name}.",
        "es": "Gracias por esperar, soy {agent_name} de {store_name}.",
    },
    "intents": ["human_agent"],
}


def agent_auth(live: Live) -> dict[str, str]:
    body = {"store": live.store_slug, "email": live.agent_email, "password": live.agent_password}
    token = httpx.post(f"{live.url}/v1/auth/login", json=body, timeout=10).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def until(check: Any, what: str, timeout_s: float = 20.0) -> Any:
    """Poll the server (not the clock under test) until `check()` is truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def buyer_asks_for_a_person(live: Live) -> tuple[int, dict[str, str]]:
    """An anonymous buyer writes in Spanish over REST (the widget's own routes) and the real
    offline bot hands the conversation to a person."""
    session = httpx.post(f"{live.url}/v1/widget/sessions", json={"store": live.public_key}, timeout=10).json()
    buyer = {"Authorization": f"Bearer {session['token']}"}
    with httpx.Client(base_url=live.url, headers=buyer, timeout=10) as client:
        conv = client.post("/v1/widget/conversation").json()
        sent = client.post(
            f"/v1/widget/conversations/{conv['id']}/messages", json={"client_msg_id": "e2e-1", "text": ASK_FOR_A_PERSON}
        )
        assert sent.status_code == 201, sent.text
    return int(conv["id"]), buyer


def buyer_history(live: Live, conversation_id: int, buyer: dict[str, str]) -> list[dict[str, Any]]:
    url = f"{live.url}/v1/widget/conversations/{conversation_id}/messages"
    items: list[dict[str, Any]] = httpx.get(url, params={"limit": 200}, headers=buyer, timeout=10).json()["items"]
    return items


def log_in(page: Page, live: Live) -> None:
    page.goto(live.url + "/console")
    page.get_by_label("Store").fill(live.store_slug)
    page.get_by_label("E-mail").fill(live.agent_email)
    page.get_by_label("Password").fill(live.agent_password)
    page.get_by_role("button", name="Sign in").click()


def test_login_is_refused_with_a_wrong_password(live: Live, open_page: OpenPage) -> None:
    page, errors = open_page()
    errors.allowed.append("401")  # the browser logs the refused login request
    page.goto(live.url + "/console")
    page.get_by_label("Store").fill(live.store_slug)
    page.get_by_label("E-mail").fill(live.agent_email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Unknown store, e-mail or password"))
    expect(page.locator(".inbox")).to_have_count(0)


def test_agent_answers_a_waiting_conversation_and_closes_it(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    created = httpx.post(f"{live.url}/v1/console/canned-replies", json=CANNED, headers=staff, timeout=10)
    assert created.status_code in (201, 409), created.text
    conversation_id, buyer = buyer_asks_for_a_person(live)

    def waiting() -> bool:
        url = f"{live.url}/v1/console/conversations/{conversation_id}"
        context = httpx.get(url, headers=staff, timeout=10).json()
        return bool(context["conversation"]["status"] == "waiting" and context["summary"])

    until(waiting, "the bot's handoff")

    page, _ = open_page(viewport={"width": 1366, "height": 820}, locale="en-US")
    log_in(page, live)
    row = page.locator(f'.row[data-id="{conversation_id}"]')
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator(".wait")).to_have_text(re.compile(r"waiting \d+(s|m)"))
    expect(row.locator(".timer")).to_contain_text(re.compile("First reply"))
    expect(page.locator('.view[data-view="waiting"] .count')).not_to_have_text("0")
    expect(page.locator(".live")).to_have_attribute("data-state", "open", timeout=WAIT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-inbox.png"))

    row.click()
    summary = page.locator(".summary")
    expect(summary).to_contain_text("Bot handoff summary")
    stored_summary = httpx.get(
        f"{live.url}/v1/console/conversations/{conversation_id}", headers=staff, timeout=10
    ).json()["summary"]["text"]
    expect(summary).to_contain_text(stored_summary.split("\n")[0])
    expect(page.locator(".msg.buyer")).to_contain_text(ASK_FOR_A_PERSON)
    expect(page.locator(".customer")).to_contain_text("Anonymous visitor")

    # Answer: the reply goes out, the conversation becomes the agent's.
    box = page.get_by_label("Reply", exact=True)
    box.fill("Hola, soy Mei. ¿En qué puedo ayudarte?")
    box.press("Control+Enter")
    expect(page.locator(".msg.agent").filter(has_text="soy Mei")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".thread-head .status")).to_have_text("assigned", timeout=WAIT_MS)

    # A canned reply, filled in the buyer's language (Spanish), from the picker.
    page.locator(".messages").click()
    page.keyboard.press("/")
    page.locator('.pick[data-shortcut="gracias"]').click()
    expect(box).to_have_value("Gracias por esperar, soy Mei Lin de Harbor & Pine Trading.")
    expect(page.locator(".notice")).to_contain_text("Spanish")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.agent").filter(has_text="Gracias por esperar")).to_be_visible(timeout=WAIT_MS)

    # An internal note stays internal.
    page.get_by_role("tab", name="Internal note").click()
    page.get_by_label("Internal note", exact=True).fill("Checked: nothing ordered yet.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg.note").filter(has_text="nothing ordered yet")).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(SCREENSHOTS / "console-conversation.png"))

    texts = [m["text"] for m in buyer_history(live, conversation_id, buyer)]
    assert "Hola, soy Mei. ¿En qué puedo ayudarte?" in texts
    assert "Gracias por esperar, soy Mei Lin de Harbor & Pine Trading." in texts
    assert not any("nothing ordered yet" in t for t in texts)

    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".thread-head .status")).to_have_text("closed", timeout=WAIT_MS)
    expect(page.locator(".csat")).to_contain_text("asked")
    question = until(
        lambda: [m for m in buyer_history(live, conversation_id, buyer) if (m["data"] or {}).get("event") == "csat"],
        "the satisfaction question",
    )
    assert question[0]["text"].startswith("¿Cómo valorarías")
    rated = httpx.post(
        f"{live.url}/v1/widget/conversations/{conversation_id}/csat", json={"score": 5}, headers=buyer, timeout=10
    )
    assert rated.status_code == 200, rated.text


def test_console_fits_a_tablet(live: Live, open_page: OpenPage) -> None:
    conversation_id, _ = buyer_asks_for_a_person(live)
    page, _ = open_page(viewport={"width": 800, "height": 1100}, locale="en-US", has_touch=True)
    log_in(page, live)
    expect(page.locator(".inbox")).to_be_visible(timeout=WAIT_MS)
    page.keyboard.press("4")  # all open conversations
    expect(page.locator('.view[data-view="all"]')).to_have_attribute("aria-selected", "true")
    row = page.locator(f'.row[data-id="{conversation_id}"]')
    expect(row).to_be_visible(timeout=WAIT_MS)
    row.click()
    expect(page.locator(".inbox")).to_be_hidden()  # one pane at a time
    expect(page.locator(".thread")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800
    page.get_by_role("button", name="Back to the inbox").click()
    expect(page.locator(".inbox")).to_be_visible()

"""The buyer widget in a real browser against a real server: chat with the bot, verification,
network loss and a server restart (nothing lost or doubled, checked over REST too), a page of
another origin with a strict CSP, Arabic right to left, a phone screen, the keyboard."""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import EVAL_STORE, SCREENSHOTS, Live, OpenPage

WAIT_MS = 20_000
NETWORK_ERRORS = ["ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_REFUSED", "WebSocket connection to"]


# ---- helpers ------------------------------------------------------------------------------


def open_chat(page: Page) -> None:
    page.locator(".launcher").click()
    expect(page.locator(".panel")).to_be_visible()


def say(page: Page, text: str) -> None:
    box = page.locator("textarea")
    box.fill(text)
    box.press("Enter")


def own(page: Page, text: str) -> Any:
    return page.locator("li.me").filter(has_text=text)


def delivered(page: Page, text: str) -> None:
    expect(own(page, text).locator(".state")).to_have_text(re.compile("Delivered|Read"), timeout=WAIT_MS)


def buyer_token(page: Page, live: Live) -> str:
    token: str = page.evaluate("k => JSON.parse(localStorage.getItem(k)).token", f"seabridge:{live.public_key}:buyer")
    return token


def server_history(page: Page, live: Live) -> list[dict[str, Any]]:
    """The conversation as the server stored it, read over REST with the page's buyer token."""
    auth = {"Authorization": f"Bearer {buyer_token(page, live)}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=10) as client:
        conv = client.post("/v1/widget/conversation").json()
        page_ = client.get(f"/v1/widget/conversations/{conv['id']}/messages", params={"limit": 200}).json()
    items: list[dict[str, Any]] = page_["items"]
    return items


def buyer_texts(items: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in sorted(items, key=lambda m: m["seq"]) if (m["sender"] or {}).get("kind") == "buyer"]


def shown_seqs(page: Page) -> list[str]:
    seqs: list[str] = page.eval_on_selector_all("li[data-seq]", "els => els.map(e => e.dataset.seq)")
    return seqs


def first_order() -> tuple[str, str]:
    with (EVAL_STORE / "orders.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["Email"])
    return row["Email"], row["Name"]


# ---- tests --------------------------------------------------------------------------------


def test_anonymous_buyer_chats_with_the_bot_and_sees_product_cards(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(viewport={"width": 1100, "height": 800}, locale="en-US")
    page.goto(live.url + "/demo-store")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    open_chat(page)
    say(page, "Do you have a linen shirt?")
    delivered(page, "linen shirt")
    reply = page.locator("li.them").last
    expect(reply).to_contain_text("Assistant", timeout=WAIT_MS)
    card = page.locator("a.card").first
    expect(card).to_be_visible(timeout=WAIT_MS)
    expect(card.locator(".price")).to_have_text(re.compile(r"\$\d"))
    assert "/v1/widget/products/" in (card.get_attribute("href") or "")
    assert card.locator("img").count() == 1
    page.wait_for_function(
        "() => [...document.querySelector('#seabridge-widget').shadowRoot.querySelectorAll('img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-chat.png"))
    assert buyer_texts(server_history(page, live)) == ["Do you have a linen shirt?"]


def test_buyer_verifies_by_email_and_order_number(live: Live, open_page: OpenPage) -> None:
    page, errors = open_page(locale="en-US")
    errors.allowed.append("status of 400")  # the wrong pair below is answered 400, as it should be
    page.goto(live.url + "/demo-store")
    open_chat(page)
    email, order = first_order()
    page.locator(".verify-box > summary").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Order number").fill("#999999")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("We could not verify that e-mail and order number.")
    page.get_by_label("Order number").fill(order)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.locator(".ok")).to_contain_text("Verified")
    identity = page.evaluate("k => JSON.parse(localStorage.getItem(k))", f"seabridge:{live.public_key}:buyer")
    assert identity["verified"] is True and identity["customer_id"]
    say(page, f"Where is my order {order}?")
    expect(page.locator("li.them").last).to_contain_text(order.lstrip("#"), timeout=WAIT_MS)
    page.reload()  # the verified session survives a reload
    expect(page.locator(".ok")).to_contain_text("Verified")


def test_spanish_buyer_asks_for_a_person_and_an_agent_answers(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(locale="es-ES")
    page.goto(live.url + "/demo-store")
    page.get_by_role("button", name="Abrir chat").click()
    email, order = first_order()
    page.locator(".verify-box > summary").click()
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Número de pedido").fill(order)
    page.get_by_role("button", name="Verificar", exact=True).click()
    expect(page.locator(".ok")).to_contain_text("Verificado")
    say(page, f"Hola, ¿dónde está mi pedido {order}? Ya tarda mucho.")
    expect(page.locator("li.them").last).to_contain_text(order.lstrip("#"), timeout=WAIT_MS)
    say(page, "Quiero hablar con una persona, por favor")
    expect(page.locator(".notice")).to_have_text("Una persona de nuestro equipo se unirá en breve.", timeout=WAIT_MS)
    with httpx.Client(base_url=live.url, timeout=10) as client:
        login = {"store": live.store_slug, "email": live.agent_email, "password": live.agent_password}
        auth = {"Authorization": f"Bearer {client.post('/v1/auth/login', json=login).json()['token']}"}
        conv = client.post("/v1/widget/conversation", headers={"Authorization": f"Bearer {buyer_token(page, live)}"})
        sent = client.post(
            f"/v1/conversations/{conv.json()['id']}/messages",
            json={"client_msg_id": "agent-e2e-1", "text": "Hola, soy Mei. Reviso tu pedido ahora."},
            headers=auth,
        )
        assert sent.status_code == 201, sent.text
    answer = page.locator("li.them").filter(has_text="soy Mei")
    expect(answer).to_be_visible(timeout=WAIT_MS)
    expect(answer.locator(".who")).to_have_text("Equipo")


def test_network_loss_while_sending_loses_and_doubles_nothing(live: Live, open_page: OpenPage) -> None:
    page, errors = open_page(locale="en-US")
    errors.allowed.extend(NETWORK_ERRORS)
    page.goto(live.url + "/demo-store")
    open_chat(page)
    say(page, "first before the tunnel")
    delivered(page, "first before the tunnel")
    page.context.set_offline(True)
    expect(page.locator(".status")).to_contain_text("Offline", timeout=WAIT_MS)
    say(page, "second in the tunnel")
    say(page, "third in the tunnel")
    expect(own(page, "third in the tunnel").locator(".state")).to_have_text("Sending…")
    page.context.set_offline(False)
    delivered(page, "second in the tunnel")
    delivered(page, "third in the tunnel")
    expect(page.locator(".status")).to_be_hidden()
    texts = ["first before the tunnel", "second in the tunnel", "third in the tunnel"]
    assert buyer_texts(server_history(page, live)) == texts
    for text in texts:
        expect(own(page, text)).to_have_count(1)
    seqs = shown_seqs(page)
    assert len(seqs) == len(set(seqs))


def test_server_restart_mid_conversation_loses_and_doubles_nothing(live: Live, open_page: OpenPage) -> None:
    page, errors = open_page(locale="en-US")
    errors.allowed.extend(NETWORK_ERRORS)
    page.goto(live.url + "/demo-store")
    open_chat(page)
    say(page, "hello before the restart")
    delivered(page, "hello before the restart")
    expect(page.locator("li.them")).to_have_count(1, timeout=WAIT_MS)  # the bot answered
    live.server.stop()
    expect(page.locator(".status")).to_be_visible(timeout=WAIT_MS)
    say(page, "written while the server is down")
    live.server.start()
    delivered(page, "written while the server is down")
    say(page, "after the restart")
    delivered(page, "after the restart")
    texts = ["hello before the restart", "written while the server is down", "after the restart"]
    # The bot may still be answering the last message: wait until it has (the newest stored message
    # is not the buyer's) and the page shows every reply the server holds.
    history: list[dict[str, Any]] = []
    for _ in range(200):
        history = server_history(page, live)
        replies = len(history) - len(texts)
        newest = max(history, key=lambda m: m["seq"])
        if (newest["sender"] or {}).get("kind") != "buyer" and page.locator("li.them").count() == replies:
            break
        page.wait_for_timeout(100)
    assert buyer_texts(history) == texts
    expect(page.locator("li.them")).to_have_count(len(history) - len(texts), timeout=WAIT_MS)
    for text in texts:
        expect(own(page, text)).to_have_count(1)
    seqs = shown_seqs(page)
    assert len(seqs) == len(set(seqs)) == len(history)


class _StorePage(BaseHTTPRequestHandler):
    html = b""
    csp = ""

    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", self.csp)
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def other_origin(live: Live) -> Iterator[str]:
    """A store's page on another origin with a strict CSP that allows only Seabridge."""
    ws = live.url.replace("http://", "ws://")
    handler = type("Handler", (_StorePage,), {})
    handler.csp = (
        f"default-src 'self'; script-src 'self' {live.url}; connect-src 'self' {live.url} {ws}; "
        f"img-src 'self' data: {live.url}; style-src 'self'; frame-src 'none'; object-src 'none'"
    )
    handler.html = (
        '<!doctype html><html><head><title>Other shop</title><link rel="icon" href="data:,"></head>'
        "<body><h1>Other shop</h1>"
        f'<script src="{live.url}/widget.js" data-store="{live.public_key}" async></script></body></html>'
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_widget_works_on_a_page_of_another_origin_with_a_strict_csp(
    live: Live, open_page: OpenPage, other_origin: str
) -> None:
    page, _ = open_page(locale="en-US")
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
    )
    page.goto(other_origin)
    assert page.evaluate("location.origin") != live.url
    open_chat(page)
    say(page, "Hello from another shop")
    delivered(page, "Hello from another shop")
    expect(page.locator("li.them").first).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("window.__violations") == []
    assert buyer_texts(server_history(page, live)) == ["Hello from another shop"]


def test_arabic_renders_right_to_left(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(locale="ar", viewport={"width": 1100, "height": 800})
    page.goto(live.url + "/demo-store")
    launcher = page.get_by_role("button", name="فتح المحادثة")
    expect(launcher).to_be_visible()
    launcher.click()
    panel = page.locator(".panel")
    assert panel.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expect(page.locator("textarea")).to_have_attribute("placeholder", "اكتب رسالة…")
    say(page, "مرحبا، هل لديكم قميص من الكتان؟")
    delivered_ar = own(page, "قميص").locator(".state")
    expect(delivered_ar).to_have_text(re.compile("تم التسليم|تمت القراءة"), timeout=WAIT_MS)
    expect(page.locator("li.them").first).to_be_visible(timeout=WAIT_MS)
    # The panel sits at the inline end, which is the left edge in right-to-left.
    box = panel.bounding_box()
    assert box is not None and box["x"] < 100
    page.screenshot(path=str(SCREENSHOTS / "widget-arabic.png"))


def test_language_follows_the_buyer_writing(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(locale="en-US")
    page.goto(live.url + "/demo-store")
    open_chat(page)
    say(page, "Hola, ¿tienen camisas de lino para el verano?")
    expect(page.locator("textarea")).to_have_attribute("placeholder", "Escribe un mensaje…", timeout=WAIT_MS)
    assert page.locator(".root").first.get_attribute("lang") == "es"


def test_phone_screen_gets_a_full_screen_panel(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(
        viewport={"width": 375, "height": 740}, locale="en-US", is_mobile=True, has_touch=True, reduced_motion="reduce"
    )
    page.goto(live.url + "/demo-store")
    open_chat(page)
    box = page.locator(".panel").bounding_box()
    assert box is not None
    assert tuple(round(box[k]) for k in ("x", "y", "width", "height")) == (0, 0, 375, 740)
    say(page, "Do you ship to Brazil?")
    delivered(page, "ship to Brazil")
    expect(page.locator("li.them").first).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(SCREENSHOTS / "widget-mobile.png"))


def test_keyboard_reaches_the_launcher_and_drives_the_chat(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page(locale="en-US")
    page.goto(live.url + "/demo-store")
    expect(page.locator(".launcher")).to_be_visible()
    focused = "() => document.activeElement?.shadowRoot?.activeElement?.className || ''"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "launcher":
            break
    assert page.evaluate(focused) == "launcher"
    page.keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".launcher")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("() => document.activeElement.shadowRoot.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("typed with the keyboard")
    page.keyboard.press("Enter")
    delivered(page, "typed with the keyboard")
    expect(page.get_by_role("log")).to_contain_text("typed with the keyboard")
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert page.evaluate(focused) == "launcher"

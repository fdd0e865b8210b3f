"""Browser tests: Debian's Chromium driven by Playwright against a real Seabridge process.

`browser` is one headless Chromium for the session (never a downloaded browser: the
executable is /usr/bin/chromium, from `apt-get install chromium`). `open_page` makes a
page in a fresh context and fails the test if the page logs an error or throws.
`live` is a Seabridge server process on SQLite with the frozen evaluation store
(evals/store) imported, the offline AI agent on, and one agent account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, sync_playwright

from tests.support.server import SECRET_KEY, ServerProcess

CHROMIUM = os.environ.get("SEABRIDGE_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
EVAL_STORE = ROOT / "evals" / "store"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AGENT_EMAIL = "agent@harborpine.example"
AGENT_PASSWORD = "e2e-password-123"
# The flags Chromium needs on a machine with no route to the internet (see PRODUCT.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: sync Playwright keeps an event loop running for the whole session
    once the browser starts, and pytest-asyncio tests cannot start their own loop after that."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid.replace("\\", "/"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (browser tests never download one)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageErrors:
    """Everything a page reported as an error: console.error lines and uncaught exceptions."""

    lines: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # substrings a test expects (e.g. going offline)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.lines.append(f"console.error: {message.text} @ {message.location}")

    def exception(self, error: Error) -> None:
        self.lines.append(f"uncaught: {error}")

    def unexpected(self) -> list[str]:
        return [line for line in self.lines if not any(a in line for a in self.allowed)]


OpenPage = Callable[..., tuple[Page, PageErrors]]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """`open_page(**context_options)` gives (page, errors); errors must be empty at the end."""
    opened: list[tuple[BrowserContext, PageErrors]] = []

    def _open(**options: Any) -> tuple[Page, PageErrors]:
        context = browser.new_context(**options)
        page = context.new_page()
        errors = PageErrors()
        page.on("console", errors.console)
        page.on("pageerror", errors.exception)
        opened.append((context, errors))
        return page, errors

    yield _open
    problems = [line for _, errors in opened for line in errors.unexpected()]
    for context, _ in opened:
        context.close()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@dataclass
class Live:
    server: ServerProcess
    store_slug: str
    public_key: str
    agent_email: str = AGENT_EMAIL
    agent_password: str = AGENT_PASSWORD

    @property
    def url(self) -> str:
        return self.server.url


def _cli(data_dir: Path, database_url: str, *args: str) -> str:
    env = {**os.environ, "SEABRIDGE_DATA_DIR": str(data_dir), "SEABRIDGE_DATABASE_URL": database_url}
    env["SEABRIDGE_SECRET_KEY"] = SECRET_KEY
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [sys.executable, "-m", "seabridge", *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"seabridge {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite+aiosqlite:///{data_dir / 'seabridge.db'}"
    _cli(data_dir, database_url, "store", "import", str(EVAL_STORE), "--store", "harbor")
    _cli(
        data_dir, database_url, "agent", "create", "--store", "harbor", "--email", AGENT_EMAIL,
        "--name", "Mei Lin", "--role", "admin", "--password", AGENT_PASSWORD,
    )  # fmt: skip
    listed = json.loads(_cli(data_dir, database_url, "store", "list", "--json"))
    public_key = next(s["public_key"] for s in listed if s["slug"] == "harbor")
    server = ServerProcess(database_url, data_dir, env={"SEABRIDGE_AGENT_ENGINE": "offline"})
    server.start()
    try:
        yield Live(server, "harbor", public_key)
    finally:
        server.stop()

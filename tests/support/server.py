"""A real Seabridge server process on a loopback port, plus the credentials tests need.

`ServerProcess` runs `python -m seabridge serve --port P` (or, with protocol
overrides, the same CLI after raising the WebSocket limits in-process) against
a given database; `kill()` is SIGKILL, `restart()` brings it back on the same
port and database; `env` adds environment variables (e.g. a Redis bus URL).
`make_credentials` makes a store, an agent session token and buyer tokens
directly in that database with the same server key.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seabridge import security
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.storage import agents
from tests.conftest import make_store

SECRET_KEY = "ws-test-server-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        protocol: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.protocol = protocol or {}
        self.env = env or {}  # extra environment, e.g. SEABRIDGE_REDIS_URL for a multi-process test
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self._drain: threading.Thread | None = None
        self.output: list[str] = []

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/v1/ws"

    def start(self, timeout: float = 30.0) -> None:
        env = {
            **os.environ,
            "SEABRIDGE_DATA_DIR": str(self.data_dir),
            "SEABRIDGE_DATABASE_URL": self.database_url,
            "SEABRIDGE_SECRET_KEY": SECRET_KEY,
            "SEABRIDGE_LOG_LEVEL": "WARNING",
            # Messaging tests count every message; the bot's replies are tested in test_agent_*.
            "SEABRIDGE_AGENT_ENGINE": "off",
            "COLUMNS": "200",
            **self.env,
        }
        if self.protocol:
            # Load tests raise the per-connection limits (SEABRIDGE_WS_*) and the per-conversation one.
            env.update({f"SEABRIDGE_WS_{key.upper()}": str(value) for key, value in self.protocol.items()})
            env.setdefault("SEABRIDGE_CONVERSATION_MESSAGES_PER_10S", "100000")
        args = [sys.executable, "-m", "seabridge", "serve", "--port", str(self.port)]
        self.proc = proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        for line in proc.stdout:  # blocks until the server announces itself (or dies)
            self.output.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if match and "listening" in line:
                self.url = match.group(1)
                # Keep reading so a chatty server never blocks on a full pipe.
                self._drain = threading.Thread(target=self._read_rest, args=(proc,), daemon=True)
                self._drain.start()
                return
            if time.monotonic() > deadline:
                break
        self.stop()
        raise AssertionError("server did not announce its URL:\n" + "".join(self.output))

    def _read_rest(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crash."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def restart(self) -> None:
        self.start()

    def _reap(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.wait(timeout=20)
        if self._drain is not None:
            self._drain.join(timeout=10)
            self._drain = None
        if proc.stdout is not None:
            proc.stdout.close()


@dataclass(frozen=True)
class Credentials:
    store_id: int
    agent_token: str
    buyer_token: str
    other_buyer_token: str


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, secret_key=SECRET_KEY, agent_engine="off")


def buyer_token(store_id: int, visitor_id: str | None = None, ttl_s: int = 3600, key: str = SECRET_KEY) -> str:
    claims = security.BuyerClaims(store_id, visitor_id or "v_" + secrets.token_hex(6), None, int(time.time()) + ttl_s)
    return security.sign_buyer_token(key.encode(), claims)


async def make_credentials(state: AppState) -> Credentials:
    """A fresh store with one agent session and two buyers, in `state`'s database."""
    store = await make_store(state)
    async with state.sessions() as session, session.begin():
        agent = await agents.create_agent(
            session, store.id, email=f"a{secrets.token_hex(4)}@example.com", name="Ana", role="agent", password="x" * 12
        )
        token, _ = await agents.start_session(session, agent, hours=1)
    return Credentials(store.id, token, buyer_token(store.id), buyer_token(store.id))

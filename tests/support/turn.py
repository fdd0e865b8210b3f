"""A real coturn (Debian's `turnserver`) on a loopback port for call tests and the benchmark.

Started with `use-auth-secret` and a static secret, so clients authenticate with
credentials minted per call by `seabridge.calls.ice`; loopback peers are
allowed (everything in the tests runs on 127.0.0.1). Ready once coturn logs its
database connection, the last step of its start-up.
"""

from __future__ import annotations

import secrets
import subprocess
import threading
from pathlib import Path

from tests.support.server import free_port

TURNSERVER = "/usr/bin/turnserver"


class TurnServer:
    def __init__(self, workdir: Path, secret: str | None = None) -> None:
        self.workdir = workdir
        self.secret = secret or secrets.token_hex(16)
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def start(self, timeout: float = 20.0) -> None:
        relay_low = 20000 + (self.port % 20000)
        args = [
            TURNSERVER,
            "-n",
            "--listening-ip", "127.0.0.1",
            "--listening-port", str(self.port),
            "--relay-ip", "127.0.0.1",
            "--min-port", str(relay_low),
            "--max-port", str(relay_low + 200),
            "--use-auth-secret",
            "--static-auth-secret", self.secret,
            "--realm", "seabridge",
            "--no-tls",
            "--no-dtls",
            "--no-tcp-relay",
            "--allow-loopback-peers",
            "--no-cli",
            "--simple-log",
            "--log-file", "stdout",
            "--pidfile", str(self.workdir / "turnserver.pid"),
            "--userdb", str(self.workdir / "turndb"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise AssertionError("coturn did not start:\n" + "".join(self.output))

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            if "DB connection success" in line:
                self._ready.set()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

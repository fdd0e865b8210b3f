"""The `seabridge` command as a newcomer meets it: help that teaches, demo and serve that come up."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from seabridge.cli.main import app
from seabridge.db.migrate import head_revision

COMMANDS = [
    [],
    ["serve"],
    ["demo"],
    ["migrate"],
    ["store"],
    ["store", "import"],
    ["store", "list"],
    ["store", "create-key"],
    ["store", "secrets"],
    ["agent"],
    ["agent", "create"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "seabridge")
def test_every_help_teaches(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage:" in text
    # A description beyond the usage line, and every option explained.
    body = text.split("Usage:", 1)[1]
    assert len(re.sub(r"\s+", " ", body)) > 150
    if command and command[-1] in {"import", "create", "serve"}:
        assert "Example" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    args: list[str], data_dir: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "SEABRIDGE_DATA_DIR": str(data_dir), "COLUMNS": "200", **(extra_env or {})}
    env.pop("SEABRIDGE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "seabridge", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # blocks until the server announces itself (or dies)
        lines.append(line)
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if match and ("is up" in line or "listening" in line):
            return proc, match.group(1)
    proc.wait(timeout=10)
    proc.stdout.close()
    raise AssertionError("server exited before announcing its URL:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    assert proc.stdout is not None
    proc.stdout.read()
    proc.stdout.close()
    proc.wait(timeout=20)


def test_demo_comes_up_with_a_full_store(tmp_path: Path) -> None:
    port = _free_port()
    proc, url = _start(["demo", "--port", str(port)], tmp_path / "demo")
    try:
        assert url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
        home = httpx.get(f"{url}/")
        assert home.status_code == 200 and "demo" in home.text
        login = httpx.post(
            f"{url}/v1/auth/login",
            json={"store": "demo", "email": "demo@seabridge.example", "password": "seabridge-demo"},
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        products = httpx.get(f"{url}/v1/products", params={"limit": 200}, headers=auth).json()
        assert len(products["items"]) >= 150
        late = httpx.get(f"{url}/v1/shipments", params={"late": "true"}, headers=auth).json()
        assert late["items"] and all(s["late"] for s in late["items"])
        image = products["items"][0]["images"][0]
        assert httpx.get(f"{url}{image}").status_code == 200
    finally:
        stop(proc)


def test_serve_comes_up_empty_and_migrate_reports_head(tmp_path: Path) -> None:
    env = {**os.environ, "SEABRIDGE_DATA_DIR": str(tmp_path / "data")}
    env.pop("SEABRIDGE_DATABASE_URL", None)
    migrated = subprocess.run(
        [sys.executable, "-m", "seabridge", "migrate"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert migrated.returncode == 0 and f"revision {head_revision()} (head {head_revision()})" in migrated.stdout
    port = _free_port()
    proc, url = _start(["serve", "--port", str(port)], tmp_path / "data")
    try:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        assert "No store yet" in httpx.get(f"{url}/").text
        metrics = httpx.get(f"{url}/metrics").text
        assert 'seabridge_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in metrics
    finally:
        stop(proc)


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "SEABRIDGE_DATA_DIR": str(tmp_path / "data")}
        env.pop("SEABRIDGE_DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "seabridge", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"could not listen on 127.0.0.1:{port}" in result.stderr + result.stdout


def test_help_does_not_load_the_app() -> None:
    """`seabridge --help` and every command's help answer at once: the web app, the database layer and
    the agent load only when a command runs (they took seconds to import)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from seabridge.cli.main import app\n"
        "for args in ([], ['store'], ['agent'], ['eval'], ['eval', 'agent'], ['serve']):\n"
        "    result = CliRunner().invoke(app, [*args, '--help'])\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "heavy = ('seabridge.app', 'seabridge.state', 'seabridge.agent.engine', 'sqlalchemy', 'fastapi')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"

"""`seabridge store import` end to end, as a seller runs it: good folders, re-imports, every kind of bad file."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.snapshot import snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "shop_export"


def run_cli(args: list[str], database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SEABRIDGE_DATABASE_URL": database_url,
        "SEABRIDGE_DATA_DIR": str(data_dir),
        "SEABRIDGE_SECRET_KEY": "cli-test-key",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "seabridge", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    # A unique store name per test keeps tests apart in the shared database.
    toml = folder / "store.toml"
    toml.write_text(toml.read_text().replace("Lumen Outfitters", f"Lumen Outfitters {tmp_path.name}"))
    return folder


def test_import_then_reimport_is_idempotent(shop: Path, database_url: str, tmp_path: Path) -> None:
    first = run_cli(["store", "import", str(shop)], database_url, tmp_path / "data")
    assert first.returncode == 0, first.stderr
    assert "3 products" in first.stdout and "2 tracking" in first.stdout
    assert "API key" in first.stdout and "sbk_" in first.stdout
    before = snapshot(database_url)
    second = run_cli(["store", "import", str(shop)], database_url, tmp_path / "data")
    assert second.returncode == 0, second.stderr
    assert "API key" not in second.stdout
    after = snapshot(database_url)
    for table in (
        "products",
        "variants",
        "product_attributes",
        "customers",
        "orders",
        "order_lines",
        "shipments",
        "checkpoints",
        "api_keys",
    ):
        assert len(after[table]) == len(before[table]), table
        # Rows are updated in place, so ids held elsewhere stay valid.
        assert [row[0] for row in after[table]] == [row[0] for row in before[table]], table


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture no longer contains {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return corrupt


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        import csv
        import io

        path = folder / name
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        index = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out).writerows([r[:index] + r[index + 1 :] for r in rows])
        path.write_text(out.getvalue(), encoding="utf-8")

    return corrupt


def _latin1(folder: Path) -> None:
    path = folder / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


def _garbage(folder: Path) -> None:
    rng = random.Random(42)
    with (folder / "products.csv").open("wb") as f:
        for _ in range(50):
            f.write(rng.randbytes(1024 * 1024))


BAD_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing column": (_drop_column("products.csv", "Variant Price"), "Variant Price"),
    "bad number": (_replace("products.csv", "14.50,,TRUE", '"14,50",,TRUE'), "Variant Price"),
    "bad date": (_replace("orders.csv", "2026-10-20 18:01:00 +0800", "31/02/2026 6pm"), "Created at"),
    "non-UTF-8 bytes": (_latin1, "UTF-8"),
    "50 MB of garbage": (_garbage, "products.csv"),
    "CSV injection": (
        _replace("products.csv", "Silk Lip Tint,", '"=HYPERLINK(""http://evil.example"",""x"")",'),
        "formula",
    ),
    "broken quoting": (
        _replace("orders.csv", "Lucía Fernández,Madrid,ES,Lucía", '"Lucía Fernández,Madrid,ES,Lucía'),
        "orders.csv",
    ),
    "bad tracking line": (_replace("tracking.jsonl", '"tag":"Exception"', '"tag":"Teleported"'), "tracking.jsonl"),
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[Path, Path]]:
    """`imported(database_url)`: the fixture shop as imported by the CLI, once per backend for the module.

    Returns the imported folder (not to be changed) and the data directory. A bad import is refused
    whole, so the stores stay as imported; a test whose bad import changed them fails its own snapshot."""
    done: dict[str, tuple[Path, Path]] = {}

    def get(database_url: str) -> tuple[Path, Path]:
        if database_url not in done:
            root = tmp_path_factory.mktemp("imported")
            folder = root / "shop"
            shutil.copytree(FIXTURE, folder)
            toml = folder / "store.toml"
            toml.write_text(toml.read_text().replace("Lumen Outfitters", f"Lumen Outfitters {root.name}"))
            good = run_cli(["store", "import", str(folder)], database_url, root / "data")
            assert good.returncode == 0, good.stderr
            done[database_url] = folder, root / "data"
        return done[database_url]

    return get


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_changes_nothing_and_reports_rows(
    kind: str, imported: Callable[[str], tuple[Path, Path]], database_url: str, tmp_path: Path
) -> None:
    good, data_dir = imported(database_url)
    shop = tmp_path / "shop"
    shutil.copytree(good, shop)  # the same store, by name, as the one in the database
    before = snapshot(database_url)

    corrupt, expected = BAD_FILES[kind]
    corrupt(shop)
    report = tmp_path / "errors.csv"
    bad = run_cli(["store", "import", str(shop), "--report", str(report)], database_url, data_dir)

    assert bad.returncode == 1, bad.stdout
    assert "nothing was changed" in bad.stderr
    text = report.read_text(encoding="utf-8")
    assert expected in text
    lines = text.splitlines()
    assert lines[0] == "file,row,column,reason"
    assert 2 <= len(lines) <= 1002  # a short report even for 50 MB of garbage
    assert snapshot(database_url) == before


def test_row_numbers_point_at_the_bad_rows(shop: Path, database_url: str, tmp_path: Path) -> None:
    _replace("products.csv", "14.50,,TRUE", "abc,,TRUE")(shop)
    _replace("orders.csv", "2026-10-20 18:01:00 +0800", "yesterday")(shop)
    report = tmp_path / "errors.csv"
    bad = run_cli(["store", "import", str(shop), "--report", str(report)], database_url, tmp_path / "data")
    assert bad.returncode == 1
    rows = report.read_text(encoding="utf-8").splitlines()[1:]
    assert "products.csv,6,Variant Price," in "\n".join(rows)
    assert "orders.csv,3,Created at," in "\n".join(rows)


def test_missing_folder_and_empty_folder(database_url: str, tmp_path: Path) -> None:
    missing = run_cli(["store", "import", str(tmp_path / "nope")], database_url, tmp_path / "data")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = run_cli(["store", "import", str(tmp_path / "empty")], database_url, tmp_path / "data")
    assert empty.returncode == 1 and "no store files found" in empty.stderr

"""Store import benchmark: Seabridge's importer against raw CSV-to-SQL on the demo store.

    .venv/bin/python bench/import_store.py [--json] [--backend sqlite|postgresql] [--repeat N]

The demo store folder is generated into a temporary directory (fixed `now` and
seed, so every run imports the same bytes). Each repetition then measures:

* Seabridge: `importer.parse_files` alone, a first `importer.import_files` into
  a fresh, migrated database (creates the store) and a second one of the same
  files (the upsert path);
* the baseline: the same rows read with `csv`/`json` only and written with plain
  `executemany` INSERTs into seven simple tables, in one transaction, on a
  fresh database through the driver directly (sqlite3; psycopg for PostgreSQL).

Rows are input data rows: product variant rows + customer rows + order line
rows + tracking lines. With `--repeat N` every figure is the median of N runs.
The ratio is Seabridge's first-import rows/s over the baseline's rows/s.
Temporary files and databases are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import json
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from seabridge.demo.generator import generate_store
from seabridge.services import importer
from seabridge.settings import Settings
from seabridge.state import AppState

Backend = Literal["sqlite", "postgresql"]

DEMO_NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
DEMO_SEED = 7
PG_SERVER = os.environ.get("SEABRIDGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
MAX_BYTES = 64 * 1024 * 1024

# One schema for both backends: ids are assigned by the benchmark, so no sequences.
BASELINE_SCHEMA = (
    """CREATE TABLE products (
        id INTEGER PRIMARY KEY, handle TEXT NOT NULL, title TEXT, body_html TEXT,
        vendor TEXT, product_type TEXT, tags TEXT, status TEXT)""",
    """CREATE TABLE variants (
        id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),
        sku TEXT, option1 TEXT, option2 TEXT, option3 TEXT, price NUMERIC, inventory_qty INTEGER)""",
    """CREATE TABLE customers (
        id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT, phone TEXT,
        country TEXT, city TEXT, language TEXT, timezone TEXT, tags TEXT)""",
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, financial_status TEXT,
        fulfillment_status TEXT, currency TEXT, total NUMERIC, created_at TEXT, shipping_country TEXT)""",
    """CREATE TABLE order_lines (
        id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
        name TEXT, sku TEXT, quantity INTEGER, price NUMERIC)""",
    """CREATE TABLE shipments (
        id INTEGER PRIMARY KEY, tracking_number TEXT NOT NULL, carrier TEXT, tag TEXT,
        subtag TEXT, order_name TEXT, expected_delivery TEXT)""",
    """CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY, shipment_id INTEGER NOT NULL REFERENCES shipments(id),
        time TEXT, message TEXT, location TEXT, tag TEXT)""",
)
INSERTS: dict[str, str] = {
    "products": "INSERT INTO products VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
    "variants": "INSERT INTO variants VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
    "customers": "INSERT INTO customers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
    "orders": "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
    "order_lines": "INSERT INTO order_lines VALUES (%s, %s, %s, %s, %s, %s)",
    "shipments": "INSERT INTO shipments VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "checkpoints": "INSERT INTO checkpoints VALUES (%s, %s, %s, %s, %s, %s)",
}


@dataclass(frozen=True, slots=True)
class SeabridgeRun:
    parse_s: float
    first_import_s: float
    reimport_s: float


@dataclass(frozen=True, slots=True)
class BaselineRows:
    tables: dict[str, list[tuple[Any, ...]]]
    input_rows: int


# --- input -------------------------------------------------------------------


def demo_files(folder: Path) -> dict[str, bytes]:
    generate_store(folder, now=DEMO_NOW, seed=DEMO_SEED)
    return importer.read_folder(folder, MAX_BYTES)


def input_rows(files: Mapping[str, bytes]) -> int:
    """Variant rows + customer rows + order line rows + tracking lines, as Seabridge parses them."""
    parsed = importer.parse_files(files)
    return (
        sum(len(p.variants) for p in parsed.products)
        + len(parsed.customers)
        + sum(len(o.lines) for o in parsed.orders)
        + len(parsed.tracking)
    )


# --- Seabridge ---------------------------------------------------------------


@contextmanager
def fresh_database(backend: Backend, folder: Path, purpose: str, pg_server: str) -> Iterator[str]:
    """A plain driver URL (a SQLite file path or a PostgreSQL URL) to an empty database, removed afterwards."""
    if backend == "sqlite":
        path = folder / f"{purpose}-{uuid.uuid4().hex[:8]}.db"
        try:
            yield str(path)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"seabridge_bench_{purpose}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{pg_server}/{name}"
    finally:
        with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seabridge_url(backend: Backend, database: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{database}"
    return database.replace("postgresql://", "postgresql+asyncpg://", 1)


async def run_seabridge(files: Mapping[str, bytes], backend: Backend, database: str, data_dir: Path) -> SeabridgeRun:
    settings = Settings(
        data_dir=data_dir, database_url=seabridge_url(backend, database), secret_key=secrets.token_hex(16)
    )
    state = await AppState.open(settings)  # migrations: not timed
    try:
        gc.collect()
        start = time.perf_counter()
        importer.parse_files(files)
        parse_s = time.perf_counter() - start

        gc.collect()
        start = time.perf_counter()
        first = await importer.import_files(state.sessions, files)
        first_import_s = time.perf_counter() - start
        if not first.created:
            raise RuntimeError("the first import did not create a new store")

        gc.collect()
        start = time.perf_counter()
        again = await importer.import_files(state.sessions, files)
        reimport_s = time.perf_counter() - start
        if again.created or again.store_id != first.store_id:
            raise RuntimeError("the re-import did not update the store it created")
    finally:
        await state.close()
    return SeabridgeRun(parse_s, first_import_s, reimport_s)


# --- baseline: csv/json + executemany ----------------------------------------


def _csv_rows(data: bytes) -> Iterator[dict[str, str]]:
    return csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))


def _amount(value: str) -> str | None:
    return value or None


def baseline_rows(files: Mapping[str, bytes]) -> BaselineRows:
    """Read every input row with csv/json only; assign ids; no validation."""
    tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in INSERTS}
    count = 0

    product_ids: dict[str, int] = {}
    for row in _csv_rows(files["products.csv"]):
        handle = row["Handle"]
        if handle not in product_ids:
            product_ids[handle] = len(product_ids) + 1
            tables["products"].append(
                (
                    product_ids[handle],
                    handle,
                    row["Title"],
                    row["Body (HTML)"],
                    row["Vendor"],
                    row["Type"],
                    row["Tags"],
                    row["Status"],
                )
            )
        options = (row["Option1 Value"], row["Option2 Value"], row["Option3 Value"])
        if not (row["Variant SKU"] or row["Variant Price"] or any(options)):
            continue  # an image-only row
        count += 1
        qty = row["Variant Inventory Qty"]
        tables["variants"].append(
            (
                len(tables["variants"]) + 1,
                product_ids[handle],
                row["Variant SKU"],
                *options,
                _amount(row["Variant Price"]),
                int(qty) if qty else None,
            )
        )

    for row in _csv_rows(files["customers.csv"]):
        count += 1
        tables["customers"].append(
            (
                len(tables["customers"]) + 1,
                row["Email"],
                row["First Name"],
                row["Last Name"],
                row["Phone"],
                row["Default Address Country Code"],
                row["Default Address City"],
                row["Language"],
                row["Time Zone"],
                row["Tags"],
            )
        )

    order_ids: dict[str, int] = {}
    for row in _csv_rows(files["orders.csv"]):
        name = row["Name"]
        if name not in order_ids:
            order_ids[name] = len(order_ids) + 1
            tables["orders"].append(
                (
                    order_ids[name],
                    name,
                    row["Email"],
                    row["Financial Status"],
                    row["Fulfillment Status"],
                    row["Currency"],
                    _amount(row["Total"]),
                    row["Created at"],
                    row["Shipping Country"],
                )
            )
        count += 1
        qty = row["Lineitem quantity"]
        tables["order_lines"].append(
            (
                len(tables["order_lines"]) + 1,
                order_ids[name],
                row["Lineitem name"],
                row["Lineitem sku"],
                int(qty) if qty else None,
                _amount(row["Lineitem price"]),
            )
        )

    for line in files["tracking.jsonl"].decode("utf-8").splitlines():
        if not line.strip():
            continue
        count += 1
        msg = json.loads(line)["msg"]
        shipment_id = len(tables["shipments"]) + 1
        tables["shipments"].append(
            (
                shipment_id,
                msg["tracking_number"],
                msg.get("slug"),
                msg.get("tag"),
                msg.get("subtag"),
                msg.get("order_number") or msg.get("title"),
                msg.get("expected_delivery"),
            )
        )
        for cp in msg.get("checkpoints") or ():
            tables["checkpoints"].append(
                (
                    len(tables["checkpoints"]) + 1,
                    shipment_id,
                    cp.get("checkpoint_time"),
                    cp.get("message"),
                    cp.get("location"),
                    cp.get("tag"),
                )
            )
    return BaselineRows(tables, count)


def _sqlite_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    # The pragmas Seabridge's engine sets on every SQLite connection.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def run_baseline(files: Mapping[str, bytes], backend: Backend, database: str) -> tuple[float, int]:
    """Seconds to read all rows and insert them in one transaction; and the input row count."""
    if backend == "sqlite":
        conn = _sqlite_connect(database)
        try:
            for ddl in BASELINE_SCHEMA:
                conn.execute(ddl)
            gc.collect()
            start = time.perf_counter()
            rows = baseline_rows(files)
            conn.execute("BEGIN")
            for table, insert in INSERTS.items():
                conn.executemany(insert.replace("%s", "?"), rows.tables[table])
            conn.execute("COMMIT")
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        return elapsed, rows.input_rows
    with psycopg.connect(database) as pg:
        with pg.transaction():
            for ddl in BASELINE_SCHEMA:
                pg.execute(ddl.encode())
        gc.collect()
        start = time.perf_counter()
        rows = baseline_rows(files)
        with pg.transaction(), pg.cursor() as cur:
            for table, insert in INSERTS.items():
                cur.executemany(insert.encode(), rows.tables[table])
        elapsed = time.perf_counter() - start
    return elapsed, rows.input_rows


# --- driver ------------------------------------------------------------------


def measure(backend: Backend, repeat: int, pg_server: str) -> dict[str, Any]:
    runs: list[SeabridgeRun] = []
    baseline_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="seabridge-bench-") as tmp:
        folder = Path(tmp)
        files = demo_files(folder / "store")
        rows = input_rows(files)
        for i in range(repeat):
            with fresh_database(backend, folder, "seabridge", pg_server) as database:
                runs.append(asyncio.run(run_seabridge(files, backend, database, folder / f"data-{i}")))
            with fresh_database(backend, folder, "baseline", pg_server) as database:
                seconds, baseline_count = run_baseline(files, backend, database)
            if baseline_count != rows:
                raise RuntimeError(f"the baseline read {baseline_count} rows, Seabridge {rows}")
            baseline_s.append(seconds)

    def median(values: Sequence[float]) -> float:
        return statistics.median(values)

    first_import_s = median([r.first_import_s for r in runs])
    import_s = median(baseline_s)
    first_rate = rows / first_import_s
    baseline_rate = rows / import_s
    return {
        "backend": backend,
        "rows": rows,
        "seabridge": {
            "parse_s": round(median([r.parse_s for r in runs]), 4),
            "first_import_s": round(first_import_s, 4),
            "reimport_s": round(median([r.reimport_s for r in runs]), 4),
            "first_import_rows_per_s": round(first_rate, 1),
        },
        "baseline": {"import_s": round(import_s, 4), "rows_per_s": round(baseline_rate, 1)},
        "ratio": round(first_rate / baseline_rate, 4),
    }


def print_table(result: dict[str, Any], repeat: int) -> None:
    rows: int = result["rows"]
    sb: dict[str, float] = result["seabridge"]
    base: dict[str, float] = result["baseline"]
    table = Table(
        title=f"Store import: demo store, {rows} rows",
        caption=f"{result['backend']}, median of {repeat} run(s)",
    )
    table.add_column("measure")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    for label, seconds in (
        ("Seabridge parse", sb["parse_s"]),
        ("Seabridge first import", sb["first_import_s"]),
        ("Seabridge re-import", sb["reimport_s"]),
        ("baseline csv/json + executemany", base["import_s"]),
    ):
        table.add_row(label, f"{seconds:.3f}", f"{rows / seconds:,.0f}")
    console = Console()
    console.print(table)
    console.print(f"ratio (Seabridge first import / baseline, rows/s): [bold]{result['ratio']:.3f}[/]")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs; figures are medians (default 3)")
    parser.add_argument("--pg-server", default=PG_SERVER, help="PostgreSQL server URL without a database name")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    backend: Backend = args.backend
    result = measure(backend, args.repeat, args.pg_server.rstrip("/"))
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

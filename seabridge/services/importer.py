"""Importing a store folder: every file parsed first, then one all-or-nothing transaction.

A store folder holds `store.toml`, `products.csv` (Shopify product export),
`customers.csv` (Shopify customer export), `orders.csv` (Shopify order export)
and `tracking.jsonl` (AfterShip-style tracking updates). Any subset may be
given; a new store needs `store.toml`. If any file has any bad row, nothing is
written and every bad row is reported.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge.formats import (
    parse_customers,
    parse_orders,
    parse_products,
    parse_store_toml,
    parse_tracking_jsonl,
)
from seabridge.formats.csvutil import ErrorCollector, show
from seabridge.formats.records import (
    CustomerRecord,
    FormatError,
    OrderRecord,
    ProductRecord,
    RowError,
    StoreConfig,
    TrackingRecord,
)
from seabridge.storage import catalog, customers, orders, shipments, stores

log = logging.getLogger(__name__)

STORE_FILES = ("store.toml", "products.csv", "customers.csv", "orders.csv", "tracking.jsonl")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ImportFailed(Exception):
    """The import changed nothing; `errors` says where and why."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"import failed with {len(errors)} error(s)")


@dataclass(slots=True)
class ParsedStore:
    config: StoreConfig | None = None
    products: list[ProductRecord] = field(default_factory=list)
    customers: list[CustomerRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)
    tracking: list[TrackingRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportResult:
    store_id: int
    slug: str
    created: bool
    counts: dict[str, int]
    api_key: str | None  # only when the import created the store; shown once


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64] or "store"


def read_folder(path: Path, max_bytes: int) -> dict[str, bytes]:
    """The store files present in `path`. Oversized files are refused before reading."""
    if not path.is_dir():
        raise ImportFailed([RowError(str(path), 0, None, "not a folder")])
    files: dict[str, bytes] = {}
    errors: list[RowError] = []
    for name in STORE_FILES:
        file = path / name
        if not file.exists():
            continue
        size = file.stat().st_size
        if size > max_bytes:
            errors.append(RowError(name, 0, None, f"file is {size} bytes; the limit is {max_bytes}"))
            continue
        files[name] = file.read_bytes()
    if errors:
        raise ImportFailed(errors)
    if not files:
        raise ImportFailed(
            [
                RowError(
                    str(path),
                    0,
                    None,
                    f"no store files found (expected any of {', '.join(STORE_FILES)})",
                )
            ]
        )
    return files


def parse_files(files: Mapping[str, bytes]) -> ParsedStore:
    """Parse everything; raise ImportFailed with the bad rows of every file."""
    unknown = sorted(set(files) - set(STORE_FILES))
    errors = [RowError(name, 0, None, f"unknown file; expected one of {', '.join(STORE_FILES)}") for name in unknown]
    parsed = ParsedStore()
    try:
        if "store.toml" in files:
            parsed.config = parse_store_toml(files["store.toml"])
    except FormatError as exc:
        errors += exc.errors
    for name, attr, parse in (
        ("products.csv", "products", parse_products),
        ("customers.csv", "customers", parse_customers),
        ("orders.csv", "orders", parse_orders),
        ("tracking.jsonl", "tracking", parse_tracking_jsonl),
    ):
        if name not in files:
            continue
        try:
            setattr(parsed, attr, parse(files[name]))
        except FormatError as exc:
            errors += exc.errors
    if errors:
        raise ImportFailed(errors)
    return parsed


async def import_files(
    sessions: async_sessionmaker[AsyncSession],
    files: Mapping[str, bytes],
    *,
    slug: str | None = None,
    store_id: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    parsed = parse_files(files)
    report = progress or (lambda stage, done, total: None)
    try:
        async with sessions() as session, session.begin():
            return await _write(session, parsed, slug=slug, store_id=store_id, report=report)
    except StatementError as exc:
        # The parsers should refuse everything the database would; this is the safety
        # net for what they miss: the transaction was rolled back, so nothing changed,
        # and the seller gets a report instead of a server error.
        reason = database_reason(exc)
        log.warning(
            "import refused by the database",
            extra={"reason": reason, "error_type": type(exc).__name__, "store_id": store_id, "slug": slug},
        )
        raise ImportFailed([RowError("(database)", 0, None, f"the database refused the import: {reason}")]) from exc


_SQLITE_CONSTRAINT = re.compile(r"(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(: [\w.]+(, [\w.]+)*)?")


def database_reason(exc: StatementError) -> str:
    """What the database objected to, without any of the values (they may be personal data).

    PostgreSQL names the constraint; SQLite's constraint messages name only columns;
    anything else is described by its error class and SQLSTATE, never its message.
    """
    orig = exc.orig
    cause = orig.__cause__ if orig is not None else None
    for source in (cause, orig):
        constraint = getattr(source, "constraint_name", None)
        if isinstance(constraint, str) and constraint:
            return f"constraint {constraint}"
    if orig is not None:
        match = _SQLITE_CONSTRAINT.match(str(orig))
        if match is not None:
            return match.group(0)
    source = cause or orig or exc
    sqlstate = getattr(source, "sqlstate", None) or getattr(orig, "sqlstate", None)
    name = type(source).__name__
    return f"{name} (SQLSTATE {sqlstate})" if isinstance(sqlstate, str) and sqlstate else name


async def _write(
    session: AsyncSession,
    parsed: ParsedStore,
    *,
    slug: str | None,
    store_id: int | None,
    report: Progress,
) -> ImportResult:
    created = False
    api_key: str | None = None
    store = await stores.get_by_id(session, store_id) if store_id is not None else None
    if store is None and store_id is None:
        if slug is None and parsed.config is not None:
            slug = slugify(parsed.config.name)
        store = await stores.get_by_slug(session, slug) if slug else None
    if store is None:
        if store_id is not None or parsed.config is None or slug is None:
            raise ImportFailed([RowError("store.toml", 0, None, "store not found; a new store needs store.toml")])
        store = await stores.create_store(session, slug, parsed.config)
        _, api_key = await stores.create_api_key(session, store.id, "import")
        created = True
    elif parsed.config is not None:
        await stores.apply_config(session, store, parsed.config)
    counts: dict[str, int] = {}
    if parsed.config is not None:
        counts["store"] = 1
    if parsed.products:
        conflicts = await catalog.claim_skus(session, store.id, parsed.products)
        if conflicts:
            collector = ErrorCollector("products.csv")  # the same per-file cap as the parsers
            for c in conflicts:
                collector.add(c.row, "Variant SKU", f"SKU {c.sku} already belongs to product {show(c.owner_handle)}")
            try:
                collector.raise_if_any()
            except FormatError as exc:
                raise ImportFailed(exc.errors) from None
    await _stage("products", parsed.products, catalog.upsert_products, session, store.id, counts, report)
    await _stage("customers", parsed.customers, customers.upsert_customers, session, store.id, counts, report)
    await _stage("orders", parsed.orders, orders.upsert_orders, session, store.id, counts, report)
    await _stage("tracking", parsed.tracking, _apply_tracking, session, store.id, counts, report)
    return ImportResult(store.id, store.slug, created, counts, api_key)


R = TypeVar("R")


async def _stage(
    name: str,
    records: list[R],
    write: Callable[[AsyncSession, int, list[R]], Awaitable[object]],
    session: AsyncSession,
    store_id: int,
    counts: dict[str, int],
    report: Progress,
) -> None:
    if not records:
        return
    for i in range(0, len(records), 200):
        await write(session, store_id, records[i : i + 200])
        report(name, min(i + 200, len(records)), len(records))
    counts[name] = len(records)


async def _apply_tracking(session: AsyncSession, store_id: int, records: list[TrackingRecord]) -> int:
    ids = await orders.ids_by_name(session, store_id, [r.order_name for r in records if r.order_name])
    await shipments.apply_tracking_batch(session, store_id, records, ids)
    return len(records)

"""Inputs that pass a quick look but used to crash the database write: each is now a
row-level report (CLI exit 1, REST 422 `import_rejected`) and changes nothing, on both backends."""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.models import Customer, Product, Store, Variant
from seabridge.formats.csvutil import FORMULA
from seabridge.formats.records import CustomerRecord
from seabridge.services import importer
from seabridge.state import AppState
from seabridge.storage import customers as customer_storage
from tests.conftest import STORE_TOML, StoreHandle, make_store
from tests.support.snapshot import snapshot

PRODUCT_HEADER = ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price", "Variant Barcode"]
CUSTOMER_HEADER = ["Email", "First Name", "Last Name", "Phone", "Default Address City"]
ORDER_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Fulfillment Status",
    "Currency",
    "Total",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
]


def table(header: list[str], *rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def products(*rows: list[str]) -> bytes:
    """Rows of Handle, Title, Option1 Name, Option1 Value, SKU, Price[, Barcode]."""
    return table(PRODUCT_HEADER, *rows)


def order_row(name: str = "#1001", total: str = "10.00", sku: str = "") -> list[str]:
    return [name, "", "paid", "", "USD", total, "2026-10-02 09:14:10 +0800", "1", "Tee", "10.00", sku]


def tracking_line(**msg: Any) -> bytes:
    payload = {"msg": {"tracking_number": "LX1", "slug": "china-ems", "tag": "InTransit", **msg}}
    return (json.dumps(payload) + "\n").encode()


async def rejected(
    state: AppState, database_url: str, store: StoreHandle, files: dict[str, bytes]
) -> list[tuple[str, int, str | None, str]]:
    """Import `files` into `store`, expect a rejection, and prove nothing changed."""
    before = snapshot(database_url)
    with pytest.raises(importer.ImportFailed) as failed:
        await importer.import_files(state.sessions, files, store_id=store.id)
    assert snapshot(database_url) == before
    return [(e.file, e.row, e.column, e.reason) for e in failed.value.errors]


async def variants_of(state: AppState, store_id: int) -> dict[str, list[tuple[str | None, str]]]:
    """handle -> [(sku, variant title)] in position order."""
    async with state.sessions() as session:
        rows = await session.execute(
            select(Product.handle, Variant.sku, Variant.title)
            .join(Variant, Variant.product_id == Product.id)
            .where(Product.store_id == store_id)
            .order_by(Product.handle, Variant.position)
        )
        found: dict[str, list[tuple[str | None, str]]] = {}
        for handle, sku, title in rows:
            found.setdefault(handle, []).append((sku, title))
        return found


# --- 1. amounts are whole cents -------------------------------------------


@pytest.mark.parametrize(
    ("files", "file", "column"),
    [
        ({"products.csv": products(["tee", "Tee", "", "", "T1", "19.999"])}, "products.csv", "Variant Price"),
        ({"orders.csv": table(ORDER_HEADER, order_row(total="19.999"))}, "orders.csv", "Total"),
    ],
    ids=["product price", "order total"],
)
async def test_amount_with_more_than_two_decimals_is_a_row_error(
    state: AppState, database_url: str, files: dict[str, bytes], file: str, column: str
) -> None:
    store = await make_store(state)
    errors = await rejected(state, database_url, store, files)
    assert errors == [(file, 2, column, "'19.999' has more than two decimal places")]


async def test_amount_with_trailing_zeros_is_whole_cents(state: AppState) -> None:
    store = await make_store(state, {"products.csv": products(["tee", "Tee", "", "", "T1", "19.990"])})
    assert (await variants_of(state, store.id))["tee"] == [("T1", "Default")]


# --- 2. SKUs are unique per store -----------------------------------------


async def test_sku_of_another_product_is_a_row_error(state: AppState, database_url: str) -> None:
    store = await make_store(state, {"products.csv": products(["a-handle", "A", "", "", "X", "10"])})
    files = {"products.csv": products(["b-handle", "B", "", "", "Y", "10"], ["b-handle", "B", "", "", "X", "10"])}
    # The second row is a variant of a product without options: also refused, for its own reason.
    errors = await rejected(state, database_url, store, files)
    assert ("products.csv", 3, None, "another variant of this product has the same option values") in errors

    files = {"products.csv": products(["b-handle", "B", "Size", "S", "Y", "10"], ["b-handle", "", "", "M", "X", "10"])}
    errors = await rejected(state, database_url, store, files)
    assert errors == [("products.csv", 3, "Variant SKU", "SKU X already belongs to product 'a-handle'")]


async def test_sku_moved_between_products_of_one_import(state: AppState) -> None:
    store = await make_store(
        state,
        {"products.csv": products(["a-handle", "A", "Size", "S", "X", "10"], ["a-handle", "", "", "M", "AM", "10"])},
    )
    # B takes X; A still exists in the file, without X. B comes first and A is in another
    # chunk of the write (200 products per chunk), so X must be freed before B is written.
    fillers = [[f"filler-{i:03}", f"Filler {i}", "", "", f"F{i}", "1"] for i in range(250)]
    files = {
        "products.csv": products(
            ["b-handle", "B", "", "", "X", "12"],
            *fillers,
            ["a-handle", "A", "Size", "S", "AS", "10"],
            ["a-handle", "", "", "M", "AM", "10"],
        )
    }
    await importer.import_files(state.sessions, files, store_id=store.id)
    found = await variants_of(state, store.id)
    assert found["b-handle"] == [("X", "Default")]
    assert found["a-handle"] == [("AS", "S"), ("AM", "M")]
    # Importing the same file again changes nothing.
    await importer.import_files(state.sessions, files, store_id=store.id)
    assert await variants_of(state, store.id) == found


async def test_skus_and_options_move_between_variants_of_one_product(state: AppState) -> None:
    store = await make_store(
        state,
        {"products.csv": products(["tee", "Tee", "Size", "S", "X", "10"], ["tee", "", "", "M", "Y", "10"])},
    )
    # Swap the SKUs of S and M.
    swap = {"products.csv": products(["tee", "Tee", "Size", "S", "Y", "10"], ["tee", "", "", "M", "X", "10"])}
    await importer.import_files(state.sessions, swap, store_id=store.id)
    assert (await variants_of(state, store.id))["tee"] == [("Y", "S"), ("X", "M")]
    # One variant left: M with SKU Y; the old M variant (SKU X) is removed in the same write.
    single = {"products.csv": products(["tee", "Tee", "Size", "M", "Y", "10"])}
    await importer.import_files(state.sessions, single, store_id=store.id)
    assert (await variants_of(state, store.id))["tee"] == [("Y", "M")]


# --- 3. option values compare like Shopify's --------------------------------


@pytest.mark.parametrize(("first", "second"), [("S", "s"), ("Crème", "creme"), ("Extra Large", "extra  large")])
async def test_option_values_differing_in_case_or_accents_are_duplicates(
    state: AppState, database_url: str, first: str, second: str
) -> None:
    store = await make_store(state)
    files = {"products.csv": products(["tee", "Tee", "Size", first, "T1", "10"], ["tee", "", "", second, "T2", "10"])}
    errors = await rejected(state, database_url, store, files)
    assert errors == [("products.csv", 3, None, "same options as row 2 (case, accents and spacing are ignored)")]


# --- 4. text and its columns ------------------------------------------------


LONG = {
    "handle": (
        {"products.csv": products(["h" * 256, "Tee", "", "", "T1", "10"])},
        ("products.csv", 2, "Handle"),
    ),
    "sku": (
        {"products.csv": products(["tee", "Tee", "", "", "S" * 256, "10"])},
        ("products.csv", 2, "Variant SKU"),
    ),
    "option value": (
        {"products.csv": products(["tee", "Tee", "Size", "v" * 256, "T1", "10"])},
        ("products.csv", 2, "Option1 Value"),
    ),
    "barcode": (
        {"products.csv": products(["tee", "Tee", "", "", "T1", "10", "1" * 65])},
        ("products.csv", 2, "Variant Barcode"),
    ),
    "order name": ({"orders.csv": table(ORDER_HEADER, order_row(name="#" + "1" * 64))}, ("orders.csv", 2, "Name")),
    "line sku": ({"orders.csv": table(ORDER_HEADER, order_row(sku="S" * 256))}, ("orders.csv", 2, "Lineitem sku")),
    "phone": (
        {"customers.csv": table(CUSTOMER_HEADER, ["ana@example.com", "", "", "+1 555" + " " * 40 + "x12", ""])},
        ("customers.csv", 2, "Phone"),
    ),
    "tracking number": ({"tracking.jsonl": tracking_line(tracking_number="L" * 101)}, ("tracking.jsonl", 1, None)),
    "carrier": ({"tracking.jsonl": tracking_line(slug="c" * 101)}, ("tracking.jsonl", 1, "msg.slug")),
    "subtag": ({"tracking.jsonl": tracking_line(subtag="s" * 65)}, ("tracking.jsonl", 1, "msg.subtag")),
    "order number": (
        {"tracking.jsonl": tracking_line(order_number="#" + "1" * 64)},
        ("tracking.jsonl", 1, "msg.order_number"),
    ),
}


@pytest.mark.parametrize("kind", list(LONG))
async def test_identifier_longer_than_its_column_is_a_row_error(state: AppState, database_url: str, kind: str) -> None:
    files, (file, row, column) = LONG[kind]
    store = await make_store(state)
    errors = await rejected(state, database_url, store, files)
    if kind == "tracking number":
        column = "msg.tracking_number"
    assert [(f, r, c) for f, r, c, _ in errors] == [(file, row, column)]
    assert "characters" in errors[0][3]


async def test_long_free_text_is_stored_in_full_on_both_backends(state: AppState) -> None:
    title = "Tee " * 200
    name = "Ana" * 100
    city = "Llanfair" * 50
    files = {
        "products.csv": table(
            [*PRODUCT_HEADER, "Vendor", "Type", "Product Category"],
            ["tee", title, "Size", "S" * 255, "T1", "10", "", "V" * 300, "T" * 300, "C" * 300],
        ),
        "customers.csv": table(CUSTOMER_HEADER, ["ana@example.com", name, name, "", city]),
        "orders.csv": table(
            [*ORDER_HEADER, "Shipping Name", "Shipping City", "Shipping Method", "Payment Method"],
            [*order_row(), name, city, "M" * 300, "P" * 300],
        ),
        "tracking.jsonl": tracking_line(
            checkpoints=[{"checkpoint_time": "2026-10-02T09:00:00Z", "message": "Left", "location": "L" * 300}]
        ),
    }
    store = await make_store(state, files, name="Store " + "N" * 300)
    async with state.sessions() as session:
        product = await session.scalar(select(Product).where(Product.store_id == store.id))
        assert product is not None and product.title == title.strip() and product.vendor == "V" * 300
        customer = await session.scalar(select(Customer).where(Customer.store_id == store.id))
        assert customer is not None and customer.first_name == name and customer.city == city


# --- 5. the safety net ----------------------------------------------------


async def test_database_error_during_the_write_is_a_report_not_a_crash(
    state: AppState, database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    other = await make_store(state)
    store = await make_store(state)

    async def clash(session: AsyncSession, store_id: int, records: list[CustomerRecord]) -> int:
        # Something no parser foresaw: a write that breaks a unique key.
        await session.execute(update(Store).where(Store.id == store_id).values(slug=other.slug))
        return len(records)

    monkeypatch.setattr(customer_storage, "upsert_customers", clash)
    files = {"customers.csv": table(CUSTOMER_HEADER, ["ana@example.com", "Ana", "", "", ""])}
    with caplog.at_level(logging.WARNING, logger="seabridge.services.importer"):
        errors = await rejected(state, database_url, store, files)
    assert len(errors) == 1
    file, row, column, reason = errors[0]
    assert (file, row, column) == ("(database)", 0, None)
    assert reason.startswith("the database refused the import: ")
    assert "uq_stores_slug" in reason or "stores.slug" in reason
    assert other.slug not in reason
    records = [r for r in caplog.records if r.name == "seabridge.services.importer"]
    assert records and all(other.slug not in str(vars(r)) for r in records)
    assert all("ana@example.com" not in str(vars(r)) for r in records)


# --- 6. e-mails and the CSV injection guard ---------------------------------


@pytest.mark.parametrize(
    "files",
    [
        {"customers.csv": table(CUSTOMER_HEADER, ["=1+2@x.com", "", "", "", ""])},
        {"orders.csv": table(ORDER_HEADER, ["#1", "=1+2@x.com", *order_row()[2:]])},
    ],
    ids=["customers", "orders"],
)
async def test_formula_looking_email_is_a_row_error(
    state: AppState, database_url: str, files: dict[str, bytes]
) -> None:
    store = await make_store(state)
    errors = await rejected(state, database_url, store, files)
    assert errors == [(next(iter(files)), 2, "Email", FORMULA)]


# --- 7. the cell size limit -------------------------------------------------


async def test_cell_over_the_limit_is_named_as_such(state: AppState, database_url: str) -> None:
    store = await make_store(state)
    body = "x" * 140_000
    data = table([*PRODUCT_HEADER, "Body (HTML)"], ["tee", "Tee", "", "", "T1", "10", "", body])
    errors = await rejected(state, database_url, store, {"products.csv": data})
    assert len(errors) == 1
    assert errors[0][:3] == ("products.csv", 2, None)
    assert errors[0][3].startswith("a cell is longer than 131072 characters")


# --- other values the database cannot hold ----------------------------------


UNSTORABLE = {
    "huge whole number": (
        {
            "products.csv": table(
                [*PRODUCT_HEADER, "Variant Inventory Qty"], ["t", "T", "", "", "T1", "1", "", "9" * 12]
            )
        },
        ("products.csv", 2, "Variant Inventory Qty"),
    ),
    "huge amount": (
        {"products.csv": products(["t", "T", "", "", "T1", "9" * 18])},
        ("products.csv", 2, "Variant Price"),
    ),
    "time beyond the calendar in UTC": (
        {"orders.csv": table(ORDER_HEADER, [*order_row()[:6], "9999-12-31 23:00:00 -0500", *order_row()[7:]])},
        ("orders.csv", 2, "Created at"),
    ),
    "NUL in tracking JSON": (
        {"tracking.jsonl": tracking_line(tracking_number="LX\u00001")},
        ("tracking.jsonl", 1, "msg.tracking_number"),
    ),
    "lone surrogate in tracking JSON": (
        {"tracking.jsonl": b'{"msg":{"tracking_number":"LX1","slug":"ups","tag":"InTransit","subtag":"\\ud800"}}\n'},
        ("tracking.jsonl", 1, "msg.subtag"),
    ),
    "NUL in store.toml": (
        {"store.toml": STORE_TOML.format(name="Shop\\u0000").encode()},
        ("store.toml", 0, "name"),
    ),
}


@pytest.mark.parametrize("kind", list(UNSTORABLE))
async def test_values_the_database_cannot_hold_are_row_errors(state: AppState, database_url: str, kind: str) -> None:
    files, where = UNSTORABLE[kind]
    store = await make_store(state)
    errors = await rejected(state, database_url, store, files)
    assert where in [(f, r, c) for f, r, c, _ in errors]


# --- REST -------------------------------------------------------------------


@pytest.mark.parametrize("case", ["sku", "amount", "options"])
async def test_rest_import_answers_422_not_500(
    state: AppState, database_url: str, client: httpx.AsyncClient, case: str
) -> None:
    store = await make_store(state, {"products.csv": products(["a-handle", "A", "", "", "X", "10"])})
    data = {
        "sku": products(["b-handle", "B", "", "", "X", "10"]),
        "amount": products(["b-handle", "B", "", "", "Y", "10.001"]),
        "options": products(["b-handle", "B", "Size", "S", "Y", "10"], ["b-handle", "", "", "s", "Z", "10"]),
    }[case]
    before = snapshot(database_url)
    response = await client.post(
        "/v1/store/import", headers=store.auth, files=[("files", ("products.csv", data, "text/csv"))]
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert len(error["details"]) == 1 and error["details"][0]["file"] == "products.csv"
    after = snapshot(database_url)
    # Authenticating records the key's last use; nothing else may change.
    assert {k: v for k, v in after.items() if k != "api_keys"} == {k: v for k, v in before.items() if k != "api_keys"}

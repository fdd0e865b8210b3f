"""The demo store folder: files, formats and the coverage the demo promises.

Files are read back with the standard library only (csv, json, tomllib), not
with Seabridge's own parsers, so these tests pin the written format itself.
"""

from __future__ import annotations

import csv
import json
import pathlib
import re
import tomllib
import zoneinfo
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from seabridge.demo.generator import generate_store

NOW = datetime(2026, 11, 20, 9, 30, 15, tzinfo=UTC)
LANGUAGES = {"en", "es", "pt", "fr", "de", "it", "ru", "ar", "tr", "ja", "ko", "zh", "th", "vi", "id"}
CATEGORIES = {
    "Apparel",
    "Beauty",
    "3C Electronics",
    "Home & Furniture",
    "Jewelry",
    "Outdoor",
    "Industrial Parts",
}
PRODUCT_HEADER = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Variant Image",
    "Status",
    "Material (product.metafields.custom.material)",
    "Size chart (product.metafields.custom.size_chart)",
]
CUSTOMER_HEADER = [
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
    "Language",
    "Time Zone",
]
ORDER_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing City",
    "Billing Country",
    "Shipping Name",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Cancelled at",
    "Payment Method",
    "Refunded Amount",
    "Id",
    "Tags",
    "Phone",
]
SHOPIFY_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}")
EMAIL_DOMAINS = {"example.com", "example.org", "example.net", "mail.example"}
SIZE_CHART = "Size chart (product.metafields.custom.size_chart)"
STATES = (
    "in_transit",
    "customs_hold",
    "late",
    "out_for_delivery",
    "delivered",
    "failed_attempt",
    "exception",
    "returned",
)
TRACKING_SHAPES = {
    "yunexpress": r"YT\d{16}",
    "4px": r"4PX\d{13}CN",
    "cainiao": r"LP\d{14}",
    "china-ems": r"E[A-Z]\d{9}CN",
    "china-post": r"[A-Z]{2}\d{9}CN",
    "royal-mail": r"[A-Z]{2}\d{9}GB",
    "correos": r"[A-Z]{2}\d{9}ES",
    "ups": r"1Z[A-Z0-9]{6}\d{10}",
    "usps": r"9400\d{18}",
    "fedex": r"\d{12}",
    "dhl": r"\d{10}",
    "aramex": r"\d{11}",
}
POSTAL = {"china-ems", "china-post", "royal-mail", "correos"}


# --- reading the folder back ------------------------------------------------


def read_csv(path: pathlib.Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def grouped(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def read_tracking(store: pathlib.Path) -> list[dict[str, object]]:
    lines = (store / "tracking.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def msg(event: dict[str, object]) -> dict[str, object]:
    body = event["msg"]
    assert isinstance(body, dict)
    return body


def checkpoints(event: dict[str, object]) -> list[dict[str, str]]:
    points = msg(event)["checkpoints"]
    assert isinstance(points, list)
    return points


def state(event: dict[str, object], today: date) -> str:
    body = msg(event)
    tag, subtag = body["tag"], body["subtag"]
    if tag == "InTransit":
        expected = date.fromisoformat(str(body["expected_delivery"]))
        return "late" if expected < today else "in_transit"
    if tag == "Exception":
        return {"Exception_004": "customs_hold", "Exception_011": "returned"}.get(str(subtag), "exception")
    return {
        "OutForDelivery": "out_for_delivery",
        "Delivered": "delivered",
        "AttemptFail": "failed_attempt",
    }.get(str(tag), str(tag))


def shopify_time(value: str) -> datetime:
    assert SHOPIFY_TIME.fullmatch(value), value
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S %z")


def s10_valid(number: str) -> bool:
    digits = number[2:10]
    check = 11 - sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return int(number[10]) == {10: 0, 11: 5}.get(check, check)


def all_files(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return generate_store(tmp_path_factory.mktemp("demo") / "store", now=NOW)


@pytest.fixture(scope="module")
def products(store: pathlib.Path) -> dict[str, list[dict[str, str]]]:
    return grouped(read_csv(store / "products.csv")[1], "Handle")


@pytest.fixture(scope="module")
def orders(store: pathlib.Path) -> dict[str, list[dict[str, str]]]:
    return grouped(read_csv(store / "orders.csv")[1], "Name")


@pytest.fixture(scope="module")
def config(store: pathlib.Path) -> dict[str, object]:
    return tomllib.loads((store / "store.toml").read_text(encoding="utf-8"))


def variant_rows(products: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    return [row for rows in products.values() for row in rows if row["Variant SKU"]]


def first_rows(products: dict[str, list[dict[str, str]]], category: str) -> list[dict[str, str]]:
    return [rows[0] for rows in products.values() if rows[0]["Type"] == category]


# --- the folder and store.toml ----------------------------------------------


def test_writes_a_complete_store_folder(tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "new" / "folder"
    assert generate_store(dest, now=NOW) == dest
    for name in ("store.toml", "products.csv", "customers.csv", "orders.csv", "tracking.jsonl"):
        assert (dest / name).stat().st_size > 0, name
    assert any((dest / "images").glob("*.svg"))


def test_naive_now_is_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_store(tmp_path, now=datetime(2026, 11, 20, 9, 30))


def test_store_toml_settings(config: dict[str, object]) -> None:
    assert config["name"] == "Harbor & Pine Trading"
    assert config["default_language"] == "en"
    assert config["currency"] == "USD"
    assert config["timezone"] == "Asia/Shanghai"
    languages = config["languages"]
    assert isinstance(languages, list)
    assert set(languages) == LANGUAGES
    policies = config["policies"]
    assert isinstance(policies, dict)
    assert policies["return_window_days"] == 30
    assert policies["free_shipping_over"] == 79
    assert policies["payment_methods"] == ["card", "paypal", "bank_transfer"]
    hours = config["hours"]
    assert isinstance(hours, dict)
    assert [hours[day] for day in ("mon", "tue", "wed", "thu", "fri")] == ["09:00-18:00"] * 5
    assert hours["sat"] == "10:00-16:00"
    assert hours["sun"] == "closed"


def test_shipping_zones(config: dict[str, object]) -> None:
    zones = config["shipping"]
    assert isinstance(zones, list)
    assert len(zones) >= 8
    countries = [country for zone in zones for country in zone["countries"]]
    assert len(countries) == len(set(countries)), "a country is in two zones"
    assert "*" in countries
    for expected in ("US", "CA", "GB", "DE", "JP", "KR", "TH", "BR", "SA", "AU"):
        assert expected in countries
    for zone in zones:
        assert zone["name"]
        assert 0 < zone["days_min"] <= zone["days_max"]
        assert zone["cost"] > 0
        assert zone["carrier"]


# --- products.csv ------------------------------------------------------------


def test_product_header(store: pathlib.Path) -> None:
    header, _ = read_csv(store / "products.csv")
    assert header[: len(PRODUCT_HEADER)] == PRODUCT_HEADER
    extras = header[len(PRODUCT_HEADER) :]
    assert len(extras) >= 3
    for column in extras:
        assert re.fullmatch(r".+ \(product\.metafields\.custom\.\w+\)", column), column


def test_catalog_covers_every_category(products: dict[str, list[dict[str, str]]]) -> None:
    assert len(products) >= 150
    types = Counter(rows[0]["Type"] for rows in products.values())
    assert set(types) == CATEGORIES
    for category, count in types.items():
        assert count >= 15, category
    for handle, rows in products.items():
        first = rows[0]
        assert first["Title"], handle
        assert first["Body (HTML)"].startswith("<p>"), handle
        for column in ("Vendor", "Tags", "Product Category"):
            assert first[column], (handle, column)
        assert first["Status"] in ("active", "draft")
        assert first["Image Src"] == f"/demo/images/{handle}.svg"
        for later in rows[1:]:
            for column in ("Title", "Body (HTML)", "Vendor", "Type", "Tags", "Status"):
                assert later[column] == "", (handle, column)


def test_variants_have_unique_skus_and_sane_prices(products: dict[str, list[dict[str, str]]]) -> None:
    variants = variant_rows(products)
    skus = [row["Variant SKU"] for row in variants]
    assert len(skus) == len(set(skus))
    assert len(skus) > len(products)
    barcodes = [row["Variant Barcode"] for row in variants]
    assert len(barcodes) == len(set(barcodes))
    discounted = 0
    for row in variants:
        price = Decimal(row["Variant Price"])
        assert Decimal("1") < price < Decimal("500"), row["Variant SKU"]
        if row["Variant Compare At Price"]:
            assert Decimal(row["Variant Compare At Price"]) > price
            discounted += 1
        assert int(row["Variant Grams"]) > 0
        assert row["Variant Inventory Policy"] in ("deny", "continue")
    assert discounted >= 10
    stock = [int(row["Variant Inventory Qty"]) for row in variants]
    assert stock.count(0) >= 5
    assert sum(1 for qty in stock if qty > 20) > len(stock) // 2


def test_option_combinations_are_distinct(products: dict[str, list[dict[str, str]]]) -> None:
    for handle, rows in products.items():
        combos = [
            (row["Option1 Value"], row["Option2 Value"], row["Option3 Value"]) for row in rows if row["Variant SKU"]
        ]
        assert len(combos) == len(set(combos)), handle
        assert all(combo[0] for combo in combos), handle


def test_image_files_exist_and_differ(store: pathlib.Path, products: dict[str, list[dict[str, str]]]) -> None:
    tiles = set()
    for handle, rows in products.items():
        for row in rows:
            if not row["Image Src"]:
                continue
            assert row["Image Src"].startswith("/demo/images/")
            path = store / "images" / row["Image Src"].removeprefix("/demo/images/")
            root = ElementTree.fromstring(path.read_text(encoding="utf-8"))  # noqa: S314 (our own file)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            if row["Title"]:
                assert root.get("aria-label") == row["Title"]
                tiles.add(path.read_bytes())
            else:  # an image-only row: the second image
                assert not row["Variant SKU"], handle
                assert int(row["Image Position"]) >= 2, handle
    assert len(tiles) == len(products)


def test_apparel_sizes_colours_and_size_charts(products: dict[str, list[dict[str, str]]]) -> None:
    apparel = [rows for rows in products.values() if rows[0]["Type"] == "Apparel"]
    shoes = 0
    for rows in apparel:
        first = rows[0]
        assert (first["Option1 Name"], first["Option2 Name"]) == ("Size", "Color")
        sizes = list(dict.fromkeys(row["Option1 Value"] for row in rows if row["Variant SKU"]))
        colours = {row["Option2 Value"] for row in rows if row["Variant SKU"]}
        assert len(colours) >= 2
        chart = json.loads(first[SIZE_CHART])
        assert chart["unit"] == "cm"
        assert chart["fit"] in ("slim", "regular", "relaxed")
        assert list(chart["rows"]) == sizes, first["Handle"]
        for size, measures in chart["rows"].items():
            assert list(measures) == chart["columns"], (first["Handle"], size)
            for low, high in measures.values():
                assert 0 < low <= high
        if chart["columns"] == ["foot_length"]:
            shoes += 1
            assert all(35 <= int(size) <= 46 for size in sizes)
            lengths = [chart["rows"][size]["foot_length"][0] for size in sizes]
            assert lengths == sorted(lengths)
        else:
            assert set(sizes) <= {"XS", "S", "M", "L", "XL", "XXL"}
            assert sizes == [s for s in ("XS", "S", "M", "L", "XL", "XXL") if s in sizes]
    assert shoes >= 4


def test_beauty_has_named_shades(products: dict[str, list[dict[str, str]]]) -> None:
    beauty = [rows for rows in products.values() if rows[0]["Type"] == "Beauty"]
    shaded = [rows for rows in beauty if rows[0]["Option1 Name"] == "Shade"]
    assert len(shaded) >= 12
    for rows in shaded:
        shades = [row["Option1 Value"] for row in rows if row["Variant SKU"]]
        assert len(shades) >= 2
        assert all(re.search(r"[A-Za-z]{3}", shade) for shade in shades)


def test_electronics_state_compatibility_and_warranty(
    products: dict[str, list[dict[str, str]]],
) -> None:
    electronics = first_rows(products, "3C Electronics")
    assert len(electronics) >= 15
    for row in electronics:
        assert row["Warranty (product.metafields.custom.warranty)"], row["Handle"]
        assert row["Compatibility (product.metafields.custom.compatibility)"], row["Handle"]
        assert row["Material (product.metafields.custom.material)"], row["Handle"]


# --- customers.csv -----------------------------------------------------------


def test_customers_span_countries_languages_and_zones(store: pathlib.Path) -> None:
    header, customers = read_csv(store / "customers.csv")
    assert header == CUSTOMER_HEADER
    assert len(customers) >= 60
    assert len({row["Default Address Country Code"] for row in customers}) >= 12
    assert {row["Language"] for row in customers} == LANGUAGES
    zones = zoneinfo.available_timezones()
    emails = [row["Email"] for row in customers]
    assert len(emails) == len(set(emails))
    for row in customers:
        local, _, domain = row["Email"].partition("@")
        assert local, row["Email"]
        assert domain in EMAIL_DOMAINS, row["Email"]
        assert row["Time Zone"] in zones
        for column in ("First Name", "Last Name", "Default Address City", "Default Address Zip"):
            assert row[column] or row["Default Address Country Code"] == "AE", column
        assert re.fullmatch(r"\+\d{1,3}[0-9 \-]{6,16}", row["Phone"]), row["Phone"]
        if row["Default Address Country Code"] in ("US", "CA"):
            assert re.search(r"-555-01\d\d$", row["Phone"])
        if row["Default Address Country Code"] == "GB":
            assert row["Phone"].startswith("+44 7700 900")
    native = [row for row in customers if not row["First Name"].isascii()]
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u0600-\u06ff\u0400-\u04ff]",
                         row["First Name"]) for row in native)  # fmt: skip
    by_language = {row["Default Address Country Code"]: row["Language"] for row in customers}
    assert (by_language["JP"], by_language["BR"], by_language["SA"]) == ("ja", "pt", "ar")


def test_customer_totals_match_their_orders(store: pathlib.Path, orders: dict[str, list[dict[str, str]]]) -> None:
    _, customers = read_csv(store / "customers.csv")
    counts: Counter[str] = Counter()
    spent: defaultdict[str, Decimal] = defaultdict(Decimal)
    for rows in orders.values():
        first = rows[0]
        counts[first["Email"]] += 1
        if first["Financial Status"] in ("paid", "partially_refunded", "refunded"):
            spent[first["Email"]] += Decimal(first["Total"]) - Decimal(first["Refunded Amount"])
    for row in customers:
        assert int(row["Total Orders"]) == counts[row["Email"]], row["Email"]
        assert Decimal(row["Total Spent"]) == spent[row["Email"]], row["Email"]
    assert set(counts) <= {row["Email"] for row in customers}


# --- orders.csv ----------------------------------------------------------------


def test_order_header_and_numbering(store: pathlib.Path, orders: dict[str, list[dict[str, str]]]) -> None:
    header, _ = read_csv(store / "orders.csv")
    assert header == ORDER_HEADER
    assert len(orders) >= 200
    assert list(orders) == [f"#{number}" for number in range(1001, 1001 + len(orders))]
    ids = [int(rows[0]["Id"]) for rows in orders.values()]
    assert ids == sorted(set(ids))


def test_order_rows_and_dates(
    orders: dict[str, list[dict[str, str]]], products: dict[str, list[dict[str, str]]]
) -> None:
    prices = {row["Variant SKU"]: Decimal(row["Variant Price"]) for row in variant_rows(products)}
    line_columns = {column for column in ORDER_HEADER if column.startswith("Lineitem")}
    created = []
    for name, rows in orders.items():
        first = rows[0]
        when = shopify_time(first["Created at"])
        assert first["Created at"].endswith("+0800")
        assert NOW - timedelta(days=91) <= when <= NOW, name
        created.append(when)
        if first["Paid at"]:
            assert shopify_time(first["Paid at"]) >= when
        if first["Fulfilled at"]:
            fulfilled = shopify_time(first["Fulfilled at"])
            assert shopify_time(first["Paid at"]) <= fulfilled <= NOW
        assert first["Currency"] == "USD"
        for column in ("Email", "Shipping Country", "Payment Method", "Shipping Method"):
            assert first[column], (name, column)
        for row in rows:
            assert row["Lineitem sku"] in prices, (name, row["Lineitem sku"])
            assert Decimal(row["Lineitem price"]) == prices[row["Lineitem sku"]]
            assert int(row["Lineitem quantity"]) >= 1
        for later in rows[1:]:
            filled = {column for column, value in later.items() if value}
            assert filled <= line_columns | {"Name"}, (name, filled - line_columns)
    assert created == sorted(created)
    assert max(created) > NOW - timedelta(days=2)
    assert min(created) < NOW - timedelta(days=75)


def test_order_totals_add_up(orders: dict[str, list[dict[str, str]]], config: dict[str, object]) -> None:
    zones = config["shipping"]
    assert isinstance(zones, list)
    rates = {country: Decimal(str(zone["cost"])) for zone in zones for country in zone["countries"]}
    threshold = Decimal("79")
    free, paid_shipping, taxed = 0, 0, 0
    for name, rows in orders.items():
        first = rows[0]
        subtotal = sum(
            (Decimal(row["Lineitem price"]) * int(row["Lineitem quantity"]) for row in rows),
            Decimal(0),
        )
        assert Decimal(first["Subtotal"]) == subtotal, name
        shipping, taxes = Decimal(first["Shipping"]), Decimal(first["Taxes"])
        discount = Decimal(first["Discount Amount"])
        assert bool(first["Discount Code"]) == (discount > 0), name
        assert Decimal(first["Total"]) == subtotal + shipping + taxes - discount, name
        if subtotal - discount >= threshold:
            assert shipping == 0, name
            free += 1
        else:
            country = first["Shipping Country"]
            assert shipping == rates.get(country, rates["*"]), name
            paid_shipping += 1
        taxed += taxes > 0
    assert min(free, paid_shipping, taxed) >= 10, (free, paid_shipping, taxed)


def test_order_mix_of_buyers_and_statuses(orders: dict[str, list[dict[str, str]]]) -> None:
    per_buyer = Counter(rows[0]["Email"] for rows in orders.values())
    assert sum(1 for count in per_buyer.values() if count >= 2) >= 8
    assert sum(1 for count in per_buyer.values() if count >= 3) >= 4
    financial = Counter(rows[0]["Financial Status"] for rows in orders.values())
    fulfilment = Counter(rows[0]["Fulfillment Status"] for rows in orders.values())
    assert financial["paid"] >= 150
    assert financial["pending"] >= 3
    assert financial["refunded"] >= 3
    assert fulfilment["fulfilled"] >= 150
    assert fulfilment["partial"] >= 2
    cancelled = [rows[0] for rows in orders.values() if rows[0]["Cancelled at"]]
    assert len(cancelled) >= 3
    for first in cancelled:
        assert first["Fulfillment Status"] == "unfulfilled"
        assert first["Financial Status"] in ("refunded", "voided")
    for rows in orders.values():
        first = rows[0]
        if first["Financial Status"] == "pending":
            assert not first["Paid at"]
            assert first["Fulfillment Status"] == "unfulfilled"
        if first["Financial Status"] == "refunded":
            assert Decimal(first["Refunded Amount"]) == Decimal(first["Total"])


# --- tracking.jsonl ------------------------------------------------------------


def test_every_shipped_order_has_one_shipment(store: pathlib.Path, orders: dict[str, list[dict[str, str]]]) -> None:
    events = read_tracking(store)
    numbers = Counter(msg(event)["order_number"] for event in events)
    shipped = {name for name, rows in orders.items() if rows[0]["Fulfillment Status"] in ("fulfilled", "partial")}
    assert set(numbers) == shipped
    assert set(numbers.values()) == {1}
    for event in events:
        body = msg(event)
        assert event["event"] == "tracking_update"
        first = orders[str(body["order_number"])][0]
        assert body["order_id"] == first["Id"]
        assert first["Shipping Method"].endswith(")")  # names the carrier
        assert body["origin_country_iso3"] == "CHN"
        assert checkpoints(event)[0]["checkpoint_time"]
        start = datetime.fromisoformat(checkpoints(event)[0]["checkpoint_time"])
        assert start == shopify_time(first["Fulfilled at"])


@pytest.mark.parametrize(
    ("seed", "now"),
    [
        (7, NOW),
        (1, NOW),
        (7, datetime(2027, 3, 5, 23, 59, tzinfo=UTC)),
        (2024, datetime(2026, 6, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_shipments_cover_every_state(tmp_path: pathlib.Path, seed: int, now: datetime) -> None:
    store = generate_store(tmp_path, now=now, seed=seed)
    states = Counter(state(event, now.date()) for event in read_tracking(store))
    for expected in STATES:
        assert states[expected] >= 10, (expected, states)
    subtags = Counter(msg(event)["subtag"] for event in read_tracking(store))
    for subtag in ("Exception_004", "Exception_007", "Exception_011", "Exception_012", "Exception_013"):
        assert subtags[subtag] >= 1, subtag


def test_checkpoints_are_ordered_and_in_the_past(store: pathlib.Path) -> None:
    for event in read_tracking(store):
        body = msg(event)
        points = checkpoints(event)
        times = [datetime.fromisoformat(point["checkpoint_time"]) for point in points]
        assert all(moment.tzinfo is not None for moment in times)
        assert times == sorted(times), body["tracking_number"]
        assert times[-1] <= NOW
        assert event["ts"] == int(times[-1].timestamp())
        assert (points[-1]["tag"], points[-1]["subtag"]) == (body["tag"], body["subtag"])
        assert body["subtag_message"]
        assert (points[0]["country_iso3"], points[0]["tag"]) == ("CHN", "InfoReceived")
        for point in points:
            assert point["subtag"].startswith(point["tag"] + "_")
            assert point["message"], body["tracking_number"]
            assert point["location"], body["tracking_number"]
        if body["tag"] == "Delivered":
            assert points[-1]["country_iso3"] == body["destination_country_iso3"]
            assert "InTransit_006" in {point["subtag"] for point in points}  # cleared customs
        if body["subtag"] == "Exception_004":
            assert points[-2]["country_iso3"] == body["destination_country_iso3"]


def test_shipment_journeys_cross_borders(store: pathlib.Path) -> None:
    delivered = [e for e in read_tracking(store) if msg(e)["tag"] == "Delivered"]
    assert len(delivered) >= 30
    for event in delivered:
        messages = " ".join(point["message"] for point in checkpoints(event)).lower()
        assert "customs" in messages
        assert "airline" in messages or "office of exchange" in messages
    assert len({msg(e)["destination_country_iso3"] for e in delivered}) >= 10


def test_tracking_numbers_have_carrier_shapes(store: pathlib.Path) -> None:
    events = read_tracking(store)
    slugs = Counter(str(msg(event)["slug"]) for event in events)
    assert len(slugs) >= 8
    numbers = [str(msg(event)["tracking_number"]) for event in events]
    assert len(numbers) == len(set(numbers))
    for event in events:
        slug, number = str(msg(event)["slug"]), str(msg(event)["tracking_number"])
        assert re.fullmatch(TRACKING_SHAPES[slug], number), (slug, number)
        if slug in POSTAL:
            assert s10_valid(number), number


# --- clock and seed --------------------------------------------------------------


def test_dates_follow_now(tmp_path: pathlib.Path) -> None:
    later = NOW + timedelta(days=400, hours=5)
    store = generate_store(tmp_path, now=later)
    _, rows = read_csv(store / "orders.csv")
    created = [shopify_time(row["Created at"]) for row in rows if row["Created at"]]
    assert later - timedelta(days=2) < max(created) <= later
    assert min(created) >= later - timedelta(days=91)
    late = [e for e in read_tracking(store) if state(e, later.date()) == "late"]
    assert len(late) >= 10


def test_same_seed_and_now_give_identical_bytes(tmp_path: pathlib.Path) -> None:
    first = all_files(generate_store(tmp_path / "a", now=NOW, seed=11))
    second = all_files(generate_store(tmp_path / "b", now=NOW, seed=11))
    assert len(first) > 150
    assert first == second


def test_another_seed_gives_another_store(tmp_path: pathlib.Path) -> None:
    first = all_files(generate_store(tmp_path / "a", now=NOW, seed=11))
    second = all_files(generate_store(tmp_path / "b", now=NOW, seed=12))
    for name in ("orders.csv", "customers.csv", "tracking.jsonl", "products.csv"):
        assert first[name] != second[name], name

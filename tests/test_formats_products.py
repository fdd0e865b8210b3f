"""Shopify product export → ProductRecord."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.formats import FormatError, parse_products
from seabridge.formats.csvutil import BAD_UTF8, FORMULA

EXPORT = b"""\
Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,\
Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,\
Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,\
Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,\
Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,Variant Image,\
Variant Weight Unit,Cost per item,Material (product.metafields.custom.material),\
Care guide (product.metafields.custom.care_guide),\
Size chart (product.metafields.custom.size_chart),Status
linen-shirt,Linen Shirt,"<p>Breathable linen, <strong>pre-washed</strong>.</p>
<p>Relaxed fit.</p>",Seabridge Apparel,Apparel & Accessories > Clothing > Shirts & Tops,Shirts,\
"linen, summer ,  men",TRUE,Size,S,Color,White,,,LS-S-WHT,200.0,shopify,12,deny,manual,49.00,\
59.00,TRUE,TRUE,4006381333931,https://cdn.shopify.com/s/files/1/0001/linen-back.jpg?v=1700000000,\
2,Back,FALSE,https://cdn.shopify.com/s/files/1/0001/linen-white.jpg,g,18.50,linen,Wash cold,\
"{""unit"": ""cm"", ""chest"": {""S"": 96, ""M"": 102}}",active
linen-shirt,,,,,,,,,M,,White,,,LS-M-WHT,210.0,shopify,-1,deny,manual,49.00,,TRUE,TRUE,,\
https://cdn.shopify.com/s/files/1/0001/linen-front.jpg?v=1700000000,1,Front,,,g,,,,,
linen-shirt,,,,,,,,,,,,,,,,,,,,,,,,,\
https://cdn.shopify.com/s/files/1/0001/linen-detail.jpg?v=1700000000,3,Detail,,,,,,,,
gift-card,Gift Card,"<p>Store credit, delivered by email.</p>",Seabridge Apparel,,Gift Card,,TRUE,\
Title,Default Title,,,,,,0.0,,,deny,manual,25.00,,FALSE,FALSE,,,,,TRUE,,g,,,,,draft
"""

HEADER = "Handle,Title,Variant SKU,Variant Price,Option1 Name,Option1 Value"


def csv_bytes(*lines: str) -> bytes:
    return "\n".join((HEADER, *lines)).encode() + b"\n"


def errors_of(data: bytes) -> list[tuple[int, str | None, str]]:
    with pytest.raises(FormatError) as caught:
        parse_products(data)
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def test_reads_a_shopify_export() -> None:
    shirt, gift = parse_products(EXPORT)

    assert shirt.handle == "linen-shirt"
    assert shirt.title == "Linen Shirt"
    assert shirt.body_html.endswith("<p>Relaxed fit.</p>")
    assert shirt.category == "Apparel & Accessories > Clothing > Shirts & Tops"
    assert shirt.tags == ("linen", "summer", "men")
    assert shirt.status == "active"
    assert shirt.attributes == (("material", "linen"), ("care_guide", "Wash cold"))
    assert shirt.size_chart == {"unit": "cm", "chest": {"S": 96, "M": 102}}
    assert [url.split("/")[-1] for url in shirt.images] == [
        "linen-front.jpg?v=1700000000",
        "linen-back.jpg?v=1700000000",
        "linen-detail.jpg?v=1700000000",
    ]
    assert shirt.row == 2
    small, medium = shirt.variants
    assert small.options == (("Size", "S"), ("Color", "White"))
    assert medium.options == (("Size", "M"), ("Color", "White"))  # names inherited
    assert small.price == Decimal("49.00")
    assert small.compare_at_price == Decimal("59.00")
    assert medium.compare_at_price is None
    assert (small.grams, small.inventory_qty, medium.inventory_qty) == (200, 12, -1)
    assert small.barcode == "4006381333931"
    assert small.image.endswith("linen-white.jpg")
    # The first record spans two physical lines; rows count records, as a spreadsheet does.
    assert (small.row, medium.row) == (2, 3)

    assert gift.status == "draft"
    assert gift.row == 5
    assert gift.size_chart is None
    assert gift.attributes == ()
    (card,) = gift.variants
    assert card.options == ()  # Shopify's "Title: Default Title" means no options
    assert card.sku == ""
    assert card.price == Decimal("25.00")


def test_rows_of_a_handle_need_not_be_contiguous_and_status_defaults_to_active() -> None:
    products = parse_products(
        csv_bytes(
            "tee,Tee,TEE-S,10,Size,S",
            "mug,Mug,MUG-1,8,,",
            "tee,,TEE-M,10.50,,M",
        )
    )
    assert [p.handle for p in products] == ["tee", "mug"]
    assert [v.sku for v in products[0].variants] == ["TEE-S", "TEE-M"]
    assert products[0].variants[1].options == (("Size", "M"),)
    assert {p.status for p in products} == {"active"}


def test_missing_required_column_is_one_error_on_the_header() -> None:
    data = b"Handle,Title,Variant SKU,Vendor\ntee,Tee,TEE-S,Acme\n"
    assert errors_of(data) == [(1, "Variant Price", "missing required column 'Variant Price'")]


def test_bad_price_reports_row_and_column() -> None:
    errors = errors_of(csv_bytes('tee,Tee,TEE-S,"1,299.00",,', "mug,Mug,MUG-1,NaN,,"))
    assert [(row, column) for row, column, _ in errors] == [
        (2, "Variant Price"),
        (3, "Variant Price"),
    ]
    assert "thousands separators" in errors[0][2]


def test_price_required_on_variant_rows() -> None:
    errors = errors_of(csv_bytes("tee,Tee,TEE-S,,Size,S"))
    assert errors == [(2, "Variant Price", "a value is required")]


def test_duplicate_sku_is_reported_on_the_second_row() -> None:
    errors = errors_of(csv_bytes("tee,Tee,TEE-S,10,Size,S", "cap,Cap,TEE-S,12,,"))
    assert errors == [(3, "Variant SKU", "duplicate SKU 'TEE-S', already used on row 2")]


def test_option_value_required_for_named_option() -> None:
    errors = errors_of(csv_bytes("tee,Tee,TEE-S,10,Size,S", "tee,,TEE-M,10,,"))
    assert errors == [(3, "Option1 Value", "a value is required for option 'Size'")]


def test_same_option_values_twice_is_an_error() -> None:
    errors = errors_of(csv_bytes("tee,Tee,TEE-S,10,Size,S", "tee,,TEE-S2,10,,S"))
    assert [(row, reason) for row, _, reason in errors] == [
        (3, "another variant of this product has the same option values")
    ]


def test_invalid_size_chart_json_is_a_row_error() -> None:
    column = "Size chart (product.metafields.custom.size_chart)"
    data = f'Handle,Title,Variant SKU,Variant Price,{column}\ntee,Tee,T1,10,"{{""S"": 96,"\n'
    errors = errors_of(data.encode())
    assert len(errors) == 1
    assert errors[0][:2] == (2, column)
    assert errors[0][2].startswith("size_chart is not valid JSON")
    data = f'Handle,Title,Variant SKU,Variant Price,{column}\ntee,Tee,T1,10,"[1, 2]"\n'
    assert errors_of(data.encode()) == [(2, column, "size_chart must be a JSON object")]


def test_csv_injection_in_a_text_field_is_refused() -> None:
    errors = errors_of(csv_bytes('tee,"=HYPERLINK(""http://evil.example"")",TEE-S,10,,'))
    assert errors == [(2, "Title", FORMULA)]


def test_bad_status_and_image_url() -> None:
    data = b"Handle,Title,Variant SKU,Variant Price,Status,Image Src\ntee,Tee,T1,10,live,ftp://x\n"
    errors = errors_of(data)
    assert {(row, column) for row, column, _ in errors} == {(2, "Image Src"), (2, "Status")}


def test_broken_quoting_is_a_row_error_and_later_rows_are_still_checked() -> None:
    errors = errors_of(csv_bytes('tee,"Tee" shirt,TEE-S,10,,', "mug,Mug,MUG-1,abc,,"))
    assert errors[0][0] == 2
    assert errors[0][2].startswith("broken CSV row")
    assert errors[1][:2] == (3, "Variant Price")


def test_unterminated_quote_is_reported() -> None:
    errors = errors_of(csv_bytes("tee,Tee,TEE-S,10,,", 'mug,"Mug,MUG-1,8,,'))
    assert len(errors) == 1
    assert errors[0][0] == 3
    assert "broken CSV row" in errors[0][2]


def test_non_utf8_bytes_report_row_and_column() -> None:
    data = csv_bytes("tee,Tee,TEE-S,10,,").replace(b"Tee,", "Café,".encode("latin-1"))
    assert errors_of(data) == [(2, "Title", BAD_UTF8)]


def test_nul_bytes_fail_the_whole_file() -> None:
    errors = errors_of(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" * 50)
    assert len(errors) == 1
    assert errors[0][0] == 0
    assert "NUL" in errors[0][2]


def test_fifty_megabytes_of_random_bytes_fail_with_a_short_report() -> None:
    data = random.Random(20240301).randbytes(50 * 1024 * 1024)
    errors = errors_of(data)
    assert 1 <= len(errors) <= 3
    assert errors[0][0] == 0


def test_random_text_without_nul_fails_on_the_header() -> None:
    rng = random.Random(7)
    data = bytes(rng.choice(range(1, 256)) for _ in range(200_000))
    errors = errors_of(data)
    assert len(errors) <= 5


def test_error_cap_adds_one_summary_error() -> None:
    data = csv_bytes(*(f"p{i},Product {i},SKU-{i},free,," for i in range(1200)))
    with pytest.raises(FormatError) as caught:
        parse_products(data)
    errors = caught.value.errors
    assert len(errors) == 1001
    assert errors[999].row == 1001
    assert errors[-1].row == 0
    assert errors[-1].reason == "200 more error(s) not shown (limit 1000)"


def test_max_errors_is_adjustable() -> None:
    data = csv_bytes(*(f"p{i},Product {i},SKU-{i},free,," for i in range(10)))
    with pytest.raises(FormatError) as caught:
        parse_products(data, max_errors=3)
    assert len(caught.value.errors) == 4
    assert caught.value.errors[-1].reason.startswith("7 more")


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_records_or_format_error(data: bytes) -> None:
    try:
        products = parse_products(HEADER.encode() + b"\n" + data)
    except FormatError as exc:
        errors = exc.errors
    else:
        errors = []
        assert all(product.variants for product in products)
    assert all(error.file == "products.csv" for error in errors)

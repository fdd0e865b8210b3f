"""products.csv: Shopify's product export, one row per variant, grouped by Handle.

The first row of a Handle carries the product fields and its first variant;
later rows add variants (inheriting the option names) or only an image.
Metafield columns such as ``Material (product.metafields.custom.material)``
become attributes; ``custom.size_chart`` holds a JSON object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from seabridge.formats.csvutil import (
    MAX_ATTRIBUTE_KEY,
    MAX_BARCODE,
    MAX_ERRORS,
    MAX_HANDLE,
    MAX_OPTION,
    MAX_SKU,
    ErrorCollector,
    RowFields,
    fold,
    open_csv,
    parse_amount,
    parse_count,
    parse_int,
    show,
    split_tags,
    unstorable,
)
from seabridge.formats.records import ProductRecord, VariantRecord

HANDLE = "Handle"
TITLE = "Title"
BODY = "Body (HTML)"
VENDOR = "Vendor"
CATEGORY = "Product Category"
TYPE = "Type"
TAGS = "Tags"
SKU = "Variant SKU"
GRAMS = "Variant Grams"
INVENTORY = "Variant Inventory Qty"
PRICE = "Variant Price"
COMPARE_AT = "Variant Compare At Price"
BARCODE = "Variant Barcode"
IMAGE = "Image Src"
IMAGE_POSITION = "Image Position"
VARIANT_IMAGE = "Variant Image"
STATUS = "Status"
OPTION_SLOTS = (1, 2, 3)

REQUIRED = (HANDLE, TITLE, SKU, PRICE)
STATUSES = frozenset({"active", "draft", "archived"})
SIZE_CHART = "size_chart"
# Shopify's stand-in option for a product without options.
DEFAULT_OPTION = ("Title", "Default Title")

_METAFIELD = re.compile(r".*\(product\.metafields\.[\w-]+\.([\w-]+)\)")
_URL = re.compile(r"https?://[^\s\"<>]+")
_SITE_PATH = re.compile(r"/(?!/)[^\s\"<>:]*")
_OPTION_VALUES = tuple(f"Option{slot} Value" for slot in OPTION_SLOTS)
_VARIANT_COLUMNS = (SKU, PRICE, COMPARE_AT, INVENTORY, GRAMS, BARCODE, VARIANT_IMAGE, *_OPTION_VALUES)


@dataclass(slots=True)
class _Product:
    """A product being assembled from its rows."""

    handle: str
    title: str
    body_html: str
    vendor: str
    product_type: str
    category: str
    tags: tuple[str, ...]
    status: str
    attributes: tuple[tuple[str, str], ...]
    size_chart: dict[str, object] | None
    option_names: tuple[str, ...]
    row: int
    variants: list[VariantRecord] = field(default_factory=list)
    images: list[tuple[int, int, str]] = field(default_factory=list)  # (position, row, url)
    # options_key -> (first row, its option values)
    combinations: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = field(default_factory=dict)

    def record(self) -> ProductRecord:
        urls = (url for _, _, url in sorted(self.images))
        return ProductRecord(
            handle=self.handle,
            title=self.title,
            body_html=self.body_html,
            vendor=self.vendor,
            product_type=self.product_type,
            category=self.category,
            tags=self.tags,
            status=self.status,
            images=tuple(dict.fromkeys(urls)),
            attributes=self.attributes,
            size_chart=self.size_chart,
            variants=tuple(self.variants),
            row=self.row,
        )


def options_key(options: tuple[tuple[str, str], ...] | list[list[str]]) -> str:
    """What makes two variants of one product the same: option names and values compared
    case-, accent- and spacing-insensitively, as Shopify does. Stored as the variant's
    `options_key`, unique per product; the parser refuses duplicates by this same key."""
    return "|".join(f"{fold(n)}={fold(v)}" for n, v in options) or "default"


def parse_products(data: bytes, file: str = "products.csv", *, max_errors: int = MAX_ERRORS) -> list[ProductRecord]:
    errors = ErrorCollector(file, max_errors)
    table = open_csv(data, errors, REQUIRED)
    products: dict[str, _Product] = {}
    if table is not None:
        metafields = [
            (column, match.group(1)) for column in table.columns if (match := _METAFIELD.fullmatch(column)) is not None
        ]
        for column, key in metafields:
            if len(key) > MAX_ATTRIBUTE_KEY:
                errors.add(1, column, f"metafield key is {len(key)} characters long; at most {MAX_ATTRIBUTE_KEY}")
        sku_rows: dict[str, int] = {}
        for row in table:
            _add_row(RowFields(row, errors), products, metafields, sku_rows)
    errors.raise_if_any()
    return [product.record() for product in products.values()]


def parse_status(value: str) -> str:
    status = value.strip().lower()
    if status not in STATUSES:
        raise ValueError(f"{show(value)} is not a status ({', '.join(sorted(STATUSES))})")
    return status


def parse_url(value: str) -> str:
    """An absolute http(s) URL, or a path on the Seabridge server itself ("/demo/images/x.svg")."""
    url = value.strip()
    if _URL.fullmatch(url) is None and _SITE_PATH.fullmatch(url) is None:
        raise ValueError(f"{show(value)} is not an http(s) URL or a /path")
    return url


def parse_position(value: str) -> int:
    position = parse_int(value)
    if position < 1:
        raise ValueError(f"{show(value)} must be 1 or more")
    return position


def _add_row(
    fields: RowFields,
    products: dict[str, _Product],
    metafields: list[tuple[str, str]],
    sku_rows: dict[str, int],
) -> None:
    handle = fields.text(HANDLE, required=True, max_length=MAX_HANDLE)
    if not handle:
        return
    product = products.get(handle)
    first_row = product is None
    if product is None:
        product = products[handle] = _start_product(fields, handle, metafields)
    image = fields.value(IMAGE, parse_url)
    position = fields.value(IMAGE_POSITION, parse_position)
    if image:
        product.images.append((position or 1_000_000, fields.number, image))
    if first_row or any(fields.present(column) for column in _VARIANT_COLUMNS):
        variant = _variant(fields, product, sku_rows)
        if variant is not None:
            product.variants.append(variant)


def _start_product(fields: RowFields, handle: str, metafields: list[tuple[str, str]]) -> _Product:
    option_names = tuple(fields.text(f"Option{slot} Name", max_length=MAX_OPTION) for slot in OPTION_SLOTS)
    named = [name for name in option_names if name]
    if len(set(named)) != len(named):
        fields.error("Option1 Name", "option names must differ")
    attributes: dict[str, str] = {}
    size_chart: dict[str, object] | None = None
    for column, key in metafields:
        value = fields.text(column)
        if not value:
            continue
        if key == SIZE_CHART:
            size_chart = _size_chart(fields, column, value)
        else:
            attributes.setdefault(key, value)
    return _Product(
        handle=handle,
        title=fields.text(TITLE, required=True),
        body_html=fields.text(BODY),
        vendor=fields.text(VENDOR),
        product_type=fields.text(TYPE),
        category=fields.text(CATEGORY),
        tags=split_tags(fields.text(TAGS)),
        status=fields.value(STATUS, parse_status) or "active",
        attributes=tuple(attributes.items()),
        size_chart=size_chart,
        option_names=option_names,
        row=fields.number,
    )


def _size_chart(fields: RowFields, column: str, value: str) -> dict[str, object] | None:
    try:
        chart = json.loads(value)
    except (ValueError, RecursionError) as exc:
        fields.error(column, f"size_chart is not valid JSON ({exc})")
        return None
    if not isinstance(chart, dict):
        fields.error(column, "size_chart must be a JSON object")
        return None
    if _has_unstorable(chart):
        fields.error(column, "size_chart contains a NUL character or an unpaired \\u surrogate escape")
        return None
    return chart


def _has_unstorable(value: object) -> bool:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(unstorable(str(k)) or _has_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable(v) for v in value)
    return False


def _variant(fields: RowFields, product: _Product, sku_rows: dict[str, int]) -> VariantRecord | None:
    sku = fields.text(SKU, max_length=MAX_SKU)
    if sku:
        first = sku_rows.setdefault(sku, fields.number)
        if first != fields.number:
            fields.error(SKU, f"duplicate SKU {show(sku)}, already used on row {first}")
    options: list[tuple[str, str]] = []
    for slot, name in zip(OPTION_SLOTS, product.option_names, strict=True):
        column = f"Option{slot} Value"
        value = fields.text(column, max_length=MAX_OPTION)
        if name and not value:
            if not fields.present(column):  # else refused above (a formula, or too long)
                fields.error(column, f"a value is required for option {show(name)}")
        elif value and not name:
            fields.error(column, f"the product has no Option{slot} Name")
        elif name:
            options.append((name, value))
    if options == [DEFAULT_OPTION]:
        options = []
    combination = tuple(options)
    key = options_key(combination)
    first, values = product.combinations.setdefault(key, (fields.number, combination))
    if first != fields.number:
        if values == combination:
            fields.error(None, "another variant of this product has the same option values")
        else:
            # Shopify compares option values ignoring case and accents: "S" and "s" are one size.
            fields.error(None, f"same options as row {first} (case, accents and spacing are ignored)")
    price = fields.value(PRICE, parse_amount, required=True)
    compare_at = fields.value(COMPARE_AT, parse_amount)
    inventory = fields.value(INVENTORY, parse_int)
    grams = fields.value(GRAMS, parse_count)
    barcode = fields.text(BARCODE, max_length=MAX_BARCODE)
    image = fields.value(VARIANT_IMAGE, parse_url) or ""
    if price is None:
        return None
    return VariantRecord(
        sku=sku,
        options=combination,
        price=price,
        compare_at_price=compare_at,
        inventory_qty=inventory,
        grams=grams,
        barcode=barcode,
        image=image,
        row=fields.number,
    )

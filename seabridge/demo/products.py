"""Demo products: catalogue specs become priced, stocked variants and CSV rows.

Rows follow Shopify's product CSV export: one row per variant, the product
fields only on the first row of a Handle, and an image-only row for a second
image (the colour swatch tile).
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import product as cartesian

from seabridge.demo import catalog as cat
from seabridge.demo.catalog import COLOR_HEX, KINDS, ProductSpec
from seabridge.demo.catalog_goods import (
    ELECTRONICS_SPECS,
    HOME_SPECS,
    INDUSTRIAL_SPECS,
    OUTDOOR_SPECS,
)
from seabridge.demo.catalog_wear import APPAREL_SPECS, BEAUTY_SPECS, JEWELRY_SPECS
from seabridge.demo.sizing import size_chart

IMAGE_ROOT = "/demo/images"
METAFIELDS = (
    ("Material (product.metafields.custom.material)", "material"),
    ("Size chart (product.metafields.custom.size_chart)", "size_chart"),
    ("Dimensions (product.metafields.custom.dimensions)", "dimensions"),
    ("Warranty (product.metafields.custom.warranty)", "warranty"),
    ("Compatibility (product.metafields.custom.compatibility)", "compatibility"),
    ("Care instructions (product.metafields.custom.care_instructions)", "care"),
    ("HS code (product.metafields.custom.hs_code)", "hs_code"),
    ("Ships from (product.metafields.custom.ships_from)", "ships_from"),
)
HEADER = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name",
    "Option3 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
    "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Variant Image", "Status",
    *(column for column, _ in METAFIELDS),
)  # fmt: skip

_VENDORS = {
    cat.APPAREL: ("Pine & Tide", "APP"),
    cat.BEAUTY: ("Lumen Botanics", "BTY"),
    cat.ELECTRONICS: ("VoltHarbor", "ELC"),
    cat.HOME: ("Harbor Home", "HOM"),
    cat.JEWELRY: ("Saltmoon", "JWL"),
    cat.OUTDOOR: ("Ridgeline Gear", "OUT"),
    cat.INDUSTRIAL: ("H&P Industrial", "IND"),
}
_CATEGORY_TAG = {
    cat.APPAREL: "apparel",
    cat.BEAUTY: "beauty",
    cat.ELECTRONICS: "electronics",
    cat.HOME: "home",
    cat.JEWELRY: "jewelry",
    cat.OUTDOOR: "outdoor",
    cat.INDUSTRIAL: "industrial",
}
ALL_SPECS: tuple[ProductSpec, ...] = (
    *APPAREL_SPECS,
    *BEAUTY_SPECS,
    *ELECTRONICS_SPECS,
    *HOME_SPECS,
    *JEWELRY_SPECS,
    *OUTDOOR_SPECS,
    *INDUSTRIAL_SPECS,
)
_CENT = Decimal("0.01")
DEFAULT_OPTION = ("Title", ("Default Title",))


@dataclass(frozen=True, slots=True)
class Variant:
    sku: str
    values: tuple[str, ...]  # option values, in the product's option order
    price: Decimal
    compare_at: Decimal | None
    inventory: int
    policy: str  # deny or continue (sell while out of stock)
    grams: int
    barcode: str


@dataclass(frozen=True, slots=True)
class Product:
    handle: str
    spec: ProductSpec
    vendor: str
    status: str
    tags: tuple[str, ...]
    option_names: tuple[str, ...]
    variants: tuple[Variant, ...]
    attributes: tuple[tuple[str, str], ...]  # (metafield key, value), only non-empty ones
    images: tuple[str, ...]
    swatches: tuple[tuple[str, str], ...]  # (colour name, hex) for the second image

    @property
    def title(self) -> str:
        return self.spec.title

    def line_name(self, variant: Variant) -> str:
        """The order line item name Shopify writes: "Title - Opt1 / Opt2"."""
        if self.option_names == ("Title",):
            return self.title
        return f"{self.title} - {' / '.join(variant.values)}"


def build_catalog(rng: random.Random) -> list[Product]:
    products: list[Product] = []
    handles: set[str] = set()
    counters = dict.fromkeys(cat.CATEGORIES, 0)
    barcode_base = rng.randrange(10_000_000, 90_000_000)
    for spec in ALL_SPECS:
        counters[spec.category] += 1
        handle = _unique(slugify(spec.title), handles)
        product = _build(spec, handle, counters[spec.category], barcode_base, rng)
        barcode_base += len(product.variants)
        products.append(product)
    # A couple of unreleased products, as a real export has.
    for index in rng.sample(range(len(products)), 3):
        products[index] = replace(products[index], status="draft")
    return products


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _unique(handle: str, taken: set[str]) -> str:
    candidate, number = handle, 2
    while candidate in taken:
        candidate, number = f"{handle}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _build(spec: ProductSpec, handle: str, number: int, barcode_base: int, rng: random.Random) -> Product:
    vendor, code = _VENDORS[spec.category]
    kind = KINDS[spec.kind]
    options = spec.options or (DEFAULT_OPTION,)
    discount = rng.uniform(1.2, 1.5) if rng.random() < 0.3 else None
    preorder = rng.random() < 0.05
    variants: list[Variant] = []
    skus: set[str] = set()
    for position, values in enumerate(cartesian(*(values for _, values in options))):
        first_index = options[0][1].index(values[0])
        price = _shelf_price(spec.price + spec.step * first_index)
        suffix = "-".join(_value_code(value) for value in values if value != "Default Title")
        sku = f"HP-{code}{number:03d}" + (f"-{suffix}" if suffix else "")
        if sku in skus:
            sku = f"{sku}-{position + 1}"
        skus.add(sku)
        variants.append(
            Variant(
                sku=sku,
                values=tuple(values),
                price=price,
                compare_at=_shelf_price(float(price) * discount) if discount else None,
                inventory=_stock(spec, rng),
                policy="continue" if preorder else "deny",
                grams=spec.grams or kind.grams,
                barcode=ean13(f"200{barcode_base + position:09d}"),
            )
        )
    chart = None
    if spec.fit or spec.kind == "shoe":
        chart = size_chart(spec.kind, spec.fit, dict(options)["Size"])
    attributes = (
        ("material", spec.material),
        ("size_chart", json.dumps(chart, separators=(",", ":")) if chart else ""),
        ("dimensions", spec.dimensions),
        ("warranty", spec.warranty),
        ("compatibility", spec.compatibility),
        ("care", care_instructions(spec)),
        ("hs_code", kind.hs_code),
        ("ships_from", kind.ships_from),
    )
    colours = dict(options).get("Color", ())
    swatches = tuple((name, COLOR_HEX[name]) for name in colours if name in COLOR_HEX)
    images = [f"{IMAGE_ROOT}/{handle}.svg"]
    if swatches:
        images.append(f"{IMAGE_ROOT}/{handle}-colors.svg")
    tags = [_CATEGORY_TAG[spec.category], *spec.tags]
    if discount:
        tags.append("sale")
    if preorder:
        tags.append("preorder")
    return Product(
        handle=handle,
        spec=spec,
        vendor=vendor,
        status="active",
        tags=tuple(dict.fromkeys(tags)),
        option_names=tuple(name for name, _ in options),
        variants=tuple(variants),
        attributes=tuple((key, value) for key, value in attributes if value),
        images=tuple(images),
        swatches=swatches,
    )


def _shelf_price(amount: float) -> Decimal:
    """A price as a shop would print it: 129.00 above 100, else ending in .90."""
    if amount >= 100:
        return Decimal(round(amount)).quantize(_CENT)
    return (Decimal(int(amount)) + Decimal("0.90")).quantize(_CENT)


def _stock(spec: ProductSpec, rng: random.Random) -> int:
    if rng.random() < 0.08:
        return 0
    if spec.category == cat.INDUSTRIAL:
        return int(rng.triangular(20, 900, 160))
    return int(rng.triangular(1, 320, 30))


def _value_code(value: str) -> str:
    """A short SKU code for an option value: "Heather Grey" -> "HGREY"."""
    tokens: list[str] = re.findall(r"[A-Za-z0-9]+", value)
    if len(tokens) == 1:
        token = tokens[0]
        return token.upper() if any(ch.isdigit() for ch in token) else token[:5].upper()
    head = "".join(t if any(ch.isdigit() for ch in t) else t[0] for t in tokens[:-1])
    last = tokens[-1]
    return (head + (last if any(ch.isdigit() for ch in last) else last[:4])).upper()


def ean13(first12: str) -> str:
    """A GTIN-13 with its check digit; prefix 200-299 is reserved for in-store use."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def care_instructions(spec: ProductSpec) -> str:
    material = spec.material.lower()
    if spec.category == cat.APPAREL:
        for words, care in _APPAREL_CARE:
            if any(word in material for word in words):
                return care
        return "Machine wash 30 °C with similar colours; do not bleach; tumble dry low."
    if spec.category == cat.JEWELRY:
        if "stainless" in material or "titanium" in material:
            return "Waterproof and tarnish resistant; wipe dry after swimming."
        return "Take off before swimming or showering; polish with a soft cloth; store in the pouch."
    return _CARE.get(spec.kind, _CARE.get(spec.category, ""))


_APPAREL_CARE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("wool",), "Hand wash cold or use the wool cycle; dry flat; do not tumble dry."),
    (("down",), "Machine wash 30 °C on delicate; tumble dry low with dryer balls."),
    (("leather", "eva", "canvas", "pu "), "Wipe clean with a damp cloth; air dry away from heat."),
    (("linen", "flax"), "Machine wash 30 °C; line dry; iron while damp."),
    (("denim",), "Wash inside out at 30 °C with dark colours; line dry."),
    (("satin", "viscose"), "Hand wash cold or delicate cycle; hang to dry; cool iron."),
)
_CARE: dict[str, str] = {
    cat.BEAUTY: "Store below 30 °C away from sunlight; best used within 12 months of opening.",
    "beauty_tool": "Rinse with mild soap after use and dry flat.",
    cat.ELECTRONICS: "Keep dry; clean with a soft dry cloth; avoid temperatures above 45 °C.",
    "case": "Clean with mild soapy water; dry before fitting.",
    "bedding": "Machine wash 40 °C; tumble dry low; softens with every wash.",
    "bath": "Machine wash 40 °C before first use; no fabric softener.",
    "kitchen": "Dishwasher safe unless stated; hand wash cast iron and wood, then oil lightly.",
    cat.HOME: "Wipe with a soft damp cloth; keep out of standing water.",
    cat.OUTDOOR: "Rinse off salt and sand, dry fully before storing.",
    cat.INDUSTRIAL: "Store dry; keep in the original packaging until use.",
}


def product_rows(products: list[Product]) -> list[list[str]]:
    rows: list[list[str]] = []
    for product in products:
        spec = product.spec
        attributes = dict(product.attributes)
        for index, variant in enumerate(product.variants):
            cells = dict.fromkeys(HEADER, "")
            cells["Handle"] = product.handle
            if index == 0:
                cells.update(
                    {
                        "Title": spec.title,
                        "Body (HTML)": description_html(product),
                        "Vendor": product.vendor,
                        "Product Category": KINDS[spec.kind].taxonomy,
                        "Type": spec.category,
                        "Tags": ", ".join(product.tags),
                        "Published": "TRUE" if product.status == "active" else "FALSE",
                        "Image Src": product.images[0],
                        "Image Position": "1",
                        "Image Alt Text": spec.title,
                        "Status": product.status,
                    }
                )
                for column, key in METAFIELDS:
                    cells[column] = attributes.get(key, "")
            for slot, (name, value) in enumerate(zip(product.option_names, variant.values, strict=True)):
                if index == 0:
                    cells[f"Option{slot + 1} Name"] = name
                cells[f"Option{slot + 1} Value"] = value
            cells.update(
                {
                    "Variant SKU": variant.sku,
                    "Variant Grams": str(variant.grams),
                    "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": str(variant.inventory),
                    "Variant Inventory Policy": variant.policy,
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": str(variant.price),
                    "Variant Compare At Price": str(variant.compare_at or ""),
                    "Variant Requires Shipping": "TRUE",
                    "Variant Taxable": "TRUE",
                    "Variant Barcode": variant.barcode,
                }
            )
            rows.append([cells[column] for column in HEADER])
        for position, image in enumerate(product.images[1:], start=2):
            cells = dict.fromkeys(HEADER, "")
            cells.update(
                {
                    "Handle": product.handle,
                    "Image Src": image,
                    "Image Position": str(position),
                    "Image Alt Text": f"{spec.title}: colour options",
                }
            )
            rows.append([cells[column] for column in HEADER])
    return rows


def description_html(product: Product) -> str:
    spec = product.spec
    facts = [("Material", spec.material)]
    if spec.dimensions:
        facts.append(("Dimensions", spec.dimensions))
    if spec.compatibility:
        facts.append(("Compatibility", spec.compatibility))
    if spec.warranty:
        facts.append(("Warranty", spec.warranty))
    if spec.fit:
        facts.append(("Fit", f"{spec.fit.capitalize()} fit; see the size chart for measurements"))
    elif spec.kind == "shoe":
        facts.append(("Sizing", "EU sizes; measure your foot length and check the size chart"))
    items = "".join(f"<li><strong>{name}:</strong> {html.escape(value)}</li>" for name, value in facts)
    parts = [f"<p>{html.escape(spec.blurb)}</p>", f"<ul>{items}</ul>"]
    care = dict(product.attributes).get("care")
    if care:
        parts.append(f"<p><strong>Care:</strong> {html.escape(care)}</p>")
    city = KINDS[spec.kind].ships_from.split(",")[0]
    parts.append(f"<p>Ships from our {city} warehouse within 1-3 business days.</p>")
    return "".join(parts)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)

"""What one demo product is made from, and the facts shared by products of a kind.

A `ProductSpec` is a hand-written catalogue entry (title, price, material,
options); `seabridge.demo.products` turns specs into Shopify variant rows. The
tables of specs live in `catalog_wear` (apparel, beauty, jewelry) and
`catalog_goods` (electronics, home, outdoor, industrial parts).
"""

from __future__ import annotations

from dataclasses import dataclass

# The Type column: one value per category.
APPAREL = "Apparel"
BEAUTY = "Beauty"
ELECTRONICS = "3C Electronics"
HOME = "Home & Furniture"
JEWELRY = "Jewelry"
OUTDOOR = "Outdoor"
INDUSTRIAL = "Industrial Parts"
CATEGORIES = (APPAREL, BEAUTY, ELECTRONICS, HOME, JEWELRY, OUTDOOR, INDUSTRIAL)

SHENZHEN = "Shenzhen, Guangdong, CN"
YIWU = "Yiwu, Zhejiang, CN"

Options = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class ProductSpec:
    title: str
    category: str  # one of CATEGORIES
    kind: str  # a key of KINDS
    price: float  # USD, for the first value of the first option
    material: str
    blurb: str  # the opening paragraph of the description
    options: Options = ()  # ((name, values), ...): at most three
    step: float = 0.0  # price added per position along the first option
    fit: str = ""  # regular, slim or relaxed: apparel with a size chart only
    dimensions: str = ""
    warranty: str = ""
    compatibility: str = ""
    tags: tuple[str, ...] = ()
    grams: int = 0  # 0: the kind's default weight


@dataclass(frozen=True, slots=True)
class KindInfo:
    taxonomy: str  # Shopify standard product taxonomy path
    hs_code: str  # customs tariff heading, for the customs metafield
    grams: int
    ships_from: str


_APPAREL_TAX = "Apparel & Accessories > Clothing"
_MAKEUP = "Health & Beauty > Personal Care > Cosmetics"
_PHONE_ACC = "Electronics > Communications > Telephony > Mobile Phone Accessories"
_ELEC_ACC = "Electronics > Electronics Accessories"
_HOME = "Home & Garden"
_JEWEL = "Apparel & Accessories > Jewelry"
_CAMP = "Sporting Goods > Outdoor Recreation > Camping & Hiking"
_PARTS = "Hardware > Hardware Accessories"

KINDS: dict[str, KindInfo] = {
    "top": KindInfo(f"{_APPAREL_TAX} > Clothing Tops", "6109.10", 230, YIWU),
    "knit": KindInfo(f"{_APPAREL_TAX} > Clothing Tops", "6110.20", 420, YIWU),
    "bottom": KindInfo(f"{_APPAREL_TAX} > Pants", "6204.62", 480, YIWU),
    "skirt": KindInfo(f"{_APPAREL_TAX} > Skirts", "6204.53", 260, YIWU),
    "dress": KindInfo(f"{_APPAREL_TAX} > Dresses", "6204.44", 360, YIWU),
    "outer": KindInfo(f"{_APPAREL_TAX} > Outerwear > Coats & Jackets", "6202.40", 750, YIWU),
    "shoe": KindInfo("Apparel & Accessories > Shoes", "6404.11", 820, YIWU),
    "face": KindInfo(f"{_MAKEUP} > Makeup > Face Makeup", "3304.99", 95, SHENZHEN),
    "lip": KindInfo(f"{_MAKEUP} > Makeup > Lip Makeup", "3304.10", 30, SHENZHEN),
    "eye": KindInfo(f"{_MAKEUP} > Makeup > Eye Makeup", "3304.20", 35, SHENZHEN),
    "nail": KindInfo(f"{_MAKEUP} > Nail Care > Nail Polishes", "3304.30", 45, SHENZHEN),
    "skin": KindInfo(f"{_MAKEUP} > Skin Care", "3304.99", 130, SHENZHEN),
    "beauty_tool": KindInfo(f"{_MAKEUP} > Cosmetic Tools", "9603.29", 210, SHENZHEN),
    "charger": KindInfo(f"{_ELEC_ACC} > Power > Power Adapters & Chargers", "8504.40", 120, SHENZHEN),
    "cable": KindInfo(f"{_ELEC_ACC} > Cables > USB Cables", "8544.42", 60, SHENZHEN),
    "powerbank": KindInfo(f"{_ELEC_ACC} > Power > Power Banks", "8507.60", 290, SHENZHEN),
    "audio": KindInfo("Electronics > Audio > Audio Components > Headphones", "8518.30", 160, SHENZHEN),
    "case": KindInfo(f"{_PHONE_ACC} > Mobile Phone Cases", "3926.90", 45, SHENZHEN),
    "wearable": KindInfo("Electronics > Electronics Accessories > Smart Watches", "8517.62", 70, SHENZHEN),
    "speaker": KindInfo("Electronics > Audio > Audio Components > Speakers", "8518.22", 320, SHENZHEN),
    "computer": KindInfo(f"{_ELEC_ACC} > Computer Accessories", "8471.60", 420, SHENZHEN),
    "storage": KindInfo(f"{_ELEC_ACC} > Computer Components > Storage Devices", "8523.51", 90, SHENZHEN),
    "smart_home": KindInfo(f"{_HOME} > Smart Home > Smart Plugs", "8536.50", 190, SHENZHEN),
    "furniture": KindInfo("Furniture > Tables & Shelving", "9403.60", 4200, YIWU),
    "lighting": KindInfo(f"{_HOME} > Lighting > Lamps", "9405.11", 950, YIWU),
    "bedding": KindInfo(f"{_HOME} > Linens & Bedding > Bedding", "6302.31", 2100, YIWU),
    "bath": KindInfo(f"{_HOME} > Linens & Bedding > Towels", "6302.60", 1500, YIWU),
    "kitchen": KindInfo(f"{_HOME} > Kitchen & Dining > Tableware", "6912.00", 1700, YIWU),
    "decor": KindInfo(f"{_HOME} > Decor", "6913.90", 600, YIWU),
    "organizing": KindInfo(f"{_HOME} > Household Supplies > Storage & Organization", "4602.19", 700, YIWU),
    "necklace": KindInfo(f"{_JEWEL} > Necklaces", "7113.11", 25, YIWU),
    "earrings": KindInfo(f"{_JEWEL} > Earrings", "7117.19", 15, YIWU),
    "ring": KindInfo(f"{_JEWEL} > Rings", "7113.11", 12, YIWU),
    "bracelet": KindInfo(f"{_JEWEL} > Bracelets", "7117.19", 30, YIWU),
    "jewel_acc": KindInfo("Apparel & Accessories > Jewelry Cleaning & Care", "4202.92", 180, YIWU),
    "tent": KindInfo(f"{_CAMP} > Tents", "6306.22", 2100, YIWU),
    "sleep": KindInfo(f"{_CAMP} > Sleeping Bags", "9404.30", 1300, YIWU),
    "pack": KindInfo("Luggage & Bags > Backpacks", "4202.92", 1100, YIWU),
    "camp_kitchen": KindInfo(f"{_CAMP} > Camp Cooking", "7323.93", 450, YIWU),
    "camp_light": KindInfo(f"{_CAMP} > Camping Lights & Lanterns", "9405.40", 180, SHENZHEN),
    "hydration": KindInfo(f"{_CAMP} > Hydration Systems", "9617.00", 380, YIWU),
    "trek": KindInfo(f"{_CAMP} > Hiking Poles", "6602.00", 480, YIWU),
    "fishing": KindInfo("Sporting Goods > Outdoor Recreation > Fishing", "9507.10", 950, YIWU),
    "cycling": KindInfo("Sporting Goods > Outdoor Recreation > Cycling", "8714.99", 140, SHENZHEN),
    "headwear": KindInfo("Apparel & Accessories > Clothing Accessories > Hats", "6505.00", 110, YIWU),
    "fastener": KindInfo(f"{_PARTS} > Screws & Bolts", "7318.15", 120, YIWU),
    "bearing": KindInfo("Hardware > Power & Electrical Supplies > Bearings", "8482.10", 130, YIWU),
    "motion": KindInfo("Hardware > Tools > Motion Control", "8483.90", 450, SHENZHEN),
    "electrical": KindInfo("Hardware > Power & Electrical Supplies", "8536.49", 160, SHENZHEN),
    "pneumatic": KindInfo("Hardware > Plumbing > Fittings", "8481.80", 300, YIWU),
    "seal": KindInfo(f"{_PARTS} > Gaskets & O-Rings", "4016.93", 400, YIWU),
    "tool": KindInfo("Hardware > Tools > Measuring Tools", "9017.30", 260, YIWU),
    "caster": KindInfo(f"{_PARTS} > Casters", "8302.20", 1400, YIWU),
}

# Swatch colours for option values named in the catalogue, for the colour tile.
COLOR_HEX: dict[str, str] = {
    "Black": "#1f1f22",
    "White": "#f4f2ee",
    "Ivory": "#f3ecdc",
    "Navy": "#1e2a4a",
    "Olive": "#6b6b3a",
    "Sand": "#d8c3a0",
    "Sage": "#9fae93",
    "Rust": "#a4502d",
    "Dusty Pink": "#d8a7a7",
    "Heather Grey": "#a9aaad",
    "Charcoal": "#3b3d40",
    "Burgundy": "#6e1f2f",
    "Sky Blue": "#9cc4e4",
    "Camel": "#b98e5a",
    "Indigo": "#2f3e73",
    "Light Wash": "#8fa9c7",
    "Dark Wash": "#2d3f5e",
    "Terracotta": "#c4673f",
    "Forest Green": "#2f4d3a",
    "Mustard": "#d2a42b",
    "Lavender": "#b7a7d6",
    "Cream": "#efe6d2",
    "Chocolate": "#4e3226",
    "Emerald": "#1f7a5a",
    "Red": "#b3262d",
    "Orange": "#e07a1f",
    "Silver": "#c4c7cc",
    "Space Grey": "#5b5e63",
    "Green": "#3f7d4e",
    "Blue": "#2f62a8",
    "Pink": "#e9a6bf",
    "Grey": "#8b8d91",
    "Beige": "#d9c8ab",
    "Khaki": "#b3a57a",
    "Teal": "#2a7f83",
    "Speckled White": "#ece8e1",
    "Natural": "#d9c9a8",
    "Walnut": "#6b4a33",
    "Oak": "#c49a6c",
    "Champagne": "#e9d8b4",
    "Light Grey": "#c9cacc",
    "Rose Gold": "#d8a28f",
}

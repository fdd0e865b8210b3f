"""Where the demo store ships and how: zones, carriers, routes, tracking numbers.

Zones become ``[[shipping]]`` in store.toml and price each order's shipping.
Carriers are AfterShip slugs, and each gets tracking numbers of its real shape
(UPU S10 numbers such as ``LX123456785CN`` carry a valid check digit).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import Decimal

REST_OF_WORLD = "*"


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    countries: tuple[str, ...]
    days_min: int
    days_max: int
    cost: Decimal
    carrier: str


ZONES = (
    Zone("North America", ("US", "CA"), 7, 12, Decimal("6.90"), "yunexpress"),
    Zone("United Kingdom", ("GB",), 6, 10, Decimal("5.90"), "yunexpress"),
    Zone("European Union", ("DE", "FR", "ES", "IT", "NL", "BE", "AT", "IE", "PT", "PL", "SE",
                            "DK", "FI"), 8, 14, Decimal("7.90"), "4px"),
    Zone("East Asia", ("JP", "KR", "TW", "HK"), 4, 8, Decimal("5.90"), "china-ems"),
    Zone("Southeast Asia", ("SG", "TH", "VN", "ID", "MY", "PH"), 5, 10, Decimal("4.90"), "cainiao"),
    Zone("Latin America", ("BR", "MX", "CL", "CO", "PE", "AR"), 15, 30, Decimal("9.90"), "cainiao"),
    Zone("Middle East & Türkiye", ("SA", "AE", "TR", "QA", "KW", "BH", "OM"), 8, 15,
         Decimal("8.90"), "aramex"),
    Zone("Australia & New Zealand", ("AU", "NZ"), 8, 14, Decimal("7.90"), "4px"),
    Zone("Rest of World", (REST_OF_WORLD,), 15, 30, Decimal("11.90"), "china-post"),
)  # fmt: skip


def zone_for(country: str) -> Zone:
    for zone in ZONES:
        if country in zone.countries:
            return zone
    return next(zone for zone in ZONES if REST_OF_WORLD in zone.countries)


CARRIER_NAMES = {
    "yunexpress": "YunExpress",
    "4px": "4PX",
    "cainiao": "Cainiao",
    "china-ems": "China EMS",
    "china-post": "China Post",
    "dhl": "DHL Express",
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "royal-mail": "Royal Mail",
    "correos": "Correos",
    "aramex": "Aramex",
}
# Who carries a parcel to each country, with weights; the zone's carrier otherwise.
_CARRIER_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "US": (("yunexpress", 5), ("usps", 2), ("ups", 1), ("fedex", 1)),
    "CA": (("yunexpress", 3), ("4px", 1)),
    "GB": (("yunexpress", 3), ("royal-mail", 2)),
    "DE": (("4px", 3), ("dhl", 2)),
    "FR": (("4px", 3), ("yunexpress", 1)),
    "ES": (("4px", 2), ("correos", 2)),
    "IT": (("4px", 3), ("yunexpress", 1)),
    "JP": (("china-ems", 3), ("dhl", 1)),
    "KR": (("china-ems", 2), ("cainiao", 1)),
    "BR": (("cainiao", 2), ("china-post", 1)),
    "MX": (("cainiao", 2), ("fedex", 1)),
    "SA": (("aramex", 2), ("dhl", 1)),
    "TR": (("aramex", 1), ("china-ems", 1)),
    "AU": (("4px", 2), ("yunexpress", 1)),
    "RU": (("china-post", 2), ("cainiao", 1)),
}


def pick_carrier(country: str, rng: random.Random) -> str:
    mix = _CARRIER_MIX.get(country)
    if mix is None:
        return zone_for(country).carrier
    slugs = [slug for slug, _ in mix]
    return rng.choices(slugs, weights=[weight for _, weight in mix])[0]


ISO3 = {
    "US": "USA", "CA": "CAN", "GB": "GBR", "AU": "AUS", "ES": "ESP", "MX": "MEX", "BR": "BRA",
    "FR": "FRA", "DE": "DEU", "IT": "ITA", "RU": "RUS", "SA": "SAU", "AE": "ARE", "TR": "TUR",
    "JP": "JPN", "KR": "KOR", "TW": "TWN", "SG": "SGP", "TH": "THA", "VN": "VNM", "ID": "IDN",
    "CN": "CHN", "HK": "HKG",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Place:
    label: str  # checkpoint "location"
    country: str  # alpha-2
    timezone: str  # IANA, for the checkpoint's local time


@dataclass(frozen=True, slots=True)
class Origin:
    warehouse: Place
    sorting: Place
    gateway: Place  # where export customs and the airline handover happen


ORIGINS = {
    "Shenzhen": Origin(
        Place("Shenzhen, Guangdong", "CN", "Asia/Shanghai"),
        Place("Guangzhou, Guangdong", "CN", "Asia/Shanghai"),
        Place("Hong Kong", "HK", "Asia/Hong_Kong"),
    ),
    "Yiwu": Origin(
        Place("Yiwu, Zhejiang", "CN", "Asia/Shanghai"),
        Place("Hangzhou, Zhejiang", "CN", "Asia/Shanghai"),
        Place("Shanghai", "CN", "Asia/Shanghai"),
    ),
}

# Arrival airport / import office per destination country.
GATEWAYS: dict[str, tuple[Place, ...]] = {
    "US": (Place("Los Angeles, CA", "US", "America/Los_Angeles"),
           Place("Jamaica, NY", "US", "America/New_York"),
           Place("Chicago, IL", "US", "America/Chicago")),
    "CA": (Place("Vancouver, BC", "CA", "America/Vancouver"),
           Place("Mississauga, ON", "CA", "America/Toronto")),
    "GB": (Place("Heathrow, London", "GB", "Europe/London"),
           Place("Coventry, West Midlands", "GB", "Europe/London")),
    "DE": (Place("Frankfurt am Main, Hessen", "DE", "Europe/Berlin"),
           Place("Leipzig, Sachsen", "DE", "Europe/Berlin")),
    "FR": (Place("Roissy-en-France, Île-de-France", "FR", "Europe/Paris"),),
    "ES": (Place("Madrid-Barajas, Madrid", "ES", "Europe/Madrid"),),
    "IT": (Place("Milano Malpensa, Lombardia", "IT", "Europe/Rome"),),
    "AU": (Place("Sydney, NSW", "AU", "Australia/Sydney"),),
    "MX": (Place("Ciudad de México, CDMX", "MX", "America/Mexico_City"),),
    "BR": (Place("Curitiba, PR", "BR", "America/Sao_Paulo"),
           Place("São Paulo, SP", "BR", "America/Sao_Paulo")),
    "RU": (Place("Moscow", "RU", "Europe/Moscow"),),
    "SA": (Place("Riyadh", "SA", "Asia/Riyadh"),),
    "AE": (Place("Dubai", "AE", "Asia/Dubai"),),
    "TR": (Place("İstanbul", "TR", "Europe/Istanbul"),),
    "JP": (Place("Narita, Chiba", "JP", "Asia/Tokyo"), Place("Osaka", "JP", "Asia/Tokyo")),
    "KR": (Place("Incheon", "KR", "Asia/Seoul"),),
    "TW": (Place("Taoyuan", "TW", "Asia/Taipei"),),
    "SG": (Place("Singapore", "SG", "Asia/Singapore"),),
    "TH": (Place("Bangkok", "TH", "Asia/Bangkok"),),
    "VN": (Place("Ho Chi Minh City", "VN", "Asia/Ho_Chi_Minh"),
           Place("Hanoi", "VN", "Asia/Ho_Chi_Minh")),
    "ID": (Place("Jakarta", "ID", "Asia/Jakarta"),),
}  # fmt: skip

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10(prefix: str, serial: int, country: str) -> str:
    """A UPU S10 item id (``LX123456785CN``): 2 letters, 8 digits, check digit, country."""
    digits = f"{serial:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, _S10_WEIGHTS, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"{prefix}{digits}{check}{country}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def tracking_number(slug: str, rng: random.Random, year: int) -> str:
    """A tracking number shaped like the carrier's own."""
    serial = rng.randrange(10_000_000, 100_000_000)
    if slug == "yunexpress":
        return f"YT{year % 100:02d}{_digits(rng, 14)}"
    if slug == "4px":
        return f"4PX3000{_digits(rng, 9)}CN"
    if slug == "cainiao":
        return f"LP00{_digits(rng, 12)}"
    if slug == "china-ems":
        return s10("E" + rng.choice("ABCDEFGH"), serial, "CN")
    if slug == "china-post":
        return s10(rng.choice(("LX", "LY", "RB", "UA")), serial, "CN")
    if slug == "royal-mail":
        return s10(rng.choice(("TT", "QF", "WB")), serial, "GB")
    if slug == "correos":
        return s10(rng.choice(("PQ", "CX")), serial, "ES")
    if slug == "ups":
        shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        return f"1Z{shipper}{rng.choice(('01', '02', '03'))}{_digits(rng, 8)}"
    if slug == "usps":
        return f"9400111{_digits(rng, 15)}"
    if slug == "fedex":
        return _digits(rng, 12)
    if slug == "dhl":
        return _digits(rng, 10)
    if slug == "aramex":
        return _digits(rng, 11)
    raise ValueError(f"no tracking number shape for carrier {slug!r}")

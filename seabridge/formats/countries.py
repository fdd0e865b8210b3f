"""ISO 3166-1 country codes, and a default language and time zone per market.

Carriers speak alpha-3 (AfterShip's `*_iso3` fields), Shopify speaks alpha-2;
everything Seabridge stores is alpha-2.
"""

from __future__ import annotations

# ISO 3166-1: alpha-3 alpha-2, all 249 officially assigned codes, plus Kosovo
# (XKX/XK, user-assigned but used by Shopify and most carriers).
_ISO3166 = """
AFG AF ALA AX ALB AL DZA DZ ASM AS AND AD AGO AO AIA AI ATA AQ ATG AG ARG AR ARM AM
ABW AW AUS AU AUT AT AZE AZ BHS BS BHR BH BGD BD BRB BB BLR BY BEL BE BLZ BZ BEN BJ
BMU BM BTN BT BOL BO BES BQ BIH BA BWA BW BVT BV BRA BR IOT IO BRN BN BGR BG BFA BF
BDI BI CPV CV KHM KH CMR CM CAN CA CYM KY CAF CF TCD TD CHL CL CHN CN CXR CX CCK CC
COL CO COM KM COG CG COD CD COK CK CRI CR CIV CI HRV HR CUB CU CUW CW CYP CY CZE CZ
DNK DK DJI DJ DMA DM DOM DO ECU EC EGY EG SLV SV GNQ GQ ERI ER EST EE SWZ SZ ETH ET
FLK FK FRO FO FJI FJ FIN FI FRA FR GUF GF PYF PF ATF TF GAB GA GMB GM GEO GE DEU DE
GHA GH GIB GI GRC GR GRL GL GRD GD GLP GP GUM GU GTM GT GGY GG GIN GN GNB GW GUY GY
HTI HT HMD HM VAT VA HND HN HKG HK HUN HU ISL IS IND IN IDN ID IRN IR IRQ IQ IRL IE
IMN IM ISR IL ITA IT JAM JM JPN JP JEY JE JOR JO KAZ KZ KEN KE KIR KI PRK KP KOR KR
KWT KW KGZ KG LAO LA LVA LV LBN LB LSO LS LBR LR LBY LY LIE LI LTU LT LUX LU MAC MO
MDG MG MWI MW MYS MY MDV MV MLI ML MLT MT MHL MH MTQ MQ MRT MR MUS MU MYT YT MEX MX
FSM FM MDA MD MCO MC MNG MN MNE ME MSR MS MAR MA MOZ MZ MMR MM NAM NA NRU NR NPL NP
NLD NL NCL NC NZL NZ NIC NI NER NE NGA NG NIU NU NFK NF MKD MK MNP MP NOR NO OMN OM
PAK PK PLW PW PSE PS PAN PA PNG PG PRY PY PER PE PHL PH PCN PN POL PL PRT PT PRI PR
QAT QA REU RE ROU RO RUS RU RWA RW BLM BL SHN SH KNA KN LCA LC MAF MF SPM PM VCT VC
WSM WS SMR SM STP ST SAU SA SEN SN SRB RS SYC SC SLE SL SGP SG SXM SX SVK SK SVN SI
SLB SB SOM SO ZAF ZA SGS GS SSD SS ESP ES LKA LK SDN SD SUR SR SJM SJ SWE SE CHE CH
SYR SY TWN TW TJK TJ TZA TZ THA TH TLS TL TGO TG TKL TK TON TO TTO TT TUN TN TUR TR
TKM TM TCA TC TUV TV UGA UG UKR UA ARE AE GBR GB USA US UMI UM URY UY UZB UZ VUT VU
VEN VE VNM VN VGB VG VIR VI WLF WF ESH EH YEM YE ZMB ZM ZWE ZW XKX XK
"""

_CODES = _ISO3166.split()
ALPHA3_TO_ALPHA2: dict[str, str] = dict(zip(_CODES[::2], _CODES[1::2], strict=True))
ALPHA2: frozenset[str] = frozenset(ALPHA3_TO_ALPHA2.values())

# alpha-2: (default language as a BCP 47 primary tag, main IANA time zone)
MARKETS: dict[str, tuple[str, str]] = {
    # North America and Oceania
    "US": ("en", "America/New_York"),
    "CA": ("en", "America/Toronto"),
    "AU": ("en", "Australia/Sydney"),
    "NZ": ("en", "Pacific/Auckland"),
    # Latin America
    "MX": ("es", "America/Mexico_City"),
    "BR": ("pt", "America/Sao_Paulo"),
    "AR": ("es", "America/Argentina/Buenos_Aires"),
    "CL": ("es", "America/Santiago"),
    "CO": ("es", "America/Bogota"),
    "PE": ("es", "America/Lima"),
    "EC": ("es", "America/Guayaquil"),
    "UY": ("es", "America/Montevideo"),
    "PY": ("es", "America/Asuncion"),
    "BO": ("es", "America/La_Paz"),
    "VE": ("es", "America/Caracas"),
    "CR": ("es", "America/Costa_Rica"),
    "PA": ("es", "America/Panama"),
    "GT": ("es", "America/Guatemala"),
    "DO": ("es", "America/Santo_Domingo"),
    "PR": ("es", "America/Puerto_Rico"),
    # Europe
    "GB": ("en", "Europe/London"),
    "IE": ("en", "Europe/Dublin"),
    "DE": ("de", "Europe/Berlin"),
    "AT": ("de", "Europe/Vienna"),
    "CH": ("de", "Europe/Zurich"),
    "FR": ("fr", "Europe/Paris"),
    "BE": ("nl", "Europe/Brussels"),
    "LU": ("fr", "Europe/Luxembourg"),
    "NL": ("nl", "Europe/Amsterdam"),
    "ES": ("es", "Europe/Madrid"),
    "PT": ("pt", "Europe/Lisbon"),
    "IT": ("it", "Europe/Rome"),
    "GR": ("el", "Europe/Athens"),
    "CY": ("el", "Asia/Nicosia"),
    "MT": ("en", "Europe/Malta"),
    "PL": ("pl", "Europe/Warsaw"),
    "CZ": ("cs", "Europe/Prague"),
    "SK": ("sk", "Europe/Bratislava"),
    "HU": ("hu", "Europe/Budapest"),
    "RO": ("ro", "Europe/Bucharest"),
    "BG": ("bg", "Europe/Sofia"),
    "HR": ("hr", "Europe/Zagreb"),
    "SI": ("sl", "Europe/Ljubljana"),
    "RS": ("sr", "Europe/Belgrade"),
    "DK": ("da", "Europe/Copenhagen"),
    "SE": ("sv", "Europe/Stockholm"),
    "NO": ("nb", "Europe/Oslo"),
    "FI": ("fi", "Europe/Helsinki"),
    "IS": ("is", "Atlantic/Reykjavik"),
    "EE": ("et", "Europe/Tallinn"),
    "LV": ("lv", "Europe/Riga"),
    "LT": ("lt", "Europe/Vilnius"),
    "UA": ("uk", "Europe/Kyiv"),
    "RU": ("ru", "Europe/Moscow"),
    "BY": ("ru", "Europe/Minsk"),
    "KZ": ("ru", "Asia/Almaty"),
    "TR": ("tr", "Europe/Istanbul"),
    # Middle East and Africa
    "IL": ("he", "Asia/Jerusalem"),
    "AE": ("ar", "Asia/Dubai"),
    "SA": ("ar", "Asia/Riyadh"),
    "QA": ("ar", "Asia/Qatar"),
    "KW": ("ar", "Asia/Kuwait"),
    "BH": ("ar", "Asia/Bahrain"),
    "OM": ("ar", "Asia/Muscat"),
    "JO": ("ar", "Asia/Amman"),
    "EG": ("ar", "Africa/Cairo"),
    "MA": ("ar", "Africa/Casablanca"),
    "DZ": ("ar", "Africa/Algiers"),
    "TN": ("ar", "Africa/Tunis"),
    "NG": ("en", "Africa/Lagos"),
    "GH": ("en", "Africa/Accra"),
    "KE": ("en", "Africa/Nairobi"),
    "ZA": ("en", "Africa/Johannesburg"),
    # Asia
    "IN": ("en", "Asia/Kolkata"),
    "PK": ("ur", "Asia/Karachi"),
    "BD": ("bn", "Asia/Dhaka"),
    "CN": ("zh", "Asia/Shanghai"),
    "HK": ("zh", "Asia/Hong_Kong"),
    "MO": ("zh", "Asia/Macau"),
    "TW": ("zh", "Asia/Taipei"),
    "JP": ("ja", "Asia/Tokyo"),
    "KR": ("ko", "Asia/Seoul"),
    "SG": ("en", "Asia/Singapore"),
    "MY": ("ms", "Asia/Kuala_Lumpur"),
    "ID": ("id", "Asia/Jakarta"),
    "TH": ("th", "Asia/Bangkok"),
    "VN": ("vi", "Asia/Ho_Chi_Minh"),
    "PH": ("en", "Asia/Manila"),
    "KH": ("km", "Asia/Phnom_Penh"),
}


def alpha2_from_alpha3(code: str) -> str | None:
    return ALPHA3_TO_ALPHA2.get(code.strip().upper())


def is_alpha2(code: str) -> bool:
    return code in ALPHA2


def default_language(alpha2: str) -> str | None:
    market = MARKETS.get(alpha2.upper())
    return market[0] if market else None


def default_timezone(alpha2: str) -> str | None:
    market = MARKETS.get(alpha2.upper())
    return market[1] if market else None

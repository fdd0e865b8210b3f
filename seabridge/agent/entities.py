"""Entities in a buyer's message: order numbers, e-mail, measurements, sizes, country, budget, product words, colours.

Works on any of the agent's languages at once (a buyer may mix two), using
the word tables of the language files; numbers are read in any script that
Unicode calls decimal digits. Each language's tables are compiled once into
phrase matchers.

Folding (no case, no accents) makes some names collide with everyday words:
Vietnamese "Áo" (Austria) is "áo" (shirt), "Bỉ" (Belgium) is "bị" once the
tones are gone, English "US" is "us", Japanese "タイ" (Thailand) sits inside
"ネクタイ". Such country names are read strictly: with their accents, in
capitals, away from the start of a sentence, or as a whole katakana word.
A word that is both a colour and a product ("cream", "silver") is a colour
when the message names another product.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from seabridge.agent import locale as locales
from seabridge.agent.locale import Locale
from seabridge.agent.text import CASE_ENDINGS, PhraseMatcher, borrowed, fold, is_unspaced, tokens

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_ORDER_HASH = re.compile(r"#\s?(\d{3,8})")
# a number that may be an order number: not a size, a capacity or a price ("500 mm", "10000mAh", "$120"), in the
# units' Latin or Cyrillic letters ("на 240 Вт", "10000 мАч": a version of a product, not order #240); no "в" ("1235
# в пути" is an order on its way)
_NUMBER = re.compile(
    r"(?<![\w$€£¥₩₫฿])(?<!\d[.,])(\d{3,8})(?!\w|[.,]\d)"
    r"(?!\s?(?:mm|cm|ml|m|l|g|kg|mah|w|v|lm|gb|tb|hz|km|ft|in|€|\$|%"
    r"|мм|см|мл|м|л|г|гр|кг|мач|вт|лм|гб|тб|гц|км)(?!\w))",
    re.IGNORECASE,
)
_APART = re.compile(r"(?<=[^\x00-\u024f\d])(?=\d)|(?<=\d)(?=[^\x00-\u024f\d])")  # digits next to CJK, Thai...
_TRACKING = re.compile(r"\b([A-Z]{2}\d{9}[A-Z]{2}|\d{10,22}|[A-Z0-9]{12,30})\b")
_MEASURE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(cm|см|厘米|公分|センチ|㎝|ซม|ซ\.ม|센티|센치|سم|kg|кг|公斤|斤|キロ|㎏|กก|กิโล|킬로|키로|كغ|كيلو|lbs?|pounds?|фунт|in\b|inch|inches|дюйм|\")",
    re.IGNORECASE,
)
_FEET = re.compile(r"(\d)\s*(?:'|ft|feet|foot)\s*(\d{1,2})?\s*(?:\"|in|inches)?", re.IGNORECASE)
# a number of two or three digits, not part of a longer or decimal number ("72, hip 95" ends at the comma)
_BARE_CM = re.compile(r"(?<!\d)(?<!\d[.,])(\d{2,3})(?!\d)(?![.,]\d)")
_SIZE = re.compile(r"(?<![\w])(XXS|XS|S|M|L|XL|XXL|2XL|3XL)(?![\w])")
_EU_SIZE = re.compile(r"(?<![\d])(3[4-9]|4[0-8])(?![\d])")
_MONEY = re.compile(
    r"(?:[$€£¥₩₫฿]|usd|eur|us\$|r\$)\s*(\d+(?:[.,]\d{1,2})?)|(\d+(?:[.,]\d{1,2})?)\s*(?:[$€£¥₩₫฿]|usd|eur|dollars?|euros?|dolares|dólares|reais|долл|евро|доллар|美元|美金|ドル|달러|ดอลลาร์|دولار|lira|tl|рубл|руб)",
    re.IGNORECASE,
)
# a Latin word, or a model mark of letters and digits ("65w", "m12", "gt2"): what a catalog title may hold
_LATIN_WORD = re.compile(r"(?<![a-z0-9])(?:[a-z]+|[a-z0-9]*(?:[a-z][0-9]|[0-9][a-z])[a-z0-9]*)(?![a-z0-9])")
# "without" just before a product word: what the buyer will not need, not what they ask about ("can I change it
# myself without tools?", "¿se monta sin herramientas?")
_WITHOUT = re.compile(
    r"(?:(?<!\w)(?:without|no need for|без|sin|sans|ohne|senza|sem|tanpa|bez|بدون|khong can)|不用|无需|不需要|无须)\s*$"
)
# a power in words after its number: "65 vatios", "65 ватт", "65瓦" are the "65W" of a title
_MARKS = re.compile(r"(?<![\d.,])(\d{1,5})\s*(vatios?|watts?|watios?|ватт\w*|вт|瓦|ワット|와트)(?![a-zа-я])")
_KG = ("kg", "кг", "公斤", "キロ", "㎏", "กก", "กิโล", "킬로", "키로", "كغ", "كيلو")
_LB = ("lb", "lbs", "pound", "pounds", "фунт")
_IN = ("in", "inch", "inches", "дюйм", '"')


@dataclass(slots=True)
class Entities:
    order_numbers: list[str] = field(default_factory=list)  # "#1003"
    bare_numbers: list[str] = field(default_factory=list)  # numbers that may be an order number
    email: str = ""
    tracking_numbers: list[str] = field(default_factory=list)
    measurements: dict[str, float] = field(default_factory=dict)  # cm and kg
    sizes: list[str] = field(default_factory=list)
    country: str = ""
    max_price: Decimal | None = None
    terms: list[str] = field(default_factory=list)  # English catalog words
    colors: list[str] = field(default_factory=list)  # English colours
    latin_words: list[str] = field(default_factory=list)
    # the product words as said, folded ("보조배터리"): a cue inside one asks nothing ("배터리" of a power bank)
    said_terms: list[tuple[str, str]] = field(default_factory=list)  # (folded words said, catalog word)

    @property
    def product_terms(self) -> list[str]:
        """The terms that are not also a colour named in the message ("the cream one" names no product)."""
        return [t for t in self.terms if t not in self.colors]


_KATAKANA = "\u30a0-\u30ff"
_INFLECTED = 5  # product words this long also match as the start of a longer word (plurals, cases)
# Two-letter words of the Latin-script languages that are also a country's short name ("us", Indonesian "as").
_TWO_LETTER_WORDS = frozenset(
    [
        "am",
        "an",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
        "ya",
        "di",
        "ke",
        "ini",
    ]
)


@dataclass(frozen=True, slots=True)
class _Reader:
    """One language's entity tables, compiled."""

    countries: PhraseMatcher[str]  # folded names that are safe to read folded
    strict_countries: tuple[tuple[re.Pattern[str], str, bool], ...]  # (pattern on the text, ISO, not first word)
    inflected_countries: tuple[tuple[re.Pattern[str], str, bool], ...]  # (pattern on the folded text, ISO, _)
    terms: PhraseMatcher[str]
    colors: PhraseMatcher[str]
    modifiers: dict[str, str]  # folded word -> the English word it is before another product word


@functools.cache
def _reader(code: str) -> _Reader:
    loc = locales.load(code)
    words = {w for key in [*loc.terms, *loc.colors] for w in tokens(key)}
    safe: list[tuple[str, str]] = []
    strict: list[tuple[re.Pattern[str], str, bool]] = []
    inflected: list[tuple[re.Pattern[str], str, bool]] = []  # run on the folded text
    for name, iso in loc.country_names:
        folded = fold(name)
        if len(folded) < 2:
            continue
        light = unicodedata.normalize("NFKC", name).casefold()
        written = re.escape(unicodedata.normalize("NFKC", name))
        if folded in words:  # "Áo" (Austria) / "áo" (shirt): a capitalised name, not opening a sentence
            strict.append((re.compile(rf"(?<!\w){written}(?!\w)"), iso, True))
        elif name.isascii() and folded in _TWO_LETTER_WORDS:  # "US" / "us"
            strict.append((re.compile(rf"(?<!\w){re.escape(name.upper())}(?!\w)"), iso, False))
        elif light != folded and len(folded) <= 3:  # "Bỉ" / "bị": the accents decide
            strict.append((re.compile(rf"(?<!\w){re.escape(light)}(?!\w)", re.IGNORECASE), iso, False))
        elif all("\u30a0" <= c <= "\u30ff" for c in name):  # "タイ" / "ネクタイ": a whole katakana word
            strict.append((re.compile(rf"(?<![{_KATAKANA}]){written}(?![{_KATAKANA}])"), iso, False))
        else:
            safe.append((folded, iso))
            if len(folded) >= 5 and _CYRILLIC.fullmatch(folded) and folded[-1] in "аяь":  # "в Германию", "из Франции"
                stem = re.escape(folded[:-1])
                inflected.append((re.compile(rf"(?<!\w){stem}\w{{0,3}}(?!\w)"), iso, False))
            elif _ARABIC_NAME.fullmatch(folded):  # "لالمانيا", "والسعوديه": a clitic before the name
                inflected.append((re.compile(rf"(?<!\w)(?:[وفبلك]|ل?ل|ال){re.escape(folded)}(?!\w)"), iso, False))
    return _Reader(
        countries=PhraseMatcher(safe, whole_words=True),
        strict_countries=tuple(strict),
        inflected_countries=tuple(inflected),
        # "bouilloires", "Stirnlampen"; a short word in another case: "стола", "masanın"
        terms=PhraseMatcher(loc.terms.items(), prefix_from=_INFLECTED, endings=CASE_ENDINGS.get(code, ())),
        colors=PhraseMatcher(loc.colors.items(), whole_words=True, endings=CASE_ENDINGS.get(code, ())),
        modifiers=loc.modifiers,
    )


# Major cities buyers name instead of their country ("how long to Madrid?"), in the spellings buyers use.
# Read only when no country is named. Names that are also everyday words (Nice, Porto, Como, Lima,
# Bordeaux) are left out.
_CITIES: dict[str, str] = {  # ISO code -> names, comma-separated
    "GB": (
        "london, manchester, birmingham, liverpool, edinburgh, glasgow, londres, londra, "
        "londyn, 伦敦, ロンドン, 런던, лондон, لندن, ลอนดอน, luân đôn"
    ),
    "IE": "dublin, dublino, 都柏林",
    "FR": ("paris, parigi, lyon, lione, marseille, marsella, toulouse, 巴黎, パリ, 파리, париж, باريس, ปารีส"),
    "DE": (
        "berlin, berlino, munich, münchen, muenchen, monaco di baviera, hamburg, hamburgo, "
        "amburgo, frankfurt, francoforte, cologne, köln, koeln, düsseldorf, stuttgart, 柏林, "
        "慕尼黑, ベルリン, 베를린, берлин, برلين"
    ),
    "ES": (
        "madrid, barcelona, barcellona, valencia, sevilla, seville, siviglia, málaga, bilbao, "
        "马德里, 巴塞罗那, マドリード, 마드리드, мадрид, مدريد"
    ),
    "PT": "lisbon, lisboa, lisbona, 里斯本",
    "IT": (
        "rome, roma, milan, milano, mailand, naples, napoli, turin, torino, firenze, "
        "venice, venezia, bologna, 米兰, ミラノ, 밀라노, милан, рим"
    ),
    "NL": "amsterdam, rotterdam, 阿姆斯特丹",
    "BE": "brussels, bruxelles, brüssel, bruselas, bruxelas, antwerp, antwerpen",
    "CH": "zurich, zürich, zuerich, geneva, genève, geneve, genf, ginevra, basel, bern, 苏黎世",
    "AT": "vienna, wien, viena, vienne, 维也纳",
    "PL": "warsaw, warszawa, varsavia, krakow, kraków, 华沙",
    "CZ": "prague, praha, prag, praga",
    "SE": "stockholm, estocolmo, 斯德哥尔摩",
    "NO": "oslo",
    "DK": "copenhagen, københavn, kopenhagen, copenhague",
    "FI": "helsinki",
    "GR": "athens, athina, atenas, atene, athen",
    "HU": "budapest",
    "RO": "bucharest, bucurești, bucuresti, bukarest",
    "UA": "kyiv, kiev, kiew, київ, киев",
    "RU": (
        "moscow, moskau, moscú, moscou, mosca, москва, москву, москве, санкт-петербург, питер, "
        "петербург, 莫斯科, モスクワ, 모스크바, موسكو"
    ),
    "TR": ("istanbul, ankara, izmir, i̇zmir, antalya, bursa, 伊斯坦布尔, イスタンブール, 이스탄불, стамбул, اسطنبول"),
    "US": (
        "new york, nyc, los angeles, chicago, houston, miami, san francisco, seattle, boston, "
        "las vegas, nueva york, 纽约, 洛杉矶, ニューヨーク, 뉴욕, нью-йорк, نيويورك"
    ),
    "CA": "toronto, vancouver, montreal, montréal, ottawa, calgary, 多伦多, 温哥华",
    "MX": ("ciudad de méxico, ciudad de mexico, cdmx, guadalajara, monterrey, puebla, cancún, cancun, tijuana"),
    "CO": "bogotá, bogota, medellín, medellin, barranquilla",
    "AR": "buenos aires",
    "CL": "santiago de chile, valparaíso, valparaiso",
    "PE": "arequipa, cusco",
    "BR": (
        "são paulo, sao paulo, rio de janeiro, brasília, brasilia, belo horizonte, "
        "curitiba, porto alegre, recife, fortaleza"
    ),
    "AU": "sydney, melbourne, brisbane, perth, 悉尼, 墨尔本, シドニー, 시드니",
    "NZ": "auckland, wellington, 奥克兰",
    "JP": (
        "tokyo, osaka, kyoto, yokohama, nagoya, fukuoka, sapporo, 东京, 大阪, 京都, 東京, "
        "横浜, 도쿄, 오사카, токио, طوكيو, โตเกียว"
    ),
    "KR": "seoul, busan, incheon, 首尔, ソウル, 서울, 부산, 인천, сеул",
    "CN": ("beijing, shanghai, shenzhen, guangzhou, hangzhou, chengdu, 北京, 上海, 深圳, 广州, 杭州, 成都"),
    "TW": "taipei, kaohsiung, taichung, 台北, 高雄, 台中",
    "HK": "kowloon, 九龙",
    "SG": "新加坡",
    "MY": "kuala lumpur, penang, johor bahru, 吉隆坡",
    "ID": ("jakarta, surabaya, bandung, medan, bali, denpasar, yogyakarta, jogja, semarang, makassar, 雅加达"),
    "TH": ("bangkok, chiang mai, phuket, pattaya, 曼谷, バンコク, 방콕, กรุงเทพ, เชียงใหม่, ภูเก็ต, พัทยา"),
    "VN": (
        "hanoi, hà nội, ha noi, ho chi minh, hồ chí minh, tp hcm, tphcm, sài gòn, sai gon, "
        "saigon, đà nẵng, da nang, hải phòng, 河内, 胡志明"
    ),
    "PH": "manila, cebu, quezon city",
    "IN": "mumbai, delhi, new delhi, bangalore, bengaluru, chennai, hyderabad, kolkata",
    "AE": "dubai, abu dhabi, sharjah, دبي, أبوظبي, ابوظبي, الشارقة, 迪拜, ドバイ, 두바이, дубай",
    "SA": ("riyadh, jeddah, dammam, mecca, الرياض, جدة, جده, الدمام, مكة, المدينة المنورة"),
    "QA": "doha, الدوحة",
    "EG": "cairo, kairo, el cairo, alexandria, القاهرة, الإسكندرية, الاسكندرية",
    "MA": "casablanca, marrakech, rabat, الدار البيضاء, مراكش, الرباط",
    "LB": "beirut, بيروت",
    "IL": "tel aviv, jerusalem",
    "ZA": "johannesburg, cape town, durban",
    "NG": "lagos, abuja",
    "KE": "nairobi",
}


@functools.cache
def _city_matcher() -> PhraseMatcher[str]:
    names = ((fold(name.strip()), iso) for iso, names in _CITIES.items() for name in names.split(","))
    return PhraseMatcher(names, whole_words=True)


_CYRILLIC = re.compile(r"[\u0400-\u04ff ]+")
_ARABIC_NAME = re.compile(r"[\u0600-\u06ff]{3,}")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？]\s*)[\W\d_]*$")


def _country(text: str, folded: str, reader: _Reader) -> tuple[int, str] | None:
    """(where, ISO code) of the first country named, by the folded or the strict rules."""
    best: tuple[int, str] | None = None
    for start, _, iso in reader.countries.spans(folded):
        best = (start, iso)
        break
    if best is None:
        for pattern, iso, _ in reader.inflected_countries:
            found = pattern.search(folded)
            if found and (best is None or found.start() < best[0]):
                best = (found.start(), iso)
    for pattern, iso, not_first in reader.strict_countries:
        for match in pattern.finditer(text):
            if not_first and _SENTENCE_START.search(text[: match.start()]):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), iso)
            break
    return best


def extract(text: str, readers: list[Locale]) -> Entities:
    found = Entities()
    plain = _digits(text)
    email = _EMAIL.search(plain)
    if email:
        found.email = email.group(0).strip(".").lower()
        plain_wo_email = plain.replace(email.group(0), " ")
    else:
        plain_wo_email = plain
    found.order_numbers = [f"#{n}" for n in dict.fromkeys(_ORDER_HASH.findall(plain_wo_email))]
    spaced = _APART.sub(" ", plain_wo_email)  # "订单1226到" -> "订单 1226 到"
    found.bare_numbers = [f"#{n}" for n in dict.fromkeys(_NUMBER.findall(spaced))]
    found.tracking_numbers = [t for t in dict.fromkeys(_TRACKING.findall(plain_wo_email)) if not t.isalpha()]
    folded = fold(plain_wo_email)
    _money(folded, found)
    _measurements(plain_wo_email, folded, readers, found)
    found.sizes = list(dict.fromkeys(_SIZE.findall(plain_wo_email)))
    text = unicodedata.normalize("NFKC", plain_wo_email)
    named: list[tuple[int, int, str]] = []  # (start, end, catalog word) of each product word
    coloured: list[tuple[int, int, str]] = []  # (start, end, colour) of each colour word
    # the message's own words that only look like English ones: German "hat" (has) names no hat
    friends = locales.false_friends(readers[0].code) if readers else frozenset()
    for loc in readers:
        reader = _reader(loc.code)
        if not found.country:
            country = _country(text, folded, reader)
            found.country = country[1] if country else ""
        own = loc is readers[0]  # another language's product words are read as whole words ("tall" in "talla")
        named += [
            (at, at + len(w), t)
            for at, w, t in reader.terms.spans(folded)
            if own or (w not in friends and borrowed(folded, at, w, loc.code))
        ]
        coloured += [
            (at, at + len(w), color) for at, w, color in reader.colors.spans(folded) if own or w not in friends
        ]
        named = _modifying(folded, named, reader.modifiers)
    named = [n for n in named if not _WITHOUT.search(folded[: n[0]])]
    # the longest product words said: "kablosuz" (wireless) is not "kablo" (cable) and "giacca di jeans" is a
    # denim jacket, not a jacket and a pair of jeans; a phrase read as one plain word ("bluetooth headphones" as
    # earbuds) keeps its words' own meaning too
    # ("kafa lambası" is a headlamp and says no other lamp: an inner word whose product the phrase's own name holds)
    found.terms += [
        t
        for a, b, t in named
        if not any(
            x <= a and b <= y and y - x > b - a and (" " in u or _one_word(folded[x:y]) or t in u) for x, y, u in named
        )
    ]
    found.said_terms = list(dict.fromkeys((folded[a:b], t) for a, b, t in named))
    # a colour inside a longer product word is none: "ブルー" in "ブルートゥーススピーカー" (a Bluetooth speaker)
    found.colors += [c for a, b, c in coloured if not any(x <= a and b <= y and y - x > b - a for x, y, _ in named)]
    if not found.country:
        city = _city_matcher().find(folded)
        found.country = city[0][1] if city else ""
    found.terms = list(dict.fromkeys(found.terms))
    found.colors = list(dict.fromkeys(found.colors))
    if any(t not in found.colors for t in found.terms):  # "cream cushion cover": cream is the colour
        found.terms = found.product_terms
    # Latin words outside the product phrases read above: "french press" is a coffee maker, not something French
    phrases = [(a, b) for a, b, _ in named if not folded[a:b].isalnum()]
    found.latin_words = [
        m.group(0)
        for m in _LATIN_WORD.finditer(folded)
        if (len(m.group(0)) >= 3 or not m.group(0).isalpha())
        and m.group(0) not in friends
        and not any(a <= m.start() and m.end() <= b for a, b in phrases)
    ]
    # a power said in words ("65 vatios", "на 65 ватт", "65瓦"): the model mark a title holds ("65W")
    found.latin_words += [f"{n}w" for n, _ in _MARKS.findall(folded) if f"{n}w" not in found.latin_words]
    return found


def _one_word(text: str) -> bool:
    """Whether a product phrase is written as one word: letters, digits and the marks of Thai or Devanagari vowels
    ("ครีมกันแดด", sunscreen, holds "ครีม", cream, as a part of its name, not as another product)."""
    return all(c.isalnum() or unicodedata.category(c).startswith("M") for c in text)


# what parts two product words into two things: punctuation, "and" / "or", or a particle that ends a noun phrase
# right after the first ("ニットとワンピース", "니트랑 원피스"); "の", "な" and a space join a word to its kind
_PARTED = re.compile(
    r"[、。,.!?！？;:]|^[とやもはをがか]|^\s*(?:와|과|랑|이랑|하고|나|이나|도|는|은|을|를|이|가)(?:\s|$)|및|또는"
)
_MODIFIER_REACH = 6  # characters between a modifier and the product word it is said of ("マットなリキッドファンデ")


def _modifying(folded: str, named: list[tuple[int, int, str]], modifiers: dict[str, str]) -> list[tuple[int, int, str]]:
    """The product words, with a word that names a kind alone read as what it says of the product word after
    it: Japanese and Korean put the kind last, so "ニットのワンピース" / "니트 원피스" is a knit dress (not a
    sweater and a dress), "マットなリップ" / "매트 립스틱" a matte lipstick (not a bath mat)."""
    if not modifiers:
        return named
    out: list[tuple[int, int, str]] = []
    for a, b, t in named:
        said = modifiers.get(folded[a:b])
        if said and any(
            b <= c <= b + _MODIFIER_REACH and u != t and not _PARTED.search(folded[b:c]) for c, _, u in named
        ):
            t = said
        out.append((a, b, t))
    return out


def catalog_terms(text: str) -> list[str]:
    """The English catalog words an English text names (the product words of `extract`)."""
    return [term for _, term in _reader("en").terms.find(fold(text))]


def _digits(text: str) -> str:
    """Any Unicode decimal digit as ASCII (Arabic-Indic, full-width, Thai...)."""
    return "".join(str(int(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _money(folded: str, found: Entities) -> None:
    match = _MONEY.search(folded)
    if match:
        try:
            found.max_price = Decimal((match.group(1) or match.group(2)).replace(",", "."))
        except InvalidOperation:
            found.max_price = None


def _measurements(plain: str, folded: str, readers: list[Locale], found: Entities) -> None:
    names = [(fold(word), measure, loc.code) for loc in readers for word, measure in loc.measures.items()]
    own = readers[0].code if readers else ""
    for feet in _FEET.finditer(plain):
        inches = int(feet.group(2) or 0)
        height = round((int(feet.group(1)) * 12 + inches) * 2.54, 1)
        if 120 <= height <= 220:
            found.measurements["height"] = height
    for match in _MEASURE.finditer(plain):
        value, unit = _number(match.group(1)), match.group(2).lower()
        if unit in _KG or unit.startswith(("kg", "кг")):
            found.measurements["weight"] = value
            continue
        if unit in _LB or unit.startswith("lb"):
            found.measurements["weight"] = round(value * 0.4536, 1)
            continue
        if unit in _IN:
            value = round(value * 2.54, 1)
        measure = _named_before(fold(plain[: match.start()]), names, own) or _guess(value)
        if measure:
            found.measurements.setdefault(measure, value)
    # "waist 80" with no unit: only when a measurement word is right before the number
    for match in _BARE_CM.finditer(plain):
        measure = _named_before(fold(plain[: match.start()])[-12:], names, own)
        if measure and measure != "weight":
            found.measurements.setdefault(measure, float(match.group(1)))


def _named_before(before: str, names: list[tuple[str, str, str]], own: str) -> str:
    """The measurement named closest before a number (within the same clause).

    A measurement word starts a word; one of another language than the
    message's is a whole word there ("tall" is not in "talla 39").
    """
    best, best_at = "", -1
    tail = before[-30:]
    for word, measure, code in names:
        at = tail.rfind(word)
        while at > best_at:
            spaced = not any(is_unspaced(c) for c in word)
            starts = not spaced or at == 0 or not tail[at - 1].isalnum()
            if starts and (code == own or borrowed(tail, at, word, code)):
                best, best_at = measure, at
                break
            at = tail.rfind(word, 0, at)
    return best


def _guess(value: float) -> str:
    if 140 <= value <= 220:
        return "height"
    if 15 <= value <= 33:
        return "foot_length"
    return ""


def eu_sizes(text: str) -> list[str]:
    return _EU_SIZE.findall(_digits(text))

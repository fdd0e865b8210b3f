"""Demo customers: buyers from the markets a cross-border seller ships to.

Names are natural for each country; some Japanese, Korean, Chinese, Arabic and
Russian buyers are written in their own script. Every email uses a reserved
example domain. Phone numbers use the blocks set aside for fiction where a
country has a well-known one (US/CA 555-01xx, UK 07700 900xxx, AU 02 5550
xxxx, FR 06 39 98 xx xx); elsewhere they use an all-zero subscriber block.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")


@dataclass(frozen=True, slots=True)
class City:
    name: str
    province: str  # Shopify province code, "" where the country has none
    zip: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    language: str
    customers: int
    first_names: tuple[str, ...]  # "Native=Roman" where a native script form exists
    last_names: tuple[str, ...]
    cities: tuple[City, ...]
    streets: tuple[str, ...]  # format fields: {n} house number, {a} and {b} small numbers
    phones: tuple[str, ...]  # "#" is a random digit
    native_share: float = 0.0  # chance a buyer writes their name in native script
    notes: tuple[str, ...] = ()  # order notes buyers leave, in their language


def _c(name: str, province: str, zip_code: str, timezone: str) -> City:
    return City(name, province, zip_code, timezone)


COUNTRIES = (
    Country("US", "en", 14,
            ("Emily", "Michael", "Jessica", "Tyler", "Ashley", "Brandon", "Madison", "Jordan",
             "Kayla", "Marcus", "Sofia", "Ethan"),
            ("Johnson", "Miller", "Garcia", "Thompson", "Nguyen", "Robinson", "Walker", "Brooks",
             "Patel", "Hughes", "Reyes", "Carter"),
            (_c("New York", "NY", "10011", "America/New_York"),
             _c("Austin", "TX", "78704", "America/Chicago"),
             _c("Seattle", "WA", "98103", "America/Los_Angeles"),
             _c("Denver", "CO", "80205", "America/Denver"),
             _c("Miami", "FL", "33137", "America/New_York"),
             _c("Chicago", "IL", "60614", "America/Chicago"),
             _c("San Diego", "CA", "92104", "America/Los_Angeles"),
             _c("Phoenix", "AZ", "85004", "America/Phoenix")),
            ("{n} Maple Avenue", "{n} Cedar Street", "{n} Lakeview Drive", "{n} Oak Park Blvd",
             "{n} Willow Lane"),
            ("+1 212-555-01##", "+1 512-555-01##", "+1 206-555-01##", "+1 303-555-01##"),
            notes=("Please leave the package at the front door.", "It's a gift, no invoice in the box please.")),
    Country("CA", "en", 4,
            ("Olivia", "Liam", "Chloe", "Noah", "Maya", "Owen"),
            ("Tremblay", "MacDonald", "Wong", "Campbell", "Singh", "Leblanc"),
            (_c("Toronto", "ON", "M5V 2T6", "America/Toronto"),
             _c("Vancouver", "BC", "V6B 1A1", "America/Vancouver"),
             _c("Calgary", "AB", "T2P 1J9", "America/Edmonton")),
            ("{n} Queen Street West", "{n} Birch Crescent", "{n} Harbourfront Road"),
            ("+1 416-555-01##", "+1 604-555-01##")),
    Country("GB", "en", 8,
            ("Oliver", "Amelia", "Harry", "Isla", "George", "Poppy", "Alfie", "Freya"),
            ("Smith", "Taylor", "Evans", "Wright", "Patel", "Hughes", "Clarke", "Walsh"),
            (_c("London", "", "E2 8DY", "Europe/London"),
             _c("Manchester", "", "M4 1HN", "Europe/London"),
             _c("Bristol", "", "BS1 5TR", "Europe/London"),
             _c("Edinburgh", "", "EH6 6QU", "Europe/London")),
            ("{n} Victoria Road", "Flat {a}, {n} Church Street", "{n} Mill Lane"),
            ("+44 7700 900###",),
            notes=("If I'm out please leave it with my neighbour at number 12.",)),
    Country("AU", "en", 5,
            ("Charlotte", "Jack", "Matilda", "Lachlan", "Ruby", "Cooper"),
            ("Wilson", "Murphy", "Kelly", "Nguyen", "Ryan", "Mitchell"),
            (_c("Sydney", "NSW", "2010", "Australia/Sydney"),
             _c("Melbourne", "VIC", "3065", "Australia/Melbourne"),
             _c("Brisbane", "QLD", "4101", "Australia/Brisbane")),
            ("{n} Beach Road", "Unit {a}, {n} George Street", "{n} Wattle Avenue"),
            ("+61 2 5550 ####",)),
    Country("ES", "es", 6,
            ("Lucía", "Javier", "Carmen", "Pablo", "Elena", "Álvaro", "Marta", "Sergio"),
            ("García Fernández", "López", "Martínez Ruiz", "Sánchez", "Romero", "Navarro",
             "Jiménez", "Moreno"),
            (_c("Madrid", "M", "28004", "Europe/Madrid"),
             _c("Barcelona", "B", "08012", "Europe/Madrid"),
             _c("Valencia", "V", "46002", "Europe/Madrid"),
             _c("Sevilla", "SE", "41003", "Europe/Madrid")),
            ("Calle del Olivo, {n}, {a}º", "Avenida de la Constitución, {n}", "Carrer de la Pau, {n}"),
            ("+34 600 000 ###",),
            notes=("Por favor, entregar en portería si no estoy.",)),
    Country("MX", "es", 6,
            ("Valeria", "Diego", "Ximena", "Santiago", "Fernanda", "Emiliano", "Regina", "Mateo"),
            ("Hernández", "González", "Ramírez", "Flores", "Cruz", "Morales", "Ortiz", "Vázquez"),
            (_c("Ciudad de México", "CMX", "06700", "America/Mexico_City"),
             _c("Guadalajara", "JAL", "44160", "America/Mexico_City"),
             _c("Monterrey", "NL", "64000", "America/Monterrey"),
             _c("Puebla", "PUE", "72000", "America/Mexico_City")),
            ("Calle Jacarandas {n}, Col. Roma Norte", "Av. de los Arcos {n}", "Calle Morelos {n} Int. {a}"),
            ("+52 55 0000 ####",),
            notes=("Favor de tocar el timbre, gracias.",)),
    Country("BR", "pt", 8,
            ("Ana", "João", "Beatriz", "Lucas", "Larissa", "Rafael", "Camila", "Gabriel"),
            ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira"),
            (_c("São Paulo", "SP", "01310-100", "America/Sao_Paulo"),
             _c("Rio de Janeiro", "RJ", "22041-001", "America/Sao_Paulo"),
             _c("Belo Horizonte", "MG", "30130-010", "America/Sao_Paulo"),
             _c("Curitiba", "PR", "80010-000", "America/Sao_Paulo"),
             _c("Recife", "PE", "50030-230", "America/Recife")),
            ("Rua das Flores, {n}, apto {a}{b}", "Avenida Paulista, {n}", "Rua Sete de Setembro, {n}"),
            ("+55 11 90000-####", "+55 21 90000-####"),
            notes=("Pode deixar na portaria, por favor.", "CPF para a nota fiscal no cadastro.")),
    Country("FR", "fr", 6,
            ("Camille", "Louis", "Léa", "Hugo", "Manon", "Théo", "Chloé", "Antoine"),
            ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Fournier", "Girard"),
            (_c("Paris", "", "75011", "Europe/Paris"),
             _c("Lyon", "", "69002", "Europe/Paris"),
             _c("Marseille", "", "13006", "Europe/Paris"),
             _c("Bordeaux", "", "33000", "Europe/Paris")),
            ("{n} rue des Lilas", "{n} avenue Jean Jaurès", "{n} boulevard Voltaire, bât. {a}"),
            ("+33 6 39 98 ## ##",),
            notes=("Merci de laisser le colis chez la gardienne.",)),
    Country("DE", "de", 8,
            ("Lena", "Jonas", "Hannah", "Felix", "Mia", "Lukas", "Sophie", "Maximilian"),
            ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"),
            (_c("Berlin", "", "10115", "Europe/Berlin"),
             _c("München", "", "80331", "Europe/Berlin"),
             _c("Hamburg", "", "20095", "Europe/Berlin"),
             _c("Köln", "", "50667", "Europe/Berlin"),
             _c("Leipzig", "", "04109", "Europe/Berlin")),
            ("Lindenstraße {n}", "Goethestraße {n}", "Am Rosengarten {n}"),
            ("+49 30 00000 ###",),
            notes=("Bitte beim Nachbarn abgeben, falls ich nicht da bin.",)),
    Country("IT", "it", 5,
            ("Giulia", "Lorenzo", "Francesca", "Matteo", "Chiara", "Alessandro"),
            ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
            (_c("Milano", "MI", "20121", "Europe/Rome"),
             _c("Roma", "RM", "00185", "Europe/Rome"),
             _c("Torino", "TO", "10121", "Europe/Rome"),
             _c("Bologna", "BO", "40121", "Europe/Rome")),
            ("Via Garibaldi {n}", "Corso Vittorio Emanuele {n}", "Via dei Mille {n}, int. {a}"),
            ("+39 320 000 ####",),
            notes=("Citofonare Rossi, terzo piano.",)),
    Country("RU", "ru", 4,
            ("Анна=Anna", "Дмитрий=Dmitry", "Екатерина=Ekaterina", "Алексей=Alexey",
             "Ольга=Olga", "Иван=Ivan"),
            ("Иванова=Ivanova", "Смирнов=Smirnov", "Кузнецова=Kuznetsova", "Попов=Popov",
             "Соколова=Sokolova", "Лебедев=Lebedev"),
            (_c("Moscow", "", "125009", "Europe/Moscow"),
             _c("Saint Petersburg", "", "191186", "Europe/Moscow"),
             _c("Kazan", "", "420111", "Europe/Moscow"),
             _c("Yekaterinburg", "", "620014", "Asia/Yekaterinburg")),
            ("ul. Lesnaya, d. {n}, kv. {b}", "prospekt Mira, d. {n}, kv. {b}"),
            ("+7 900 000-##-##",), native_share=0.5),
    Country("SA", "ar", 4,
            ("نورة=Noura", "محمد=Mohammed", "ريم=Reem", "عبدالله=Abdullah", "سارة=Sara", "فيصل=Faisal"),
            ("العتيبي=Al-Otaibi", "القحطاني=Al-Qahtani", "الشهري=Al-Shehri", "الحربي=Al-Harbi",
             "الدوسري=Al-Dosari"),
            (_c("Riyadh", "", "12211", "Asia/Riyadh"),
             _c("Jeddah", "", "23434", "Asia/Riyadh"),
             _c("Dammam", "", "32241", "Asia/Riyadh")),
            ("{n} King Fahd Road, Al Olaya", "{n} Prince Sultan St, Al Rawdah"),
            ("+966 50 000 ####",), native_share=0.5),
    Country("AE", "ar", 3,
            ("مريم=Mariam", "خالد=Khalid", "فاطمة=Fatima", "أحمد=Ahmed", "ليلى=Layla"),
            ("المنصوري=Al-Mansoori", "الهاشمي=Al-Hashimi", "الكعبي=Al-Kaabi", "النعيمي=Al-Nuaimi"),
            (_c("Dubai", "DU", "", "Asia/Dubai"),
             _c("Abu Dhabi", "AZ", "", "Asia/Dubai"),
             _c("Sharjah", "SH", "", "Asia/Dubai")),
            ("Apt {a}{b}, Marina Heights Tower, Dubai Marina", "Villa {n}, Street {b}, Al Barsha"),
            ("+971 50 000 ####",), native_share=0.4),
    Country("TR", "tr", 5,
            ("Elif", "Mehmet", "Zeynep", "Emre", "Ayşe", "Burak", "Defne", "Can"),
            ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"),
            (_c("İstanbul", "", "34710", "Europe/Istanbul"),
             _c("Ankara", "", "06420", "Europe/Istanbul"),
             _c("İzmir", "", "35220", "Europe/Istanbul")),
            ("Bağdat Cd. No:{n} D:{a}", "Atatürk Blv. No:{n}", "Moda Cd. No:{n} Kadıköy"),
            ("+90 500 000 ## ##",),
            notes=("Lütfen kapıcıya bırakın.",)),
    Country("JP", "ja", 6,
            ("美咲=Misaki", "健太=Kenta", "由美=Yumi", "翔太=Shota", "さくら=Sakura", "大輔=Daisuke"),
            ("佐藤=Sato", "鈴木=Suzuki", "高橋=Takahashi", "田中=Tanaka", "伊藤=Ito", "渡辺=Watanabe"),
            (_c("Tokyo", "JP-13", "150-0001", "Asia/Tokyo"),
             _c("Osaka", "JP-27", "530-0001", "Asia/Tokyo"),
             _c("Fukuoka", "JP-40", "810-0001", "Asia/Tokyo"),
             _c("Sapporo", "JP-01", "060-0001", "Asia/Tokyo")),
            ("{a}-{b}-{n} Jingumae", "{a}-{b}-{n} Minamisenba", "{a}-chome {b}-{n} Tenjin"),
            ("+81 90-0000-####",), native_share=0.5,
            notes=("置き配でお願いします。",)),
    Country("KR", "ko", 5,
            ("지민=Jimin", "민준=Minjun", "서연=Seoyeon", "현우=Hyunwoo", "하은=Haeun"),
            ("김=Kim", "이=Lee", "박=Park", "최=Choi", "정=Jung"),
            (_c("Seoul", "", "04524", "Asia/Seoul"),
             _c("Busan", "", "48058", "Asia/Seoul"),
             _c("Incheon", "", "21554", "Asia/Seoul")),
            ("{n} Teheran-ro, Gangnam-gu", "{n} Haeundae-ro, Haeundae-gu", "{n} Yanghwa-ro, Mapo-gu"),
            ("+82 10-0000-####",), native_share=0.5,
            notes=("문 앞에 놓아 주세요.",)),
    Country("TW", "zh", 3,
            ("怡君=Yi-Chun", "志明=Chih-Ming", "雅婷=Ya-Ting", "家豪=Chia-Hao"),
            ("陳=Chen", "林=Lin", "黃=Huang", "張=Chang"),
            (_c("Taipei", "", "106", "Asia/Taipei"),
             _c("Taichung", "", "403", "Asia/Taipei"),
             _c("Kaohsiung", "", "800", "Asia/Taipei")),
            ("No. {n}, Sec. {a}, Zhongxiao E. Rd.", "No. {n}, Minsheng Rd."),
            ("+886 900 000 ###",), native_share=0.5,
            notes=("請寄放管理室，謝謝。",)),
    Country("SG", "zh", 4,
            ("Wei Ling", "Jun Jie", "Hui Min", "Zhi Hao", "Priya", "Aisyah"),
            ("Tan", "Lim", "Ng", "Wong", "Goh", "Teo"),
            (_c("Singapore", "", "238859", "Asia/Singapore"),
             _c("Singapore", "", "460123", "Asia/Singapore")),
            ("Blk {n} Bedok North Ave {a}, #{b}-{n}", "{n} Orchard Road, #{b}-0{a}"),
            ("+65 8000 ####",)),
    Country("TH", "th", 5,
            ("Ploy", "Nattapong", "Siriporn", "Thanawat", "Kanokwan", "Somchai"),
            ("Srisuk", "Chaiyaporn", "Wongsawat", "Rattanakorn", "Boonmee", "Saetang"),
            (_c("Bangkok", "TH-10", "10110", "Asia/Bangkok"),
             _c("Chiang Mai", "TH-50", "50200", "Asia/Bangkok"),
             _c("Phuket", "TH-83", "83000", "Asia/Bangkok")),
            ("{n} Sukhumvit Soi {b}, Khlong Toei", "{n} Nimmanhaemin Rd, Soi {a}"),
            ("+66 80 000 ####",),
            notes=("ฝากไว้ที่นิติบุคคลได้เลยค่ะ",)),
    Country("VN", "vi", 5,
            ("Linh", "Minh", "Thảo", "Hùng", "Trang", "Đức"),
            ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"),
            (_c("Ho Chi Minh City", "", "700000", "Asia/Ho_Chi_Minh"),
             _c("Hanoi", "", "100000", "Asia/Ho_Chi_Minh"),
             _c("Da Nang", "", "550000", "Asia/Ho_Chi_Minh")),
            ("{n} Nguyễn Huệ, Quận 1", "{n} Phố Huế, Hai Bà Trưng", "{n} Bạch Đằng, Hải Châu"),
            ("+84 90 000 ####",),
            notes=("Gọi trước khi giao giúp mình nhé.",)),
    Country("ID", "id", 5,
            ("Putri", "Budi", "Ayu", "Rizky", "Dewi", "Agus"),
            ("Santoso", "Wijaya", "Pratama", "Lestari", "Hidayat", "Kurniawan"),
            (_c("Jakarta", "JK", "12190", "Asia/Jakarta"),
             _c("Surabaya", "JI", "60271", "Asia/Jakarta"),
             _c("Bandung", "JB", "40115", "Asia/Jakarta"),
             _c("Denpasar", "BA", "80361", "Asia/Makassar")),
            ("Jl. Sudirman No. {n}", "Jl. Merdeka No. {n}, RT {a}/RW {b}"),
            ("+62 811 0000 ####",),
            notes=("Tolong titip di pos satpam ya.",)),
)  # fmt: skip

_LATIN_FOLD = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "đ": "d", "Đ": "d"})


# Legal-form suffixes for the small workshops that buy industrial parts.
_COMPANY_SUFFIX = {
    "US": "Fabrication LLC",
    "GB": "Engineering Ltd",
    "DE": "Maschinenbau GmbH",
    "IT": "Meccanica S.r.l.",
    "FR": "Atelier Mécanique SARL",
    "ES": "Talleres S.L.",
    "BR": "Usinagem Ltda",
    "MX": "Maquinados S.A. de C.V.",
    "TR": "Makine Ltd. Şti.",
}
# Notes the seller's team keeps on a buyer (written by staff, so in English).
_SELLER_NOTES = (
    "Prefers WhatsApp over email.",
    "Nickel allergy: suggest titanium or sterling silver.",
    "Reseller, asked about bulk pricing for 50+ units.",
    "Had a customs delay last time; reassure early.",
    "Buys gifts; likes gift wrap and no price on the packing slip.",
)


@dataclass(frozen=True, slots=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    country: Country
    city: City
    address1: str
    address2: str
    phone: str
    accepts_email: bool
    accepts_sms: bool
    company: str
    note: str
    tags: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def ascii_fold(text: str) -> str:
    """Accents dropped, for email local parts: "Müller" -> "muller"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN_FOLD))
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in " -")).lower()


def _split(entry: str) -> tuple[str, str]:
    native, _, roman = entry.partition("=")
    return native, roman or native


def _fill(template: str, rng: random.Random) -> str:
    digits = (str(rng.randrange(10)) if ch == "#" else ch for ch in template)
    return "".join(digits)


def build_customers(rng: random.Random) -> list[Customer]:
    customers: list[Customer] = []
    emails: set[str] = set()
    for country in COUNTRIES:
        firsts = rng.sample(country.first_names, min(country.customers, len(country.first_names)))
        for index in range(country.customers):
            first_native, first_roman = _split(firsts[index % len(firsts)])
            last_native, last_roman = _split(rng.choice(country.last_names))
            native = rng.random() < country.native_share
            email = _email(first_roman, last_roman, rng, emails)
            city = rng.choice(country.cities)
            suffix = _COMPANY_SUFFIX.get(country.code)
            company = f"{last_roman} {suffix}" if suffix and rng.random() < 0.3 else ""
            street = rng.choice(country.streets).format(
                n=rng.randrange(1, 240), a=rng.randrange(1, 9), b=rng.randrange(1, 30)
            )
            customers.append(
                Customer(
                    first_name=first_native if native else first_roman,
                    last_name=last_native if native else last_roman,
                    email=email,
                    country=country,
                    city=city,
                    address1=street,
                    address2=_apartment(country, rng),
                    phone=_fill(rng.choice(country.phones), rng),
                    accepts_email=rng.random() < 0.55,
                    accepts_sms=rng.random() < 0.25,
                    company=company,
                    note=rng.choice(_SELLER_NOTES) if rng.random() < 0.12 else "",
                    tags=("b2b",) if company else (),
                )
            )  # fmt: skip
    rng.shuffle(customers)
    return customers


def _apartment(country: Country, rng: random.Random) -> str:
    if country.code in ("US", "CA") and rng.random() < 0.3:
        return f"Apt {rng.randrange(1, 30)}"
    return ""


def _email(first: str, last: str, rng: random.Random, taken: set[str]) -> str:
    first_part = ascii_fold(first).replace(" ", "").replace("-", "")
    last_part = ascii_fold(last).replace(" ", "").replace("-", "")
    styles = (
        f"{first_part}.{last_part}",
        f"{first_part}{last_part[:1]}",
        f"{first_part[:1]}{last_part}",
        f"{first_part}_{last_part}{rng.randrange(70, 100)}",
    )
    local = rng.choice(styles)
    domain = rng.choice(EMAIL_DOMAINS)
    address, number = f"{local}@{domain}", 2
    while address in taken:
        address, number = f"{local}{number}@{domain}", number + 1
    taken.add(address)
    return address

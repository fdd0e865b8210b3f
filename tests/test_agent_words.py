"""How the agent reads product words across languages: words that only look like English catalog words, short
Arabic words inside longer ones, and how many people a product is for. Sentences written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from seabridge.agent import locale as locales
from seabridge.agent.entities import Entities, extract
from seabridge.state import AppState
from tests.test_agent_generalise import _chat


@pytest.fixture
def database_url(sqlite_dir: Path) -> str:
    """Language, not storage: the embedded default only, as in test_agent_generalise."""
    return f"sqlite+aiosqlite:///{sqlite_dir / 'seabridge.db'}"


def _read(text: str, language: str) -> Entities:
    readers = [locales.load(language)] if language == "en" else [locales.load(language), locales.load("en")]
    return extract(text, readers)


async def _answered_about(state: AppState, eval_store: int, text: str, title: str) -> None:
    """A new visitor says `text`: the bot reads a product question and answers it about `title`."""
    chat = await _chat(state, eval_store)
    reply = await chat.turn(text)
    assert reply.intent == "product_question", reply.text
    assert title in reply.text


@pytest.mark.parametrize(
    ("language", "text", "not_named"),
    [
        ("de", "Hat der Wanderrucksack einen Regenschutz dabei?", "hat"),  # has
        ("de", "Ich bin mir nicht sicher, welche Größe passt", "bin"),  # am
        ("es", "¿Cuándo sale mi pedido?", "sale"),  # goes out
        ("es", "Es tan bonito, ¿hay en rojo?", "tan"),  # so
        ("fr", "Je demande car je pars en voyage", "car"),  # because
        ("fr", "C'est pour ma sœur, vous l'avez en bleu ?", "pour"),  # for
        ("fr", "Le sérum convient aux peaux sensibles ?", "aux"),  # to the
        ("it", "Le scarpe hanno la suola in gomma? Il sole le rovina?", "sole"),  # sun
        ("tr", "Kargo hangi hatta, bin lira mı?", "hat"),  # line
        ("vi", "Sản phẩm này có lâu không, shop ở gần không?", "gan"),  # gần: near
    ],
)
def test_a_word_of_the_buyers_language_that_looks_english_names_no_product(
    language: str, text: str, not_named: str
) -> None:
    found = _read(text, language)
    assert not_named not in found.terms
    assert not_named not in found.latin_words
    assert not_named not in found.colors


def test_a_spanish_net_is_no_red_and_a_german_sage_no_colour() -> None:
    assert _read("¿La hamaca trae red contra mosquitos?", "es").colors == []  # a net
    assert _read("Ich sage nur: die Jacke ist toll", "de").colors == []  # I say
    assert _read("¿La tienen en rojo?", "es").colors == ["red"]


def test_an_english_catalog_word_a_buyer_mixes_in_is_still_read() -> None:
    assert "hat" in _read("Habt ihr einen Bucket Hat in Beige?", "de").terms
    assert "charger" in _read("¿El fast charger trae cable?", "es").terms


@pytest.mark.parametrize(
    ("text", "not_named"),
    [
        ("هل المصباح الأمامي مقاوم للماء؟", "mug"),  # "مق" (a mug) begins "مقاوم" (resistant)
        ("ابغى مجموعة فرش مكياج", "mug"),  # "مج" (a mug) begins "مجموعة" (a set)
        ("ما اعرف المقاس المناسب", "shelf"),  # "رف" (a shelf) ends "اعرف" (I know)
    ],
)
def test_a_two_letter_arabic_word_inside_a_longer_word_is_not_read(text: str, not_named: str) -> None:
    assert not_named not in _read(text, "ar").terms


@pytest.mark.parametrize("text", ["عندكم رف خشب؟", "كم طول الرف؟", "ابي مج للقهوة"])
def test_a_two_letter_arabic_word_on_its_own_or_with_its_article_is_read(text: str) -> None:
    assert _read(text, "ar").terms


@pytest.mark.parametrize(
    ("language", "text", "people"),
    [
        ("en", "is the two-person tent light?", "2-person"),
        ("de", "Wie schwer ist das Zelt für zwei Personen?", "2-person"),
        ("fr", "La tente 4 places est-elle facile à monter ?", "4-person"),
        ("ar", "كم وزن الخيمة الخفيفة لشخصين؟", "2-person"),
        ("tr", "4 kişilik çadırın kurulumu kolay mı?", "4-person"),
        ("ja", "2人用のテントは何キロですか？", "2-person"),
        ("ru", "Сколько весит двухместная палатка?", "2-person"),
    ],
)
def test_how_many_people_a_product_is_for_is_read_as_its_title_says(language: str, text: str, people: str) -> None:
    found = _read(text, language)
    assert people in found.terms
    assert "tent" in found.terms


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Hat der Wanderrucksack einen Regenschutz dabei?", "65 L Trekking Backpack with Rain Cover"),
        ("كم وزن الخيمة الخفيفة لشخصين؟", "Ultralight 2-Person Backpacking Tent"),
        ("هل المصباح الأمامي مقاوم للماء؟", "Rechargeable LED Headlamp 1200 lm"),
        ("هل لوحة المفاتيح الميكانيكية لاسلكية؟", "75% Hot-Swap Mechanical Keyboard"),  # the keyboard, "of the keys"
        ("Võng dã ngoại chịu được bao nhiêu cân?", "Packable Hammock with Tree Straps"),  # võng, not vòng (a ring)
    ],
)
async def test_the_product_a_buyer_describes_is_the_one_answered(
    state: AppState, eval_store: int, text: str, title: str
) -> None:
    await _answered_about(state, eval_store, text, title)


@pytest.mark.parametrize(
    "text",
    [
        "Mekanik klavye kablosuz mu",  # tr: the particle "mu"
        "คีย์บอร์ดแมคคานิคอลเป็นแบบไร้สายไหม",  # th: "ไหม"
        "Apakah keyboard mekanik ini wireless",  # id: "apakah"
        "هل لوحة المفاتيح الميكانيكية لاسلكية",  # ar: "هل"
        "Механическая клавиатура беспроводная ли",  # ru: "ли"
    ],
)
async def test_a_feature_asked_of_one_product_without_a_question_mark_is_a_product_question(
    state: AppState, eval_store: int, text: str
) -> None:
    await _answered_about(state, eval_store, text, "75% Hot-Swap Mechanical Keyboard")


@pytest.mark.parametrize("text", ["Ich suche eine kabellose Tastatur.", "我想买无线键盘", "หาคีย์บอร์ดไร้สายค่ะ"])
async def test_looking_for_a_kind_of_product_is_still_a_search(state: AppState, eval_store: int, text: str) -> None:
    chat = await _chat(state, eval_store)
    assert (await chat.turn(text)).intent == "product_recommendation"


def test_a_phrase_naming_a_kind_of_product_names_no_other_of_its_inner_words() -> None:
    assert _read("Kafa lambası kaç lümen?", "tr").terms == ["headlamp"]  # a head lamp: no other lamp
    assert {"headlamp", "lamp"} <= set(_read("Kafa lambası ve masa lambası", "tr").terms)  # and a table lamp


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("La gourde isotherme garde le froid combien de temps ?", "Insulated Stainless Water Bottle"),  # fr
        ("กระบอกน้ำเก็บความเย็นได้นานแค่ไหน", "Insulated Stainless Water Bottle"),  # th: keeps cold how long
        ("Kafa lambası kaç lümen?", "Rechargeable LED Headlamp 1200 lm"),  # tr: how many lumens
    ],
)
async def test_a_quantity_or_a_duration_asked_of_one_product_is_a_product_question(
    state: AppState, eval_store: int, text: str, title: str
) -> None:
    await _answered_about(state, eval_store, text, title)


@pytest.mark.parametrize(
    "text",
    ["Combien de temps pour recevoir la gourde isotherme ?", "How long does the insulated bottle take to arrive?"],
)
async def test_how_long_a_product_takes_to_arrive_is_still_a_delivery_question(
    state: AppState, eval_store: int, text: str
) -> None:
    chat = await _chat(state, eval_store)
    assert (await chat.turn(text)).intent == "delivery_time"


@pytest.mark.parametrize(
    ("first", "then", "title"),
    [
        ("Tem colar com inicial?", "Qual o comprimento da corrente?", "Initial Letter Necklace"),  # pt
        ("Rulman var mı? 608 lazım", "Paket kaç adet?", "608-2RS Deep Groove Ball Bearings"),  # tr
        ("Shop có kính cường lực cho điện thoại không?", "Một hộp có mấy miếng?", "Screen Protector"),  # vi
    ],
)
async def test_a_calm_question_right_after_a_list_is_about_the_product_shown_not_a_complaint(
    state: AppState, eval_store: int, first: str, then: str, title: str
) -> None:
    chat = await _chat(state, eval_store)
    assert (await chat.turn(first)).intent in ("product_recommendation", "product_question")
    reply = await chat.turn(then)
    assert reply.intent == "product_question"
    assert title in reply.text


async def test_an_angry_message_right_after_a_list_is_still_a_complaint(state: AppState, eval_store: int) -> None:
    chat = await _chat(state, eval_store)
    assert (await chat.turn("Tem colar de pérolas?")).intent == "product_recommendation"
    assert (await chat.turn("Que absurdo, o colar que comprei quebrou em dois dias!")).intent == "complaint"


@pytest.mark.parametrize(
    ("language", "text", "term"),
    [
        ("de", "Habt ihr Kreolen in Gold?", "hoop"),
        ("de", "Ist die Thermoflasche spülmaschinenfest?", "bottle"),
        ("it", "Il piumino ultraleggero si può lavare?", "down jacket"),
        ("pt", "Tem colar com inicial?", "initial"),
        ("ar", "عندكم حامل جوال للسيارة؟", "car"),
    ],
)
def test_everyday_product_words(language: str, text: str, term: str) -> None:
    assert term in _read(text, language).terms


@pytest.mark.parametrize(
    "text",
    [
        "do you have high waist leggings?",  # no jeans for "high"
        "do you have a blue bike helmet?",  # no phone mount for "bike", no blue dress
        "Seamless High-Waist Leggings: which size for waist 72, hips 95?",  # a draft product: not for sale
        "Habt ihr einen Fahrradhelm in Blau?",
    ],
)
async def test_a_kind_of_product_the_store_does_not_sell_finds_nothing_else(
    state: AppState, eval_store: int, text: str
) -> None:
    chat = await _chat(state, eval_store)
    reply = await chat.turn(text)
    assert not reply.products, [p.title for p in reply.products]
    assert "Jeans" not in reply.text and "Mount" not in reply.text


async def test_a_kind_the_store_sells_with_a_word_it_does_not_know_still_finds_it(
    state: AppState, eval_store: int
) -> None:
    chat = await _chat(state, eval_store)
    reply = await chat.turn("do you have a shockproof case for a galaxy phone?")
    assert reply.products and "Case" in reply.products[0].title


def test_measurements_listed_with_commas_are_all_read() -> None:
    assert _read("허리 72, 엉덩이 95예요", "ko").measurements == {"waist": 72.0, "hip": 95.0}
    assert _read("waist 72,5 hips 95", "en").measurements == {"hip": 95.0}  # 72,5 is one number, not 72


def test_a_thai_word_for_a_product_names_none_of_its_parts() -> None:
    # "ครีมกันแดด" (sunscreen) is written as one word with "ครีม" (cream) in it; Thai vowel marks are no letters
    assert _read("มีครีมกันแดดไหม", "th").terms == ["sunscreen"]


def test_the_kinds_of_products_come_from_the_product_sections_of_the_english_vocabulary() -> None:
    from seabridge.agent.catalog import kinds_of_products

    kinds = kinds_of_products()
    assert {"legging", "helmet", "tent", "keyboard"} <= kinds  # as searched: stemmed
    assert not {"waterproof", "linen", "wireless", "person"} & kinds  # attributes, materials, people per tent

"""The offline agent on buyer messages written fresh for the weak spots the held-out suite showed in aggregate:
product facts in many wordings, payment problems that name a way to pay, requests after thanks, frustration
in everyday words. Real conversations through the runner, against the evaluation store."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seabridge.agent import locale as locales
from seabridge.agent.engine import Reply
from seabridge.agent.entities import extract
from seabridge.agent.offline import OfflineEngine
from seabridge.agent.runner import BotRunner
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import customers

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def database_url(sqlite_dir: Path) -> str:
    """These tests are about language, not storage: they run on the embedded default only (conftest's SQLite
    database). Every lookup they reach runs on both backends in tests/test_agent.py and the messaging tests."""
    return f"sqlite+aiosqlite:///{sqlite_dir / 'seabridge.db'}"


@pytest.fixture
def shop(eval_store: int) -> int:
    """The shared evaluation store (conftest): these tests only talk, as new visitors; none changes its data."""
    return eval_store


class Chat:
    """One buyer's conversation with the bot."""

    def __init__(self, state: AppState, runner: BotRunner, buyer: Actor, conv_id: int) -> None:
        self.state, self.runner, self.buyer, self.conv_id = state, runner, buyer, conv_id

    async def turn(self, text: str) -> Reply:
        """The buyer says `text`; the bot's reply to it."""
        sent = await self.state.messaging.send(self.buyer, self.conv_id, secrets.token_hex(6), text)
        self.runner.remember(sent.message, text)
        outcome = await self.runner.answer(self.buyer.store_id, self.conv_id)
        assert outcome is not None
        return outcome.reply


async def _chat(state: AppState, shop: int, email: str | None = None) -> Chat:
    customer_id = None
    if email is not None:
        async with state.sessions() as session:
            customer = await customers.get_by_email(session, shop, email)
        assert customer is not None
        customer_id = customer.id
    runner = BotRunner(state.sessions, state.messaging, OfflineEngine(), clock=lambda: NOW)
    buyer = Actor(shop, "buyer", f"visitor-{secrets.token_hex(3)}", customer_id=customer_id)
    conv = await state.messaging.open_for_buyer(buyer)
    return Chat(state, runner, buyer, conv.id)


async def test_a_fact_asked_of_an_ordered_product_after_an_order_question_is_answered(
    state: AppState, shop: int
) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")  # ordered the hammock (#1037)
    assert (await chat.turn("我的订单1212到哪了")).intent == "order_status"
    reply = await chat.turn("对了，那个吊床有多长？")  # "by the way, how long is that hammock?"
    assert reply.intent == "product_question"
    assert "270 × 140" in reply.text


async def test_a_model_mark_names_the_product(state: AppState, shop: int) -> None:
    """A model mark ("65W") tells the 65W charger from the 20W one; "USB-C" alone names no cable."""
    chat = await _chat(state, shop)
    reply = await chat.turn("¿El cargador de 65W tiene garantía?")
    assert "18 months" in reply.text and "20W" not in reply.text
    reply = await chat.turn("USB-C 허브 맥북 에어랑 호환되나요?")  # is the USB-C hub compatible with a MacBook Air?
    assert "USB-C 7-in-1 Hub" in reply.text and "MacBook Air" in reply.text


async def test_on_sale_and_a_fact_of_a_named_kind_of_product_is_a_product_question(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("c'è uno sconto sul tagliere in noce? di cosa è fatto?")
    assert reply.intent == "product_question"
    assert "walnut" in reply.text.casefold()


async def test_a_way_to_pay_that_fails_is_a_payment_problem(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "ivan.sokolova@example.net")  # one order, awaiting payment (#1235)
    for text in (
        "Пытаюсь оплатить картой Visa, не получается",
        "Оплатил через PayPal, а заказ висит как неоплаченный",
        "Je n'arrive pas à payer avec PayPal",
        "paypal isn't working for me",
    ):
        reply = await chat.turn(text)
        assert reply.intent == "payment_problem", text
        assert "#1235" in reply.text, text
    assert (await chat.turn("Какие способы оплаты у вас есть?")).intent == "payment_methods"


async def test_thanks_before_a_change_to_the_order_hands_over(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "gwalsh@example.com")
    assert not (await chat.turn("is my order on its way? #1239")).escalated
    reply = await chat.turn("great thanks, could you upgrade it to express shipping?")
    assert reply.intent == "change_order" and reply.escalated


@pytest.mark.parametrize(
    "first",
    [
        "where is my order?? it's been three weeks, this is getting really annoying",
        "I can't believe my order still hasn't arrived, what a mess",
        "seriously, why is my order still not here? I'm losing my patience",
    ],
)
async def test_a_complaint_after_frustration_in_everyday_words_hands_over(
    state: AppState, shop: int, first: str
) -> None:
    chat = await _chat(state, shop, "jack.ryan@example.com")
    assert not (await chat.turn(first)).escalated
    reply = await chat.turn("and the item I got last time was damaged too")
    assert reply.intent == "complaint" and reply.escalated


async def test_a_complaint_after_a_calm_question_does_not_hand_over_yet(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "dsokolova@example.org")
    assert (await chat.turn("hello, can you check my order status please")).intent == "order_status"
    reply = await chat.turn("the box arrived damaged")
    assert reply.intent == "complaint" and not reply.escalated


@pytest.mark.parametrize(
    "change",
    [
        "the jacket looks great but could you make it navy",
        "awesome, thanks! I'd also like to add a phone case to that order",
        "great service btw i want to switch to a medium",
        "thanks for the quick reply, I'd like to amend my order",
    ],
)
async def test_praise_before_a_change_to_the_order_is_the_change(state: AppState, shop: int, change: str) -> None:
    chat = await _chat(state, shop, "gwalsh@example.com")
    assert not (await chat.turn("hi there")).escalated
    reply = await chat.turn(change)
    assert reply.intent == "change_order" and reply.escalated


async def test_a_fact_of_the_ordered_product_in_words_of_no_order_is_about_the_product(
    state: AppState, shop: int
) -> None:
    chat = await _chat(state, shop, "ivan.sokolova@example.net")  # ordered the Metal Round Side Table (#1235)
    assert (await chat.turn("что с заказом 1235?")).intent == "order_status"
    reply = await chat.turn("А какая высота у столика?")  # "and how tall is the table?"
    assert reply.intent == "product_question" and "55 cm" in reply.text and not reply.escalated


async def test_this_product_after_its_order_is_the_ordered_one(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")
    await chat.turn("1212到哪了")
    reply = await chat.turn("这个锅重吗，直径多少")  # "is this pot heavy, what is its diameter?"
    assert reply.intent == "product_question" and "Ø 24 cm" in reply.text


async def test_an_aspect_asked_after_a_product_is_asked_of_that_product(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    await chat.turn("캠핑 랜턴 있나요?")  # "do you have a camping lantern?"
    await chat.turn("고마워요")
    reply = await chat.turn("그거 방수 되나요?")  # "is it waterproof?"
    assert reply.intent == "product_question" and "Solar Camping Lantern" in reply.text


async def test_a_named_size_asked_for_is_a_stock_question(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("린넨 셔츠 L 사이즈 아이보리 있나요?")  # "is the linen shirt in L, ivory, available?"
    assert reply.intent == "product_question"
    assert "Linen Blend Camp Collar Shirt – L / Ivory" in reply.text


async def test_shades_are_the_colours_of_a_product(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("唇油有几个颜色？")  # "how many colours does the lip oil come in?"
    assert "Clear Glow" in reply.text


async def test_in_stock_asked_of_a_whole_product_says_how_many(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("ポータブルSSDの在庫はありますか？")  # "is the portable SSD in stock?"
    assert reply.intent == "product_question"
    assert "Portable SSD USB 3.2" in reply.text and "在庫" in reply.text


async def test_a_sale_asked_of_a_kind_of_product_is_about_promotions_unless_a_fact_is_asked(
    state: AppState, shop: int
) -> None:
    chat = await _chat(state, shop)
    category = await chat.turn("Avete sconti sulle giacche?")  # "any discounts on jackets?": not one product
    assert category.intent in ("discount", "product_recommendation")
    reply = await chat.turn("la borraccia termica è in sconto? quanto pesa?")  # "...on sale? how heavy is it?"
    assert reply.intent == "product_question" and "Insulated Stainless Water Bottle" in reply.text


async def test_changing_a_part_of_a_product_is_no_order_change_without_an_order(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    await chat.turn("Есть умные часы?")  # "do you have smart watches?"
    reply = await chat.turn("У часов можно поменять ремешок?")  # "can the watch's strap be changed?"
    assert reply.intent == "product_question" and not reply.escalated
    verified = await _chat(state, shop, "ivan.sokolova@example.net")
    await verified.turn("что с заказом?")
    reply = await verified.turn("Хочу поменять цвет столика на белый")  # "I want to change the table's colour"
    assert reply.intent == "change_order" and reply.escalated


async def test_a_product_with_sizes_lists_them_unless_one_is_named(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("¿De qué material es la camisa de lino de cuello camp?")
    assert "XS" in reply.text and "XXL" in reply.text


async def test_a_payment_problem_finds_the_order_by_its_place_or_its_product(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jack.ryan@example.com")  # three orders, #1206 the newest
    reply = await chat.turn("I was charged twice for my last order")
    assert reply.intent == "payment_problem" and "#1206" in reply.text
    chat = await _chat(state, shop, "amartin@mail.example")
    asked = await chat.turn("Bonjour, on m'a débité deux fois")  # "I was charged twice": which order?
    assert asked.intent == "payment_problem"
    answer = await chat.turn("la dernière")  # "the last one" of those listed
    assert answer.intent == "payment_problem" and "#" in answer.text


async def test_the_second_product_shown_is_the_one_asked_about(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    shown = await chat.turn("do you have headphones?")
    assert shown.intent == "product_recommendation" and len(shown.products) >= 2
    reply = await chat.turn("what is the second one made of?")
    assert reply.intent == "product_question" and reply.products[0].title == shown.products[1].title


async def test_a_fact_of_a_bought_item_in_chinese_is_a_product_question(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("我收到的耳机怎么连接手机？")  # "how do the headphones I received connect to my phone?"
    assert reply.intent == "product_question"


async def test_a_size_and_a_colour_named_ask_for_that_variant(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("¿Tienen la camisa de lino de cuello camp en negro talla M?")
    assert reply.intent == "product_question"
    assert "Linen Blend Camp Collar Shirt" in reply.text


async def test_ring_sizes_are_a_products_sizes(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("What is the Opal Inlay Band Ring made of?")
    assert "US 7" in reply.text


async def test_an_option_value_named_asks_for_that_variant(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    reply = await chat.turn("Il caricatore GaN da 65W con spina UK plug è disponibile?")
    assert "65W GaN USB-C Charger (3 Ports) – UK Plug" in reply.text
    reply = await chat.turn("ポータブルSSDの2TBは在庫ありますか？")  # "is the 2 TB portable SSD in stock?"
    assert "Portable SSD USB 3.2 – 2 TB" in reply.text


async def test_the_last_one_answering_which_order_is_the_latest_order(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jessicah@example.org")  # #1185 (Nov 1) is the latest of three
    asked = await chat.turn("¿dónde está mi pedido?")
    assert "#1185" in asked.text and "#1128" in asked.text  # which order? listed newest first
    reply = await chat.turn("el último")
    assert reply.intent == "order_status" and "#1185" in reply.text and "#1128" not in reply.text


async def test_one_second_is_no_place_in_a_list(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jessicah@example.org")
    await chat.turn("where's my package?")
    reply = await chat.turn("hold on, one second")
    assert reply.intent == "other" and "#1162" not in reply.text and not reply.escalated
    reply = await chat.turn("the second one")  # now a place in the list: #1162
    assert reply.intent == "order_status" and "#1162" in reply.text


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("How much is the Portable SSD USB 3.2 in 1 TB?", "$94.90"),
        ("¿Cuánto cuesta el Portable SSD USB 3.2 de 2 TB?", "130,00"),
        ("1TBのポータブルSSDはいくらですか？", "$94.90"),
    ],
)
async def test_a_variant_asked_about_has_its_own_price(state: AppState, shop: int, text: str, price: str) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and price in reply.text
    assert "59,90" not in reply.text and "$59.90" not in reply.text  # not the product's range


def test_a_word_of_another_language_is_read_whole_not_as_the_start_of_a_word() -> None:
    from seabridge.agent import locale as locales
    from seabridge.agent.classifier import default_classifier
    from seabridge.agent.entities import extract
    from seabridge.agent.text import borrowed, fold

    es, en, it = locales.load("es"), locales.load("en"), locales.load("it")
    assert extract("¿las tienen en talla 39?", [es, en]).measurements == {}  # English "tall" is not in "talla"
    assert extract("la quiero en taglia 42", [it, en]).measurements == {}
    assert extract("I'm quite tall, 183 cm", [en]).measurements == {"height": 183.0}
    assert extract("mido 170 y peso 65 kg", [es, en]).measurements == {"height": 170.0, "weight": 65.0}
    hits = default_classifier().keyword_hits(fold("¿cuál es su política de cancelación?"), "es")
    assert "cancel_order" not in hits  # neither English "cancel" nor a Spanish stem reads a policy as a request
    assert "cancel_order" in default_classifier().keyword_hits(fold("porfa cancelen mi pedido"), "es")
    text = fold("no, the jackets i ordered got cancelled")
    assert borrowed(text, text.index("jacket"), "jacket", "en")  # English endings stay readable
    assert borrowed(text, text.index("cancel"), "cancel", "en")
    text = fold("la politica de cancelacion")
    assert not borrowed(text, text.index("cancel"), "cancel", "en")


async def test_a_size_named_for_a_kind_of_product_asks_for_that_variant(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("¿Tienen las zapatillas de lona en talla 39?")
    assert reply.intent == "product_question" and "Canvas Low-Top Sneakers – 39" in reply.text
    reply = await (await _chat(state, shop)).turn("Avete la giacca in taglia M?")
    assert reply.intent == "product_question" and " – M / " in reply.text


@pytest.mark.parametrize(
    ("text", "first", "absent"),
    [
        ("do you have any waterproof jackets?", "Water-Resistant Hooded Windbreaker", "Dry Bag"),
        ("¿Tienen un altavoz portátil?", "Mini Bluetooth Speaker IPX7", "Portable SSD"),
        ("Avete una giacca di jeans?", "Denim Trucker Jacket", "High-Rise Straight Leg Jeans"),
        ("I need a ring light for my streams", "10-inch Ring Light with Phone Holder", "Signet Ring"),
        ("any watches?", "AMOLED Fitness Smart Watch", "Speaker"),  # the watch before the band
        ("kablosuz kulaklık var mı?", "ANC Wireless Earbuds", "Cable"),  # "kablosuz" (wireless) is no "kablo" (cable)
        ("防水的手表有吗？", "Watch", "Dry Bag"),
    ],
)
async def test_a_search_for_a_kind_of_product_finds_that_kind(
    state: AppState, shop: int, text: str, first: str, absent: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.products and first in reply.products[0].title
    assert all(absent not in p.title for p in reply.products)


@pytest.mark.parametrize("text", ["¿Venden cafeteras?", "Haben Sie eine Kaffeemaschine?", "looking for a french press"])
async def test_a_kind_of_product_the_shop_does_not_sell_finds_nothing_else(
    state: AppState, shop: int, text: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)  # a coffee maker: no coffee tables
    assert reply.intent == "product_recommendation" and not reply.products


def test_the_kind_of_a_catalog_product_is_its_title_noun_and_its_category() -> None:
    from seabridge.agent.catalog import kinds

    assert kinds("Mini Bluetooth Speaker IPX7", "Electronics > Audio > Speakers") == {"speaker"}
    assert kinds("Water-Resistant Hooded Windbreaker", "Clothing > Outerwear > Coats & Jackets") >= {"jacket"}
    assert "bag" in kinds("Waterproof Roll-Top Dry Bag") and "waterproof" not in kinds("Waterproof Roll-Top Dry Bag")
    assert kinds("Vegan Makeup Brush Set (12 pcs)") >= {"brush"}
    assert kinds("Nitrile O-Ring Assortment (1200 pcs)") >= {"ring"}
    assert kinds("Portable SSD USB 3.2") == {"ssd"}


@pytest.mark.parametrize(
    ("text", "shown", "absent"),
    [
        ("Any discounts on jackets?", "Packable Down Jacket", "Blouse"),
        ("do you have any jackets on sale?", "Packable Down Jacket", "Cardigan"),
        ("Gibt es Rabatt auf Kleider?", "Dress", "Blouse"),
        ("耳机有打折吗？", "Earbuds", "Blouse"),
    ],
)
async def test_a_discount_question_about_a_kind_of_product_answers_for_that_kind(
    state: AppState, shop: int, text: str, shown: str, absent: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "discount" and shown in reply.text and absent not in reply.text


async def test_a_kind_with_nothing_on_sale_is_said_so_with_its_prices(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("any deals on tents right now?")
    assert reply.intent == "discount"
    assert "not on sale" in reply.text and "Backpacking Tent ($129.00)" in reply.text


@pytest.mark.parametrize(
    ("first", "then", "weight"),
    [
        ("Busco una mochila para senderismo", "¿Cuánto pesa?", "1,1 kg"),
        ("テントを探しています", "4人用のテントの重さは？", "7.8 kg"),
        ("Есть рюкзаки для походов?", "Сколько он весит?", "1,1 kg"),
        ("Cerco una lampada da comodino", "Quanto pesa?", "950 g"),
        ("保温杯有吗", "多重？", "380 g"),
    ],
)
async def test_the_weight_asked_of_a_product_is_said(
    state: AppState, shop: int, first: str, then: str, weight: str
) -> None:
    chat = await _chat(state, shop)
    await chat.turn(first)
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and weight in reply.text


@pytest.mark.parametrize(
    ("email", "first", "then"),
    [
        ("minjun_lee81@example.com", "노트북 거치대 있어요?", "그거 다른 색으로 바꿀 수 있나요?"),
        ("alessandro.bianchi@example.com", "Avete borracce termiche?", "Si può avere in un altro colore?"),
        ("marta.sanchez@example.org", "¿Tienen mochilas?", "¿La puedo cambiar a otro color?"),
        ("yumi.suzuki@mail.example", "キャンプ用の椅子はありますか？", "サイズを変えられますか？"),
    ],
)
async def test_changing_the_product_just_shown_is_no_order_change(
    state: AppState, shop: int, email: str, first: str, then: str
) -> None:
    chat = await _chat(state, shop, email)  # verified buyers, who have orders, talking about a product
    await chat.turn(first)
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and not reply.escalated
    reply = await chat.turn(
        "quiero cambiar la dirección de mi pedido" if email.startswith("marta") else "change my order's address"
    )
    assert reply.intent == "change_order" and reply.escalated  # an order named: the order change it is


async def test_a_size_of_the_product_just_shown_asks_for_that_variant(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop)
    await chat.turn("Есть ли в наличии кроссовки?")
    reply = await chat.turn("А размер 42 есть?")  # "and is there a 42?"
    assert reply.intent == "product_question" and "Canvas Low-Top Sneakers – 42" in reply.text


async def test_a_follow_up_naming_what_the_product_works_with_stays_on_that_product(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")
    shown = await chat.turn("有没有登山包？")  # "any hiking backpacks?"
    reply = await chat.turn("它可以装笔记本吗？")  # "can it hold a laptop?": the backpack, not the laptop stand
    assert reply.intent == "product_question" and reply.products[0].title == shown.products[0].title


async def test_when_the_product_just_shown_ships_is_no_order_status(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")  # has orders, none of them a coffee table
    assert "Coffee Tables" in (await chat.turn("有咖啡桌吗")).text  # "do you have coffee tables?"
    reply = await chat.turn("这个什么时候能发货？")  # "when can this ship?"
    assert reply.intent == "product_question" and "Coffee Tables" in reply.text and "#1212" not in reply.text
    chat = await _chat(state, shop, "jhoffmann@example.org")
    assert (await chat.turn("我的订单到哪了？")).intent == "order_status"  # an order named: its status


async def test_a_variant_option_names_the_product_it_belongs_to(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("充电器有欧规插头吗？")  # "does the charger come with an EU plug?"
    assert "Charger" in reply.products[0].title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("¿El hervidor de cuello de cisne es de acero?", "Pour-Over Gooseneck Kettle"),  # "is it made of steel?"
        ("¿Qué tallas tiene el vestido de flores?", "Floral Wrap Midi Dress"),
        ("Il bollitore a collo di cigno è di acciaio?", "Pour-Over Gooseneck Kettle"),
    ],
)
async def test_is_it_made_of_asks_a_product_fact(state: AppState, shop: int, text: str, title: str) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title == title


@pytest.mark.parametrize(
    ("first", "then"),
    [("Какие есть палатки?", "А вторая сколько весит?"), ("テントはどんな種類がありますか？", "二つ目の重さは？")],
)
async def test_which_products_of_a_kind_are_there_lists_them_for_a_pick(
    state: AppState, shop: int, first: str, then: str
) -> None:
    chat = await _chat(state, shop)
    shown = await chat.turn(first)  # "what tents are there?": both tents, not the facts of the first
    assert shown.intent == "product_recommendation" and len(shown.products) == 2
    reply = await chat.turn(then)  # "and how heavy is the second one?"
    assert reply.intent == "product_question" and reply.products[0].title == shown.products[1].title


@pytest.mark.parametrize(
    ("email", "first", "then"),
    [
        (None, "How much are the Canvas Low-Top Sneakers?", "can I order them in black?"),
        ("jhoffmann@example.org", "Сколько стоят Canvas Low-Top Sneakers?", "можно заказать в чёрном?"),
        (None, "¿Cuánto cuestan las Canvas Low-Top Sneakers?", "¿se pueden comprar en azul marino?"),
        ("jhoffmann@example.org", "Was kosten die Canvas Low-Top Sneakers?", "kann man sie in Schwarz kaufen?"),
        (None, "Combien coûtent les Canvas Low-Top Sneakers ?", "je peux les commander en noir ?"),
        (None, "Canvas Low-Top Sneakers ne kadar?", "siyah renkte sipariş verebilir miyim?"),
        (None, "Canvas Low-Top Sneakersはいくらですか？", "黒で注文できますか"),
    ],
)
async def test_ordering_the_product_just_shown_asks_for_that_variant(
    state: AppState, shop: int, email: str | None, first: str, then: str
) -> None:
    chat = await _chat(state, shop, email)  # no order named: a verb of ordering asks for the product's variant
    await chat.turn(first)
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and not reply.escalated
    assert reply.products[0].title == "Canvas Low-Top Sneakers"


@pytest.mark.parametrize(
    ("first", "then", "lead"),
    [
        ("¿Cuánto cuestan las Canvas Low-Top Sneakers?", "¿puedo pedirlas en negro?", "32,90"),
        ("Canvas Low-Top Sneakersはいくらですか？", "黒で注文できますか", "32.90"),
        ("Сколько стоят Canvas Low-Top Sneakers?", "можно их купить в чёрном цвете?", "32,90"),
    ],
)
async def test_the_fact_asked_leads_the_product_answer(
    state: AppState, shop: int, first: str, then: str, lead: str
) -> None:
    chat = await _chat(state, shop)
    asked = await chat.turn(first)  # the price asked: it comes before the material, colours and sizes
    assert lead in asked.text.split("Cotton canvas")[0]
    reply = await chat.turn(then)  # a colour asked for: that variant's stock leads
    assert reply.text.startswith("Canvas Low-Top Sneakers – 36 / Black")


@pytest.mark.parametrize(
    ("language", "text", "term", "color"),
    [
        ("ru", "какой размер стола?", "table", ""),  # "стол" in the genitive
        ("ru", "а у стула какая высота", "chair", ""),
        ("tr", "masanın boyutları nedir?", "table", ""),
        ("tr", "siyahını alabilir miyim?", "", "black"),
        ("de", "gibt es die Tassen in Schwarz?", "mug", "black"),
        ("de", "die schwarzen Tassen", "mug", "black"),
        ("id", "berapa harga tasnya?", "bag", ""),
    ],
)
def test_short_product_and_colour_words_are_read_in_other_cases(
    language: str, text: str, term: str, color: str
) -> None:
    found = extract(text, [locales.load(language), locales.load("en")])
    assert (term in found.terms) if term else True
    assert (color in found.colors) if color else not found.colors


@pytest.mark.parametrize(
    ("first", "then", "lead"),
    [
        ("有咖啡桌吗", "这个从哪里发货？", "发货地：Yiwu"),  # "where does this ship from?"
        ("コーヒーテーブルはありますか？", "どこから発送されますか？", "発送元：Yiwu"),
        ("Есть журнальные столики?", "откуда отправляется?", "отправляется из: Yiwu"),
        ("テントはありますか？", "サイズはどのくらい？", "寸法"),  # a tent has no sizes: how big it is
        ("커피 테이블 있어요?", "몇 킬로예요?", "무게는 9.8 kg"),  # "how many kilos?"
    ],
)
async def test_a_follow_up_on_the_product_shown_is_answered_first(
    state: AppState, shop: int, first: str, then: str, lead: str
) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")  # has orders, none of them this product
    shown = await chat.turn(first)
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and reply.products[0].title == shown.products[0].title
    assert lead in reply.text.split("。")[0].split(". ")[0], reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Cosa mi consigli tra Canvas Low-Top Sneakers e Knit Running Shoes, di che materiale sono?",
        "¿Qué me recomiendas, el 4-Person Instant Cabin Tent o el Down Mummy Sleeping Bag -5 °C? ¿cuánto pesan?",
        "Qual é melhor para iniciantes, o Compact Camping Stove ou o Collapsible Silicone Camping Cookset?",
    ],
)
async def test_a_choice_between_named_products_asking_a_fact_is_a_product_question(
    state: AppState, shop: int, text: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)  # products named by title, a fact asked: no search
    assert reply.intent == "product_question" and reply.products[0].title in text


async def test_a_choice_between_two_named_products_answers_both(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn(
        "¿Cuál es mejor para principiantes, la Compact Camping Stove o el Collapsible Silicone Camping Cookset?"
    )
    titles = {p.title for p in reply.products}
    assert reply.intent == "product_question"
    assert titles == {"Compact Camping Stove", "Collapsible Silicone Camping Cookset"}
    assert all(title in reply.text for title in titles)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("¿La chaqueta denim trucker es de algodón?", "Denim Trucker Jacket"),
        ("Джинсовая куртка из хлопка?", "Denim Trucker Jacket"),
        ("デニムジャケットは他の色もありますか？", "Denim Trucker Jacket"),
        ("kot ceketin başka rengi var mı?", "Denim Trucker Jacket"),
        ("пуховик складывается в карман?", "Packable Down Jacket"),
        ("ナイトクリームにアルコールは入っていますか？", "Retinol Night Repair Cream"),  # a night cream, not any cream
    ],
)
async def test_a_fact_asked_of_the_one_product_a_kind_describes_is_no_search(
    state: AppState, shop: int, text: str, title: str
) -> None:
    """A kind with a word that one title holds ("denim" + "jacket") names that product, not a choice of jackets."""
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("¿el teclado mecánico es inalámbrico?", "75% Hot-Swap Mechanical Keyboard"),
        ("Does the mechanical keyboard work wirelessly?", "75% Hot-Swap Mechanical Keyboard"),
        ("tengo una duda sobre la lámpara despertador, ¿tiene radio?", "Sunrise Alarm Clock Lamp"),
        ("Sind die High-Rise Jeans dehnbar?", "High-Rise Straight Leg Jeans"),
        ("is the clear magsafe case going to yellow?", "Clear MagSafe Case for iPhone"),
        ("Chelsea boots real leather?", "Leather Chelsea Boots"),  # one word left besides the title: read whole
    ],
)
async def test_a_feature_asked_of_one_product_is_a_product_question(
    state: AppState, shop: int, text: str, title: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title == title


async def test_whether_a_kind_is_sold_is_still_a_search(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("do you sell tents?")
    assert reply.intent == "product_recommendation" and len(reply.products) == 2


@pytest.mark.parametrize(
    ("order", "then", "title"),
    [
        ("where's my order #1014?", "can you change the strap on the smart watch? is it removable?", "Watch"),
        ("¿dónde está mi pedido #1014?", "¿se puede cambiar la correa del reloj inteligente?", "Watch"),
        ("где мой заказ #1014?", "можно ли поменять ремешок у фитнес-часов? он съёмный?", "Watch"),
        ("where's my order #1014?", "does the windbreaker come in another colour? might swap later", "Windbreaker"),
    ],
)
async def test_a_product_none_of_the_orders_holds_is_no_order_change(
    state: AppState, shop: int, order: str, then: str, title: str
) -> None:
    """After order talk, changing a part of a product the buyer never ordered, or its colour, asks about it."""
    chat = await _chat(state, shop, "rubyn@mail.example")  # ordered a shirt and a bracelet (#1014), boots (#1030)
    assert (await chat.turn(order)).intent == "order_status"
    await chat.turn("ok")
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and not reply.escalated
    assert title in reply.products[0].title  # the watch, or its band


@pytest.mark.parametrize(
    ("email", "text"),
    [
        ("regina_ramirez89@example.org", "我买的牛仔夹克能换成别的颜色吗？"),  # the denim jacket of #1192
        ("regina_ramirez89@example.org", "можно поменять тарелки на белый цвет?"),  # the plates of #1147
        ("rubyn@mail.example", "can I switch the shirt to a size L? it hasn't shipped yet right"),
    ],
)
async def test_changing_an_ordered_product_is_still_an_order_change(
    state: AppState, shop: int, email: str, text: str
) -> None:
    reply = await (await _chat(state, shop, email)).turn(text)
    assert reply.intent == "change_order" and reply.escalated


@pytest.mark.parametrize(
    ("order", "then", "title"),
    [
        ("物流信息查一下", "露营灯充满电要多久", "Solar Camping Lantern"),
        ("注文#1030の追跡番号を教えてください", "ヘッドライトは防水ですか？", "Rechargeable LED Headlamp 1200 lm"),
        ("주문 #1030 배송 조회 부탁드려요", "헤드랜턴 방수 되나요?", "Rechargeable LED Headlamp 1200 lm"),
    ],
)
async def test_a_fact_of_an_ordered_product_after_tracking_is_a_product_question(
    state: AppState, shop: int, order: str, then: str, title: str
) -> None:
    chat = await _chat(state, shop, "rubyn@mail.example")  # #1030: boots, a headlamp and a lantern
    await chat.turn(order)
    await chat.turn("#1030")
    reply = await chat.turn(then)
    assert reply.intent == "product_question" and reply.products[0].title == title


async def test_a_short_question_after_a_search_is_about_the_product_not_thanks(state: AppState, shop: int) -> None:
    """A short question ("он прозрачный?") after the cases were listed asks about the first; changing its colour
    then is no order change for a buyer with no order in sight."""
    chat = await _chat(state, shop)
    assert (await chat.turn("у вас есть чехол для айфона?")).intent == "product_recommendation"
    reply = await chat.turn("он прозрачный?")
    assert reply.intent == "product_question" and reply.products[0].title == "Clear MagSafe Case for iPhone"
    reply = await chat.turn("а можно поменять цвет бампера?")
    assert reply.intent == "product_question" and not reply.escalated


# --- Facts only the description says; delivery of the product shown; sizes without a system; ja/ko follow-ups
# (agent-b). Conversations written fresh for each gap, in the languages it shows in.


@pytest.mark.parametrize(
    ("text", "title", "fact"),
    [
        ("ワイヤレスイヤホンのバッテリーは何時間持ちますか？", "ANC Wireless Earbuds", "8 h playback"),
        ("블루투스 스피커 재생 시간이 얼마나 되나요?", "Mini Bluetooth Speaker IPX7", "12 h playback"),
        ("스마트워치 배터리는 며칠 가요?", "AMOLED Fitness Smart Watch", "10-day battery"),
        ("Wie lange hält der Akku der Smartwatch?", "AMOLED Fitness Smart Watch", "10-day battery"),
        ("How long does the battery last on the over-ear headphones?", "Over-Ear Bluetooth Headphones", "60 h"),
        ("Сколько держит батарея у колонки?", "Mini Bluetooth Speaker IPX7", "12 h playback"),
        ("What's included with the screen protector?", "Tempered Glass Screen Protector", "alignment frame"),
        ("トレッキングポールには何が付属していますか？", "Carbon Fibre Trekking Poles", "four tips included"),
        ("Is the cushion insert included with the bouclé cushion cover?", "Bouclé Cushion Cover", "sold separately"),
        ("Does the duvet cover set come with pillowcases?", "Stonewashed Linen Duvet Cover Set", "two pillowcases"),
        ("How much weight can the hammock hold?", "Packable Hammock", "250 kg"),
        ("Wie viel Kilo hält das Wandregal?", "Solid Oak Floating Wall Shelf", "15 kg"),
        ("캠핑 의자 하중이 몇 kg까지 되나요?", "Folding Camping Chair", "120 kg"),
        ("¿La camisa de lino es de corte holgado?", "Linen Blend Camp Collar Shirt", "Relaxed fit"),
    ],
)
async def test_a_fact_only_the_description_says_is_quoted_first(
    state: AppState, shop: int, text: str, title: str, fact: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title.startswith(title)
    first = reply.text.split("。")[0].split(". ")[0]
    assert fact in first, reply.text


@pytest.mark.parametrize(
    ("text", "fit"),
    [
        ("リネンのシャツはゆったりしたサイズ感ですか？", "Relaxed fit"),
        ("Do the chelsea boots run small?", "Regular fit"),
        ("Does the mock neck top fit tight or loose?", "Slim fit"),
    ],
)
async def test_a_fit_question_says_the_shops_fit_before_asking_measurements(
    state: AppState, shop: int, text: str, fit: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert fit in reply.text


def test_a_description_is_read_as_sentences_and_labelled_lines() -> None:
    from seabridge.agent.description import answer, sentences

    lines = sentences(
        "<p>Keeps drinks cold 24 h. Sweat-free.</p><ul><li><strong>Material:</strong> ABS, CR2032 battery</li>"
        "<li><strong>Fit:</strong> Slim fit</li></ul><p>Ships from our Yiwu warehouse &amp; more.</p>"
    )
    assert lines == (
        "Keeps drinks cold 24 h.",
        "Sweat-free.",
        "Material: ABS, CR2032 battery",
        "Fit: Slim fit",
        "Ships from our Yiwu warehouse & more.",
    )
    assert answer(lines, "fit") == "Slim fit"
    assert answer(lines, "battery") == "Keeps drinks cold 24 h"  # not the material's "CR2032 battery"
    assert answer(lines, "included") == ""


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("折りたたみチェアの耐荷重は？", "Folding Camping Chair"),
        ("キャンピングチェアの素材は？", "Folding Camping Chair"),
        ("ウインドブレーカーは防水ですか？", "Water-Resistant Hooded Windbreaker"),
        ("スリーピングバッグの重さは？", "Down Mummy Sleeping Bag -5 °C"),
        ("슬리핑백 무게가 어떻게 돼요?", "Down Mummy Sleeping Bag -5 °C"),
        ("다운 재킷 방수 되나요?", "Packable Down Jacket"),
        ("パワーバンクの重さは？", "Magnetic Power Bank 10000mAh"),
        ("캠핑 매트 두께가 어떻게 돼요?", "Self-Inflating Camping Pad"),
        ("キャンプ用マットの厚さは？", "Self-Inflating Camping Pad"),
    ],
)
async def test_a_loanword_in_its_other_spelling_names_the_product(
    state: AppState, shop: int, text: str, title: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title == title, reply.text


@pytest.mark.parametrize(
    ("turns", "title", "fact"),
    [
        (("テントありますか？", "2人用のはいくらですか", "日本まで送料はいくら？", "さっきのテントの重さは？"),
         "Ultralight 2-Person Backpacking Tent", "1.6 kg"),
        (("텐트 있어요?", "2인용은 얼마예요?", "캐나다까지 배송비 얼마예요?", "아까 그 텐트 무게는요?"),
         "Ultralight 2-Person Backpacking Tent", "1.6 kg"),
        (("Do you have tents?", "How much is the cabin one?", "What's the shipping to Canada?",
          "And how heavy is that tent?"), "4-Person Instant Cabin Tent", "7.8 kg"),
        (("이어폰 있어요?", "노이즈캔슬링 되는 거 가격은요?", "배송은 며칠 걸려요?",
          "아까 그 이어폰 배터리는 얼마나 가요?"), "ANC Wireless Earbuds", "8 h playback"),
    ],
)  # fmt: skip
async def test_a_product_told_apart_from_a_list_is_kept_two_turns_later(
    state: AppState, shop: int, turns: tuple[str, ...], title: str, fact: str
) -> None:
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    assert replies[1].products[0].title == title, replies[1].text
    last = replies[3]
    assert last.intent == "product_question" and last.products[0].title == title, last.text
    assert fact in last.text


@pytest.mark.parametrize(
    ("text", "title", "fact"),
    [
        ("ウォールシェルフの奥行きは？", "Solid Oak Floating Wall Shelf", "Depth 20 cm"),
        ("벽 선반 깊이가 어떻게 돼요?", "Solid Oak Floating Wall Shelf", "Depth 20 cm"),
        ("美容液の成分は？", "Hyaluronic Acid Hydrating Serum", "hyaluronic acid"),
        ("세럼 성분이 뭐예요?", "Hyaluronic Acid Hydrating Serum", "hyaluronic acid"),
    ],
)
async def test_an_attribute_asked_in_a_particle_form_is_answered_first(
    state: AppState, shop: int, text: str, title: str, fact: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products[0].title == title, reply.text
    assert fact in reply.text.split("。")[0].split(". ")[0], reply.text


async def test_a_colour_inside_a_loanword_is_no_colour(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("ブルートゥーススピーカーは防水ですか")  # ブルー in ブルートゥース
    assert reply.products[0].title == "Mini Bluetooth Speaker IPX7"
    assert "Blue は" not in reply.text and "– Blue" not in reply.text  # no variant "Blue" picked


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("サンダルのサイズ展開は？", "36、37"),  # a size chart: the sizes, then the measurements asked
        ("モアサナイトの指輪のサイズは？", "US 5、US 6"),  # no chart: the sizes it comes in
    ],
)
async def test_a_question_of_the_sizes_lists_them(state: AppState, shop: int, text: str, sizes: str) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert sizes in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ("¿Tienen el anillo de moissanita en talla 7?", "US 7"),
        ("모이사나이트 반지 7호 재고 있어요?", "US 7"),
        ("モアサナイトリングのサイズ7は在庫ありますか", "US 7"),
        ("Is the signet ring available in size 9?", "US 9"),
    ],
)
async def test_a_ring_size_without_its_system_is_the_variant(
    state: AppState, shop: int, text: str, variant: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and f"– {variant}" in reply.text, reply.text


async def test_a_kind_asked_in_a_size_lists_the_ones_in_that_size(state: AppState, shop: int) -> None:
    reply = await (await _chat(state, shop)).turn("指輪は7号ありますか")  # "any rings in size 7?"
    assert reply.products and all("US 7" in p.sizes for p in reply.products), [p.title for p in reply.products]


@pytest.mark.parametrize(
    ("turns", "title", "window"),
    [
        (("How much is the hiking daypack?", "When would it arrive in Germany?"), "Hiking Daypack", "Dec 15, 2026"),
        (("ハンモックありますか", "日本まで送料はいくら？", "いつ届きますか？"), "Packable Hammock", "2026/12/07"),
        (("캠핑 의자 무게가 어떻게 돼요?", "언제 도착해요?", "한국이요"), "Folding Camping Chair", "2026. 12. 7."),
        (("¿De qué material es la mochila de senderismo?", "¿Cuánto tarda en llegar a España?"), "Hiking Daypack",
         "15 dic 2026"),
    ],
)  # fmt: skip
async def test_when_the_product_shown_would_arrive_is_said(
    state: AppState, shop: int, turns: tuple[str, ...], title: str, window: str
) -> None:
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    last = replies[-1]
    assert last.products and last.products[0].title.startswith(title), last.text
    assert window in last.text, last.text


async def test_a_product_question_that_asks_when_it_arrives_says_both(state: AppState, shop: int) -> None:
    chat = await _chat(state, shop, "jhoffmann@example.org")  # a buyer in Germany
    reply = await chat.turn("How much is the Walnut Serving Board, and when would it arrive?")
    assert reply.intent == "product_question" and "$24.90" in reply.text and "Dec 15, 2026" in reply.text


def test_a_title_naming_a_style_or_two_plugs_gets_its_kind_right() -> None:
    from seabridge.agent.catalog import kinds

    assert "cable" in kinds("Braided USB-C to USB-C Cable 100W")  # "to" joins two plugs, the noun is after them
    assert "adapter" in kinds("Cable Adapter to HDMI")
    assert not kinds("Oversized Oxford Button-Down")  # a style: the description says what it is
    assert "blouse" in kinds("Satin Button-Up Blouse")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Do you have oxford shirts?", "Oversized Oxford Button-Down"),  # "A roomy oxford shirt ..." in its body
        ("Do you sell usb-c cables?", "Braided USB-C to USB-C Cable 100W"),
    ],
)
async def test_a_kind_the_title_does_not_end_in_is_found(state: AppState, shop: int, text: str, title: str) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert title in {p.title for p in reply.products}, reply.text


@pytest.mark.parametrize(
    ("turns", "title"),
    [
        (("보조배터리 있어요?", "두 번째 거 용량이 어떻게 돼요?", "미국까지 배송비 얼마예요?", "첫 번째 거 무게는요?"),
         "Magnetic Power Bank 10000mAh"),
        (("モバイルバッテリーありますか", "2つ目の重さは？", "アメリカまでの送料は？", "最初のやつの容量は？"),
         "Magnetic Power Bank 10000mAh"),
    ],
)  # fmt: skip
async def test_a_fact_word_inside_a_product_name_asks_nothing(
    state: AppState, shop: int, turns: tuple[str, ...], title: str
) -> None:
    """ "배터리" in "보조배터리" (a power bank) names it: "is there one?" lists them; "the first one" follows."""
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    assert replies[0].intent == "product_recommendation" and len(replies[0].products) == 2
    assert replies[1].products[0].title != title
    assert replies[3].intent == "product_question" and replies[3].products[0].title == title


def test_a_number_with_a_unit_in_cyrillic_is_no_order_number() -> None:
    """ "на 240 Вт", "10000 мАч" name a version of a product; "1235 в пути" is still an order on its way."""
    readers = [locales.load("ru"), locales.load("en")]
    assert not extract("Можно поменять на версию 240 Вт?", readers).bare_numbers
    assert not extract("Повербанк на 10000 мАч есть?", readers).bare_numbers
    assert extract("Заказ 1235 в пути?", readers).bare_numbers == ["#1235"]


@pytest.mark.parametrize(
    "turns",
    [
        ("Добрый день", "Есть кабель USB-C?", "А можно поменять на версию 240 Вт?"),
        ("Нужен кабель USB-C", "Можно ли поменять цвет оплётки?"),
        ("Сколько стоит кабель USB-C?", "Сколько идёт доставка в Казахстан?", "Можно ли поменять цвет оплётки?"),
        ("I need a usb-c cable", "How long does shipping to Canada take?", "Can I change the colour of the braid?"),
    ],
)
async def test_changing_a_part_of_the_product_in_talk_is_no_order_change(
    state: AppState, shop: int, turns: tuple[str, ...]
) -> None:
    """A change asked of the cable just discussed (another version, another braid), a delivery question in between
    or not, is a question about that cable: no order is in sight, so nothing is handed over."""
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    last = replies[-1]
    assert last.intent == "product_question" and not last.escalated, last.text
    assert "Braided USB-C to USB-C Cable 100W" in last.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Нужен чехол на айфон 15", "Clear MagSafe Case for iPhone"),  # "Нужен счёт" is an invoice, this is a case
        ("Хочу термобутылку", "Insulated Stainless Water Bottle"),
        ("Necesito un cable USB-C", "Braided USB-C to USB-C Cable 100W"),
    ],
)
async def test_a_product_needed_is_a_search(state: AppState, shop: int, text: str, title: str) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_recommendation" and title in {p.title for p in reply.products}, reply.text


@pytest.mark.parametrize(
    "turns",
    [
        ("Здравствуйте", "Ищу ремешок для часов", "Его можно поменять самому без инструментов?"),
        ("Ich suche ein Uhrenarmband", "Kann man es ohne Werkzeug wechseln?"),
    ],
)
async def test_a_product_word_after_without_is_not_the_product_asked_of(
    state: AppState, shop: int, turns: tuple[str, ...]
) -> None:
    """ "without tools" says what the buyer will not need: "it" is still the watch band just shown."""
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    assert replies[-1].intent == "product_question" and "Nylon Sport Loop Watch Band" in replies[-1].text


@pytest.mark.parametrize(
    ("email", "turns", "title"),
    [
        ("ptan@mail.example", ("我的订单到哪了？", "防水袋能完全泡在水里吗？"), "Waterproof Roll-Top Dry Bag"),
        ("chihming.chen@example.org", ("我的订单怎么样了", "帐篷一个人能搭起来吗"), "4-Person Instant Cabin Tent"),
        ("chiahao_lin85@example.org", ("我的包裹到了吗", "透明手机壳会发黄吗"), "Clear MagSafe Case for iPhone"),
        (
            "chihming.chen@example.org",
            ("注文はどうなっていますか", "テントは一人で組み立てられますか"),
            "4-Person Instant Cabin Tent",
        ),
    ],
)
async def test_a_question_asked_of_an_ordered_product_after_its_order_is_answered(
    state: AppState, shop: int, email: str, turns: tuple[str, ...], title: str
) -> None:
    """Right after tracking, a Chinese or Japanese question that asks something of the product ordered (can it
    be soaked, can one person pitch it, does it go yellow) in no words of a known fact is about that product, not
    its order again, nor a search of its kind."""
    chat = await _chat(state, shop, email)
    replies = [await chat.turn(text) for text in turns]
    assert replies[-1].intent == "product_question" and title in replies[-1].text, replies[-1].text


@pytest.mark.parametrize(
    ("email", "turns"),
    [
        ("chihming.chen@example.org", ("我的订单怎么样了", "那帐篷呢")),  # "and the tent?"
        ("weiling.lim@example.com", ("我的订单到哪了", "买遮阳帽的那个")),  # "the one with the sun hat"
        ("atan@example.com", ("我的订单到哪了", "那充电器呢？")),
    ],
)
async def test_a_product_named_with_little_else_after_an_order_question_follows_it_up(
    state: AppState, shop: int, email: str, turns: tuple[str, ...]
) -> None:
    chat = await _chat(state, shop, email)
    replies = [await chat.turn(text) for text in turns]
    assert replies[-1].intent == "order_status", replies[-1].text


@pytest.mark.parametrize(
    ("email", "text", "title"),
    [
        ("valeriah@example.net", "¿El ratón inalámbrico hace ruido al hacer clic?", "Silent Wireless Mouse"),
        ("valeriah@example.net", "¿La bolsa estanca se puede sumergir por completo?", "Waterproof Roll-Top Dry Bag"),
        ("valeriah@example.net", "Hola, ¿la paleta de sombras tiene brillos?", "12-Pan Eyeshadow Palette"),
        ("fromano@example.org", "La sacca stagna si può immergere completamente?", "Waterproof Roll-Top Dry Bag"),
        ("fromano@example.org", "Les rideaux occultants bloquent-ils toute la lumière ?", "Blackout Thermal Curtains"),
        (None, "A bolsa estanque pode ficar debaixo d'água?", "Waterproof Roll-Top Dry Bag"),
    ],
)
async def test_a_question_opening_with_the_product_asks_its_facts(
    state: AppState, shop: int, email: str | None, text: str, title: str
) -> None:
    """A question whose subject is "the dry bag" presupposes the product: its facts, not a list of bags, and not
    an order of the buyer's (the buyers here have orders)."""
    reply = await (await _chat(state, shop, email)).turn(text)
    assert reply.intent == "product_question" and title in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("¿Venden bolsas estancas?", "product_recommendation"),  # whether there are any: no article
        ("¿El pedido de la batería externa cuándo llega?", "order_status"),  # an order named
    ],
)
async def test_a_question_without_the_article_or_about_an_order_keeps_its_intent(
    state: AppState, shop: int, text: str, intent: str
) -> None:
    reply = await (await _chat(state, shop, "valeriah@example.net")).turn(text)
    assert reply.intent == intent, reply.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("¿La pulsera de tenis de plata se engancha con la ropa?", "Sterling Silver Tennis Bracelet"),  # not sneakers
        ("¿El cargador de 65 vatios sirve para cargar un portátil?", "65W GaN USB-C Charger"),  # not the 20W one
    ],
)
async def test_a_product_described_in_the_buyers_words_is_found(
    state: AppState, shop: int, text: str, title: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and title in reply.text, reply.text


def test_a_power_said_in_words_is_the_model_mark() -> None:
    assert "65w" in extract("Зарядка на 65 ватт подойдёт?", [locales.load("ru"), locales.load("en")]).latin_words
    assert "65w" in extract("65瓦的充电器能给笔记本充电吗", [locales.load("zh"), locales.load("en")]).latin_words


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Quería preguntar por el anillo fino para apilar, ¿se oscurece?", "Minimalist Stacking Ring"),
        ("Hola, pienso comprar la lámpara solar para acampar, ¿cuántas horas dura?", "Solar Camping Lantern"),
        ("Me gustaría comprar el saco de dormir, pero antes quiero saber si abriga", "Down Mummy Sleeping Bag"),
        ("¿El soporte magnético para la rejilla del coche sujeta bien el móvil?", "MagSafe Car Vent Mount"),
    ],
)  # fmt: skip
async def test_a_product_asked_about_in_a_buyers_own_words_is_named(
    state: AppState, shop: int, text: str, title: str
) -> None:
    """A buyer with orders asks of one product, named in their words (the ring "to stack", a "solar lamp" for
    camping) and framed as a question about it or a wish to buy it: that product's facts, nothing handed over."""
    reply = await (await _chat(state, shop, "marta.sanchez@example.org")).turn(text)
    assert reply.intent == "product_question" and not reply.escalated and title in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("¿Vale la pena el reloj inteligente para correr?", "AMOLED Fitness Smart Watch"),
        ("¿Sirve la almohadilla autoinflable para dormir en la nieve?", "Self-Inflating Camping Pad"),
        ("¿Tienen el jersey de merino en burdeos?", "Merino Wool Crewneck Sweater"),
        ("¿Qué tal es la cazadora vaquera? ¿encoge al lavarla?", "Denim Trucker Jacket"),
        ("¿Los aros gruesos de plata se pueden mojar?", "Chunky Huggie Hoop Earrings"),
    ],
)
async def test_a_product_after_the_verb_of_a_question_is_the_one_asked_of(
    state: AppState, shop: int, text: str, title: str
) -> None:
    """ "¿Vale la pena el reloj ...?", "¿Tienen el jersey ... en burdeos?": the verb first, then the product with
    its article; that product's facts or variant, not a list of its kind."""
    reply = await (await _chat(state, shop, "pablo.jimenez@mail.example")).turn(text)
    assert reply.intent == "product_question" and title in reply.text, reply.text


async def test_a_product_word_after_as_is_the_role_asked_of_the_product(state: AppState, shop: int) -> None:
    """ "¿El gel de centella sirve como base de maquillaje?": whether the centella gel works as a make-up base,
    not a search for foundations; "something like a hammock" still looks for hammocks."""
    chat = await _chat(state, shop, "marta.sanchez@example.org")
    reply = await chat.turn("¿El gel de centella sirve como base de maquillaje?")
    assert reply.intent == "product_question" and "Centella Soothing Gel Cream" in reply.text, reply.text
    reply = await (await _chat(state, shop)).turn("¿Tienen algo como una hamaca?")
    assert "Packable Hammock with Tree Straps" in {p.title for p in reply.products}, reply.text


@pytest.mark.parametrize(
    ("text", "code", "terms"),
    [
        ("ニットのワンピースを探しています", "ja", ["knit", "dress"]),
        ("マットな口紅はありますか", "ja", ["matte", "lipstick"]),
        ("ニットとワンピース、どっちもありますか", "ja", ["sweater", "dress"]),  # two things: "と" parts them
        ("니트 원피스 있어요?", "ko", ["knit", "dress"]),
        ("매트 립스틱 찾고 있어요", "ko", ["matte", "lipstick"]),
        ("니트랑 원피스 둘 다 있나요?", "ko", ["sweater", "dress"]),
        ("반팔 셔츠 있어요?", "ko", ["short-sleeve", "shirt"]),  # a short-sleeved shirt, not a T-shirt
        ("반팔 있어요?", "ko", ["tee"]),
    ],
)
def test_a_word_said_before_a_kind_says_what_it_is_like(text: str, code: str, terms: list[str]) -> None:
    """Japanese and Korean put the kind last: "ニット" alone is a sweater, before "ワンピース" a knit dress."""
    assert extract(text, [locales.load(code)]).terms == terms


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("ニットのロングワンピースって家で洗えますか？", "Knit Bodycon Maxi Dress"),
        ("マットなリキッドファンデの色展開を教えて", "Soft Matte Liquid Foundation"),
        ("ざっくりしたニットのひざ掛けの大きさは？", "Chunky Knit Throw Blanket"),
        ("花柄のワンピースは何でできていますか", "Floral Wrap Midi Dress"),
        ("丸いサイドテーブルは何センチの高さですか", "Metal Round Side Table"),
        ("シカのクリームは何mlですか", "Centella Soothing Gel Cream"),
        ("リブニットのハイネックは伸びますか？素材は？", "Ribbed Knit Mock Neck Top"),
        ("忘れ物防止タグの電池は何ですか", "Bluetooth Item Tracker (4-Pack)"),
        ("니트 러닝화는 몇 그램이에요?", "Knit Running Shoes"),
        ("매트 립스틱은 무슨 색이 있어요?", "Velvet Matte Lipstick"),
        ("꽃무늬 원피스 재질이 뭐예요?", "Floral Wrap Midi Dress"),
        ("자충 매트 펼치면 크기가 어떻게 돼요?", "Self-Inflating Camping Pad"),
        ("자전거 거치대 무슨 소재예요?", "Bike Phone Mount with Quick Release"),
        ("골지 목폴라 티 세탁 방법 알려주세요", "Ribbed Knit Mock Neck Top"),
        ("원형 사이드 테이블 소재가 뭐예요?", "Metal Round Side Table"),
    ],
)
async def test_a_product_described_in_japanese_or_korean_words_is_the_one_answered(
    state: AppState, shop: int, text: str, title: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products and reply.products[0].title == title, reply.text


@pytest.mark.parametrize(
    ("turns", "title"),
    [
        (("자충 매트 펼치면 두께가 몇 cm예요?", "미국까지 배송 얼마나 걸려요?", "반품은 언제까지 돼요?",
          "아까 그 매트 접으면 크기가 어떻게 돼요?"), "Self-Inflating Camping Pad"),
        (("自動膨張マットの厚さを教えてください", "ドイツまで何日かかりますか", "返品はできますか",
          "そのマット、重さはどのくらいですか"), "Self-Inflating Camping Pad"),
    ],
)  # fmt: skip
async def test_a_product_discussed_named_again_in_the_buyers_own_word_is_followed(
    state: AppState, shop: int, turns: tuple[str, ...], title: str
) -> None:
    """ "아까 그 매트" after "자충 매트" (a camping pad): a kind none of the products shown is, in the word the buyer
    named the product discussed by, is that product (not the bath mat the catalog calls a mat)."""
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    last = replies[-1]
    assert last.intent == "product_question" and last.products and last.products[0].title == title, last.text


@pytest.mark.parametrize(
    ("turns", "title"),
    [
        (("텐트 있어요?", "2인용 텐트 무게는요?", "침낭도 있어요?", "배송비 얼마예요?", "아까 그 텐트 방수 돼요?"),
         "Ultralight 2-Person Backpacking Tent"),
        (("タオルはありますか", "送料はいくらですか", "さっきの旅行用のタオルの大きさは？"),
         "Quick-Dry Microfiber Travel Towel"),
    ],
)  # fmt: skip
async def test_a_product_shown_before_another_list_is_still_the_one_named(
    state: AppState, shop: int, turns: tuple[str, ...], title: str
) -> None:
    """The tent talked about two lists ago, the travel towel of the towels listed: not the best-ranked of the kind."""
    chat = await _chat(state, shop)
    replies = [await chat.turn(text) for text in turns]
    last = replies[-1]
    assert last.intent == "product_question" and last.products and last.products[0].title == title, last.text


async def test_a_word_pointing_back_to_another_kind_is_no_reference(state: AppState, shop: int) -> None:
    """ "그 텐트" right after a chair was discussed, no tent ever shown: the words name a tent, found by search."""
    chat = await _chat(state, shop)
    await chat.turn("캠핑 의자 무게가 얼마예요?")
    reply = await chat.turn("그 텐트는 몇 인용이에요?")
    assert reply.products and "Tent" in reply.products[0].title, reply.text


@pytest.mark.parametrize(
    ("email", "text", "title"),
    [
        ("kenta.ito@example.net", "この前買った指輪って何でできていますか？", "Opal Inlay Band Ring"),
        ("minjun_lee81@example.com", "제가 산 테이블 높이가 몇 cm예요?", "Metal Round Side Table"),
        ("kenta.ito@example.net", "モアサナイトの指輪の素材を教えてください", "Moissanite Solitaire Ring 1 ct"),
        # a camping pad ordered (its category "Sleeping Bags") is no bag the buyer asks of
        ("sakurai@example.net", "防水の巾着バッグは何リットル入りますか", "Waterproof Roll-Top Dry Bag"),
    ],
)
async def test_a_verified_buyer_asking_of_a_kind_means_the_one_they_ordered(
    state: AppState, shop: int, email: str, text: str, title: str
) -> None:
    """The ring of their order, not the best-ranked ring; a ring the words describe otherwise is that one."""
    reply = await (await _chat(state, shop, email)).turn(text)
    assert reply.intent == "product_question" and reply.products and reply.products[0].title == title, reply.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("ヘビーウェイトのTシャツは何グラムですか", "Heavyweight Cotton Crew Tee"),
        ("ボタンダウンのシャツは何でできていますか", "Oversized Oxford Button-Down"),
        ("ジェルライナーって何色ありますか", "Waterproof Gel Eyeliner"),
        ("美白の美容液にはどんな成分が入っていますか", "Niacinamide 10% Brightening Serum"),
        ("진정 젤 크림은 몇 ml예요?", "Centella Soothing Gel Cream"),
        ("폴로 셔츠 세탁기에 돌려도 돼요?", "Quick-Dry Performance Polo"),
        ("트레킹 폴 접으면 길이가 어떻게 돼요?", "Carbon Fibre Trekking Poles (Pair)"),
        ("속건 타올 무게가 얼마나 돼요?", "Quick-Dry Microfiber Travel Towel"),
        ("스마트 워치 배터리 며칠 가요?", "AMOLED Fitness Smart Watch"),
    ],
)
async def test_a_product_named_in_more_everyday_words_is_the_one_answered(
    state: AppState, shop: int, text: str, title: str
) -> None:
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products and reply.products[0].title == title, reply.text


async def test_an_o_ring_ordered_is_no_ring_a_buyer_wears(state: AppState, shop: int) -> None:
    """The buyer ordered O-rings ("Nitrile O-Ring Assortment"): "指輪" asks of a ring for a finger, not of them."""
    reply = await (await _chat(state, shop, "sakurai@example.net")).turn("指輪の素材は何ですか？")
    assert reply.products and "O-Ring" not in reply.products[0].title, reply.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("PT100センサーのケーブルの長さを教えてください", "PT100 Temperature Sensor Probe"),
        ("PT100 센서 케이블 길이가 어떻게 돼요?", "PT100 Temperature Sensor Probe"),
    ],
)
async def test_a_model_mark_names_its_product_whatever_kind_it_is_called(
    state: AppState, shop: int, text: str, title: str
) -> None:
    """ "PT100センサー": the catalog calls the PT100 a probe and another product a sensor; the mark decides."""
    reply = await (await _chat(state, shop)).turn(text)
    assert reply.intent == "product_question" and reply.products and reply.products[0].title == title, reply.text

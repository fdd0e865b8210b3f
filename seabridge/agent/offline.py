"""The offline engine: no network, no model download, deterministic, a few milliseconds a turn.

Each turn: pick the reply language → read entities → settle the intent (an
answer to the bot's own question serves that question's intent) → measure
frustration → run the intent's skill, which looks facts up through the
buyer-scoped tools and writes the reply from the language file → decide on a
handoff. The skills live in `skills.py`; this module owns the turn.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from seabridge.agent import locale as locales
from seabridge.agent.classifier import IntentClassifier, Prediction, default_classifier
from seabridge.agent.engine import DialogueState, Reply, Turn
from seabridge.agent.entities import Entities, eu_sizes, extract
from seabridge.agent.handoff import hours_text, when_text
from seabridge.agent.locale import Locale
from seabridge.agent.text import PhraseMatcher, borrowed, contains_phrase, fold, is_unspaced, tokens
from seabridge.agent.views import ProductView

# Intents that need to know which of the buyer's orders is meant.
ORDER_INTENTS = frozenset(
    {"order_status", "return_request", "refund_status", "invoice", "change_order", "cancel_order"}
)
# Intents a bare country continues ("and to France?").
COUNTRY_INTENTS = frozenset({"delivery_time", "shipping_cost"})
RETURN_INTENTS = frozenset({"return_policy", "return_request"})
PRODUCT_INTENTS = frozenset({"product_question", "size_advice", "product_recommendation"})
# Keywords too common to outweigh another intent ("my order", "hello", "exchange").
_GENERIC = frozenset({"greeting", "order_status", "return_policy", "other"})
# Guesses that a message naming a kind of product is about the product instead, unless their own words are used
# ("Нужен чехол на айфон" reads like "Нужен счёт", an invoice, until its word "счёт" is looked for).
_ASIDE = frozenset({"other", "discount", "payment_methods", "account", "greeting", "human_agent", "invoice"})
# Topics a follow-up question about a product is mistaken for ("how long does it extend?").
_CONFUSABLE = frozenset({"delivery_time", "discount", "payment_methods", "return_policy", "shipping_cost", "other"})
# Intents a message keeps even when it names a product's title.
_KEEP_OVER_TITLE = frozenset(
    {"product_question", "product_recommendation", "size_advice", "complaint", "human_agent", "feedback", "discount"}
    | ORDER_INTENTS
)
# Topics whose words a question about a product does not use: an order, its delivery, a complaint, a return.
_NOT_OF_A_PRODUCT = ORDER_INTENTS | {"delivery_time", "complaint", "return_policy", "refund_status"}
# Guesses a question about one product is mistaken for when it uses no words of theirs ("does it shed?").
_MISREAD = frozenset(
    {"complaint", "order_status", "return_policy", "delivery_time", "refund_status", "payment_problem"}
)
# What a buyer says after an order answer that is not about another order, even naming a product.
_OWN_TOPICS = frozenset({"complaint", "feedback", "greeting"})
# Requests whose answer holds no one's personal data: another person named in them ("a gift for someone
# else", "my friend loves it") is no attempt to reach that person's data.
_NO_PERSONAL_DATA = frozenset(
    {"greeting", "goodbye", "feedback", "complaint", "human_agent", "discount"}
    | PRODUCT_INTENTS
    | COUNTRY_INTENTS
    | {"return_policy", "payment_methods"}
)
# Guesses a question about an ordered product is mistaken for when it has no words of its own topic.
_ORDERED_GUESSES = frozenset(
    {"product_question", "product_recommendation", "shipping_cost", "delivery_time", "refund_status"}
)
# How likely an order question must be for a guess at a question about an ordered product to be one.
_ORDER_EVIDENCE = 0.15
# Concrete requests an angry buyer still means literally.
# Requests about one placed order: a number in the message is that order, not a status question.
_ABOUT_AN_ORDER = ORDER_INTENTS | {"payment_problem"}
_REQUESTS = frozenset(
    {"human_agent", "cancel_order", "change_order", "return_request", "refund_status", "payment_problem", "invoice"}
)


@dataclass(slots=True)
class Context:
    """One turn in progress: what the skills read and write."""

    turn: Turn
    loc: Locale
    entities: Entities
    intent: str
    prediction: Prediction
    parts: list[str] = field(default_factory=list)
    products: list[ProductView] = field(default_factory=list)
    escalate: str = ""  # a handoff reason, when the skill decides to hand over
    note: bool = False  # ask the runner to leave the summary for the team without a handoff
    understood: bool = True
    folded: str = ""  # the message folded, once: every cue reads it

    @property
    def state(self) -> DialogueState:
        return self.turn.state

    def say(self, key: str, **values: object) -> None:
        self.parts.append(self.loc.say(key, **values))

    def fact(self, text: str) -> None:
        if text not in self.state.facts:
            self.state.facts = [*self.state.facts, text][-12:]

    def tried(self, text: str) -> None:
        if text not in self.state.tried:
            self.state.tried = [*self.state.tried, text][-8:]

    def cue(self, list_name: str) -> bool:
        """Whether the message uses a word of `list_name` in its language's file or in English's."""
        if not self.folded:
            self.folded = fold(self.turn.text)
        folded = self.folded
        return any(
            (lang == self.loc.code or borrowed(folded, start, word, lang)) and not self.inside_a_product_word(word)
            for start, word, lang in _cue_matcher(self.loc, list_name).spans(folded)
        )

    @property
    def asked(self) -> bool:
        """Whether the message is a question: a question mark, or a question word or particle of its language,
        which many buyers write without one (Thai "ไหม", Chinese "吗", Turkish "mı", Arabic "هل")."""
        return any(mark in self.turn.text for mark in _QUESTION_MARKS) or self.cue("question")

    @property
    def ends_asking(self) -> bool:
        """Whether the message ends as a question: its last mark a question mark, or a question word or particle
        without one ("он прозрачный?", "โปร่งใสไหม")."""
        text = self.turn.text.rstrip()
        return text.endswith(_QUESTION_MARKS) or (not text.endswith((".", "!", "。", "！")) and self.cue("question"))

    def inside_a_product_word(self, word: str) -> bool:
        """Whether every time the message says `word` it is part of a longer word naming a kind of product ("배터리"
        in "보조배터리", a power bank; "バッテリー" in "モバイルバッテリー"): the product's name, not a question of it
        ("непромокаемый", waterproof, still asks)."""
        if not self.folded:
            self.folded = fold(self.turn.text)
        tools = self.turn.tools
        inside = sum(w.count(word) for w, term in self.entities.said_terms if w != word and tools.names_a_kind(term))
        return inside > 0 and inside >= self.folded.count(word)

    def names_an_order(self) -> bool:
        """Whether the message names an order: a word of `order_word` that is not part of a verb of ordering or
        buying ("can I order it in black?", "можно заказать", "¿se puede comprar?" ask for a product)."""
        if not self.folded:
            self.folded = fold(self.turn.text)
        folded, code = self.folded, self.loc.code
        verbs = [
            (start, start + len(word))
            for start, word, lang in _cue_matcher(self.loc, "buy_verb").spans(folded)
            if lang == code or borrowed(folded, start, word, lang)
        ]
        return any(
            not any(a <= start < b for a, b in verbs)
            for start, word, lang in _cue_matcher(self.loc, "order_word").spans(folded)
            if lang == code or borrowed(folded, start, word, lang)
        )


# (language, word list) -> (the Locale it was built from, one matcher over that list and English's).
_CUE_MATCHERS: dict[tuple[str, str], tuple[Locale, PhraseMatcher[str]]] = {}


_QUESTION_MARKS = ("?", "？", "؟")


def _cue_matcher(loc: Locale, list_name: str) -> PhraseMatcher[str]:
    """The words of a list, folded once: `contains_phrase`'s rules for each, in one pass over the message.
    English's words, read in a message of another language, must be whole words there (`borrowed`)."""
    cached = _CUE_MATCHERS.get((loc.code, list_name))
    if cached is not None and cached[0] is loc:
        return cached[1]
    readers = {loc.code: loc, "en": locales.load("en")}
    matcher = PhraseMatcher(
        (fold(w), code) for code, reader in readers.items() for w in reader.words.get(list_name, ())
    )
    _CUE_MATCHERS[(loc.code, list_name)] = (loc, matcher)
    return matcher


class OfflineEngine:
    name = "offline"

    def __init__(self, classifier: IntentClassifier | None = None) -> None:
        self.classifier = classifier or default_classifier()

    async def reply(self, turn: Turn) -> Reply:
        from seabridge.agent import skills

        state = turn.state
        language = self.reply_language(turn)
        state.language = language
        loc = locales.load(language)
        readers = [loc] if language == "en" else [loc, locales.load("en")]
        entities = _without_roles(turn, extract(turn.text, readers))
        prediction = self.classifier.classify(_without_titles(turn), language)
        intent = self.settle_intent(turn, prediction, entities)
        ctx = Context(turn, loc, entities, intent, prediction)
        ctx.intent = self.read_tone(ctx)
        ctx.intent = self.payment_trouble(ctx)
        ctx.intent = self.placed_order(ctx)
        ctx.intent = self.human_only_evidence(ctx)
        ctx.intent = await self.unordered_product(ctx)
        ctx.intent = self.product_focus(ctx)
        ctx.intent = await self.order_reference(ctx)
        frustrated = self.frustration(ctx)
        await skills.run(ctx)
        return self.finish(ctx, frustrated)

    # --- language ------------------------------------------------------------

    @staticmethod
    def reply_language(turn: Turn) -> str:
        """The message's language, checked against the language files' own words.

        The detector is a statistical model that guesses on a two-word
        message ("olá!", "hmm", "chào shop"): a short message is read in
        the language whose words it uses, and what it does not settle keeps
        the conversation's language.
        """
        known = locales.available()
        previous = next(
            (
                code
                for code in (
                    turn.state.language,
                    turn.buyer.language if turn.buyer is not None else "",
                )
                if code in known
            ),
            "",
        )
        detected = turn.language if turn.language in known else ""
        chosen = lexical_language(turn.text, detected, previous)
        if chosen:
            return chosen
        default = turn.tools.store.default_language
        return default if default in known else "en"

    # --- intent ----------------------------------------------------------------

    def settle_intent(self, turn: Turn, prediction: Prediction, entities: Entities) -> str:
        state = turn.state
        intent = prediction.intent
        confident = prediction.intent != "other" and prediction.confidence >= 0.6 and bool(prediction.keywords)
        pending = state.pending
        if pending == "verify" and (entities.email or entities.order_numbers or entities.bare_numbers):
            return state.pending_intent or "order_status"
        if pending == "which_order" and (entities.order_numbers or entities.bare_numbers) and not confident:
            return state.pending_intent or "order_status"
        if pending == "which_order" and not confident and ordinal(turn.text) is not None:
            return state.pending_intent or "order_status"
        if pending == "size" and (entities.measurements or entities.sizes) and not confident:
            return "size_advice"
        if pending == "country" and entities.country and not confident:
            return state.pending_intent or "delivery_time"
        names_product = entities.terms or any(turn.tools.knows(w) for w in entities.latin_words)
        if pending == "product" and names_product and not entities.order_numbers and not confident:
            return state.pending_intent or "product_question"
        if intent == "other" or not confident:
            if entities.order_numbers and not entities.measurements:
                if intent in _ABOUT_AN_ORDER and prediction.confidence >= 0.9:
                    return intent  # "my payment for order #1232 failed": the number serves the request
                return state.last_intent if state.last_intent in ORDER_INTENTS else "order_status"
            if entities.tracking_numbers:
                return "order_status"
            if entities.country and state.last_intent in COUNTRY_INTENTS:
                return state.last_intent
            if entities.measurements and (state.product or state.last_intent == "size_advice"):
                return "size_advice"
            if intent == "other" and entities.email and state.last_intent in ORDER_INTENTS:
                return state.last_intent
        if intent == "account" and (entities.order_numbers or entities.bare_numbers):
            # an order number (with the e-mail it was placed with) is about that order, not the account
            return state.last_intent if state.last_intent in ORDER_INTENTS else "order_status"
        if intent == "delivery_time" and not entities.country and state.last_intent in RETURN_INTENTS:
            return "return_policy"  # "how many days do I have?" while talking about a return
        if intent == "delivery_time" and not entities.country and RETURN_INTENTS & set(prediction.keywords):
            return "return_policy"  # "how long do I have to send it back?"
        if intent == "shipping_cost" and RETURN_INTENTS & set(prediction.keywords):
            return "return_policy"  # "do I pay the shipping if I send it back?"
        if intent == "product_recommendation" and "payment_methods" in prediction.keywords and not entities.terms:
            return "payment_methods"  # "do you have afterpay?": a way to pay, not a product
        return intent

    @staticmethod
    def read_tone(ctx: Context) -> str:
        """What the words of the message say over its topic.

        An attempt to change the bot's rules or to reach someone else's data
        is not a request to serve (only an order question is still answered,
        within the buyer's own orders); anger without a concrete request is a
        complaint, whatever the message is about ("late again, worst shop ever").
        """
        intent = ctx.intent
        if ctx.cue("injection"):  # only the buyer's own order is still answered, never "all orders"
            return intent if intent == "order_status" and not ctx.cue("other_person") else "other"
        if ctx.cue("other_person") and intent not in _NO_PERSONAL_DATA:
            return intent if intent == "order_status" else "other"
        if intent == "refund_status" and "complaint" in ctx.prediction.keywords and not ctx.state.order:
            return "complaint"  # "it arrived cracked, I want my money back": no refund is under way yet
        if (intent in _REQUESTS and intent in ctx.prediction.keywords) or intent == "complaint":
            return intent
        if _praise(ctx):
            return intent  # "crazy good quality", "der Wahnsinn": strong words, said in praise
        if ctx.cue("frustration") or ctx.cue("not_helpful"):
            ents = ctx.entities
            asked = ctx.asked
            known = ents.order_numbers or ents.bare_numbers or asked or ctx.turn.tools.verified
            # asked in its own words, or plainly asked ("where's my parcel?!") with no word of damage
            damage = "complaint" in ctx.prediction.keywords
            worded = intent in ctx.prediction.keywords or (asked and ctx.prediction.confidence >= 0.9 and not damage)
            if intent == "order_status" and worded and known:
                return intent  # "this is ridiculous, where is order #1177?": still a question to answer
            return "complaint"
        return intent

    @staticmethod
    def payment_trouble(ctx: Context) -> str:
        """A way to pay named with the words of a failure is a payment problem ("PayPal won't let me pay",
        "paid by transfer but the order is still unpaid"); so is a guess at an order or refund question that
        only the words of a payment problem back ("the money was taken from my account")."""
        intent, keywords = ctx.intent, ctx.prediction.keywords
        if intent == "payment_methods" and ("payment_problem" in keywords or ctx.cue("fails")):
            return "payment_problem"
        if intent in ("order_status", "refund_status") and "payment_problem" in keywords and intent not in keywords:
            return "payment_problem"
        return intent

    @staticmethod
    def human_only_evidence(ctx: Context) -> str:
        """A human-only intent hands the conversation over, so a weak guess at one gives way: to a
        specific request whose own words the message uses ("return", "which size"), or, when the
        classifier is unsure, to the best-ranked intent that does not hand over."""
        intent, prediction = ctx.intent, ctx.prediction
        human_only = ctx.turn.tools.store.human_only
        if intent in human_only and "refund_status" in prediction.keywords:
            return "refund_status"  # "I cancelled it, when do I get my money back?"
        if intent in human_only and _about_a_product_not_an_order(ctx):
            return "product_question"  # "can the strap of the watch be changed?" while talking about products
        if intent in human_only and _about_the_product_shown(ctx):
            return "product_question"  # "can I get it in another colour?" right after the product was shown
        if (
            intent in human_only
            and intent not in prediction.keywords
            and ctx.entities.product_terms
            and _buys_anew(ctx)
        ):
            # "me gustaría comprar el saco de dormir, pero antes quiero saber si abriga": a product to buy, in no
            # words of a change or a cancellation, is no placed order to hand over
            return "product_question"
        if intent not in human_only or intent in prediction.keywords or intent != prediction.intent:
            return intent
        swap = len(ctx.entities.sizes) >= 2  # "the L instead of the XXL": sizes named to change, not to choose
        specific = [
            k
            for k in prediction.keywords
            if k not in human_only and k not in _GENERIC and not (swap and k == "size_advice")
        ]
        if specific:
            return max(specific, key=lambda k: dict(prediction.ranked).get(k, 0.0))
        if prediction.confidence < 0.9:
            return next((c for c, _ in prediction.ranked if c not in human_only), intent)
        return intent

    @staticmethod
    async def unordered_product(ctx: Context) -> str:
        """A guess at an order change that asks a fact of a product none of the buyer's orders holds ("does the
        windbreaker come in another colour?" after a question about an order of shirts): that product's facts,
        not a change to hand over. An order named, or a product of an order named with it ("swap the shirt for
        the windbreaker"), keeps the change; and a close guess at a product question in the words of a change,
        about a product the buyer ordered, is that change."""
        from seabridge.agent import skills

        ents, intent, ranked = ctx.entities, ctx.intent, dict(ctx.prediction.ranked)
        if not ctx.turn.tools.verified or not ents.product_terms or ents.order_numbers or ents.bare_numbers:
            return intent
        # "can the jacket I bought be changed to another colour?": a close guess at a fact of a product the buyer
        # ordered, in the words of a change, is the change
        wavering = intent == "product_question" and ranked.get("change_order", 0.0) >= 0.3
        changing = wavering and "change_order" in ctx.prediction.keywords and not _about_the_product_shown(ctx)
        if changing and not _buys_anew(ctx):
            titles = await skills.mentioned_titles(ctx)
            orders = await ctx.turn.tools.list_orders()
            return "change_order" if any(skills.holds(o, t) for o in orders for t in titles[:3]) else intent
        asked = ctx.asked
        if intent != "change_order" or ctx.names_an_order() or not (asked or _asks_a_product_fact(ctx)):
            return intent
        titles = await skills.mentioned_titles(ctx)
        orders = await ctx.turn.tools.list_orders()
        if not titles or any(skills.holds(o, t) for o in orders for t in titles):
            return intent
        items = [item for o in orders for item in o.items]
        if ctx.turn.tools.of_a_kind_in(tuple(ents.product_terms), items):
            return intent  # "can I get my coat in black?": a product of a kind the buyer ordered may be that one
        return "product_question"

    @staticmethod
    def placed_order(ctx: Context) -> str:
        """Sizes talked about with an order number are about that placed order: a change or a return; a size
        that did not fit, with the words of a return, is a return."""
        ents, keywords = ctx.entities, ctx.prediction.keywords
        if ctx.intent == "size_advice" and (ents.order_numbers or ents.bare_numbers):
            for intent in ("return_request", "change_order"):
                if intent in keywords:
                    return intent
        if ctx.intent == "size_advice" and "change_order" in keywords and len(ents.sizes) >= 2:
            return "change_order"  # "I'd like the L instead of the XXL"
        if ctx.intent == "size_advice" and "return_request" in keywords:
            return "return_request"  # "I'd like to send the jacket back, it runs small"
        return ctx.intent

    @staticmethod
    def product_focus(ctx: Context) -> str:
        """A product question needs a product: with none named or discussed yet, a question about a kind of
        product ("do you have waterproof speakers?") is a search; and a bare colour or size after a product
        was discussed ("in blue?") asks about that product."""
        intent, state, ents, tools = ctx.intent, ctx.state, ctx.entities, ctx.turn.tools
        if ents.measurements and "size_advice" in ctx.prediction.keywords and intent in PRODUCT_INTENTS:
            return "size_advice"  # "recommend me a size: waist 72"
        if intent == "delivery_time" and _a_duration_of_the_product(ctx):
            return "product_question"  # "la gourde isotherme garde le froid combien de temps ?"
        available = {"product_question", "product_recommendation"} & set(ctx.prediction.keywords)
        sized = ents.sizes or eu_sizes(ctx.turn.text)
        variant = sized and (available or ents.colors)  # "in black, size 42?": one variant asked for
        if intent == "size_advice" and variant and not ents.measurements:
            return "product_question"  # "is the L still in stock?", "¿hay stock en la talla 39?": that size's stock
        if intent == "size_advice" and sized and not ents.measurements and _a_size_of_the_product_shown(ctx, sized):
            return "product_question"  # "and in 42?" after the sneakers: that size of them, not advice
        numbered = ents.order_numbers or (ents.bare_numbers and ctx.cue("order_word"))
        if intent in PRODUCT_INTENTS and numbered and not ents.product_terms and not ents.measurements:
            return state.last_intent if state.last_intent in ORDER_INTENTS else "order_status"  # "看看订单1212"
        titled = tools.title_matches(ctx.turn.text)
        unclaimed = intent not in ctx.prediction.keywords and intent not in _KEEP_OVER_TITLE
        if titled and unclaimed:
            return "product_question"  # a product named by its title, and nothing else clearly asked
        one = bool(titled) or _names_one_product(ctx)
        asked = ctx.asked
        # "¿El despertador con luz simula el amanecer?": the article presupposes the product, whoever asks
        presupposed = (one and _no_order_in_sight(ctx)) or named_in_a_definite_question(ctx)
        if asked and intent in _MISREAD and intent not in ctx.prediction.keywords and presupposed:
            # "Sind die High-Rise Jeans dehnbar?", "is the clear magsafe case going to yellow?": a question about
            # one product, in no words of a complaint or an order, with no order in sight
            return "product_question"
        searching = "product_recommendation" in ctx.prediction.keywords
        if intent == "product_recommendation" and one and asked and not searching and not state.product:
            # "¿el teclado mecánico es inalámbrico?": a feature of the one product named, not whether it is sold
            featured = tools.beyond_the_title(tuple(ents.product_terms)) or bool(ents.measurements)
            # "Kafa lambası kaç lümen?", "กระบอกน้ำเก็บความเย็นได้นานแค่ไหน": a quantity or a duration asked of
            # it, in no words of buying or delivery
            quantity = (ctx.cue("ask_quantity") or "delivery_time" in ctx.prediction.keywords) and not (
                ctx.cue("buy_verb") or ctx.cue("delivery_word")
            )
            if featured or quantity or _asks_a_product_fact(ctx):
                return "product_question"
        if intent == "product_recommendation" and asked and not searching and named_in_a_definite_question(ctx):
            # "¿El ratón inalámbrico hace ruido al hacer clic?": the mouse there is, asked of; a search asks whether
            # there are any ("¿tienen ratones inalámbricos?")
            return "product_question"
        follow_up = state.product and state.last_intent in PRODUCT_INTENTS
        asked = ctx.ends_asking
        # "он прозрачный?" after the cases were shown: a question, not thanks in words of no thanks
        mistaken = (intent in _CONFUSABLE and (intent != "other" or asked)) or (intent == "feedback" and asked)
        # "Qual o comprimento da corrente?" right after the necklaces: a question in no words of a complaint, not one
        calm = not (ctx.cue("frustration") or ctx.cue("not_helpful") or ctx.cue("fails"))
        mistaken = mistaken or (intent == "complaint" and asked and calm and _no_order_in_sight(ctx))
        unrelated = ents.country or ents.order_numbers or ents.bare_numbers or ents.email
        if follow_up and mistaken and intent not in ctx.prediction.keywords and not unrelated:
            return "product_question"  # "and how heavy is it?" about the product just discussed
        about_one = (follow_up and not ents.product_terms) or titled
        # "is it compatible with...", "made of", "can it go in the dishwasher"; not a word inside a product's name
        asks_a_fact = _asks_in_own_words(ctx) or _names_an_attribute(ctx)
        if intent == "discount" and (about_one or (asks_a_fact and ents.product_terms)) and not _asks_for_a_code(ctx):
            # "is that one on sale?", "any discount on the Trail Pack 40?", "is the walnut board on sale, and what
            # is it made of?": the price and facts of a product the buyer names, not the store's promotions
            return "product_question"
        named = bool(ents.product_terms)
        on_sale = "discount" in ctx.prediction.keywords and not asks_a_fact and not state.product
        if intent == "product_recommendation" and named and on_sale and not _asks_for_a_code(ctx):
            return "discount"  # "do you have any jackets on sale?": the promotions on a kind of product
        if named and intent in _ASIDE and intent not in ctx.prediction.keywords:
            # a title, or a kind with a word of one title, named in a message read as nothing about products:
            # "una pregunta sobre el vestido cruzado de flores: ¿tiene forro?"; a lone kind's word may be another
            # product's ("suporte" is a stand, the bike mount's too), so it is searched for
            described = bool(titled) or tools.names_one(tuple(ents.product_terms), described=True)
            # a buyer with orders asking "¿el vestido cruzado de flores tiene forro?" with the article: the dress
            unordered = _no_order_in_sight(ctx) or named_in_a_definite_question(ctx)
            if state.product or (described and asked and unordered and not ctx.cue("buy_verb")):
                return "product_question"
            return "product_recommendation"  # "a mechanical keyboard?"
        guessed = intent not in ctx.prediction.keywords and intent in _CONFUSABLE | {"refund_status"}
        if asks_a_fact and named and guessed and not unrelated:
            return "product_question"  # "сколько стоит разделочная доска?": the words of a fact, about a product
        searching = "product_recommendation" in ctx.prediction.keywords
        if intent == "product_recommendation" and asks_a_fact and named and not searching:
            return "product_question"  # "is the hiking backpack waterproof?" asks a fact of one kind of product
        facts = ("ask_material", "ask_price", "ask_dimensions", "ask_weight")
        if intent == "product_recommendation" and titled and (asks_a_fact or any(ctx.cue(c) for c in facts)):
            return "product_question"  # "which do you advise, the X or the Y: what are they made of?": named, a fact
        if intent == "product_question" and not (state.product or asks_a_fact) and named:
            # "do you have waterproof speakers?" is a search; "how many watts is the charger?" asks a fact
            # right after the buyer's order was talked about, "帐篷一个人能搭起来吗" (can one person pitch the tent?)
            # asks of the tent they ordered, not which tents there are
            in_order_talk = bool(state.order) and state.last_intent in ORDER_INTENTS
            # "¿La bolsa estanca se puede sumergir?": the article presupposes the one bag meant
            the_one = in_order_talk or named_in_a_definite_question(ctx)
            searching = "product_recommendation" in ctx.prediction.keywords
            close = dict(ctx.prediction.ranked).get("product_recommendation", 0.0) >= 0.2
            searching = searching or (close and not the_one)
            # "what tents are there?": a kind with a choice in it, and no fact of one asked, is a search
            only_kinds = all(tools.names_a_kind(t) for t in ents.product_terms)  # "tents", not "a laptop sleeve"
            asked_of = _asks_an_attribute(ctx) or _asks_a_product_fact(ctx)
            count = tools.kind_count(tuple(ents.product_terms)) if only_kinds else 0
            choice = only_kinds and not asked_of and count > 1 and not the_one
            # "is the denim jacket made of cotton?", "デニムジャケットは他の色も?": a fact of the one product named
            one = only_kinds and count == 1 and _asks_a_product_fact(ctx)
            searching = (searching or choice) and not one
            return "product_recommendation" if searching and not tools.title_matches(ctx.turn.text) else intent
        if intent == "product_recommendation" and named and not state.product and _asks_a_product_fact(ctx):
            only_kinds = all(tools.names_a_kind(t) for t in ents.product_terms)
            if only_kinds and tools.kind_count(tuple(ents.product_terms)) == 1:
                return "product_question"  # "does the denim jacket come in another colour?": one product, a fact
        if intent == "product_recommendation" and state.product and not named and (ents.colors or ents.sizes):
            return "product_question"
        return intent

    @staticmethod
    async def order_reference(ctx: Context) -> str:
        """An answer to "which order?", or a follow-up about another order, that names a product: "the curtains one".

        Read as the order question when the product is in one of the buyer's
        orders, whatever the classifier made of the product words.
        """
        from seabridge.agent import skills

        turn, state, intent = ctx.turn, ctx.state, ctx.intent
        asked = state.pending == "which_order"
        follow_up = state.last_intent in ORDER_INTENTS and state.last_intent not in turn.tools.store.human_only
        if await OfflineEngine.ordered_product(ctx) or await OfflineEngine.own_delivery(ctx):
            return "order_status"
        # "where does it ship from?" in the words of an order status ("発送"): a fact of the product just shown
        guessed = intent not in ctx.prediction.keywords or ctx.cue("ask_ships_from")
        if intent == "order_status" and guessed and await _asks_of_the_product(ctx):
            return "product_question"
        if (intent in ORDER_INTENTS and not asked) or intent == state.pending_intent:
            return intent
        if _asks_a_fact(ctx):
            return intent  # "and how long is the hammock?": a fact of an ordered product, in its own words
        if intent in PRODUCT_INTENTS and (_asks_a_product_fact(ctx) or _buys_anew(ctx)):
            return intent  # "what colours does the jacket come in?", "I'd like to buy the headphones too, ...?"
        if not (asked or follow_up) or not turn.tools.verified:
            return intent
        unspaced = any(is_unspaced(c) for c in turn.text[:40])
        # a follow-up names the product and little else ("y la chamarra de mezclilla?", "那帐篷呢？"); a message in
        # Chinese or Japanese is one token, so what it says beyond the product words is counted in characters
        short = _names_little_else(ctx) if unspaced else len(tokens(fold(turn.text))) <= 8
        # a complaint, thanks or a greeting in its own words stays one; a guess at one with no such words gives
        # way to a short follow-up naming an ordered item ("y la chamarra de mezclilla?")
        claimed = intent in ctx.prediction.keywords or ctx.cue("frustration")
        if intent in ("human_agent", "goodbye") or (not asked and intent in _OWN_TOPICS and (claimed or not short)):
            return intent
        if intent == "complaint" and intent in ctx.prediction.keywords:
            return intent  # "the last one arrived damaged" answers "which order?" and complains: the complaint
            # skill finds that order
        if not asked and not short:
            return intent
        if not (ctx.entities.terms or ctx.entities.latin_words):
            return intent
        orders = await turn.tools.list_orders()
        titles = await skills.mentioned_titles(ctx)
        if any(skills.holds(o, t) for o in orders for t in titles) or (asked and skills.distinguished(ctx, orders)):
            return (state.pending_intent if asked else state.last_intent) or "order_status"
        return intent

    @staticmethod
    async def own_delivery(ctx: Context) -> bool:
        """A verified buyer with an order on its way asking when their order comes, naming no country ("when
        will my order get here?"): the order's own status and estimate, not the store's shipping times."""
        if ctx.intent != "delivery_time" or ctx.entities.country or not ctx.turn.tools.verified:
            return False
        if not ctx.cue("order_word"):
            return False
        orders = await ctx.turn.tools.list_orders()
        return any(o.delivered_at is None and o.cancelled_at is None for o in orders)

    @staticmethod
    async def ordered_product(ctx: Context) -> bool:
        """A verified buyer asking after a product they ordered, in no words of another topic ("did the hammock
        ship yet?", "any news on the jade roller?"): a question about that order."""
        from seabridge.agent import skills

        turn, keywords = ctx.turn, ctx.prediction.keywords
        if not turn.tools.verified or ctx.intent not in _ORDERED_GUESSES:
            return False
        if ctx.intent in keywords and not (ctx.intent == "delivery_time" and not ctx.entities.country):
            return False  # "when does the dutch oven arrive?" from its buyer is about the order
        if keywords and set(keywords) & (PRODUCT_INTENTS | {"discount", "complaint", "feedback"}):
            return False  # "is the dutch oven dishwasher safe?", "the hammock is great"
        ranked = dict(ctx.prediction.ranked)
        if ranked.get("order_status", 0.0) + ranked.get("delivery_time", 0.0) < _ORDER_EVIDENCE:
            return False  # "does the backpack I bought have a laptop sleeve?": nothing in it asks after the order
        if ctx.state.pending or not (ctx.entities.product_terms or ctx.entities.latin_words):
            return False
        if _asks_a_product_fact(ctx) or _buys_anew(ctx):
            return False  # "is the headlamp waterproof?", "I want to buy the lantern too": the product, not its order
        titles = await skills.mentioned_titles(ctx)
        if not titles:
            return False
        orders = await turn.tools.list_orders()
        return any(skills.holds(o, t) for o in orders for t in titles[:3])

    # --- frustration -------------------------------------------------------------

    @staticmethod
    def frustration(ctx: Context) -> bool:
        text = ctx.turn.text
        letters = [c for c in text if c.isalpha()]
        shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7
        score = 0
        if ctx.cue("frustration") and not _praise(ctx):
            score += 2
        if ctx.cue("not_helpful"):
            score += 2
        if shouting:
            score += 1
        if text.count("!") >= 3 or text.count("?") >= 3 or "!!" in text or "??" in text:
            score += 1
        if any(len(word) >= 4 and word.isupper() for word in re.findall(r"[^\W\d_]+", text)):
            score += 1  # one shouted word: "and NOTHING!!"
        if "complaint" in ctx.prediction.keywords and ctx.intent != "complaint":
            score += 1  # "broken", "disappointed" in a message about something else
        if ctx.intent == "complaint":
            score += 2  # something went wrong: two complaints in a row are frustration that persists
        frustrated = score >= 2
        state = ctx.state
        state.sentiment = (
            "angry" if score >= 3 else "negative" if frustrated or ctx.intent == "complaint" else _calm(ctx.intent)
        )
        if score >= 3 and state.tension >= 1:
            # angry after a tense turn ("STILL not here. Three weeks now." then "this is a joke, I'm reporting
            # you"): the frustration persists, as after two frustrated turns
            state.frustrated = max(state.frustrated, 1)
        if not _bare_answer(ctx):
            state.tension = score
        return frustrated

    # --- the end of a turn ----------------------------------------------------------

    def finish(self, ctx: Context, frustrated: bool) -> Reply:
        state, turn = ctx.state, ctx.turn
        # a bare answer to the bot's question ("#1043", an e-mail) neither calms nor angers: the count holds
        state.frustrated = state.frustrated + 1 if frustrated else (state.frustrated if _bare_answer(ctx) else 0)
        state.not_understood = 0 if ctx.understood else state.not_understood + 1
        reason = ctx.escalate
        if not reason and ctx.intent in turn.tools.store.human_only:
            reason = "human_only"
        if not reason and state.frustrated >= 2:
            reason = "frustration"
        if not reason and state.not_understood >= 2:
            reason = "not_understood"
        already = state.handed_off or turn.status == "waiting"
        escalated = False
        summary = ""
        if reason and already:
            ctx.parts = [p for p in ctx.parts if p] or []
            ctx.say("handoff_waiting")
        elif reason:
            turn.tools.escalate(reason)
            escalated = True
            state.handed_off = True
            ctx.say("handoff")
            store = turn.tools.store
            now_open, when = when_text(store, turn.now, _buyer_tz(turn), ctx.loc)
            if now_open:
                ctx.say("handoff_now")
            else:
                ctx.say("handoff_later", hours=hours_text(store, ctx.loc), when=when)
            summary = self.summary(ctx, reason)
        elif ctx.note:
            summary = self.summary(ctx, "")
        state.last_intent = ctx.intent
        state.saw([p.id for p in ctx.products])
        return Reply(
            text=" ".join(p for p in ctx.parts if p),
            language=ctx.loc.code,
            intent=ctx.intent,
            escalated=escalated,
            handoff_reason=reason if escalated else "",
            summary=summary,
            products=ctx.products,
            tool_calls=list(turn.tools.calls),
        )

    @staticmethod
    def summary(ctx: Context, reason: str) -> str:
        """The handoff note, in the agents' language."""
        code = ctx.turn.agent_language if ctx.turn.agent_language in locales.available() else "en"
        loc = locales.load(code)
        state = ctx.state
        lines = [
            loc.say(
                "summary",
                reason=loc.reasons.get(reason, loc.intent_names.get(ctx.intent, ctx.intent)),
                intent=loc.intent_names.get(ctx.intent, ctx.intent),
                language=loc.babel.languages.get(ctx.loc.code, ctx.loc.code),
                sentiment=loc.sentiment.get(state.sentiment, state.sentiment),
            )
        ]
        if state.facts:
            lines.append(loc.say("summary_facts", facts="; ".join(state.facts)))
        if state.tried:
            lines.append(loc.say("summary_tried", tried="; ".join(state.tried)))
        return "\n".join(lines)


# letters only Vietnamese writes (â, ê, ô are also French, Portuguese and Turkish: "hâlâ", "você")
_VIETNAMESE = frozenset("ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|#?\d\S*", re.UNICODE)  # e-mails, links, numbers, "500mm"
_HOLD = 0.5  # how much more a short message must say in another language to leave the conversation's
_SHORT = 5  # words: a message this short is read by the language files' words, not the detector alone


@functools.cache
def _lexicon() -> dict[str, dict[str, float]]:
    """Folded word -> {language: weight}: the words of each language file, weighted by how few languages share them."""
    seen: dict[str, set[str]] = {}
    for code, loc in locales.all_locales().items():
        texts = [t for ts in loc.intents.values() for t in ts]  # not the training files: they mix in English
        texts += [k for ks in loc.keywords.values() for k in ks]
        texts += [w for ws in loc.words.values() for w in ws]
        letters = [c for t in texts for c in t if c.isalpha()]
        latin = sum(c < "\u0250" or "\u1e00" <= c <= "\u1eff" for c in letters) > len(letters) / 2
        for text in texts:
            for piece in text.split():
                if code == "vi" and not piece.isascii():
                    continue  # "đã", "nè": Vietnamese letters settle the language before the lexicon; folded they
                    # would be Turkish "da", "ne"
                for token in tokens(fold(piece)):
                    if not latin and token.isascii():
                        continue  # "mm", "iPhone" in a Korean file are not Korean
                    if not token.isdigit() and not any(is_unspaced(c) for c in token):
                        seen.setdefault(token, set()).add(code)
    # a word of one or two letters ("ve", "da", "mi") is a word of many languages, written or folded
    return {  # languages in a fixed order, so that a tie goes the same way in every process
        token: {code: (1 if len(token) > 2 else 0.5) / len(codes) for code in sorted(codes)}
        for token, codes in seen.items()
    }


def _script_language(text: str) -> str:
    """Languages a script settles on its own: kana, Hangul, Thai, Vietnamese letters, Turkish letters."""
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF:
            return "ja"
        if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            return "ko"
        if 0x0E00 <= code <= 0x0E7F:
            return "th"
    lowered = text.casefold()
    if any(c in "ğış" for c in text.lower()):  # dotless ı and ğ are Turkish alone, ş with them
        return "tr"
    if sum(c in _VIETNAMESE for c in lowered) >= 2 or ("đ" in lowered):
        return "vi"
    return ""


def lexical_language(text: str, detected: str, previous: str) -> str:
    """The reply language from the script, the detector and the language files' words (see `reply_language`)."""
    script = _script_language(text)
    if script:
        return script
    words = [t for t in tokens(fold(_NOT_WORDS.sub(" ", text))) if not t.isdigit()]
    if any(is_unspaced(c) for w in words for c in w) or any("\u0600" <= c <= "\u06ff" for c in text):
        return detected or previous
    lexicon = _lexicon()
    score: dict[str, float] = {}
    for word in words:
        for code, weight in lexicon.get(word, {}).items():
            score[code] = score.get(code, 0.0) + weight
    best = max(score, key=lambda c: (score[c], c == previous, c == detected), default="")
    if len(words) <= _SHORT:
        candidates = [c for c in (previous, detected, best) if c]
        if not candidates:
            return ""
        # the conversation's language holds unless the words clearly belong to another
        lead = {c: score.get(c, 0.0) + (_HOLD if c == previous else 0.0) for c in candidates}
        return max(candidates, key=lambda c: (round(lead[c], 6), c == previous, c == detected))
    if best and best != detected and score[best] >= 2 and score[best] >= 2 * score.get(detected, 0.0):
        return best
    return detected or previous or best


# "as" before a product word: the role the product asked about would play, not a product looked for ("¿el gel de
# centella sirve como base de maquillaje?", "can the scarf be used as a blanket?")
_AS = re.compile(r"(?:\b(?:como|as an?|as|comme|come|als|в качестве)|作为|当作)\s*(?:una?|un|une|uno|ein\w*)?\s*$")


def _without_roles(turn: Turn, ents: Entities) -> Entities:
    """The entities without the product words said after "as", when the message names its product in other words
    (catalog words of a title, "gel", "centella"; or other product words): those say what it is asked of."""
    folded = fold(turn.text)
    spans = [(at, at + len(w)) for w, _ in ents.said_terms if (at := folded.find(w)) > 0 and _AS.search(folded[:at])]
    if not spans:
        return ents
    # "base de maquillaje" said after "como", and "maquillaje" within it
    roles = {t for w, t in ents.said_terms if any(a <= folded.find(w) < b for a, b in spans)}
    kept = [t for t in ents.terms if t not in roles]
    known = [w for w in ents.latin_words if turn.tools.knows(w) and not any(w in said for said, _ in ents.said_terms)]
    if kept or known:
        ents.terms = kept
    return ents


def _without_titles(turn: Turn) -> str:
    """The message without the product title it names: "Bluetooth Item Tracker" is not a tracking question,
    "Clear MagSafe Case" not a case of anything; what is said around the title carries the intent."""
    named = turn.tools.title_matches(turn.text)
    if not named:
        return turn.text
    title_words = {w.casefold() for w in re.findall(r"\w+", named[0].title)}
    rest = re.sub(r"[\w-]+", lambda m: " " if m.group(0).casefold() in title_words else m.group(0), turn.text)
    rest = re.sub(r"\(\s*[\w-]*\s*\)", " ", rest)  # "(4-Pack)"
    # one word left ("Chelsea boots real leather?" -> "real"): too little to read alone, the whole message is read
    return rest if len(" ".join(rest.split())) >= 3 and len(tokens(fold(rest))) >= 2 else turn.text


_CODE_WORDS = ("cod", "coup", "cupo", "promo", "vouch", "kupon", "gutschein", "купон", "промокод", "クーポン", "コード")
_CODE_WORDS_UNSPACED = ("쿠폰", "코드", "券", "码", "โค้ด", "คูปอง", "كود", "كوبون", "mã")


def _asks_for_a_code(ctx: Context) -> bool:
    """Whether the discount words of a message ask for a code or coupon (not whether one product is on sale)."""
    hits = default_classifier().keyword_hits(fold(ctx.turn.text), ctx.loc.code).get("discount", [])
    return any(word in hit for hit in hits for word in (*_CODE_WORDS, *_CODE_WORDS_UNSPACED))


def _asks_a_fact(ctx: Context) -> bool:
    """A product question or size question in its own words ("how long is", "is it real leather", "can it go
    in the dishwasher"), asking nothing after an order."""
    keywords = ctx.prediction.keywords
    if ctx.intent not in PRODUCT_INTENTS or "order_status" in keywords:
        return False
    return ctx.intent in keywords or (ctx.intent == "product_question" and _names_an_attribute(ctx))


def _about_a_product_not_an_order(ctx: Context) -> bool:
    """A product named with no placed order in sight: no order number or order word, no order talked about,
    and a buyer who has none to change (anonymous) or is asking about products."""
    ents, state = ctx.entities, ctx.state
    if not ents.product_terms or ents.order_numbers or ents.bare_numbers or state.order or ctx.cue("order_word"):
        return False
    if state.last_intent in ORDER_INTENTS:
        return False
    return not ctx.turn.tools.verified or state.last_intent in PRODUCT_INTENTS


async def _asks_of_the_product(ctx: Context) -> bool:
    """A guess at an order question that follows a product question with no order in sight, about a product
    none of the buyer's orders holds ("and when can this one ship?"): its availability, not an order's status."""
    if not _about_the_product_shown(ctx) or ctx.entities.tracking_numbers:
        return False
    from seabridge.agent import skills

    product = ctx.turn.tools.peek(ctx.state.product)
    if product is None:
        return False
    orders = await ctx.turn.tools.list_orders() if ctx.turn.tools.verified else []
    return not any(skills.holds(o, product.title) for o in orders)


def _a_duration_of_the_product(ctx: Context) -> bool:
    """A duration asked of one product named, in no words of delivery, shipping or an order and with no country
    ("how long does the insulated bottle keep drinks cold?", "ไฟฉายคาดหัวใช้ได้นานแค่ไหน"): how long the product
    does something, not how long it takes to arrive."""
    ents, tools = ctx.entities, ctx.turn.tools
    if ents.country or ents.order_numbers or ents.bare_numbers or ents.tracking_numbers or not ents.product_terms:
        return False
    if ctx.cue("delivery_word") or ctx.cue("order_word"):
        return False
    return bool(tools.title_matches(ctx.turn.text)) or _names_one_product(ctx)


def _a_size_of_the_product_shown(ctx: Context, sizes: list[str]) -> bool:
    """Whether the sizes named are sizes the product just discussed comes in (a variant asked for)."""
    state = ctx.state
    if not state.product or state.last_intent not in PRODUCT_INTENTS:
        return False
    product = ctx.turn.tools.peek(state.product)
    offered = {s.casefold() for s in product.sizes} if product is not None else set()
    return bool(offered) and all(s.casefold() in offered for s in sizes)


def _about_the_product_shown(ctx: Context) -> bool:
    """A follow-up about the product just discussed, with no order in sight: no order number or order word,
    no order talked about in this conversation, and no word of cancelling. Changing "it" to another colour or
    size then means choosing that variant, not changing a placed order. A question of what delivery costs or
    takes in between keeps the product in talk ("how much to ship it to Kazakhstan?", then "can the braid be
    another colour?")."""
    ents, state = ctx.entities, ctx.state
    if not state.product or state.last_intent not in PRODUCT_INTENTS | COUNTRY_INTENTS or state.order:
        return False
    if ents.order_numbers or ents.bare_numbers or ctx.names_an_order():
        return False
    return "cancel_order" not in ctx.prediction.keywords


def _asks_an_attribute(ctx: Context) -> bool:
    """Whether the message asks any fact of a product in its own words: the product question's keywords, or
    its stock, weight, warranty, compatibility or care."""
    return (
        _asks_in_own_words(ctx)
        or _names_an_attribute(ctx)
        or ctx.cue("ask_stock")
        or ctx.cue("ask_weight")
        or bool(ctx.entities.sizes or ctx.entities.colors or eu_sizes(ctx.turn.text))
    )


# The words of a fact asked of a product, each leading its answer ("made of", "what colours", "how big").
_FACT_CUES = ("ask_price", "ask_material", "ask_dimensions", "ask_size", "ask_color", "ask_fit", "ask_ships_from")


def _asks_a_product_fact(ctx: Context) -> bool:
    """Whether the message asks a fact of a product in its own words, whatever else it says: the product
    question's keywords, or the words of one of its facts (material, colours, sizes, price, dimensions, stock,
    weight, warranty, compatibility, care, fit, where it ships from). Entities alone (a colour, a size) are not
    counted: "did the black one ship?" names a variant of an order; nor are the keywords inside a product's name
    ("バッテリー" in "モバイルバッテリー")."""
    if _asks_in_own_words(ctx) or _names_an_attribute(ctx):
        return True
    return any(ctx.cue(c) for c in (*_FACT_CUES, "ask_stock", "ask_weight"))


def _names_one_product(ctx: Context) -> bool:
    """Whether the product words name one product of the catalog: a kind described so that one title holds
    the words ("the mechanical keyboard", "the denim jacket"), or a kind the catalog holds one of."""
    return ctx.turn.tools.names_one(tuple(ctx.entities.product_terms))


def _no_order_in_sight(ctx: Context) -> bool:
    """No order number, no order word, no order talked about, and a buyer with no orders to mean (anonymous)
    or talking about products."""
    ents, state = ctx.entities, ctx.state
    if ents.order_numbers or ents.bare_numbers or ents.tracking_numbers or state.order or ctx.cue("order_word"):
        return False
    if state.last_intent in ORDER_INTENTS or ctx.cue("frustration"):
        return False
    return not ctx.turn.tools.verified or state.last_intent in PRODUCT_INTENTS


# A definite article opening a question or its clause, in the languages whose questions may open with their subject
# ("¿El ratón ...?", "Hola, ¿la mochila ...?", "La lampe ...?", "A mochila ...?"), or a clause of "whether" ("quería
# saber si la mochila ..."), after an "and" ("¿Y la hamaca ...?"), after the verb ("¿Vale la pena el reloj ...?",
# "¿Es impermeable la mochila?"), or the thing a question is about ("quería
# preguntar por el anillo ...", "una duda sobre la mochila", "une question sur le sac", "una domanda sulla borsa");
# then up to four words to a product word
_DEFINITE_OPENING = re.compile(
    r"(?:(?:^|[,.!?¿¡:;]|\b(?:si|se|que|che|if)\s)\s*(?:(?:y|e|et)\s+)?(?:[^\W\d_]+\s+){0,2}?"
    r"|\b(?:pregunt\w*|duda|consulta|question|domanda|pergunta|d[uú]vida)\s+(?:por|sobre|acerca\s+de|sur|su|de)\s+)"
    r"(?:el|la|los|las|le|les|l'|il|lo|gli|i|o|a|os|as)(?:\s+|(?<=')(?=\w))((?:[^\W\d_][\w'-]*\s*){1,4})"
    r"|\b(?:pregunt\w*|duda|consulta|domanda|pergunta|d[uú]vida)\s+(?:del|sul|sulla|sullo|sui|sulle|do|da|dos|das)\s+"
    r"((?:[^\W\d_][\w'-]*\s*){1,4})",
    re.IGNORECASE,
)


def named_in_a_definite_question(ctx: Context) -> bool:
    """Whether a question opens with a definite article and a product word ("¿La bolsa estanca se puede sumergir?",
    "Les rideaux occultants bloquent-ils toute la lumière ?") and names no order: the article presupposes the
    product, so its facts are asked, not whether the store has one; nor is it an order of the buyer's."""
    ents = ctx.entities
    if not ents.product_terms or ents.order_numbers or ents.bare_numbers or ents.tracking_numbers:
        return False
    if ctx.loc.code not in ("es", "pt", "it", "fr") or not any(m in ctx.turn.text for m in ("?", "？")):
        return False
    if ctx.names_an_order() or _buys_anew(ctx) or set(ctx.prediction.keywords) & _NOT_OF_A_PRODUCT:
        return False  # "¿la mochila que pedí ya se envió?" asks after an order in its words
    said = [w for w, _ in ents.said_terms]
    for opening in _DEFINITE_OPENING.finditer(ctx.turn.text):
        words_after = fold(opening.group(1) or opening.group(2)).split()
        if any(word.startswith(s) or s.startswith(word) for word in words_after for s in said if len(word) >= 3):
            return True
    return False


def _buys_anew(ctx: Context) -> bool:
    """Whether the message speaks of buying or ordering something (a `buy_verb`) and names no placed order."""
    return ctx.cue("buy_verb") and not ctx.names_an_order()


def _asks_in_own_words(ctx: Context) -> bool:
    """Whether the product question's keywords are said outside the product words ("보조배터리 있어요?" names a
    power bank and asks whether there is one; "배터리 얼마나 가요?" asks of a battery)."""
    if "product_question" not in ctx.prediction.keywords:
        return False
    if not ctx.folded:
        ctx.folded = fold(ctx.turn.text)
    hits = default_classifier().keyword_hits(ctx.folded, ctx.loc.code).get("product_question", [])
    return not hits or any(not ctx.inside_a_product_word(hit) for hit in hits)


def _names_an_attribute(ctx: Context) -> bool:
    """Whether the message asks of a product's warranty, what it works with, how to care for it, its battery,
    what comes with it or what load it takes."""
    return any(
        ctx.cue(name)
        for name in ("ask_warranty", "ask_compatibility", "ask_care", "ask_battery", "ask_included", "ask_load")
    )


# What a follow-up in Chinese or Japanese says around the product it names: demonstratives, particles, "how about",
# "mine", "the one I bought" ("那个帐篷呢？", "我买的帐篷怎么样了", "テントは？")
_FOLLOW_UP_FILLER = re.compile(
    r"怎么样|怎样|如何|还有|那个|这个|你们|[那这呢吗嘛的了啊呀吧么我和跟也个件款买订]|[はがをのもかねよ]|\W"
)


def _names_little_else(ctx: Context) -> bool:
    """Whether an unspaced message says at most two characters beyond the product words it names: "那帐篷呢？"
    (and the tent?) follows an order question up; "帐篷一个人能搭起来吗" (can one person pitch the tent?) asks
    something of the tent itself, as a longer message does in a spaced language."""
    if not ctx.folded:
        ctx.folded = fold(ctx.turn.text)
    rest = ctx.folded
    for said, _ in sorted(ctx.entities.said_terms, key=lambda st: -len(st[0])):
        rest = rest.replace(said, " ")
    rest = _FOLLOW_UP_FILLER.sub("", rest)
    return len(rest) <= 2


def _bare_answer(ctx: Context) -> bool:
    ents = ctx.entities
    said = [w for w in tokens(fold(_NOT_WORDS.sub(" ", ctx.turn.text))) if not w.isdigit()]
    return len(said) <= 2 and bool(ents.order_numbers or ents.bare_numbers or ents.email)


def _praise(ctx: Context) -> bool:
    """A message of thanks or praise, however strong its words ("insanely good", "der Wahnsinn")."""
    keywords = ctx.prediction.keywords
    if ctx.intent != "feedback" or ctx.prediction.confidence < 0.8 or "complaint" in keywords:
        return False
    return not ctx.cue("not_helpful")  # "you're not helping at all" is no thanks


def _calm(intent: str) -> str:
    return "positive" if intent in ("feedback", "goodbye") else "neutral"


def _buyer_tz(turn: Turn) -> str:
    if turn.buyer is not None and turn.buyer.timezone:
        return turn.buyer.timezone
    if turn.buyer is not None and turn.buyer.country:
        from seabridge.formats.countries import default_timezone

        return default_timezone(turn.buyer.country) or turn.tools.store.timezone
    return turn.tools.store.timezone


_ORDINALS = {
    1: (
        "second",
        "2nd",
        "segundo",
        "segunda",
        "deuxieme",
        "zweite",
        "secondo",
        "seconda",
        "второй",
        "вторая",
        "второе",
        "вторую",
        "ikinci",
        "kedua",
        "2つ目",
        "二つ目",
        "2番目",
        "二番目",
        "두 번째",
        "두번째",
        "2번째",
        "第二",
        "ที่สอง",
        "الثاني",
        "الثانية",
    ),
    2: (
        "third",
        "3rd",
        "tercero",
        "tercera",
        "terceiro",
        "terceira",
        "troisieme",
        "dritte",
        "terzo",
        "terza",
        "трет",
        "ucuncu",
        "ketiga",
        "3つ目",
        "三つ目",
        "3番目",
        "세 번째",
        "세번째",
        "第三",
        "ที่สาม",
        "الثالث",
        "الثالثة",
    ),
    0: (
        "first",
        "1st",
        "primero",
        "primeiro",
        "premier",
        "premiere",
        "erste",
        "primo",
        "перв",
        "ilk",
        "pertama",
        "一つ目",
        "最初",
        "첫",
        "第一",
        "แรก",
        "đầu tiên",
        "dau tien",
        "الأول",
        "الاول",
    ),
    -1: (
        "last",
        "latest",
        "newest",
        "most recent",
        "recent",
        "ultimo",
        "dernier",
        "dernière",
        "letzte",
        "neueste",
        "последн",
        "son",
        "terakhir",
        "最新",
        "最後",
        "최근",
        "마지막",
        "最近",
        "最后",
        "ล่าสุด",
        "mới nhất",
        "moi nhat",
        "الأخير",
        "الاخير",
    ),
}


# "one second", "un segundo", "second-hand": the word of a place in a list used for a moment or for used goods
_NOT_A_PLACE = re.compile(
    r"(?<!\w)(?:(?:just |wait |hold on |give me )?(?:one|a|un|um|uno|una|une) "
    r"(?:second|sec|segundo|secondo|seconde)|second[ -]?hand|segunda mano|(?:di )?seconda mano|segunda mao)(?!\w)"
)


def ordinal(text: str) -> int | None:
    """The place in a list the message points to: 0, 1, 2 from the start, -1 for the last (or latest)."""
    folded = _NOT_A_PLACE.sub(" ", fold(text))
    for index, words in _ORDINALS.items():
        if any(contains_phrase(folded, fold(w)) for w in words):
            return index
    return None

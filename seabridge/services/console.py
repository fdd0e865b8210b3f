"""The agent console's use cases: response timers on business hours, canned replies with
their variables filled, suggested replies, and the satisfaction question asked on close.

Time is passed in (`now`), so timers are tested without waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from seabridge.agent.handoff import is_open
from seabridge.agent.views import StoreProfile
from seabridge.db.console import CannedReply
from seabridge.db.conversations import Conversation
from seabridge.db.models import Customer, Order
from seabridge.storage.console import Marks

# Targets, in business seconds, after which a timer shows as overdue.
FIRST_RESPONSE_TARGET_S = 5 * 60
NEXT_RESPONSE_TARGET_S = 10 * 60
VARIABLES = (
    "first_name",
    "last_name",
    "order_number",
    "tracking_number",
    "carrier",
    "shipment_status",
    "eta",
    "agent_name",
    "store_name",
)
_VARIABLE = re.compile(r"\{([a-z_]{1,32})\}")


# --- timers -----------------------------------------------------------------------------


def business_seconds(store: StoreProfile, start: datetime, end: datetime) -> int:
    """Seconds between `start` and `end` that fall in the store's opening hours
    (all of them when the store has no hours)."""
    if end <= start:
        return 0
    if not store.hours:
        return int((end - start).total_seconds())
    tz = ZoneInfo(store.timezone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    total = 0.0
    day = local_start.date()
    last = min(local_end.date(), day + timedelta(days=366))
    while day <= last:
        for weekday, opens, closes in store.hours:
            if weekday != day.weekday():
                continue
            span_start = datetime.combine(day, time.fromisoformat(opens), tzinfo=tz)
            span_end = datetime.combine(day, time.fromisoformat(closes), tzinfo=tz)
            overlap = (min(span_end, local_end) - max(span_start, local_start)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return int(total)


@dataclass(frozen=True, slots=True)
class Timer:
    kind: str  # first_response, next_response
    since: datetime
    business_seconds: int
    target_seconds: int
    running: bool  # false outside opening hours: the clock is paused

    @property
    def overdue(self) -> bool:
        return self.business_seconds >= self.target_seconds


def response_timer(store: StoreProfile, conv: Conversation, marks: Marks | None, now: datetime) -> Timer | None:
    """First response: from the handoff (or the buyer's first unanswered message) to a person's
    first reply. Next response: from the buyer's oldest unanswered message to the next reply."""
    if conv.status not in ("waiting", "assigned"):
        return None
    answered = marks is not None and marks.last_agent_at is not None
    pending = marks.pending_since if marks else None
    if not answered:
        since = conv.waiting_since or pending
        kind, target = "first_response", FIRST_RESPONSE_TARGET_S
    else:
        since = pending
        kind, target = "next_response", NEXT_RESPONSE_TARGET_S
    if since is None:
        return None
    return Timer(kind, since, business_seconds(store, since, now), target, is_open(store, now))


# --- variables and canned replies ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Context:
    """What a reply's {variables} are filled from."""

    values: dict[str, str] = field(default_factory=dict)


def context_for(
    customer: Customer | None, order: Order | None, agent_name: str, store_name: str, language: str
) -> Context:
    values = {"agent_name": agent_name, "store_name": store_name}
    if customer is not None:
        values["first_name"] = customer.first_name
        values["last_name"] = customer.last_name
    if order is not None:
        values["order_number"] = order.name
        shipment = order.shipments[-1] if order.shipments else None
        if shipment is not None:
            values["tracking_number"] = shipment.tracking_number
            values["carrier"] = shipment.carrier
            values["shipment_status"] = status_label(shipment.status, language)
            if shipment.estimated_delivery is not None:
                values["eta"] = shipment.estimated_delivery.isoformat()
    return Context({k: v for k, v in values.items() if v})


def fill(template: str, context: Context) -> tuple[str, list[str]]:
    """The text with every known {variable} replaced, and the variables that had no value."""
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in context.values:
            return context.values[name]
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return _VARIABLE.sub(one, template), missing


def unknown_variables(texts: dict[str, str]) -> list[str]:
    found = {m.group(1) for text in texts.values() for m in _VARIABLE.finditer(text)}
    return sorted(found - set(VARIABLES))


def canned_text(reply: CannedReply, language: str, fallback: str) -> tuple[str, str]:
    """(text, its language): the version in `language`, else the store's default, else any."""
    for lang in (language, fallback):
        if lang in reply.texts:
            return reply.texts[lang], lang
    lang = sorted(reply.texts)[0]
    return reply.texts[lang], lang


# --- suggested replies ---------------------------------------------------------------------

_ORDER_INTENTS = frozenset(
    {"order_status", "delivery_time", "change_order", "cancel_order", "refund_status", "return_request"}
)
_UPSET_INTENTS = frozenset({"complaint", "human_agent"})

# Built-in suggestions, per language (English is the fallback).
_BUILTIN: dict[str, dict[str, str]] = {
    "take_over": {
        "en": "Hi {first_name}, this is {agent_name}. I have read your conversation and I am looking into it now.",
        "es": "Hola {first_name}, soy {agent_name}. He leído la conversación y lo estoy revisando ahora mismo.",
        "pt": "Olá {first_name}, aqui é {agent_name}. Li a conversa e estou verificando agora.",
        "fr": "Bonjour {first_name}, ici {agent_name}. J'ai lu la conversation et je m'en occupe tout de suite.",
        "de": "Hallo {first_name}, hier ist {agent_name}. Ich habe das Gespräch gelesen und kümmere mich jetzt darum.",
        "it": "Ciao {first_name}, sono {agent_name}. Ho letto la conversazione e me ne sto occupando ora.",
        "zh": "{first_name}您好，我是{agent_name}。我已经看过您的对话，现在就为您处理。",
    },
    "order_check": {
        "en": "I checked order {order_number}: it is {shipment_status} with {carrier} "
        "(tracking {tracking_number}). I will follow up with the carrier and update you today.",
        "es": "He revisado el pedido {order_number}: está {shipment_status} con {carrier} "
        "(seguimiento {tracking_number}). Hablaré con el transportista y te escribo hoy mismo.",
        "pt": "Verifiquei o pedido {order_number}: está {shipment_status} com {carrier} "
        "(rastreio {tracking_number}). Vou falar com a transportadora e aviso você hoje.",
        "fr": "J'ai vérifié la commande {order_number} : elle est {shipment_status} chez {carrier} "
        "(suivi {tracking_number}). Je relance le transporteur et je vous tiens au courant aujourd'hui.",
        "de": "Ich habe Bestellung {order_number} geprüft: Status {shipment_status} bei {carrier} "
        "(Sendungsnummer {tracking_number}). Ich kläre das mit dem Versanddienst und melde mich heute.",
        "it": "Ho controllato l'ordine {order_number}: è {shipment_status} con {carrier} "
        "(tracking {tracking_number}). Contatto il corriere e ti aggiorno oggi.",
        "zh": "我查了订单{order_number}：目前{shipment_status}，承运商{carrier}（运单号{tracking_number}）。"
        "我会联系承运商，今天给您答复。",
    },
    "apology": {
        "en": "I am sorry for the trouble, {first_name}. I will make sure this is put right.",
        "es": "Siento mucho las molestias, {first_name}. Me aseguraré de que se solucione.",
        "pt": "Sinto muito pelo transtorno, {first_name}. Vou garantir que isso seja resolvido.",
        "fr": "Je suis désolé(e) pour ce désagrément, {first_name}. Je m'assure que tout soit réglé.",
        "de": "Das tut mir leid, {first_name}. Ich sorge dafür, dass das in Ordnung gebracht wird.",
        "it": "Mi dispiace per il disagio, {first_name}. Mi assicurerò che venga risolto.",
        "zh": "{first_name}，非常抱歉给您带来不便，我一定会帮您解决。",
    },
}
_TITLES = {"take_over": "Take over", "order_check": "Order checked", "apology": "Apology"}

_STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {"in_transit": "in transit", "delivered": "delivered", "out_for_delivery": "out for delivery",
           "exception": "held up", "pending": "waiting for pickup", "info_received": "about to ship"},
    "es": {"in_transit": "en tránsito", "delivered": "entregado", "out_for_delivery": "en reparto",
           "exception": "retenido", "pending": "pendiente de recogida", "info_received": "a punto de salir"},
    "pt": {"in_transit": "em trânsito", "delivered": "entregue", "out_for_delivery": "saiu para entrega",
           "exception": "retido", "pending": "aguardando coleta", "info_received": "prestes a ser enviado"},
    "fr": {"in_transit": "en transit", "delivered": "livrée", "out_for_delivery": "en cours de livraison",
           "exception": "bloquée", "pending": "en attente d'enlèvement", "info_received": "sur le point de partir"},
    "de": {"in_transit": "unterwegs", "delivered": "zugestellt", "out_for_delivery": "in Zustellung",
           "exception": "aufgehalten", "pending": "wartet auf Abholung", "info_received": "versandbereit"},
    "it": {"in_transit": "in transito", "delivered": "consegnato", "out_for_delivery": "in consegna",
           "exception": "bloccato", "pending": "in attesa di ritiro", "info_received": "in partenza"},
    "zh": {"in_transit": "运输中", "delivered": "已签收", "out_for_delivery": "派送中",
           "exception": "异常滞留", "pending": "待揽收", "info_received": "即将发货"},
}  # fmt: skip


def status_label(status: str, language: str) -> str:
    labels = _STATUS_LABELS.get(language, _STATUS_LABELS["en"])
    return labels.get(status, status.replace("_", " "))


@dataclass(frozen=True, slots=True)
class Suggestion:
    source: str  # builtin, canned
    key: str
    title: str
    text: str  # in the buyer's language
    language: str
    agent_text: str  # the same reply in the agent's language, for reading
    missing: list[str]
    canned_reply_id: int | None = None


def _builtin_keys(intent: str, handoff: str) -> list[str]:
    keys = ["take_over"]
    if intent in _ORDER_INTENTS:
        keys.append("order_check")
    if intent in _UPSET_INTENTS or handoff in ("frustration", "complaint"):
        keys.append("apology")
    return keys


def suggestions(
    *,
    intent: str,
    handoff: str,
    canned: list[CannedReply],
    buyer_language: str,
    agent_language: str,
    default_language: str,
    context_buyer: Context,
    context_agent: Context,
    limit: int = 5,
) -> list[Suggestion]:
    """Built-in replies chosen by the bot's analysis (intent, handoff reason), then the canned
    replies tagged with that intent; each in the buyer's language with the agent's version."""
    found: list[Suggestion] = []
    for key in _builtin_keys(intent, handoff):
        versions = _BUILTIN[key]
        lang = buyer_language if buyer_language in versions else "en"
        text, missing = fill(versions[lang], context_buyer)
        agent_text, _ = fill(versions.get(agent_language, versions["en"]), context_agent)
        if key == "order_check" and "order_number" in missing:
            continue  # no order to speak of: the suggestion would be empty words
        found.append(Suggestion("builtin", key, _TITLES[key], text, lang, agent_text, missing))
    for reply in canned:
        if intent not in reply.intents:
            continue
        template, lang = canned_text(reply, buyer_language, default_language)
        text, missing = fill(template, context_buyer)
        agent_template, _ = canned_text(reply, agent_language, default_language)
        agent_text, _ = fill(agent_template, context_agent)
        found.append(Suggestion("canned", reply.shortcut, reply.title, text, lang, agent_text, missing, reply.id))
    return found[:limit]


# --- satisfaction question -----------------------------------------------------------------

CSAT_QUESTION: dict[str, str] = {
    "en": "How would you rate the help you received? Reply from 1 (poor) to 5 (excellent).",
    "es": "¿Cómo valorarías la ayuda que recibiste? Responde del 1 (mala) al 5 (excelente).",
    "pt": "Como você avalia o atendimento recebido? Responda de 1 (ruim) a 5 (excelente).",
    "fr": "Comment évaluez-vous l'aide reçue ? Répondez de 1 (mauvaise) à 5 (excellente).",
    "de": "Wie bewerten Sie die Hilfe, die Sie erhalten haben? Von 1 (schlecht) bis 5 (ausgezeichnet).",
    "it": "Come valuti l'assistenza ricevuta? Rispondi da 1 (scarsa) a 5 (eccellente).",
    "ru": "Как вы оцениваете полученную помощь? Ответьте от 1 (плохо) до 5 (отлично).",
    "ar": "كيف تقيّم المساعدة التي تلقيتها؟ أجب من 1 (ضعيفة) إلى 5 (ممتازة).",
    "tr": "Aldığınız yardımı nasıl değerlendirirsiniz? 1 (kötü) ile 5 (mükemmel) arasında yanıtlayın.",
    "ja": "今回のサポートはいかがでしたか？1（不満）〜5（大変満足）でお答えください。",
    "ko": "받으신 도움은 어떠셨나요? 1(나쁨)부터 5(매우 좋음)까지 답해 주세요.",
    "zh": "您对本次服务满意吗？请从 1（不满意）到 5（非常满意）打分。",
    "th": "คุณให้คะแนนความช่วยเหลือที่ได้รับเท่าไร? ตอบตั้งแต่ 1 (แย่) ถึง 5 (ดีมาก)",
    "vi": "Bạn đánh giá sự hỗ trợ vừa nhận thế nào? Trả lời từ 1 (kém) đến 5 (xuất sắc).",
    "id": "Bagaimana penilaian Anda atas bantuan yang diterima? Jawab dari 1 (buruk) sampai 5 (sangat baik).",
}


def csat_question(language: str) -> tuple[str, str]:
    lang = language if language in CSAT_QUESTION else "en"
    return CSAT_QUESTION[lang], lang

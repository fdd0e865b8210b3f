"""What the agent console reads and does beyond the conversations API: inbox views with
counts and timers, the conversation's context (handoff summary, bot analysis), the
customer panel, suggested and canned replies, closing with a satisfaction question,
and the buyer's answer to it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.agent.handoff import is_open
from seabridge.agent.profile import store_profile
from seabridge.api.conversations import ConversationOut, agent_actor, buyer_actor, service_errors
from seabridge.api.deps import Admin, Buyer, Caller, State
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import ObjectId, errors
from seabridge.db.console import CannedReply, CsatSurvey
from seabridge.db.conversations import Conversation
from seabridge.db.models import Customer, Order, Store
from seabridge.language import SUPPORTED as LANGUAGES
from seabridge.messaging.frames import no_nul
from seabridge.services import console as svc
from seabridge.storage import agents, shipments, stores
from seabridge.storage import console as store
from seabridge.storage import conversations as conv_store

router = APIRouter(prefix="/v1/console", tags=["console"])
widget_router = APIRouter(prefix="/v1/widget", tags=["widget"])

View = Literal["bot", "waiting", "mine", "all", "closed"]
Shortcut = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def _now() -> datetime:
    return datetime.now(UTC)


def _check_texts(value: dict[str, str]) -> dict[str, str]:
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        if not text.strip() or len(text) > 4000:
            raise ValueError(f"the {lang} text must have 1 to 4000 characters")
        no_nul(text)
    unknown = svc.unknown_variables(value)
    if unknown:
        raise ValueError(f"unknown variables: {', '.join(unknown)}; known: {', '.join(svc.VARIABLES)}")
    return value


# --- bodies -----------------------------------------------------------------------------


class TimerOut(BaseModel):
    kind: str = Field(examples=["first_response", "next_response"])
    since: datetime
    business_seconds: int = Field(description="Time counted only inside the store's opening hours")
    target_seconds: int
    overdue: bool
    running: bool = Field(description="false outside opening hours: the clock is paused")


class InboxItem(BaseModel):
    id: int
    status: str
    customer_id: int | None
    customer_name: str
    country: str
    language: str
    assigned_agent_id: int | None
    last_seq: int
    last_text: str
    last_sender: str
    updated_at: datetime
    waiting_since: datetime | None
    wait_seconds: int | None = Field(description="Wall-clock seconds since the handoff (waiting only)")
    timer: TimerOut | None


class Inbox(BaseModel):
    view: str
    counts: dict[str, int] = Field(description="Conversations per view: bot, waiting, mine, all, closed")
    items: list[InboxItem]
    open_now: bool = Field(description="Whether the store's team is within opening hours")


class AgentBrief(BaseModel):
    id: int
    name: str
    role: str
    language: str


class StoreBrief(BaseModel):
    id: int
    name: str
    slug: str
    timezone: str
    default_language: str
    languages: list[str]
    open_now: bool


class ConsoleMe(BaseModel):
    agent: AgentBrief | None
    store: StoreBrief
    agents: list[AgentBrief]


class Summary(BaseModel):
    seq: int
    text: str
    created_at: datetime


class CsatOut(BaseModel):
    id: int
    asked_at: datetime
    score: int | None
    comment: str
    answered_at: datetime | None


class ConversationContext(BaseModel):
    conversation: ConversationOut
    buyer_language: str
    agent_language: str
    customer_name: str
    summary: Summary | None = Field(description="The bot's newest handoff summary (an internal note)")
    intent: str = Field(description="What the bot last understood the buyer wanted")
    handoff_reason: str
    timer: TimerOut | None
    csat: CsatOut | None


class PanelCheckpoint(BaseModel):
    time: datetime
    message: str
    location: str
    status: str


class PanelShipment(BaseModel):
    id: int
    tracking_number: str
    carrier: str
    status: str
    estimated_delivery: date | None
    late: bool
    checkpoints: list[PanelCheckpoint]


class PanelOrder(BaseModel):
    id: int
    name: str
    placed_at: datetime
    financial_status: str
    fulfillment_status: str
    total: str
    currency: str
    items: list[str]
    shipments: list[PanelShipment]


class EarlierConversation(BaseModel):
    id: int
    status: str
    created_at: datetime
    closed_at: datetime | None


class CustomerPanel(BaseModel):
    customer_id: int | None
    name: str
    email: str
    country: str
    language: str
    timezone: str
    local_time: str | None = Field(description="The buyer's wall-clock time now, HH:MM")
    orders: list[PanelOrder]
    conversations: list[EarlierConversation]


class SuggestionOut(BaseModel):
    source: str = Field(examples=["builtin", "canned"])
    key: str
    title: str
    text: str = Field(description="In the buyer's language")
    language: str
    agent_text: str = Field(description="The same reply in the agent's language")
    missing: list[str] = Field(description="Variables with no value for this conversation")
    canned_reply_id: int | None


class CannedIn(BaseModel):
    shortcut: Shortcut
    title: str = Field(min_length=1, max_length=200)
    texts: dict[str, str] = Field(min_length=1, max_length=len(LANGUAGES), description="Language -> text")
    intents: list[str] = Field(default_factory=list, max_length=30)

    @field_validator("texts")
    @classmethod
    def _texts(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_texts(value)


class CannedPatch(BaseModel):
    shortcut: Shortcut | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    texts: dict[str, str] | None = Field(None, min_length=1, max_length=len(LANGUAGES))
    intents: list[str] | None = Field(None, max_length=30)

    @field_validator("texts")
    @classmethod
    def _texts(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_texts(value)


class CannedOut(BaseModel):
    id: int
    shortcut: str
    title: str
    texts: dict[str, str]
    intents: list[str]
    updated_at: datetime


class Rendered(BaseModel):
    text: str
    language: str
    agent_text: str
    missing: list[str]


class Closed(BaseModel):
    conversation: ConversationOut
    csat: CsatOut


class CsatAnswer(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)


# --- helpers -----------------------------------------------------------------------------


def _timer(timer: svc.Timer | None) -> TimerOut | None:
    if timer is None:
        return None
    return TimerOut(
        kind=timer.kind,
        since=timer.since,
        business_seconds=timer.business_seconds,
        target_seconds=timer.target_seconds,
        overdue=timer.overdue,
        running=timer.running,
    )


def _name(customer: Customer | None) -> str:
    if customer is None:
        return ""
    return f"{customer.first_name} {customer.last_name}".strip() or customer.email


def _canned(row: CannedReply) -> CannedOut:
    return CannedOut(
        id=row.id,
        shortcut=row.shortcut,
        title=row.title,
        texts=row.texts,
        intents=row.intents,
        updated_at=row.updated_at,
    )


def _csat(row: CsatSurvey) -> CsatOut:
    return CsatOut(id=row.id, asked_at=row.asked_at, score=row.score, comment=row.comment, answered_at=row.answered_at)


async def _shop(session: AsyncSession, store_id: int) -> Store:
    shop = await stores.get_by_id(session, store_id)
    if shop is None:
        raise not_found("store")
    return shop


async def _buyer_language(session: AsyncSession, conv: Conversation, customer: Customer | None, default: str) -> str:
    recent = await conv_store.messages_before(session, conv.store_id, conv.id, None, 30)
    for message in reversed(recent):
        if message.sender_kind == "buyer" and message.language:
            return message.language
    return conv.language or (customer.language if customer else "") or default


async def _agent_info(session: AsyncSession, caller: Caller, default: str) -> tuple[str, str]:
    """(name, language) of the calling agent (API keys: the store's name and language)."""
    if caller.agent_id is None:
        return "", default
    agent = await agents.get_agent(session, caller.store_id, caller.agent_id)
    if agent is None:
        return "", default
    return agent.name, agent.language or default


async def _conversation(state: State, caller: Caller, session: AsyncSession, conversation_id: int) -> Conversation:
    with service_errors():
        return await state.messaging.conversation_for(agent_actor(caller), conversation_id, session)


# --- routes ------------------------------------------------------------------------------


@router.get("/me", summary="The console's session", response_model=ConsoleMe, responses=errors(401))
async def me(caller: Caller, state: State) -> ConsoleMe:
    """The calling agent, the store (with whether its team is open now) and the store's agents."""
    async with state.sessions() as session:
        shop = await _shop(session, caller.store_id)
        everyone = [a for a in await agents.list_agents(session, caller.store_id) if a.disabled_at is None]
    briefs = [AgentBrief(id=a.id, name=a.name, role=a.role, language=a.language) for a in everyone]
    profile = store_profile(shop)
    return ConsoleMe(
        agent=next((b for b in briefs if b.id == caller.agent_id), None),
        store=StoreBrief(
            id=shop.id,
            name=shop.name,
            slug=shop.slug,
            timezone=shop.timezone,
            default_language=shop.default_language,
            languages=list(shop.languages or [shop.default_language]),
            open_now=is_open(profile, _now()),
        ),
        agents=briefs,
    )


@router.get("/inbox", summary="An inbox view with counts and timers", response_model=Inbox, responses=errors(401, 422))
async def inbox(
    caller: Caller,
    state: State,
    view: Annotated[View, Query(description="bot, waiting (longest wait first), mine, all (open), closed")] = "waiting",
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Inbox:
    """Counts for every view and the conversations of one, each with its response timer."""
    if view == "mine" and caller.agent_id is None:
        raise ApiError(422, "the `mine` view needs an agent session, not an API key")
    now = _now()
    async with state.sessions() as session:
        shop = await _shop(session, caller.store_id)
        counts = await store.view_counts(session, caller.store_id, caller.agent_id)
        rows = await store.view_conversations(session, caller.store_id, view, caller.agent_id, limit)
        marks = await store.response_marks(session, caller.store_id, [c.id for c in rows])
        people = await store.customers_by_id(session, caller.store_id, [c.customer_id for c in rows if c.customer_id])
    profile = store_profile(shop)
    items = []
    for conv in rows:
        mark = marks.get(conv.id)
        customer = people.get(conv.customer_id) if conv.customer_id else None
        waiting = conv.waiting_since if conv.status == "waiting" else None
        items.append(
            InboxItem(
                id=conv.id,
                status=conv.status,
                customer_id=conv.customer_id,
                customer_name=_name(customer),
                country=customer.country if customer else "",
                language=conv.language or (customer.language if customer else ""),
                assigned_agent_id=conv.assigned_agent_id,
                last_seq=conv.last_seq,
                last_text=(mark.last_text if mark else "")[:200],
                last_sender=mark.last_sender if mark else "",
                updated_at=conv.updated_at,
                waiting_since=waiting,
                wait_seconds=max(0, int((now - waiting).total_seconds())) if waiting else None,
                timer=_timer(svc.response_timer(profile, conv, mark, now)),
            )
        )
    return Inbox(view=view, counts=counts, items=items, open_now=is_open(profile, now))


@router.get(
    "/conversations/{conversation_id}",
    summary="A conversation's context for the agent",
    response_model=ConversationContext,
    responses=errors(401, 404, 422),
)
async def context(conversation_id: ObjectId, caller: Caller, state: State) -> ConversationContext:
    """The bot's handoff summary and analysis, the languages on both sides, the timer and the CSAT answer."""
    now = _now()
    async with state.sessions() as session:
        conv = await _conversation(state, caller, session, conversation_id)
        shop = await _shop(session, caller.store_id)
        customer = await _customer(session, conv)
        summary = await store.latest_summary(session, caller.store_id, conv.id)
        analysis = await store.latest_bot_data(session, caller.store_id, conv.id)
        marks = await store.response_marks(session, caller.store_id, [conv.id])
        survey = await store.latest_survey(session, caller.store_id, conv.id)
        buyer_language = await _buyer_language(session, conv, customer, shop.default_language)
        _, agent_language = await _agent_info(session, caller, shop.default_language)
    return ConversationContext(
        conversation=ConversationOut.model_validate(conv),
        buyer_language=buyer_language,
        agent_language=agent_language,
        customer_name=_name(customer),
        summary=Summary(seq=summary.seq, text=summary.text, created_at=summary.created_at) if summary else None,
        intent=str(analysis.get("intent", "")),
        handoff_reason=str(analysis.get("handoff", "")),
        timer=_timer(svc.response_timer(store_profile(shop), conv, marks.get(conv.id), now)),
        csat=_csat(survey) if survey else None,
    )


async def _customer(session: AsyncSession, conv: Conversation) -> Customer | None:
    if conv.customer_id is None:
        return None
    found = await store.customers_by_id(session, conv.store_id, [conv.customer_id])
    return found.get(conv.customer_id)


def _order(order: Order, today: date) -> PanelOrder:
    return PanelOrder(
        id=order.id,
        name=order.name,
        placed_at=order.placed_at,
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        total=str(order.total),
        currency=order.currency,
        items=[f"{line.quantity} × {line.name}" for line in order.lines],
        shipments=[
            PanelShipment(
                id=s.id,
                tracking_number=s.tracking_number,
                carrier=s.carrier,
                status=s.status,
                estimated_delivery=s.estimated_delivery,
                late=shipments.is_late(s, today),
                checkpoints=[
                    PanelCheckpoint(time=c.time, message=c.message, location=c.location, status=c.tag)
                    for c in reversed(s.checkpoints)
                ],
            )
            for s in order.shipments
        ],
    )


@router.get(
    "/conversations/{conversation_id}/customer",
    summary="The customer panel",
    response_model=CustomerPanel,
    responses=errors(401, 404, 422),
)
async def customer_panel(conversation_id: ObjectId, caller: Caller, state: State) -> CustomerPanel:
    """Who the buyer is (when verified), their local time, their orders with each shipment's
    timeline (newest checkpoint first), and their earlier conversations."""
    now = _now()
    async with state.sessions() as session:
        conv = await _conversation(state, caller, session, conversation_id)
        customer = await _customer(session, conv)
        orders = await store.customer_orders(session, caller.store_id, customer.id) if customer else []
        earlier = await store.customer_conversations(
            session, caller.store_id, conv.customer_id, conv.visitor_id, conv.id
        )
    local_time = None
    if customer is not None and customer.timezone:
        try:
            local_time = now.astimezone(ZoneInfo(customer.timezone)).strftime("%H:%M")
        except (KeyError, ValueError):
            local_time = None
    return CustomerPanel(
        customer_id=customer.id if customer else None,
        name=_name(customer),
        email=customer.email if customer else "",
        country=customer.country if customer else "",
        language=(customer.language if customer else "") or conv.language,
        timezone=customer.timezone if customer else "",
        local_time=local_time,
        orders=[_order(o, now.date()) for o in orders],
        conversations=[
            EarlierConversation(id=c.id, status=c.status, created_at=c.created_at, closed_at=c.closed_at)
            for c in earlier
        ],
    )


async def _contexts(
    session: AsyncSession, caller: Caller, conv: Conversation, shop: Store
) -> tuple[str, str, svc.Context, svc.Context]:
    customer = await _customer(session, conv)
    orders = await store.customer_orders(session, caller.store_id, customer.id) if customer else []
    buyer_language = await _buyer_language(session, conv, customer, shop.default_language)
    agent_name, agent_language = await _agent_info(session, caller, shop.default_language)
    order = _order_in_question(orders, _now().date())
    return (
        buyer_language,
        agent_language,
        svc.context_for(customer, order, agent_name, shop.name, buyer_language),
        svc.context_for(customer, order, agent_name, shop.name, agent_language),
    )


def _order_in_question(orders: list[Order], today: date) -> Order | None:
    """The order a buyer most likely writes about: one with a late parcel, else one still
    on its way, else the newest (`orders` is newest first)."""
    late = [o for o in orders if any(shipments.is_late(s, today) for s in o.shipments)]
    moving = [o for o in orders if any(s.status not in shipments.FINAL for s in o.shipments)]
    found = late or moving or orders
    return found[0] if found else None


@router.get(
    "/conversations/{conversation_id}/suggestions",
    summary="Suggested replies",
    response_model=list[SuggestionOut],
    responses=errors(401, 404, 422),
)
async def suggested_replies(conversation_id: ObjectId, caller: Caller, state: State) -> list[SuggestionOut]:
    """Replies chosen from the bot's analysis (intent, handoff reason) and the canned replies
    tagged with that intent, in the buyer's language with the agent's version beside them."""
    async with state.sessions() as session:
        conv = await _conversation(state, caller, session, conversation_id)
        shop = await _shop(session, caller.store_id)
        analysis = await store.latest_bot_data(session, caller.store_id, conv.id)
        canned = await store.list_canned(session, caller.store_id)
        buyer_language, agent_language, for_buyer, for_agent = await _contexts(session, caller, conv, shop)
    found = svc.suggestions(
        intent=str(analysis.get("intent", "")),
        handoff=str(analysis.get("handoff", "")),
        canned=canned,
        buyer_language=buyer_language,
        agent_language=agent_language,
        default_language=shop.default_language,
        context_buyer=for_buyer,
        context_agent=for_agent,
    )
    return [
        SuggestionOut(
            source=s.source,
            key=s.key,
            title=s.title,
            text=s.text,
            language=s.language,
            agent_text=s.agent_text,
            missing=s.missing,
            canned_reply_id=s.canned_reply_id,
        )
        for s in found
    ]


@router.post(
    "/conversations/{conversation_id}/canned-replies/{reply_id}/render",
    summary="Fill a canned reply for a conversation",
    response_model=Rendered,
    responses=errors(401, 404, 422),
)
async def render_canned(conversation_id: ObjectId, reply_id: ObjectId, caller: Caller, state: State) -> Rendered:
    """The version in the buyer's language (else the store's default) with the variables filled;
    `missing` lists variables this conversation has no value for."""
    async with state.sessions() as session:
        conv = await _conversation(state, caller, session, conversation_id)
        reply = await store.get_canned(session, caller.store_id, reply_id)
        if reply is None:
            raise not_found("canned reply")
        shop = await _shop(session, caller.store_id)
        buyer_language, agent_language, for_buyer, for_agent = await _contexts(session, caller, conv, shop)
    template, language = svc.canned_text(reply, buyer_language, shop.default_language)
    text, missing = svc.fill(template, for_buyer)
    agent_text, _ = svc.fill(svc.canned_text(reply, agent_language, shop.default_language)[0], for_agent)
    return Rendered(text=text, language=language, agent_text=agent_text, missing=missing)


@router.post(
    "/conversations/{conversation_id}/close",
    summary="Close and ask the buyer for a rating",
    response_model=Closed,
    responses=errors(401, 404, 409, 422),
)
async def close(conversation_id: ObjectId, caller: Caller, state: State) -> Closed:
    """Closes the conversation and posts the satisfaction question (a system message with
    `data.event = "csat"`) in the buyer's language; the widget answers it with
    `POST /v1/widget/conversations/{id}/csat`."""
    actor = agent_actor(caller)
    with service_errors():
        conv = await state.messaging.change_status(actor, conversation_id, "closed")
    async with state.sessions() as session, session.begin():
        shop = await _shop(session, caller.store_id)
        customer = await _customer(session, conv)
        language = await _buyer_language(session, conv, customer, shop.default_language)
        question, language = svc.csat_question(language)
        survey = await store.add_survey(
            session, caller.store_id, conv.id, conv.assigned_agent_id or caller.agent_id, language
        )
    data = {"event": "csat", "survey_id": survey.id, "scale": [1, 5]}
    with service_errors():
        await state.messaging.post_system(caller.store_id, conv.id, f"csat-{survey.id}", question, data)
    return Closed(conversation=ConversationOut.model_validate(conv), csat=_csat(survey))


# --- canned replies ------------------------------------------------------------------------


@router.get("/canned-replies", summary="List canned replies", response_model=list[CannedOut], responses=errors(401))
async def list_canned(caller: Caller, state: State) -> list[CannedOut]:
    async with state.sessions() as session:
        return [_canned(r) for r in await store.list_canned(session, caller.store_id)]


@router.post(
    "/canned-replies",
    summary="Create a canned reply",
    response_model=CannedOut,
    status_code=201,
    responses=errors(401, 403, 409, 422),
)
async def create_canned(body: CannedIn, caller: Admin, state: State) -> CannedOut:
    """One text per language; variables in braces: {first_name}, {last_name}, {order_number},
    {tracking_number}, {carrier}, {shipment_status}, {eta}, {agent_name}, {store_name}."""
    async with state.sessions() as session, session.begin():
        if await store.shortcut_taken(session, caller.store_id, body.shortcut):
            raise ApiError(409, f"the shortcut {body.shortcut!r} is taken", code="shortcut_taken")
        row = await store.create_canned(
            session, caller.store_id, shortcut=body.shortcut, title=body.title, texts=body.texts, intents=body.intents
        )
        return _canned(row)


@router.patch(
    "/canned-replies/{reply_id}",
    summary="Change a canned reply",
    response_model=CannedOut,
    responses=errors(401, 403, 404, 409, 422),
)
async def update_canned(reply_id: ObjectId, body: CannedPatch, caller: Admin, state: State) -> CannedOut:
    """Fields left out stay as they are; `texts` replaces every language version."""
    async with state.sessions() as session, session.begin():
        row = await store.get_canned(session, caller.store_id, reply_id)
        if row is None:
            raise not_found("canned reply")
        if body.shortcut is not None and body.shortcut != row.shortcut:
            if await store.shortcut_taken(session, caller.store_id, body.shortcut, except_id=row.id):
                raise ApiError(409, f"the shortcut {body.shortcut!r} is taken", code="shortcut_taken")
            row.shortcut = body.shortcut
        if body.title is not None:
            row.title = body.title
        if body.texts is not None:
            row.texts = body.texts
        if body.intents is not None:
            row.intents = body.intents
        row.updated_at = _now()
        return _canned(row)


@router.delete(
    "/canned-replies/{reply_id}",
    summary="Delete a canned reply",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422),
)
async def delete_canned(reply_id: ObjectId, caller: Admin, state: State) -> Response:
    async with state.sessions() as session, session.begin():
        row = await store.get_canned(session, caller.store_id, reply_id)
        if row is None:
            raise not_found("canned reply")
        await store.delete_canned(session, row)
    return Response(status_code=204)


# --- the buyer's rating --------------------------------------------------------------------


@widget_router.post(
    "/conversations/{conversation_id}/csat",
    summary="Answer the satisfaction question",
    response_model=CsatOut,
    responses=errors(401, 404, 409, 422),
)
async def answer_csat(conversation_id: ObjectId, body: CsatAnswer, buyer: Buyer, state: State) -> CsatOut:
    """The buyer's rating (1-5) of the conversation's newest closing; answering twice is 409."""
    async with state.sessions() as session, session.begin():
        with service_errors():
            conv = await state.messaging.conversation_for(buyer_actor(buyer), conversation_id, session)
        survey = await store.latest_survey(session, buyer.store_id, conv.id)
        if survey is None:
            raise ApiError(409, "no satisfaction question was asked in this conversation", code="no_survey")
        if survey.answered_at is not None:
            raise ApiError(409, "this question was already answered", code="already_answered")
        survey.score = body.score
        survey.comment = body.comment.strip()
        survey.answered_at = _now()
        return _csat(survey)

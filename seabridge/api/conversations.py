"""Conversations over REST: agents' inbox, history, sending and status changes; the
buyer's side for the widget; image attachments for both.

Every access check and write goes through `MessagingService` (or the attachment
service built on it); this module only maps HTTP to it and its errors to answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from seabridge.api.deps import Buyer, Caller, Session, State
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, ObjectId, Page, after_id, errors
from seabridge.messaging.frames import no_nul
from seabridge.security import BuyerClaims
from seabridge.services import attachments as attach
from seabridge.services.messaging import (
    Actor,
    Forbidden,
    IllegalStatusChange,
    NotFound,
    RateLimited,
    Rejected,
    message_payload,
)
from seabridge.state import AppState
from seabridge.storage import agents
from seabridge.storage import conversations as store

router = APIRouter(prefix="/v1", tags=["conversations"])

SeqParam = Annotated[int | None, Query(ge=0, le=2**62)]
_FILE_FORM = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _FILE_FORM}}}}


# --- bodies -----------------------------------------------------------------------------


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str = Field(examples=["bot", "waiting", "assigned", "closed"])
    visitor_id: str
    customer_id: int | None
    assigned_agent_id: int | None
    language: str
    last_seq: int = Field(description="The seq of the newest message")
    created_at: datetime
    updated_at: datetime
    waiting_since: datetime | None
    closed_at: datetime | None


class ParticipantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(examples=["buyer", "agent", "bot"])
    ref: str = Field(description="Visitor id, agent id or `bot`")
    language: str
    last_read_seq: int
    joined_at: datetime


class ConversationDetail(ConversationOut):
    participants: list[ParticipantOut]


class Sender(BaseModel):
    kind: str
    id: str


class MessageOut(BaseModel):
    id: int
    seq: int
    kind: str = Field(examples=["text", "image", "note", "system"])
    sender: Sender | None = Field(description="null for system messages")
    text: str
    language: str
    status: str = Field(examples=["delivered", "held"])
    attachments: list[dict[str, Any]]
    data: dict[str, Any]
    client_msg_id: str
    created_at: str
    translations: dict[str, str] = Field(default_factory=dict, description="Language -> translated text")


class MessagePage(BaseModel):
    """Pass `next_before_seq` as `before_seq` to page backwards (null: no older messages);
    pass `next_after_seq` as `after_seq` to page forwards."""

    items: list[MessageOut]
    last_seq: int
    next_before_seq: int | None
    next_after_seq: int | None


class BuyerSend(BaseModel):
    client_msg_id: str = Field(min_length=1, max_length=64, description="Makes the send idempotent")
    text: Annotated[str, AfterValidator(no_nul)] = Field("", max_length=100_000)
    attachments: list[int] = Field(default_factory=list, max_length=attach.MAX_PER_MESSAGE)


class AgentSend(BuyerSend):
    kind: Literal["text", "note"] = Field("text", description="`note`: internal, never shown to the buyer")


class Sent(BaseModel):
    message: MessageOut
    duplicate: bool = Field(description="true when this client_msg_id was sent before; nothing new was stored")


class AgentChoice(BaseModel):
    agent_id: int = Field(ge=1, le=MAX_ID)


class ReadMarker(BaseModel):
    seq: int = Field(ge=0, le=2**62)


class AttachmentOut(BaseModel):
    id: int
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str


# --- helpers -----------------------------------------------------------------------------


def agent_actor(caller: Caller) -> Actor:
    ref = str(caller.agent_id) if caller.agent_id is not None else "api_key"
    return Actor(caller.store_id, "agent", ref, role=caller.role)


def buyer_actor(buyer: BuyerClaims) -> Actor:
    return Actor(buyer.store_id, "buyer", buyer.visitor_id, customer_id=buyer.customer_id)


@contextmanager
def service_errors() -> Iterator[None]:
    """The services' refusals as API errors."""
    try:
        yield
    except NotFound as exc:
        raise not_found("conversation") from exc
    except attach.UnknownAttachment as exc:
        raise not_found("attachment") from exc
    except Forbidden as exc:
        raise ApiError(403, str(exc)) from exc
    except IllegalStatusChange as exc:
        raise ApiError(409, str(exc), code="illegal_transition") from exc
    except RateLimited as exc:
        retry = str(int(exc.retry_after_s))
        raise ApiError(429, str(exc), code="rate_limited", headers={"Retry-After": retry}) from exc
    except Rejected as exc:
        details = [{"reason": reason} for reason in exc.reasons]
        raise ApiError(422, "the message was rejected", code="message_rejected", details=details) from exc
    except attach.UploadError as exc:
        raise ApiError(exc.status, str(exc), code=exc.code) from exc


def _attachments(state: AppState) -> attach.AttachmentService:
    return attach.AttachmentService(state.sessions, state.messaging, state.settings.data_dir)


async def history(
    state: AppState, actor: Actor, conversation_id: int, before_seq: int | None, after_seq: int | None, limit: int
) -> MessagePage:
    """One page of messages. The page covers a fixed window of seqs (seqs are gapless),
    so the next cursor never skips a message even when some are hidden from the caller."""
    if before_seq is not None and after_seq is not None:
        raise ApiError(422, "give before_seq or after_seq, not both")
    with service_errors():
        async with state.sessions() as session:
            last_seq = (await state.messaging.conversation_for(actor, conversation_id, session)).last_seq
        next_before: int | None = None
        next_after: int | None = None
        if after_seq is not None:
            end = max(after_seq, min(after_seq + limit, last_seq))
            rows = await state.messaging.history_after(actor, conversation_id, after_seq, end - after_seq)
            next_after = end
        else:
            top = last_seq + 1 if before_seq is None else min(before_seq, last_seq + 1)
            rows = await state.messaging.history_before(actor, conversation_id, top, limit)
            next_before = top - limit if top - limit > 1 else None
    async with state.sessions() as session:
        translations = await store.translations_for(session, [m.id for m in rows])
    items = [MessageOut(**message_payload(m, translations.get(m.id))) for m in rows]
    return MessagePage(items=items, last_seq=last_seq, next_before_seq=next_before, next_after_seq=next_after)


async def send(
    state: AppState, actor: Actor, conversation_id: int, body: BuyerSend, kind: str, response: Response
) -> Sent:
    if not body.text.strip() and not body.attachments:
        raise ApiError(422, "a message needs text or an attachment")
    with service_errors():
        try:
            refs = await _attachments(state).for_message(actor, conversation_id, body.attachments)
        except attach.UnknownAttachment as exc:
            raise ApiError(422, str(exc), code="invalid_attachment") from exc
        if refs and kind == "text" and not body.text.strip():
            kind = "image"
        result = await state.messaging.send(
            actor, conversation_id, body.client_msg_id, body.text, attachments=refs, kind=kind
        )
    response.status_code = 200 if result.duplicate else 201
    return Sent(message=MessageOut(**message_payload(result.message)), duplicate=result.duplicate)


async def upload(state: AppState, actor: Actor, conversation_id: int, request: Request, url: str) -> AttachmentOut:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > attach.MAX_BYTES + attach.FORM_OVERHEAD:
        raise ApiError(413, f"an image may be at most {attach.MAX_BYTES // (1024 * 1024)} MiB")
    content_type = request.headers.get("content-type", "")
    with service_errors():
        chunks = attach.file_part(content_type, request.stream())
        row = await _attachments(state).upload(actor, conversation_id, chunks)
    payload = attach.attachment_payload(row)
    return AttachmentOut(**payload, url=url.format(id=row.id))


async def serve(state: AppState, actor: Actor, attachment_id: int) -> FileResponse:
    with service_errors():
        row, path = await _attachments(state).fetch(actor, attachment_id)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        "Cache-Control": "private, max-age=86400",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return FileResponse(path, media_type=row.content_type, headers=headers)


# --- agents and API keys -------------------------------------------------------------------


@router.get(
    "/conversations",
    summary="List conversations",
    response_model=Page[ConversationOut],
    responses=errors(400, 401, 422),
)
async def list_conversations(
    caller: Caller,
    session: Session,
    cursor: Cursor = None,
    status: Annotated[str, Query(max_length=16, examples=["waiting"])] = "",
    assigned_agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    mine: Annotated[bool, Query(description="Only conversations assigned to the calling agent")] = False,
    limit: Limit = 50,
) -> Page[ConversationOut]:
    """The store's conversations, oldest first, filtered by status, agent or customer."""
    if mine:
        if caller.agent_id is None:
            raise ApiError(422, "`mine` needs an agent session, not an API key")
        if assigned_agent_id not in (None, caller.agent_id):
            raise ApiError(422, "give `mine` or `assigned_agent_id`, not both")
        assigned_agent_id = caller.agent_id
    page = await store.list_conversations(
        session,
        caller.store_id,
        status=status,
        assigned_agent_id=assigned_agent_id,
        customer_id=customer_id,
        after_id=after_id(cursor),
        limit=limit,
    )
    return Page[ConversationOut].model_validate(page)


@router.get(
    "/conversations/{conversation_id}",
    summary="Get a conversation",
    response_model=ConversationDetail,
    responses=errors(401, 404, 422),
)
async def get_conversation(conversation_id: ObjectId, caller: Caller, state: State) -> ConversationDetail:
    """One conversation with its participants and how far each has read."""
    async with state.sessions() as session:
        with service_errors():
            conv = await state.messaging.conversation_for(agent_actor(caller), conversation_id, session)
        people = await store.participants(session, conv.id)
    out = ConversationOut.model_validate(conv)
    return ConversationDetail(**out.model_dump(), participants=[ParticipantOut.model_validate(p) for p in people])


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="Read a conversation's messages",
    response_model=MessagePage,
    responses=errors(401, 404, 422),
)
async def get_messages(
    conversation_id: ObjectId,
    caller: Caller,
    state: State,
    before_seq: SeqParam = None,
    after_seq: SeqParam = None,
    limit: Limit = 50,
) -> MessagePage:
    """Newest first page by default; `before_seq` pages backwards, `after_seq` forwards.
    Messages come with their stored translations."""
    return await history(state, agent_actor(caller), conversation_id, before_seq, after_seq, limit)


@router.post(
    "/conversations/{conversation_id}/messages",
    summary="Send a message as an agent",
    response_model=Sent,
    status_code=201,
    responses={200: {"model": Sent, "description": "A repeat of a client_msg_id"}, **errors(401, 403, 404, 422)},
)
async def post_message(
    conversation_id: ObjectId, body: AgentSend, caller: Caller, state: State, response: Response
) -> Sent:
    """Idempotent by `client_msg_id`: a repeat answers 200 with the first message."""
    return await send(state, agent_actor(caller), conversation_id, body, body.kind, response)


async def _assign(
    state: AppState, caller: Caller, conversation_id: int, agent_id: int, transfer: bool
) -> ConversationOut:
    actor = agent_actor(caller)
    async with state.sessions() as session:
        with service_errors():
            conv = await state.messaging.conversation_for(actor, conversation_id, session)
        agent = await agents.get_agent(session, caller.store_id, agent_id)
    if agent is None or agent.disabled_at is not None:
        raise not_found("agent")
    if transfer and conv.status != "assigned":
        raise ApiError(409, f"a {conv.status} conversation cannot be transferred", code="illegal_transition")
    with service_errors():
        conv = await state.messaging.change_status(actor, conversation_id, "assigned", agent_id=agent.id)
    return ConversationOut.model_validate(conv)


@router.post(
    "/conversations/{conversation_id}/assign",
    summary="Assign a conversation to an agent",
    response_model=ConversationOut,
    responses=errors(401, 404, 409, 422),
)
async def assign(conversation_id: ObjectId, body: AgentChoice, caller: Caller, state: State) -> ConversationOut:
    """The agent must belong to the caller's store (another store's agent is 404)."""
    return await _assign(state, caller, conversation_id, body.agent_id, transfer=False)


@router.post(
    "/conversations/{conversation_id}/transfer",
    summary="Transfer an assigned conversation",
    response_model=ConversationOut,
    responses=errors(401, 404, 409, 422),
)
async def transfer(conversation_id: ObjectId, body: AgentChoice, caller: Caller, state: State) -> ConversationOut:
    """Hand an assigned conversation to another agent of the store."""
    return await _assign(state, caller, conversation_id, body.agent_id, transfer=True)


async def _status(state: AppState, caller: Caller, conversation_id: int, status: str) -> ConversationOut:
    with service_errors():
        conv = await state.messaging.change_status(agent_actor(caller), conversation_id, status)
    return ConversationOut.model_validate(conv)


@router.post(
    "/conversations/{conversation_id}/handoff",
    summary="Queue a conversation for a person",
    response_model=ConversationOut,
    responses=errors(401, 404, 409, 422),
)
async def handoff(conversation_id: ObjectId, caller: Caller, state: State) -> ConversationOut:
    """The conversation becomes `waiting` for the next free agent."""
    return await _status(state, caller, conversation_id, "waiting")


@router.post(
    "/conversations/{conversation_id}/close",
    summary="Close a conversation",
    response_model=ConversationOut,
    responses=errors(401, 404, 409, 422),
)
async def close(conversation_id: ObjectId, caller: Caller, state: State) -> ConversationOut:
    """A buyer writing again reopens it."""
    return await _status(state, caller, conversation_id, "closed")


@router.post(
    "/conversations/{conversation_id}/read",
    summary="Mark messages read",
    response_model=ReadMarker,
    responses=errors(401, 404, 422),
)
async def mark_read(conversation_id: ObjectId, body: ReadMarker, caller: Caller, state: State) -> ReadMarker:
    """The marker only moves forward; the answer is where it stands."""
    with service_errors():
        seq = await state.messaging.mark_read(agent_actor(caller), conversation_id, body.seq)
    return ReadMarker(seq=seq)


@router.post(
    "/conversations/{conversation_id}/attachments",
    summary="Upload an image as an agent",
    response_model=AttachmentOut,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses=errors(401, 404, 413, 415, 422),
)
async def post_attachment(conversation_id: ObjectId, request: Request, caller: Caller, state: State) -> AttachmentOut:
    """Multipart field `file`: a JPEG, PNG, GIF or WebP image of at most 10 MiB."""
    return await upload(state, agent_actor(caller), conversation_id, request, "/v1/attachments/{id}")


@router.get(
    "/attachments/{attachment_id}",
    summary="Download an attachment",
    response_class=FileResponse,
    responses=errors(401, 404, 422),
)
async def get_attachment(attachment_id: ObjectId, caller: Caller, state: State) -> FileResponse:
    """The image bytes with their stored content type."""
    return await serve(state, agent_actor(caller), attachment_id)


# --- buyers (widget) -------------------------------------------------------------------------


@router.post(
    "/widget/conversation",
    summary="Open the buyer's conversation",
    response_model=ConversationOut,
    tags=["widget"],
    responses=errors(401),
)
async def open_conversation(buyer: Buyer, state: State) -> ConversationOut:
    """The buyer's open conversation, or a new one."""
    with service_errors():
        conv = await state.messaging.open_for_buyer(buyer_actor(buyer))
    return ConversationOut.model_validate(conv)


@router.get(
    "/widget/conversations/{conversation_id}/messages",
    summary="Read the buyer's messages",
    response_model=MessagePage,
    tags=["widget"],
    responses=errors(401, 404, 422),
)
async def buyer_messages(
    conversation_id: ObjectId,
    buyer: Buyer,
    state: State,
    before_seq: SeqParam = None,
    after_seq: SeqParam = None,
    limit: Limit = 50,
) -> MessagePage:
    """Like the agents' history, without internal notes or others' held messages."""
    return await history(state, buyer_actor(buyer), conversation_id, before_seq, after_seq, limit)


@router.post(
    "/widget/conversations/{conversation_id}/messages",
    summary="Send a message as the buyer",
    response_model=Sent,
    status_code=201,
    tags=["widget"],
    responses={200: {"model": Sent, "description": "A repeat of a client_msg_id"}, **errors(401, 404, 422)},
)
async def buyer_post_message(
    conversation_id: ObjectId, body: BuyerSend, buyer: Buyer, state: State, response: Response
) -> Sent:
    """Idempotent by `client_msg_id`; a closed conversation reopens."""
    return await send(state, buyer_actor(buyer), conversation_id, body, "text", response)


@router.post(
    "/widget/conversations/{conversation_id}/attachments",
    summary="Upload an image as the buyer",
    response_model=AttachmentOut,
    status_code=201,
    tags=["widget"],
    openapi_extra=_UPLOAD_BODY,
    responses=errors(401, 404, 413, 415, 422),
)
async def buyer_post_attachment(
    conversation_id: ObjectId, request: Request, buyer: Buyer, state: State
) -> AttachmentOut:
    """Multipart field `file`: a JPEG, PNG, GIF or WebP image of at most 10 MiB."""
    return await upload(state, buyer_actor(buyer), conversation_id, request, "/v1/widget/attachments/{id}")


@router.get(
    "/widget/attachments/{attachment_id}",
    summary="Download an attachment as the buyer",
    response_class=FileResponse,
    tags=["widget"],
    responses=errors(401, 404, 422),
)
async def buyer_get_attachment(attachment_id: ObjectId, buyer: Buyer, state: State) -> FileResponse:
    """Only attachments of a conversation the buyer can see."""
    return await serve(state, buyer_actor(buyer), attachment_id)

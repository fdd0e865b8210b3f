"""Conversations and messages: who may do what, and the one path every message takes.

Send path: moderate -> (one transaction) de-duplicate by client message id,
take the next seq, store the message and its outbox event -> commit -> publish
on the bus. The ack is only produced after the commit, so an acknowledged
message survives a crash; a repeat of the same client message id returns the
first message and stores nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge import language as lang
from seabridge.bus.base import Bus, BusEvent
from seabridge.db.conversations import Conversation, Message
from seabridge.moderation import Action, ModerationConfig, Moderator
from seabridge.ratelimit import SlidingWindow
from seabridge.services.writer import ConversationMissing, MessageWriter, Outcome, PendingSend
from seabridge.storage import agents, stores
from seabridge.storage import conversations as store
from seabridge.translation import NoTranslator, TranslationError, Translator

log = logging.getLogger(__name__)

STATUSES = ("bot", "waiting", "assigned", "closed")
# Which status changes are allowed; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "bot": frozenset({"waiting", "assigned", "closed"}),
    "waiting": frozenset({"assigned", "closed", "bot"}),
    "assigned": frozenset({"assigned", "waiting", "closed"}),
    "closed": frozenset({"bot", "waiting"}),  # a buyer writing again reopens
}
OUTBOX_EVENT_FOR_STATUS = {
    "waiting": "conversation.waiting",
    "assigned": "conversation.assigned",
    "closed": "conversation.closed",
}


class NotFound(Exception):
    """No such conversation for this caller (also: another store's, another buyer's)."""


class Forbidden(Exception):
    """The caller may see the conversation but not do this."""


class Rejected(Exception):
    """Moderation refused the message; `reasons` are codes, never the content."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("message rejected: " + ", ".join(reasons))
        self.reasons = reasons


class IllegalStatusChange(Exception):
    pass


class RateLimited(Exception):
    """Too many messages in this conversation; try again after `retry_after_s`."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("too many messages in this conversation; slow down")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a buyer (visitor, maybe a verified customer), an agent, the bot, or the system."""

    store_id: int
    kind: str  # buyer, agent, bot, system
    ref: str  # visitor id, agent id, "bot", "system"
    customer_id: int | None = None
    role: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class SendResult:
    message: Message
    duplicate: bool


@dataclass(slots=True)
class MessagingService:
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    moderator: Moderator = field(default_factory=lambda: Moderator(ModerationConfig()))
    translator: Translator = field(default_factory=NoTranslator)
    # Per conversation, across all its participants and connections (per process).
    conversation_limit: SlidingWindow = field(default_factory=lambda: SlidingWindow(limit=120, window_s=10.0))
    # Called with every new, delivered buyer message after it is committed, and the text as the buyer wrote it
    # before masking (the AI agent listens here: a buyer verifying types an e-mail address that is never stored).
    buyer_message_listeners: list[Callable[[Message, str], None]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    writer: MessageWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = MessageWriter(self.sessions, message_payload)

    async def aclose(self) -> None:
        await self.writer.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.translator.aclose()

    # --- access -----------------------------------------------------------

    async def conversation_for(self, actor: Actor, conversation_id: int, session: AsyncSession) -> Conversation:
        conv = await store.get_conversation(session, actor.store_id, conversation_id)
        if conv is None or not _may_see(actor, conv):
            raise NotFound(f"conversation {conversation_id} not found")
        return conv

    async def open_for_buyer(self, actor: Actor) -> Conversation:
        """The buyer's open conversation, or a new one."""
        if actor.kind != "buyer":
            raise Forbidden("only a buyer opens a conversation this way")
        async with self.sessions() as session, session.begin():
            conv = await store.latest_open_for_visitor(session, actor.store_id, actor.ref)
            if conv is None:
                conv = await store.create_conversation(
                    session,
                    actor.store_id,
                    visitor_id=actor.ref,
                    customer_id=actor.customer_id,
                    language=actor.language,
                )
            elif actor.customer_id is not None and conv.customer_id is None:
                conv.customer_id = actor.customer_id
            return conv

    # --- messages ---------------------------------------------------------

    async def send(
        self,
        actor: Actor,
        conversation_id: int,
        client_msg_id: str,
        text: str,
        *,
        attachments: list[dict[str, Any]] | None = None,
        language: str = "",
        kind: str = "text",
        data: dict[str, Any] | None = None,
    ) -> SendResult:
        item = self._prepare(actor, conversation_id, client_msg_id, text, attachments, language, kind, data)
        try:
            message, duplicate = await self.writer.submit(item)
        except ConversationMissing as exc:
            raise NotFound(str(exc)) from exc
        return self._stored(actor, SendResult(message, duplicate), text)

    def begin_send(
        self,
        actor: Actor,
        conversation_id: int,
        client_msg_id: str,
        text: str,
        attachments: list[dict[str, Any]],
        on_done: Callable[[SendResult | Exception], None],
    ) -> None:
        """`send` of a text message without a coroutine: checked and queued for the writer now (raising
        as `send` does: RateLimited, Rejected, Forbidden), then `on_done` is called by the writer with
        the result, once published, or the error (NotFound), with no turn of the loop in between.
        The WebSocket transport's path, where each send would otherwise cost a task and two loop turns."""
        item = self._prepare(actor, conversation_id, client_msg_id, text, attachments, "", "text", None)

        def done(outcome: Outcome) -> None:
            if isinstance(outcome, ConversationMissing):
                on_done(NotFound(str(outcome)))
            elif isinstance(outcome, Exception):
                on_done(outcome)
            else:
                try:
                    result = self._stored(actor, SendResult(*outcome), text)
                except Exception as exc:  # stored, but not published: the sender hears of it all the same
                    on_done(exc)
                    return
                on_done(result)

        item.on_done = done
        self.writer.enqueue(item)

    def _prepare(
        self,
        actor: Actor,
        conversation_id: int,
        client_msg_id: str,
        text: str,
        attachments: list[dict[str, Any]] | None,
        language: str,
        kind: str,
        data: dict[str, Any] | None,
    ) -> PendingSend:
        """The checks before storage (rate, language, moderation: masking happens here) and the writer's item."""
        if actor.kind in ("buyer", "agent") and not self.conversation_limit.allow(conversation_id):
            raise RateLimited(self.conversation_limit.window_s)
        if not language and kind in ("text", "note"):
            language = lang.detect(text, hint=actor.language).language
        verdict = self.moderator.moderate(text, language or actor.language or "*")
        if verdict.action is Action.REJECT:
            raise Rejected(verdict.reasons)
        status = "held" if verdict.action is Action.HOLD else "delivered"
        if kind == "note" and actor.kind not in ("agent", "bot"):
            raise Forbidden("only agents (and the bot's handoff summary) write internal notes")
        item = PendingSend(
            actor_store_id=actor.store_id,
            actor_kind=actor.kind,
            actor_ref=actor.ref,
            may_see=lambda conv: _may_see(actor, conv),
            conversation_id=conversation_id,
            client_msg_id=client_msg_id,
            text=verdict.text,
            status=status,
            reasons=list(verdict.reasons),
            attachments=attachments or [],
            language=language,
            kind=kind,
            data=data or {},
            one_by_one=lambda: self._store_one(
                actor,
                conversation_id,
                client_msg_id,
                verdict.text,
                status,
                list(verdict.reasons),
                attachments or [],
                language,
                kind,
                data or {},
            ),
        )
        return item

    def _stored(self, actor: Actor, result: SendResult, text: str) -> SendResult:
        """After the commit: publish a new delivered message, start its translation, tell the listeners."""
        message = result.message
        if not result.duplicate and message.status == "delivered":
            self.bus.publish_nowait(
                BusEvent(actor.store_id, message.conversation_id, "message", message_payload(message), message.seq)
            )
            if message.kind == "text" and message.text and not isinstance(self.translator, NoTranslator):
                # Delivery never waits for translation: it follows as a message_updated event.
                task = asyncio.create_task(self._translate(result.message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if actor.kind == "buyer":
                for listener in self.buyer_message_listeners:
                    listener(result.message, text)
        return result

    async def _translate(self, message: Message) -> None:
        async with self.sessions() as session:
            conv = await store.get_conversation(session, message.store_id, message.conversation_id)
            shop = await stores.get_by_id(session, message.store_id)
            if conv is None or shop is None:
                return
            targets = {p.language for p in await store.participants(session, conv.id) if p.language}
        targets.add(shop.default_language)
        targets.discard(message.language)
        translations: dict[str, str] = {}
        for target in sorted(t for t in targets if t):
            try:
                result = await self.translator.translate(message.text, source=message.language or None, target=target)
            except TranslationError as exc:
                log.info("translation failed", extra={"reason": exc.reason, "target": target, "message_id": message.id})
                continue
            translations[target] = result.text
            async with self.sessions() as session, session.begin():
                await store.save_translation(session, message, target, result.text, result.provider)
        if translations:
            async with self.sessions() as session:
                stored = (await store.translations_for(session, [message.id])).get(message.id, {})
            payload = message_payload(message, {**stored, **translations})
            await self.bus.publish(
                BusEvent(message.store_id, message.conversation_id, "message_updated", payload, message.seq)
            )

    async def _store_one(
        self,
        actor: Actor,
        conversation_id: int,
        client_msg_id: str,
        text: str,
        status: str,
        reasons: list[str],
        attachments: list[dict[str, Any]],
        language: str,
        kind: str,
        data: dict[str, Any],
    ) -> tuple[Message, bool]:
        """One send in its own transaction: the path taken when a batch conflicts."""
        try:
            result = await self._store_message(
                actor, conversation_id, client_msg_id, text, status, reasons, attachments, language, kind, data
            )
        except IntegrityError:
            # Two sends with one client id raced; the other one won. Answer with its message.
            async with self.sessions() as session:
                first = await store.find_by_client_id(session, conversation_id, actor.kind, actor.ref, client_msg_id)
            if first is None:
                raise
            return first, True
        return result.message, result.duplicate

    async def _store_message(
        self,
        actor: Actor,
        conversation_id: int,
        client_msg_id: str,
        text: str,
        status: str,
        reasons: list[str],
        attachments: list[dict[str, Any]],
        language: str,
        kind: str,
        data: dict[str, Any],
    ) -> SendResult:
        async with self.sessions() as session, session.begin():
            conv = await self.conversation_for(actor, conversation_id, session)
            first = await store.find_by_client_id(session, conv.id, actor.kind, actor.ref, client_msg_id)
            if first is not None:
                return SendResult(first, True)
            if conv.status == "closed" and actor.kind == "buyer":
                conv.status = "bot"
                conv.closed_at = None
            seq = await store.allocate_seq(session, conv.id)
            message = await store.insert_message(
                session,
                conv,
                seq=seq,
                sender_kind=actor.kind,
                sender_ref=actor.ref,
                client_msg_id=client_msg_id,
                kind=kind,
                text=text,
                language=language,
                status=status,
                moderation=reasons,
                attachments=attachments,
                data=data,
            )
            if kind != "note":
                await store.add_outbox(
                    session,
                    actor.store_id,
                    "message.created",
                    {"conversation_id": conv.id, "message": message_payload(message)},
                )
            return SendResult(message, False)

    async def post_system(
        self, store_id: int, conversation_id: int, key: str, text: str, data: dict[str, Any] | None = None
    ) -> SendResult:
        """A system message (e.g. an order-status update). `key` makes it idempotent."""
        system = Actor(store_id, "system", "system")
        async with self.sessions() as session, session.begin():
            conv = await store.get_conversation(session, store_id, conversation_id)
            if conv is None:
                raise NotFound(f"conversation {conversation_id} not found")
            first = await store.find_by_client_id(session, conv.id, "system", "system", key)
            if first is not None:
                return SendResult(first, True)
            seq = await store.allocate_seq(session, conv.id)
            message = await store.insert_message(
                session,
                conv,
                seq=seq,
                sender_kind="system",
                sender_ref="system",
                client_msg_id=key,
                kind="system",
                text=text,
                language="",
                data=data,
            )
            await store.add_outbox(
                session, store_id, "message.created", {"conversation_id": conv.id, "message": message_payload(message)}
            )
        await self.bus.publish(BusEvent(system.store_id, conversation_id, "message", message_payload(message), seq))
        return SendResult(message, False)

    async def history_after(self, actor: Actor, conversation_id: int, after_seq: int, limit: int) -> list[Message]:
        async with self.sessions() as session:
            conv = await self.conversation_for(actor, conversation_id, session)
            rows = await store.messages_after(session, actor.store_id, conv.id, after_seq, limit)
        return [m for m in rows if _visible(actor, m)]

    async def history_before(
        self, actor: Actor, conversation_id: int, before_seq: int | None, limit: int
    ) -> list[Message]:
        async with self.sessions() as session:
            conv = await self.conversation_for(actor, conversation_id, session)
            rows = await store.messages_before(session, actor.store_id, conv.id, before_seq, limit)
        return [m for m in rows if _visible(actor, m)]

    async def translations_of(self, messages: list[Message]) -> dict[int, dict[str, str]]:
        """Stored translations of these messages (replays carry them, like live updates)."""
        if not messages:
            return {}
        async with self.sessions() as session:
            return await store.translations_for(session, [m.id for m in messages])

    async def mark_read(self, actor: Actor, conversation_id: int, seq: int) -> int:
        async with self.sessions() as session, session.begin():
            conv = await self.conversation_for(actor, conversation_id, session)
            seq = min(seq, conv.last_seq)
            await store.ensure_participant(session, conv, actor.kind, actor.ref, actor.language)
            marker = await store.mark_read(session, conv.id, actor.kind, actor.ref, seq)
        await self.bus.publish(
            BusEvent(
                actor.store_id,
                conversation_id,
                "read",
                {"participant": {"kind": actor.kind, "id": actor.ref}, "seq": marker},
            )
        )
        return marker

    async def typing(self, actor: Actor, conversation_id: int, active: bool) -> None:
        async with self.sessions() as session:
            await self.conversation_for(actor, conversation_id, session)
        await self.bus.publish(
            BusEvent(
                actor.store_id,
                conversation_id,
                "typing",
                {"participant": {"kind": actor.kind, "id": actor.ref}, "active": active},
            )
        )

    # --- status -----------------------------------------------------------

    async def change_status(
        self, actor: Actor, conversation_id: int, status: str, agent_id: int | None = None
    ) -> Conversation:
        """bot -> waiting (handoff), -> assigned (to `agent_id`), -> closed; transfer = assigned -> assigned."""
        if status not in STATUSES:
            raise IllegalStatusChange(f"unknown status {status!r}")
        if actor.kind == "buyer" and status not in ("waiting", "closed"):
            raise Forbidden("a buyer may ask for a person or close, nothing else")
        if status == "assigned" and agent_id is None:
            raise IllegalStatusChange("assigning needs an agent")
        async with self.sessions() as session, session.begin():
            conv = await self.conversation_for(actor, conversation_id, session)
            if status not in TRANSITIONS[conv.status]:
                raise IllegalStatusChange(f"a {conv.status} conversation cannot become {status}")
            now = datetime.now(UTC)
            conv.status = status
            conv.updated_at = now
            if status == "waiting":
                conv.waiting_since = now
                conv.assigned_agent_id = None
            elif status == "assigned":
                conv.assigned_agent_id = agent_id
                conv.waiting_since = None
                # The agent's working language makes translations into it (see _translate).
                agent = await agents.get_agent(session, conv.store_id, agent_id) if agent_id is not None else None
                language = agent.language if agent is not None else ""
                await store.ensure_participant(session, conv, "agent", str(agent_id), language)
            elif status == "closed":
                conv.closed_at = now
            event = OUTBOX_EVENT_FOR_STATUS.get(status)
            if event:
                await store.add_outbox(session, conv.store_id, event, conversation_payload(conv))
        await self.bus.publish(BusEvent(actor.store_id, conversation_id, "conversation", conversation_payload(conv)))
        return conv


def _may_see(actor: Actor, conv: Conversation) -> bool:
    if conv.store_id != actor.store_id:
        return False
    if actor.kind == "buyer":
        return conv.visitor_id == actor.ref or (actor.customer_id is not None and conv.customer_id == actor.customer_id)
    return actor.kind in ("agent", "bot", "system")


def _visible(actor: Actor, message: Message) -> bool:
    """Buyers never see internal notes or messages held for review (except their own)."""
    if actor.kind != "buyer":
        return True
    if message.kind == "note":
        return False
    return message.status == "delivered" or (message.sender_kind == "buyer" and message.sender_ref == actor.ref)


def message_payload(message: Message, translations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": message.id,
        "seq": message.seq,
        "kind": message.kind,
        "sender": None if message.sender_kind == "system" else {"kind": message.sender_kind, "id": message.sender_ref},
        "text": message.text,
        "language": message.language,
        "status": message.status,
        "attachments": message.attachments,
        "data": message.data,
        "client_msg_id": message.client_msg_id,
        "translations": translations or {},
        "created_at": message.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def conversation_payload(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "status": conv.status,
        "assigned_agent_id": conv.assigned_agent_id,
        "customer_id": conv.customer_id,
        "last_seq": conv.last_seq,
        "updated_at": conv.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }

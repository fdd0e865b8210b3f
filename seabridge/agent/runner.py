"""Runs the bot in conversations: reads the buyer's new messages, asks the engine, posts the reply.

Triggered by `MessagingService.buyer_message_listeners` in the process that
stored the buyer's message, and by a sweep that answers turns a crashed
process accepted but never replied to. A conversation's turns run one at a
time; messages that arrive while the bot is thinking are read together as the
next turn. The reply's client message id is derived from the last buyer
message it answers, so two processes answering the same turn post one reply,
and the dialogue state is saved with an optimistic version check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge.agent.catalog import CatalogIndex
from seabridge.agent.engine import DialogueState, Engine, Reply, Turn
from seabridge.agent.profile import store_profile
from seabridge.agent.tools import Tools
from seabridge.agent.views import ProductView, StoreProfile
from seabridge.db.conversations import Message
from seabridge.services.messaging import Actor, IllegalStatusChange, MessagingService
from seabridge.storage import agent as agent_store
from seabridge.storage import stores

log = logging.getLogger(__name__)
BOT_STATUSES = ("bot", "waiting")
HISTORY = 10
FRESH_LIMIT = 200  # buyer messages read as one turn, at most


@dataclass(slots=True)
class Outcome:
    reply: Reply
    message: Message
    latency_ms: float  # from reading the turn to the reply being committed
    cpu_ms: float = 0.0  # the process's CPU time over the same span (all threads: the writer's, the database's)


@dataclass(slots=True)
class BotRunner:
    sessions: async_sessionmaker[AsyncSession]
    messaging: MessagingService
    engine: Engine
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Per store, with the version they were read at (see agent_store.turn_context); a turn rereads only on change.
    _profiles: dict[int, tuple[str, StoreProfile]] = field(default_factory=dict)
    _catalogs: dict[int, tuple[tuple[int, str], CatalogIndex]] = field(default_factory=dict)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _raw: dict[int, str] = field(default_factory=dict)

    # --- triggers -------------------------------------------------------------

    def attach(self) -> None:
        self.messaging.buyer_message_listeners.append(self.on_buyer_message)

    def on_buyer_message(self, message: Message, raw_text: str = "") -> None:
        if message.kind != "text" or not message.text.strip():
            return
        self.remember(message, raw_text)
        task = asyncio.create_task(self._answer_logged(message.store_id, message.conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_logged(self, store_id: int, conversation_id: int) -> None:
        try:
            await self.answer(store_id, conversation_id)
        except Exception:
            log.exception("the bot could not answer", extra={"conversation_id": conversation_id})

    def remember(self, message: Message, raw_text: str) -> None:
        """Keep, in memory only, what the buyer typed before masking, for the turn that reads it."""
        if raw_text and raw_text != message.text:
            self._raw[message.id] = raw_text
            while len(self._raw) > 10_000:
                self._raw.pop(next(iter(self._raw)))

    async def sweep(self) -> int:
        """Answer every turn left unanswered (after a crash); returns how many conversations were handled."""
        async with self.sessions() as session:
            pending = await agent_store.unanswered(session)
        for store_id, conversation_id, _ in pending:
            await self._answer_logged(store_id, conversation_id)
        return len(pending)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- a turn -----------------------------------------------------------------

    async def answer(self, store_id: int, conversation_id: int) -> Outcome | None:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            try:
                return await self._turn(store_id, conversation_id)
            finally:
                if not lock._waiters:
                    self._locks.pop(conversation_id, None)

    async def _turn(self, store_id: int, conversation_id: int) -> Outcome | None:
        started, cpu = time.perf_counter(), time.process_time()
        now = self.clock()
        async with self.sessions() as session:
            read = await agent_store.turn_reads(session, store_id, conversation_id, FRESH_LIMIT, HISTORY)
            if read is None or read[0].status not in BOT_STATUSES or not read[1]:
                return None
            context, fresh, earlier = read
            version = context.version
            state = DialogueState.from_json(context.state) if context.state is not None else DialogueState()
            profile = await self._profile(session, store_id, context.store_version)
            if profile is None:
                return None
            catalog = await self._catalog(session, store_id, context.catalog_version)
            buyer = context.buyer
            agent_language = context.agent_language or profile.default_language
            status = context.status

        async def bind(session: AsyncSession, customer_id: int) -> None:
            await agent_store.bind_customer(session, store_id, conversation_id, customer_id)

        tools = Tools(
            self.sessions,
            profile,
            catalog,
            customer_id=buyer.customer_id if buyer else None,
            conversation_id=conversation_id,
            now=now,
            on_verified=bind,
        )
        last = fresh[-1]
        turn = Turn(
            text="\n".join(self._raw.pop(m.id, m.text) for m in fresh),
            language=last.language,
            now=now,
            state=state,
            tools=tools,
            buyer=buyer,
            status=status,
            agent_language=agent_language,
            history=[(m.sender_kind, m.text) for m in earlier if m.kind in ("text", "system") and m.text],
        )
        reply = await self.engine.reply(turn)
        bot = Actor(store_id, "bot", "bot", language=reply.language)
        sent = await self.messaging.send(
            bot,
            conversation_id,
            f"re-{last.id}",
            reply.text,
            language=reply.language,
            data=_data(reply, profile.currency),
        )
        if reply.escalated and status == "bot":
            with contextlib.suppress(IllegalStatusChange):  # a person took the conversation meanwhile
                await self.messaging.change_status(bot, conversation_id, "waiting")
        if reply.summary:
            await self.messaging.send(
                bot, conversation_id, f"note-{last.id}", reply.summary, kind="note", language=agent_language
            )
        async with self.sessions() as session, session.begin():
            saved_ok = await agent_store.save_state(
                session,
                store_id,
                conversation_id,
                version=version,
                handled_seq=last.seq,
                state=state.to_json(),
            )
        if not saved_ok:
            log.info("another process answered this turn", extra={"conversation_id": conversation_id})
        return Outcome(reply, sent.message, (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)

    async def _profile(self, session: AsyncSession, store_id: int, version: str) -> StoreProfile | None:
        """The store's profile, read again only when the store row changed (its updated_at)."""
        cached = self._profiles.get(store_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        shop = await stores.get_by_id(session, store_id)
        if shop is None:
            return None
        profile = store_profile(shop)
        self._profiles[store_id] = (version, profile)
        return profile

    async def _catalog(self, session: AsyncSession, store_id: int, version: tuple[int, str]) -> CatalogIndex:
        """The store's catalog index, built again only when a product changed (count and newest updated_at)."""
        cached = self._catalogs.get(store_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = CatalogIndex.build(await agent_store.catalog(session, store_id))
        self._catalogs[store_id] = (version, index)
        return index


def product_card(product: ProductView, currency: str) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "price": str(product.min_price),
        "currency": currency,
        "image": product.image,
    }


def _data(reply: Reply, currency: str) -> dict[str, Any]:
    data: dict[str, Any] = {"intent": reply.intent, "engine": reply.engine}
    if reply.escalated:
        data["handoff"] = reply.handoff_reason
    if reply.products:
        data["products"] = [product_card(p, currency) for p in reply.products]
    return data

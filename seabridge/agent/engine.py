"""The contract between the conversation path and an engine (offline or LLM): a turn in, a reply out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from seabridge.agent.tools import Tools
from seabridge.agent.views import BuyerProfile, ProductView, ToolCall


@dataclass(slots=True)
class DialogueState:
    """What the bot remembers of a conversation between turns (stored as JSON in agent_states)."""

    language: str = ""
    pending: str = ""  # the question the bot asked: verify, which_order, size, country, product
    pending_intent: str = ""  # the intent that question serves
    verify_email: str = ""  # held only until verification succeeds or fails
    verify_order: str = ""
    verify_failures: int = 0
    order: str = ""  # the order last talked about ("#1003")
    listed: list[str] = field(default_factory=list)  # the orders offered by the last "which order?", in order
    products: list[int] = field(default_factory=list)  # products last shown, in order
    product: int = 0  # the product last talked about
    measurements: dict[str, float] = field(default_factory=dict)
    country: str = ""
    not_understood: int = 0  # consecutive turns the bot did not understand
    frustrated: int = 0  # consecutive frustrated turns
    tension: int = 0  # the last turn's frustration score (0: calm)
    handed_off: bool = False
    last_intent: str = ""
    sentiment: str = "neutral"
    facts: list[str] = field(default_factory=list)  # for the handoff summary (English, short)
    tried: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DialogueState:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Turn:
    text: str
    language: str  # detected on the buyer's message ("" when it has none of its own)
    now: datetime
    state: DialogueState
    tools: Tools
    buyer: BuyerProfile | None
    status: str  # the conversation's status: bot or waiting
    agent_language: str  # the language the handoff summary is written in
    history: list[tuple[str, str]] = field(default_factory=list)  # earlier (sender kind, text), oldest first


@dataclass(slots=True)
class Reply:
    text: str
    language: str
    intent: str
    escalated: bool = False
    handoff_reason: str = ""
    summary: str = ""  # for the agents, in their language; set when escalated
    products: list[ProductView] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    engine: str = "offline"


class Engine(Protocol):
    name: str

    async def reply(self, turn: Turn) -> Reply: ...

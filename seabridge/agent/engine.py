"""The contract between the conversation path and an engine (offline or LLM): a turn in, a reply out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from seabridge.agent.tools import Tools
from seabridge.agent.views import BuyerProfile, ProductView, ToolCall

_SEEN = 12  # products a conversation remembers having shown
_CALLED = 8  # words a conversation remembers the product discussed by


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
    seen: list[int] = field(default_factory=list)  # every product shown in the conversation, the latest first
    called: list[str] = field(default_factory=list)  # the buyer's own words for `called_for` ("자충 매트", "매트")
    called_for: int = 0
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

    def saw(self, products: list[int]) -> None:
        """Remember products shown this turn: "아까 그 텐트" may mean a tent listed before another list."""
        self.seen = list(dict.fromkeys([*products, *self.seen]))[:_SEEN]

    def call(self, product: int, said: list[str]) -> None:
        """Remember the words the buyer names the product discussed by: "아까 그 매트" after "자충 매트" (a camping
        pad) is that pad in the buyer's word, though the catalog calls a bath mat a mat."""
        kept = self.called if self.called_for == product else []
        self.called, self.called_for = list(dict.fromkeys([*kept, *said]))[:_CALLED], product

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

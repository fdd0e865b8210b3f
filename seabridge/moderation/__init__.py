"""Pure text moderation of inbound messages: personal data masking and blocked words.

`Moderator(config).moderate(text, locale)` returns a `Verdict` (masked text, action,
reason codes). No I/O and no logging here; rate limits live in `seabridge.ratelimit`.
"""

from seabridge.moderation.automaton import Automaton
from seabridge.moderation.blocklist import ANY_LOCALE, BlockAction, BlockedWord, Blocklist, Match, fold
from seabridge.moderation.config import DEFAULT_MAX_CHARS, ModerationConfig
from seabridge.moderation.moderator import Action, Moderator, Verdict
from seabridge.moderation.pii import (
    CardDetector,
    Detector,
    EmailDetector,
    Finding,
    IbanDetector,
    PatternDetector,
    PhoneDetector,
    find_personal_data,
    iban_valid,
    luhn_valid,
)

__all__ = [
    "ANY_LOCALE",
    "DEFAULT_MAX_CHARS",
    "Action",
    "Automaton",
    "BlockAction",
    "BlockedWord",
    "Blocklist",
    "CardDetector",
    "Detector",
    "EmailDetector",
    "Finding",
    "IbanDetector",
    "Match",
    "ModerationConfig",
    "Moderator",
    "PatternDetector",
    "PhoneDetector",
    "Verdict",
    "find_personal_data",
    "fold",
    "iban_valid",
    "luhn_valid",
]

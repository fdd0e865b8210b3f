"""The inbound-message moderator: personal data masked, blocked words acted on, size capped.

Pure: text and locale in, a `Verdict` out. The verdict carries only the masked text and
reason codes, never a matched value, so it can be stored and logged as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from seabridge.moderation.blocklist import BlockAction, Blocklist, Match
from seabridge.moderation.config import ModerationConfig
from seabridge.moderation.pii import BUILTIN_DETECTORS, Detector, Finding, PatternDetector, find_personal_data

TOO_LONG = "too_long"
MASK_CHAR = "*"


class Action(StrEnum):
    DELIVER = "deliver"
    HOLD = "hold"
    REJECT = "reject"


_SEVERITY = {Action.DELIVER: 0, Action.HOLD: 1, Action.REJECT: 2}
_BLOCK_TO_ACTION = {BlockAction.MASK: Action.DELIVER, BlockAction.HOLD: Action.HOLD, BlockAction.REJECT: Action.REJECT}


@dataclass(frozen=True)
class Verdict:
    """`text` is what may be stored and delivered; `reasons` are codes such as "card_number"."""

    text: str
    action: Action
    reasons: tuple[str, ...]


class Moderator:
    def __init__(self, config: ModerationConfig) -> None:
        self.config = config
        detectors: list[Detector] = [BUILTIN_DETECTORS[name]() for name in sorted(config.mask)]
        detectors.extend(PatternDetector(name, pattern) for name, pattern in config.patterns)
        self._detectors = tuple(detectors)
        self._blocklist = Blocklist(config.blocked)

    def moderate(self, text: str, locale: str) -> Verdict:
        if len(text) > self.config.max_chars:
            # Not scanned: nothing of it is stored or delivered, and scanning costs time.
            return Verdict("", Action.REJECT, (TOO_LONG,))
        findings = find_personal_data(text, self._detectors)
        matches = self._blocklist.scan(text, locale)
        if not findings and not matches:  # the common case: nothing to mask, nothing to act on
            return Verdict(text, Action.DELIVER, ())
        reasons = [finding.reason for finding in findings]
        reasons.extend(f"blocked_word:{match.action}" for match in matches)
        action = max((_BLOCK_TO_ACTION[match.action] for match in matches), key=_SEVERITY.__getitem__, default=None)
        return Verdict(
            text=_redact(text, findings, matches),
            action=action or Action.DELIVER,
            reasons=tuple(dict.fromkeys(reasons)),
        )


def _redact(text: str, findings: list[Finding], matches: list[Match]) -> str:
    """Replace findings wholesale; star blocked words marked `mask`, one "*" per character."""
    starred = bytearray(len(text))
    for match in matches:
        if match.action is BlockAction.MASK:
            starred[match.start : match.end] = b"\x01" * (match.end - match.start)
    pieces: list[str] = []
    position = 0
    for finding in [*findings, Finding("", len(text), len(text), "")]:
        pieces.extend(MASK_CHAR if starred[i] else text[i] for i in range(position, finding.start))
        pieces.append(finding.replacement)
        position = finding.end
    return "".join(pieces)

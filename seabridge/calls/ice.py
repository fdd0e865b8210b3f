"""ICE servers for a call: STUN/TURN URLs from settings, TURN credentials minted per call.

TURN credentials follow coturn's shared-secret scheme (`use-auth-secret`):
username `"<expiry epoch>:<call id>"`, password `base64(HMAC-SHA1(secret, username))`.
coturn recomputes the password and refuses it after the expiry, so nothing is
stored and a leaked credential dies with its lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from seabridge.settings import Settings


@dataclass(frozen=True, slots=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            out["username"] = self.username
            out["credential"] = self.credential
        return out


@dataclass(frozen=True, slots=True)
class IceConfig:
    servers: tuple[IceServer, ...]
    transport_policy: str  # "all" or "relay"
    expires_at: int | None  # when the TURN credentials stop working (epoch seconds)


def turn_credentials(secret: str, user: str, lifetime_s: int, now: float | None = None) -> tuple[str, str, int]:
    """(username, password, expiry) for coturn's `static-auth-secret`."""
    expiry = int(now if now is not None else time.time()) + lifetime_s
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode(), expiry


def _split(urls: str) -> tuple[str, ...]:
    return tuple(u.strip() for u in urls.split(",") if u.strip())


def ice_config(settings: Settings, call_id: str, now: float | None = None) -> IceConfig:
    """The ICE servers one participant of `call_id` should use."""
    servers: list[IceServer] = []
    if stun := _split(settings.stun_urls):
        servers.append(IceServer(stun))
    expires: int | None = None
    turn = _split(settings.turn_urls)
    if turn:
        secret = settings.turn_secret.get_secret_value()
        if secret:
            username, password, expires = turn_credentials(secret, call_id, settings.turn_credential_ttl_s, now)
            servers.append(IceServer(turn, username, password))
        else:
            servers.append(IceServer(turn))
    policy = "relay" if settings.turn_relay_only and turn else "all"
    return IceConfig(tuple(servers), policy, expires)

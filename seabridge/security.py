"""Secrets, keys and tokens.

- The server key (`SEABRIDGE_SECRET_KEY`, or `secret.key` generated in the data
  directory) never leaves the server. Per-store secrets (identity verification,
  inbound webhooks) are derived from it with HMAC, so none is stored; bumping a
  store's `secret_version` rotates them.
- API keys and agent session tokens are random and stored as SHA-256 digests
  (high-entropy values need no slow hash); passwords use Argon2id.
- Buyer tokens are signed by the server; identity tokens are HS256 JWTs signed
  by the store's own backend with the store's identity secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "sbk_"
SESSION_PREFIX = "sbs_"
BUYER_PREFIX = "sbb_"

_hasher = PasswordHasher()


class TokenError(Exception):
    """A token is malformed, forged or expired. The message is safe to show."""


def load_server_key(data_dir: Path, configured: str | None) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def derive_secret(server_key: bytes, purpose: str, store_id: int, version: int) -> str:
    msg = f"seabridge/{purpose}/{store_id}/{version}".encode()
    return "sbsec_" + hmac.new(server_key, msg, hashlib.sha256).hexdigest()


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def new_public_key() -> str:
    return "pk_" + secrets.token_urlsafe(18)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class BuyerClaims:
    store_id: int
    visitor_id: str
    customer_id: int | None
    expires_at: int


def sign_buyer_token(server_key: bytes, claims: BuyerClaims) -> str:
    body = _b64(
        json.dumps(
            {
                "s": claims.store_id,
                "v": claims.visitor_id,
                "c": claims.customer_id,
                "e": claims.expires_at,
            },
            separators=(",", ":"),
        ).encode()
    )
    mac = hmac.new(server_key, b"buyer." + body.encode(), hashlib.sha256).digest()
    return f"{BUYER_PREFIX}{body}.{_b64(mac)}"


def verify_buyer_token(server_key: bytes, token: str, now: float | None = None) -> BuyerClaims:
    if not token.startswith(BUYER_PREFIX) or token.count(".") != 1:
        raise TokenError("malformed buyer token")
    body, mac = token[len(BUYER_PREFIX) :].split(".")
    expected = hmac.new(server_key, b"buyer." + body.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(mac)
        payload: Any = json.loads(_unb64(body))
    except ValueError as exc:
        raise TokenError("malformed buyer token") from exc
    if not hmac.compare_digest(expected, given):
        raise TokenError("buyer token signature does not match")
    try:
        claims = BuyerClaims(int(payload["s"]), str(payload["v"]), payload["c"], int(payload["e"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("malformed buyer token") from exc
    if claims.expires_at < (time.time() if now is None else now):
        raise TokenError("buyer token expired")
    return claims


@dataclass(frozen=True, slots=True)
class IdentityClaims:
    """What a store's backend vouches for about a signed-in shopper."""

    email: str
    name: str
    external_id: str


def verify_identity_token(secret: str, token: str, now: float | None = None) -> IdentityClaims:
    """Verify an HS256 JWT made by the store's backend: {"email", "exp", optional "name", "sub"}."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "email"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("identity token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("identity token is invalid or not signed with this store's secret") from exc
    email = str(payload["email"]).strip().lower()
    if "@" not in email:
        raise TokenError("identity token email is not an address")
    return IdentityClaims(email, str(payload.get("name", "")), str(payload.get("sub", "")))


def sign_identity_token(secret: str, email: str, ttl_s: int = 3600, **extra: Any) -> str:
    """What a store's backend does (shown in docs; used by tests and the demo page)."""
    payload = {"email": email, "exp": int(time.time()) + ttl_s, **extra}
    return jwt.encode(payload, secret, algorithm="HS256")


def sign_webhook_body(secret: str, body: bytes) -> str:
    """AfterShip-style signature: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_webhook_body(secret: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign_webhook_body(secret, body), signature.strip())

"""The sandbox's OAuth 2.0 side: its clients and the bearer JWTs it issues and checks.

Tokens are HS256 JWTs signed with a key derived from SECRET_KEY and a sandbox label, so a
restart with the same SECRET_KEY keeps issued tokens valid (like a real identity provider whose
signing key outlives a deploy) and no sandbox token can be mistaken for anything else Django signs.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings

SCOPE = "laas:leads:get"
KNOWN_SCOPES = frozenset({SCOPE})
ISSUER = "gsl-leads-sandbox"
_KEY_LABEL = "leadsportal.sandbox.jwt-signing-key"


def configured_clients() -> dict[str, str]:
    """client_id → client_secret from settings.LEADS_SANDBOX_CLIENTS ("id:secret,id:secret")."""
    clients: dict[str, str] = {}
    for item in (settings.LEADS_SANDBOX_CLIENTS or "").split(","):
        client_id, sep, secret = item.strip().partition(":")
        if client_id and sep:
            clients[client_id] = secret
    return clients


def check_client(client_id: str, client_secret: str) -> bool:
    expected = configured_clients().get(client_id)
    # compare_digest even for unknown ids, so timing says nothing about which ids exist.
    return hmac.compare_digest((expected or "\x00unknown").encode(), client_secret.encode()) and (
        expected is not None
    )


def _signing_key() -> bytes:
    return hashlib.sha256(f"{_KEY_LABEL}:{settings.SECRET_KEY}".encode()).digest()


def issue(client_id: str, *, scope: str, ttl: int) -> str:
    """A signed token for the client; ttl may be negative (an already expired token, for tests)."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": client_id,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256")


class TokenError(Exception):
    """The bearer token is missing, malformed, badly signed, expired or for an unknown client."""


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    scopes: frozenset[str]


def verify(token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("The access token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("The access token is invalid.") from exc
    client_id = claims.get("sub")
    if not isinstance(client_id, str) or client_id not in configured_clients():
        raise TokenError("The access token names an unknown client.")
    scope = claims.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    return Principal(client_id, scopes)

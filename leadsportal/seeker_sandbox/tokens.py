"""The Seeker sandbox's identity provider: its clients and the 24-hour JWTs it issues.

Like AVIV's (an Auth0-style provider): a JSON body with client_id, client_secret, grant_type
and the API's audience; the token names its audience and a scope. Tokens are HS256 JWTs signed
with a key derived from SECRET_KEY and a label of this sandbox's own, so that no GSL sandbox
token, nor anything else Django signs, passes here.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings

SCOPE = "seeker-leads"
ISSUER = "aviv-seeker-leads-sandbox"
# The API's audience is its base URL; this sandbox answers for any host (x-inferred).
AUDIENCE_SUFFIX = "/seeker-leads/v1"
_KEY_LABEL = "leadsportal.seeker_sandbox.jwt-signing-key"


def configured_clients() -> dict[str, str]:
    """client_id → client_secret from settings.SEEKER_SANDBOX_CLIENTS ("id:secret,id:secret")."""
    clients: dict[str, str] = {}
    for item in (settings.SEEKER_SANDBOX_CLIENTS or "").split(","):
        client_id, sep, secret = item.strip().partition(":")
        if client_id and sep:
            clients[client_id] = secret
    return clients


def check_client(client_id: str, client_secret: str) -> bool:
    expected = configured_clients().get(client_id)
    # compare_digest even for unknown ids, so timing says nothing about which ids exist.
    matches = hmac.compare_digest((expected or "\x00unknown").encode(), client_secret.encode())
    return matches and expected is not None


def audience_ok(audience: str) -> bool:
    return audience.rstrip("/").endswith(AUDIENCE_SUFFIX)


def _signing_key() -> bytes:
    return hashlib.sha256(f"{_KEY_LABEL}:{settings.SECRET_KEY}".encode()).digest()


def issue(client_id: str, *, scope: str, ttl: int, audience: str = AUDIENCE_SUFFIX) -> str:
    """A signed token; ttl may be negative (an already expired token, for tests)."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": client_id,
        "aud": audience,
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
            options={"require": ["exp", "iat", "sub"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("The access token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("The access token is invalid.") from exc
    client_id = claims.get("sub")
    if not isinstance(client_id, str) or client_id not in configured_clients():
        raise TokenError("The access token names an unknown client.")
    audience = claims.get("aud")
    if not isinstance(audience, str) or not audience_ok(audience):
        raise TokenError("The access token is for another API.")
    scope = claims.get("scope")
    return Principal(client_id, frozenset(scope.split()) if isinstance(scope, str) else frozenset())

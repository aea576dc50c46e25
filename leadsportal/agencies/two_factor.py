"""Two-factor login with a TOTP authenticator app (django-otp).

A person sets up one device from "Mon compte": the page shows a QR code (SVG, inline: the CSP
allows no script and we load nothing from elsewhere) and the key in text, and the device counts
only once a code from the app has confirmed it. From then on the login has two steps: the
password (checked, but nobody is logged in yet: the person's id waits in the session for
PENDING_SECONDS) and the 6-digit code. Wrong codes are throttled by django-otp (1 s, 2 s,
4 s… between tries), count as failed logins for django-axes (the same lockout as wrong
passwords) and end the pending login after MAX_CODE_ATTEMPTS.

An agency can make it mandatory for its managers (`Agency.managers_require_two_factor`):
`access.agency_required` sends such a manager to the set-up page, or to the code step when the
session was opened before their device existed.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.image.svg
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadsportal.agencies.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

PENDING_SESSION_KEY = "leadsportal_two_factor_pending"
PENDING_SECONDS = 300
MAX_CODE_ATTEMPTS = 5
DEVICE_NAME = "Application d'authentification"


def confirmed_device(user: AbstractBaseUser | AnonymousUser | None) -> TOTPDevice | None:
    if user is None or not user.is_authenticated or user.pk is None:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def is_verified(user: Any) -> bool:
    """The session passed the code step (OTPMiddleware's `user.is_verified()`)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def required_for(membership: Membership) -> bool:
    return membership.is_manager and membership.agency.managers_require_two_factor


# --- Set-up ---------------------------------------------------------------------------------


def setup_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device the set-up page shows (the same key until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def setup_confirm(*, user: User, code: str) -> TOTPDevice | None:
    """Confirm the set-up device with a code of the app; it replaces any earlier device."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def devices_remove(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL of the device as an inline SVG (no style, no script)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    svg: str = image.to_string(encoding="unicode")
    # Our markup, from a URL of our own: nothing of the request reaches it.
    svg = svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1)
    return mark_safe(svg)  # noqa: S308


def manual_key(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


# --- The code step of the login -------------------------------------------------------------


@dataclass(frozen=True)
class PendingLogin:
    user: User
    backend: str
    next_url: str
    attempts: int


def pending_start(request: HttpRequest, *, user: User, backend: str, next_url: str) -> None:
    # A new session key: whatever an attacker planted before the password step is not it.
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": backend,
        "next": next_url,
        "at": time.time(),
        "attempts": 0,
    }


def pending_get(request: HttpRequest) -> PendingLogin | None:
    data = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        pending_clear(request)
        return None
    user_id = data.get("user_id")
    if not isinstance(user_id, int):
        pending_clear(request)
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        pending_clear(request)
        return None
    return PendingLogin(
        user=user,
        backend=str(data.get("backend", "")),
        next_url=str(data.get("next", "")),
        attempts=int(data.get("attempts", 0)),
    )


def pending_failed(request: HttpRequest) -> int:
    """Count a wrong code; returns the attempts so far."""
    data = dict(request.session.get(PENDING_SESSION_KEY) or {})
    data["attempts"] = int(data.get("attempts", 0)) + 1
    request.session[PENDING_SESSION_KEY] = data
    return int(data["attempts"])


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None
    # The device refused to check a code this soon after a wrong one (django-otp's throttling).
    throttled: bool


@transaction.atomic
def code_check(*, user: User, code: str) -> CodeCheck:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck(device=None, throttled=False)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(device=None, throttled=True)
    if device.verify_token(code):
        return CodeCheck(device=device, throttled=False)
    return CodeCheck(device=None, throttled=False)

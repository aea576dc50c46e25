"""Login throttling beyond django-axes' username + address pairs: password spraying.

One address that fails on AXES_ADDRESS_USERNAME_LIMIT different usernames (or fails
AXES_ADDRESS_FAILURE_LIMIT times in all) within the cool-off is locked out as a whole, for
every username, until the cool-off ends. A person who mistypes their own password a few
times at an office shared by colleagues is not: that is the pair's lock (AXES_FAILURE_LIMIT).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def address_is_spraying(request: HttpRequest) -> bool:
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return False
    attempts = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off(request)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    usernames = attempts.values("username").distinct().count()
    if usernames >= settings.AXES_ADDRESS_USERNAME_LIMIT:
        return True
    failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    return bool(failures >= settings.AXES_ADDRESS_FAILURE_LIMIT)


class AddressAwareHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler, which also locks an address that sprays usernames."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        failures: int = super().get_failures(request, credentials)
        if address_is_spraying(request):
            request.leadsportal_address_locked = True  # type: ignore[attr-defined]
            return max(failures, get_failure_limit(request, credentials))
        return failures

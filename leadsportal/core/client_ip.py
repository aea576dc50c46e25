"""The address of the person behind a request, for the login lockout (django-axes).

Behind `LEADSPORTAL_PROXY_COUNT` (env AXES_PROXY_COUNT) trusted reverse proxies, each appends the address it received the
request from to X-Forwarded-For, so the client is the Nth entry from the right; entries further
left were written by the client and cannot be trusted. Without proxies: REMOTE_ADDR.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest, *args: object, **kwargs: object) -> str:
    proxies = int(getattr(settings, "LEADSPORTAL_PROXY_COUNT", 0))
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not through the expected proxies (a direct request): its own address is all we know.
        return remote
    return forwarded[-proxies]

"""AVIV Seeker Leads webhooks: each agency's callback URL, its registration upstream, and the
signal a call of it sends.

The URL carries a per-agency secret (`/webhooks/seeker/<agency id>/<secret>/`), kept encrypted
like the client secret; the receiver (webhook_views.py) compares it in constant time. The
payload and the key header of a call are not documented (docs/UPSTREAMS.md), so a call is only
a signal: "this agency has news". The watcher listens to `webhook_received` and polls the
agency at once (watch/signals.py); its regular polling stays the safety net.
"""

from __future__ import annotations

from django.dispatch import Signal
from django.urls import reverse

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import WebhookRegistration, webhook_subscribe

# Sent with `agency` (an Agency) when a genuine webhook call arrives for it.
webhook_received = Signal()


def webhook_path(*, agency: Agency) -> str:
    """The receiver's path for the agency ("" when it has no secret yet)."""
    secret = agency.webhook_secret()
    if not secret:
        return ""
    return reverse("agencies:seeker_webhook", args=[agency.pk, secret])


def webhook_register(*, agency: Agency, public_url: str) -> WebhookRegistration:
    """Subscribe the agency's webhook at `public_url` (how Seeker Leads reaches this
    dashboard, e.g. https://leads.example.fr), or point its subscription there again.

    A secret is made on the first registration and kept afterwards. Raises LeadsApiError when
    the upstream refuses, ValueError for an agency that is not on Seeker Leads.
    """
    if not agency.is_seeker:
        raise ValueError("only agencies on AVIV Seeker Leads have webhooks")
    if not public_url.startswith(("http://", "https://")):
        raise ValueError("the public URL must be an http(s) URL")
    if not agency.webhook_secret():
        agency.new_webhook_secret()
        agency.save(update_fields=["webhook_secret_encrypted"])
    url = public_url.rstrip("/") + webhook_path(agency=agency)
    registration = webhook_subscribe(
        agency=agency,
        url=url,
        api_key=agency.webhook_secret(),
        subscription_id=agency.webhook_subscription_id,
    )
    if registration.subscription_id != agency.webhook_subscription_id:
        agency.webhook_subscription_id = registration.subscription_id
        agency.save(update_fields=["webhook_subscription_id"])
    return registration

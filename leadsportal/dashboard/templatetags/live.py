"""The layout's live connection: `{% live_connection %}` (toasts of new leads, title count)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.template.context import Context
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from leadsportal.agencies.access import current_membership
from leadsportal.watch.events import latest_event_id

register = template.Library()


@register.simple_tag(takes_context=True)
def live_connection(context: Context) -> SafeString | str:
    """The event stream of the page's agency, from the last event before the page (one
    indexed query); nothing for a person without an agency."""
    request = context.get("request")
    membership = current_membership(request) if request is not None else None
    if membership is None:
        return ""
    after = latest_event_id(agency=membership.agency)
    url = f"{reverse('dashboard:live_events')}?{urlencode({'after': after})}"
    return render_to_string("dashboard/live/_connection.html", {"stream_url": url}, request)

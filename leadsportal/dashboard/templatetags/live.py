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
from leadsportal.watch.models import AgencyWatch

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
    query = urlencode({"agency": membership.agency_id, "after": after})
    url = f"{reverse('dashboard:live_events')}?{query}"
    context = {"stream_url": url, "agency_id": membership.agency_id}
    return render_to_string("dashboard/live/_connection.html", context, request)


@register.simple_tag(takes_context=True)
def watch_banner(context: Context) -> SafeString | str:
    """For the agency's managers, when the watcher cannot reach its API (one query, theirs
    only): what is wrong, and a link to the settings page that says more."""
    request = context.get("request")
    membership = current_membership(request) if request is not None else None
    if membership is None or not membership.is_manager:
        return ""
    watch = AgencyWatch.objects.filter(agency=membership.agency).first()
    if watch is None or watch.is_healthy:
        return ""
    return render_to_string("dashboard/live/_watch_banner.html", {"watch": watch}, request)

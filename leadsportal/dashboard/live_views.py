"""What open pages learn as it happens: the stream of live events, "Je le prends", and the
member's availability.

The stream (Server-Sent Events) reads only this process's event feed (leadsportal.watch.events):
an open page costs no upstream call and no query after it connects. Each event comes as the
HTML of a toast written for this member (their language, whether the lead is theirs); the
page's script counts them in the title and the tabs. Under ASGI the stream is asynchronous
(thousands of open pages per process); under WSGI (the development server, tests) it holds a
thread, which is fine for a few pages.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

from django.conf import settings
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadsportal.agencies.access import AgencyRequest, agency_required, user_memberships
from leadsportal.agencies.members import agency_members, member_label
from leadsportal.agencies.models import Agency
from leadsportal.agencies.sessions import background_request
from leadsportal.dashboard.labels import LEAD_TYPES, label, portal_label
from leadsportal.dashboard.pages import checked_lead_id, safe_back_url
from leadsportal.dashboard.reminder_blocks import REMINDER_ACTIONS
from leadsportal.followup.records import followup_open
from leadsportal.followup.reminders import PARIS
from leadsportal.leads_api import LeadFamily, LeadsApiError, LeadType
from leadsportal.watch.assignment import lead_claim
from leadsportal.watch.events import Event, EventCursor, event_feed, events_after

HEARTBEAT_SECONDS = 15.0
TOAST = "dashboard/live/_toast.html"


def _family(lead_type: str) -> str:
    """The tab a lead type belongs to (its count goes up)."""
    try:
        return LeadFamily[LeadType(lead_type).name].value
    except ValueError:
        return ""


class _Renderer:
    """Renders each event for one member, with what was read when the stream opened."""

    def __init__(self, request: AgencyRequest, agency: Agency) -> None:
        self.user_id = request.user.pk
        self.language = translation.get_language()
        self.csrf_token = get_token(request)
        self.labels = {user.pk: member_label(user) for user in agency_members(agency=agency)}
        self.template = get_template(TOAST)

    def message(self, event: Event) -> str:
        for_me = event.assignee_id == self.user_id
        context = {
            "event": event,
            "for_me": for_me,
            "family": _family(event.lead_type),
            "type_label": label(LEAD_TYPES, event.lead_type),
            "portal_label": portal_label(event.portal) if event.portal else "",
            "assignee_label": self.labels.get(event.assignee_id or 0, ""),
            "detail_url": reverse("dashboard:lead_detail", args=[event.lead_id]),
            "claim_url": reverse("dashboard:claim", args=[event.lead_id]),
            "csrf_token": self.csrf_token,
        }
        if event.reminder_id is not None:
            context["reminder_url"] = reverse("dashboard:reminder_action", args=[event.reminder_id])
            context["due_label"] = (
                event.due_at.astimezone(PARIS).strftime("%H:%M") if event.due_at else ""
            )
        with translation.override(self.language):
            if event.reminder_id is not None:
                context["reminder_actions"] = [(a, str(text)) for a, text in REMINDER_ACTIONS]
            html = self.template.render(context)
        data = "\n".join(f"data: {line}" for line in html.strip().splitlines() or [""])
        return f"id: {event.id}\nevent: {event.kind}\n{data}\n\n"


def _after(request: AgencyRequest) -> int | None:
    values = [request.GET.get("after", "0"), request.headers.get("Last-Event-ID", "0")]
    try:
        numbers = [int(value or "0") for value in values]
    except ValueError:
        return None
    if any(n < 0 or n > 2**63 for n in numbers):
        return None
    return max(numbers)


@background_request
@require_GET
@never_cache
@agency_required
def live_events(request: AgencyRequest) -> HttpResponse:
    """GET ?after=<event id>: the agency's live events as Server-Sent Events, from that id."""
    after = _after(request)
    if after is None:
        return HttpResponseBadRequest(_("Paramètre « after » invalide."))
    # The agency the page was rendered for (a tab keeps its agency when another tab of the
    # same person switches), provided the person is still one of its members.
    agency = request.agency
    wanted = request.GET.get("agency", "")
    if wanted:
        chosen = next(
            (m.agency for m in user_memberships(request) if str(m.agency_id) == wanted), None
        )
        if chosen is None:
            raise Http404("not a member of that agency")
        agency = chosen
    feed = event_feed()
    # Reminders that fall due reach their person's pages only.
    cursor = EventCursor(agency_id=agency.pk, after=after, user_id=request.user.pk)
    renderer = _Renderer(request, agency)
    backlog = cursor.take(events_after(agency_id=agency.pk, after=after))
    deadline = time.monotonic() + settings.LEADS_LIVE_STREAM_SECONDS

    agency_id = cursor.agency_id
    # What the feed already holds goes out with the backlog: the wait below is for newer.
    seen, held = feed.recent(agency_id=agency_id)
    backlog += cursor.take(held)

    def first() -> str:
        # The browser reconnects 1 s after the stream ends (at LEADS_LIVE_STREAM_SECONDS).
        return "retry: 1000\n\n" + "".join(renderer.message(event) for event in backlog)

    def sync_stream() -> Iterator[str]:
        nonlocal seen
        yield first()
        while (left := deadline - time.monotonic()) > 0:
            feed.wait_sync(agency_id=agency_id, seen=seen, timeout=min(HEARTBEAT_SECONDS, left))
            seen, recent = feed.recent(agency_id=agency_id)
            yield "".join(renderer.message(event) for event in cursor.take(recent)) or ": \n\n"

    async def async_stream() -> AsyncIterator[str]:
        nonlocal seen
        yield first()
        while (left := deadline - time.monotonic()) > 0:
            await feed.wait_async(
                agency_id=agency_id, seen=seen, timeout=min(HEARTBEAT_SECONDS, left)
            )
            seen, recent = feed.recent(agency_id=agency_id)
            yield "".join(renderer.message(event) for event in cursor.take(recent)) or ": \n\n"

    # Everything the stream needs was read: give the request's database connection back, or a
    # thousand open pages would hold a thousand connections (no middleware after this view
    # queries the database: the session is not modified, messages are not stored).
    connection.close()
    stream = async_stream() if isinstance(request, ASGIRequest) else sync_stream()
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # a reverse proxy must not hold the events back
    return response


@require_POST
@agency_required
def claim(request: AgencyRequest, lead_id: str) -> HttpResponse:
    """ "Je le prends": the lead becomes mine unless a colleague was quicker."""
    lead_id = checked_lead_id(lead_id)
    detail_url = reverse("dashboard:lead_detail", args=[lead_id])
    try:
        followup = followup_open(agency=request.agency, lead_id=lead_id)
    except LeadsApiError as error:
        messages.error(request, error.user_message)
        return HttpResponseRedirect(detail_url, status=303)
    if followup is None:
        raise Http404("lead not found")
    result = lead_claim(followup=followup, user=request.user)
    if result.claimed:
        text = _("Ce lead est à vous.")
    else:
        text = _("Déjà pris par %(name)s.") % {"name": member_label(result.assignee)}
    if getattr(request, "htmx", False):
        return render(
            request, "dashboard/live/_claimed.html", {"claimed": result.claimed, "text": text}
        )
    (messages.success if result.claimed else messages.warning)(request, text)
    return HttpResponseRedirect(detail_url, status=303)


@require_POST
@agency_required
def availability(request: AgencyRequest) -> HttpResponse:
    """The member says whether round-robin may give them new leads."""
    value = request.POST.get("available")
    if value not in {"0", "1"}:
        return HttpResponseBadRequest(_("Valeur de disponibilité invalide."))
    membership = request.membership
    membership.available = value == "1"
    membership.save(update_fields=["available"])
    messages.success(
        request,
        _("Vous recevez les nouveaux leads à tour de rôle.")
        if membership.available
        else _("Vous ne recevez plus de nouveaux leads à tour de rôle."),
    )
    back = safe_back_url(request, request.POST.get("next", "")) or reverse("dashboard:leads")
    return HttpResponseRedirect(back, status=303)

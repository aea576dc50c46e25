"""Reminders of leads, the "À rappeler" view, and the calls and e-mails started from a lead.

Every change is a POST with its CSRF token: htmx gets the re-rendered block (and the timeline
out of band), or, from a toast, a line that replaces the toast; a browser without JavaScript
gets a redirect (303) to the lead with a message. Every view acts on the current agency only:
another agency's lead or reminder is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.members import member_label
from leadsportal.dashboard.bulk_bar import bulk_bar
from leadsportal.dashboard.forms import ListingPageForm
from leadsportal.dashboard.marks import lead_page_marks, missing_on_page, page_of_ids
from leadsportal.dashboard.pages import (
    BACK_PARAMETER,
    ListResult,
    checked_lead_id,
    fetch_page,
    lead_detail_url,
    pagination,
    respond,
)
from leadsportal.dashboard.query import DEFAULT_PAGE_SIZE
from leadsportal.dashboard.reminder_blocks import reminder_block_build
from leadsportal.dashboard.reminder_forms import ReminderForm, SnoozeForm
from leadsportal.dashboard.saved_views import ready_views
from leadsportal.dashboard.tables import TABLES
from leadsportal.followup.models import LeadFollowup, Reminder
from leadsportal.followup.records import followup_get, followup_open
from leadsportal.followup.reminders import (
    ReminderError,
    reminder_cancel,
    reminder_done,
    reminder_of_agency,
    reminder_set,
    reminder_snooze,
    reminder_when_label,
    reminders_due_lead_ids,
)
from leadsportal.followup.timeline import (
    contact_attempt_outcome_set,
    contact_attempt_record,
    lead_timeline,
)
from leadsportal.leads_api import LeadFamily, LeadPage, LeadsApiError, PageRequest
from leadsportal.watch.tasks import reminder_due_later


def _block_response(
    request: AgencyRequest,
    lead_id: str,
    followup: LeadFollowup | None,
    *,
    status: int = 200,
    **block: Any,
) -> HttpResponse:
    """The reminders block: with the timeline out of band for htmx, a page of its own without."""
    context = {
        # Not "block": templates use that name for {{ block.super }}.
        "reminder_block": reminder_block_build(
            membership=request.membership,
            lead_id=lead_id,
            followup=followup,
            back_url=request.POST.get(BACK_PARAMETER, ""),
            **block,
        ),
        "detail_url": lead_detail_url(request, lead_id),
    }
    if getattr(request, "htmx", False):
        context["timeline"] = lead_timeline(
            agency=request.agency, lead_id=lead_id, followup=followup
        )
        # htmx swaps only successful responses: errors come with 200 and say so in the block.
        return render(request, "dashboard/reminders/_block.html", context)
    return render(request, "dashboard/reminders/change_page.html", context, status=status)


def _done(request: AgencyRequest, lead_id: str, followup: LeadFollowup, saved: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _block_response(request, lead_id, followup, saved=saved)
    messages.success(request, saved)
    return HttpResponseRedirect(lead_detail_url(request, lead_id), status=303)


def _due_said(reminder: Reminder) -> str:
    return reminder_when_label(reminder.due_at)


@require_POST
@agency_required
def reminder_add(request: AgencyRequest, lead_id: str) -> HttpResponse:
    """A new reminder on the lead, for me or an active colleague."""
    lead_id = checked_lead_id(lead_id)
    try:
        followup = followup_open(agency=request.agency, lead_id=lead_id)
    except LeadsApiError as error:
        return _block_response(
            request, lead_id, None, status=error.page_status, error=error.user_message
        )
    if followup is None:
        raise Http404("lead not found")
    now = timezone.now()
    form = ReminderForm(request.POST, agency=request.agency, user=request.user, now=now)
    if not form.is_valid():
        return _block_response(request, lead_id, followup, status=400, form=form)
    chosen = form.cleaned_data["due"]
    person: User = form.cleaned_data["person"]
    try:
        reminder = reminder_set(
            followup=followup,
            created_by=request.user,
            person=person,
            due_at=chosen.moment,
            text=form.cleaned_data["text"],
            now=now,
        )
    except ReminderError:
        return _block_response(
            request, lead_id, followup, status=400, error=_("Ce rappel n'est pas possible.")
        )
    reminder_due_later(reminder.pk, reminder.due_at)
    saved = _("Rappel prévu le %(when)s pour %(name)s.") % {
        "when": _due_said(reminder),
        "name": _("vous") if person.pk == request.user.pk else member_label(person),
    }
    if chosen.shifted:
        saved += " " + _(
            "Cette heure n'existe pas ce jour-là (passage à l'heure d'été) : "
            "le rappel est à l'heure qui suit."
        )
    return _done(request, lead_id, followup, saved)


@require_POST
@agency_required
def reminder_action(request: AgencyRequest, reminder_id: int) -> HttpResponse:
    """Done, snooze (1 h, tomorrow 9 h, a chosen time) or cancel, from the lead or a toast."""
    reminder = reminder_of_agency(agency=request.agency, reminder_id=reminder_id)
    if reminder is None:
        raise Http404("reminder not found")
    followup = reminder.followup
    lead_id = followup.lead_id
    from_toast = request.POST.get("from") == "toast"
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if action == "done":
            reminder_done(reminder=reminder, actor=request.user, now=now)
            saved = _("Rappel fait.")
        elif action == "cancel":
            reminder_cancel(reminder=reminder, actor=request.user, now=now)
            saved = _("Rappel annulé.")
        elif action == "snooze":
            form = SnoozeForm(request.POST, now=now)
            if not form.is_valid():
                error = " ".join(str(e) for errors in form.errors.values() for e in errors)
                return _refused(request, reminder, from_toast, error, snooze=True)
            snoozed = reminder_snooze(
                reminder=reminder, actor=request.user, until=form.until_moment(), now=now
            )
            reminder_due_later(snoozed.pk, snoozed.due_at)
            saved = _("Rappel reporté au %(when)s.") % {"when": _due_said(snoozed)}
        else:
            return _refused(request, reminder, from_toast, _("Action inconnue."))
    except ReminderError:
        return _refused(
            request, reminder, from_toast, _("Ce rappel est déjà fait ou annulé."), closed=True
        )
    if from_toast:
        return _toast_response(request, lead_id, saved)
    return _done(request, lead_id, followup, saved)


def _toast_response(request: AgencyRequest, lead_id: str, text: str) -> HttpResponse:
    detail_url = reverse("dashboard:lead_detail", args=[lead_id])
    if getattr(request, "htmx", False):
        context = {"text": text, "detail_url": detail_url}
        return render(request, "dashboard/reminders/_toast_result.html", context)
    messages.success(request, text)
    return HttpResponseRedirect(detail_url, status=303)


def _refused(
    request: AgencyRequest,
    reminder: Reminder,
    from_toast: bool,
    error: str,
    *,
    snooze: bool = False,
    closed: bool = False,
) -> HttpResponse:
    followup = reminder.followup
    if from_toast:
        detail_url = reverse("dashboard:lead_detail", args=[followup.lead_id])
        if getattr(request, "htmx", False):
            return render(
                request,
                "dashboard/reminders/_toast_result.html",
                {"text": error, "detail_url": detail_url},
            )
        messages.error(request, error)
        return HttpResponseRedirect(detail_url, status=303)
    if snooze:
        return _block_response(
            request, followup.lead_id, followup, status=400, snooze_errors={reminder.pk: error}
        )
    return _block_response(
        request, followup.lead_id, followup, status=409 if closed else 400, error=error
    )


@dataclass(frozen=True)
class DueQuery:
    """The "À rappeler" page: a page of the person's leads to call back."""

    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE

    @property
    def page_request(self) -> PageRequest:
        return PageRequest(index=self.page, size=self.per_page)

    @property
    def url(self) -> str:
        return reverse("dashboard:reminders_due")

    def page_url(self, page: int) -> str:
        query = f"page={page}" if page > 1 else ""
        if self.per_page != DEFAULT_PAGE_SIZE:
            query = "&".join(part for part in (f"per_page={self.per_page}", query) if part)
        return f"{self.url}?{query}" if query else self.url


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def reminders_due(request: AgencyRequest) -> HttpResponse:
    """ "À rappeler": the leads of my open reminders due today (Paris) or overdue, oldest first."""
    form = ListingPageForm(request.GET)
    query: DueQuery | None = None
    result = ListResult(status=400)
    now = timezone.now()
    if form.is_valid():
        query = DueQuery(
            page=form.page_number(), per_page=form.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE
        )
        ids = reminders_due_lead_ids(agency=request.agency, person_id=request.user.pk, now=now)

        def fetch(page_request: PageRequest) -> LeadPage:
            return page_of_ids(agency=request.agency, lead_ids=ids, page_request=page_request)

        result = fetch_page(fetch, query.page_request)
    leads = result.page.leads if result.page else ()
    back_url = query.page_url(query.page) if query else request.get_full_path()
    table = TABLES[LeadFamily.ALL](
        leads,
        back_url=back_url,
        marks=lead_page_marks(membership=request.membership, leads=leads),
        selectable=True,
    )
    context = {
        "form": form,
        "query": query,
        "table": table,
        "result": result,
        "bulk": bulk_bar(request, list_url=request.get_full_path()),
        "ready_views": ready_views(),
        "current_view_url": reverse("dashboard:reminders_due"),
        "unavailable_leads": missing_on_page(result.page),
        **pagination(result.page, query),
    }
    return respond(request, "dashboard/reminders/due.html", context, result.status)


@require_POST
@agency_required
def contact_attempt(request: AgencyRequest, lead_id: str) -> HttpResponse:
    """A call or an e-mail link of the lead was clicked (sent by the page's script, with a
    beacon: the link opens the phone or the mail program as usual). No content: 204."""
    lead_id = checked_lead_id(lead_id)
    channel = request.POST.get("channel", "")
    if channel not in {"call", "email"}:
        return HttpResponse(_("Canal inconnu."), status=400, content_type="text/plain")
    try:
        followup = followup_open(agency=request.agency, lead_id=lead_id)
    except LeadsApiError:
        return HttpResponse(status=503)
    if followup is None:
        raise Http404("lead not found")
    contact_attempt_record(followup=followup, actor_id=request.user.pk, channel=channel)
    if getattr(request, "htmx", False):
        timeline = lead_timeline(agency=request.agency, lead_id=lead_id, followup=followup)
        return render(request, "dashboard/timeline/_timeline.html", {"timeline": timeline})
    return HttpResponse(status=204)


@require_POST
@agency_required
def contact_outcome(request: AgencyRequest, lead_id: str, attempt_id: int) -> HttpResponse:
    """How the latest call or e-mail went: joint, messagerie, pas de réponse."""
    lead_id = checked_lead_id(lead_id)
    followup = followup_get(agency=request.agency, lead_id=lead_id)
    if followup is None:
        raise Http404("lead not found")
    if not contact_attempt_outcome_set(
        followup=followup, attempt_id=attempt_id, outcome=request.POST.get("outcome", "")
    ):
        return HttpResponse(_("Résultat inconnu."), status=400, content_type="text/plain")
    if getattr(request, "htmx", False):
        timeline = lead_timeline(agency=request.agency, lead_id=lead_id, followup=followup)
        return render(request, "dashboard/timeline/_timeline.html", {"timeline": timeline})
    messages.success(request, _("Résultat enregistré."))
    return HttpResponseRedirect(lead_detail_url(request, lead_id), status=303)

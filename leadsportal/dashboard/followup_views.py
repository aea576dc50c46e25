"""Follow-up endpoints: changes of a lead's follow-up, "tout marquer comme lu", the live banner,
the tabs' counts of new leads and the other leads of a contact.

Every change is a POST with its CSRF token; htmx gets the re-rendered fragment, a browser
without JavaScript a redirect (303) to the page it came from. Every view acts on the current
agency only: a lead id of another agency is a 404, whatever the form says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.sessions import background_request
from leadsportal.agencies.upstream import lead_get, leads_get_by_ids
from leadsportal.dashboard.families import TABS_BY_SLUG, tabs_of
from leadsportal.dashboard.forms import (
    AssigneeForm,
    LeadListForm,
    NoteForm,
    StatusForm,
)
from leadsportal.dashboard.marks import lead_page_marks
from leadsportal.dashboard.pages import (
    BACK_PARAMETER,
    checked_lead_id,
    lead_detail_url,
)
from leadsportal.dashboard.panels import followup_panel_build
from leadsportal.dashboard.tables import AllLeadTable
from leadsportal.followup.fingerprints import (
    contact_fingerprints_forget,
    contact_fingerprints_sync,
    contact_other_leads,
)
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.records import (
    FollowupError,
    followup_assignee_set,
    followup_note_add,
    followup_open,
    followup_status_set,
)
from leadsportal.followup.unread import (
    leads_read_mark_all,
    new_leads_count_by_family,
)
from leadsportal.leads_api import Lead, LeadsApiError
from leadsportal.watch.assignment import assignment_announce

logger = logging.getLogger(__name__)


def _panel_response(
    request: AgencyRequest,
    lead_id: str,
    followup: LeadFollowup | None,
    *,
    status: int = 200,
    saved: str = "",
    error: str = "",
    **forms: object,
) -> HttpResponse:
    """The follow-up block: the fragment for htmx, a page of its own for a browser without JS."""
    panel = followup_panel_build(
        membership=request.membership,
        lead_id=lead_id,
        followup=followup,
        back_url=request.POST.get(BACK_PARAMETER, ""),
        saved=saved,
        error=error,
        **forms,  # type: ignore[arg-type]
    )
    context = {"panel": panel, "detail_url": lead_detail_url(request, lead_id)}
    if getattr(request, "htmx", False):
        # htmx swaps only successful responses: errors come with 200 and say so in the fragment.
        return render(request, "dashboard/followup/_panel.html", context)
    return render(request, "dashboard/followup/change_page.html", context, status=status)


def _change(
    request: AgencyRequest,
    lead_id: str,
    *,
    form: StatusForm | AssigneeForm | NoteForm,
    form_name: str,
    apply: Callable[[LeadFollowup], str],
) -> HttpResponse:
    lead_id = checked_lead_id(lead_id)
    try:
        followup = followup_open(agency=request.agency, lead_id=lead_id)
    except LeadsApiError as error:
        return _panel_response(
            request, lead_id, None, status=error.page_status, error=error.user_message
        )
    if followup is None:
        # Unknown, or another agency's lead: the same 404, and nothing stored.
        raise Http404("lead not found")
    if not form.is_valid():
        return _panel_response(request, lead_id, followup, status=400, **{form_name: form})
    try:
        saved = apply(followup)
    except FollowupError:
        return _panel_response(
            request,
            lead_id,
            followup,
            status=400,
            error=_("Cette modification n'est pas possible."),
        )
    if getattr(request, "htmx", False):
        return _panel_response(request, lead_id, followup, saved=saved)
    messages.success(request, saved)
    return HttpResponseRedirect(lead_detail_url(request, lead_id), status=303)


@require_POST
@agency_required
def status_change(request: AgencyRequest, lead_id: str) -> HttpResponse:
    form = StatusForm(request.POST, agency=request.agency)

    def apply(followup: LeadFollowup) -> str:
        stage = form.chosen_stage()
        reason = form.cleaned_data.get("lost_reason")
        followup_status_set(
            followup=followup, actor=request.user, status=stage.code, lost_reason=reason
        )
        name = f"{stage.name} — {reason.label}" if reason is not None else stage.name
        return _("Statut enregistré : %(status)s.") % {"status": name}

    return _change(request, lead_id, form=form, form_name="status_form", apply=apply)


@require_POST
@agency_required
def assignee_change(request: AgencyRequest, lead_id: str) -> HttpResponse:
    form = AssigneeForm(request.POST, agency=request.agency)

    def apply(followup: LeadFollowup) -> str:
        assignee = form.chosen_assignee()
        if followup_assignee_set(followup=followup, actor=request.user, assignee=assignee):
            # The assignee is told on their open pages; claim buttons elsewhere go away.
            assignment_announce(followup=followup, assignee=assignee)
        if assignee is None:
            return _("Le lead n'est plus assigné.")
        return _("Lead assigné à %(name)s.") % {
            "name": assignee.get_full_name() or assignee.get_username()
        }

    return _change(request, lead_id, form=form, form_name="assignee_form", apply=apply)


@require_POST
@agency_required
def note_add(request: AgencyRequest, lead_id: str) -> HttpResponse:
    form = NoteForm(request.POST)

    def apply(followup: LeadFollowup) -> str:
        followup_note_add(followup=followup, author=request.user, body=form.cleaned_data["body"])
        return _("Note ajoutée.")

    return _change(request, lead_id, form=form, form_name="note_form", apply=apply)


@require_POST
@agency_required
def mark_all_read(request: AgencyRequest) -> HttpResponse:
    """Mark the leads of the list's filter (the query string) as read, then back to the list."""
    tab = TABS_BY_SLUG.get(request.GET.get("tab", ""))
    if tab is None:
        return HttpResponse(_("Liste inconnue."), status=400, content_type="text/plain")
    form = LeadListForm(request.GET, membership=request.membership)
    if not form.is_valid():
        messages.error(request, _("Corrigez les filtres avant de tout marquer comme lu."))
        # Back to the same filters, so that the list marks the faulty fields.
        filters = request.GET.copy()
        filters.pop("tab", None)
        return HttpResponseRedirect(f"{tab.url}?{filters.urlencode()}", status=303)
    query = form.query(tab)
    try:
        result = leads_read_mark_all(
            membership=request.membership,
            family=tab.family,
            criteria=query.criteria,
            local=query.local,
        )
    except LeadsApiError as error:
        messages.error(request, error.user_message)
    else:
        if result.everything:
            messages.success(request, _("Tous les leads sont marqués comme lus."))
        elif not result.complete:
            messages.warning(
                request,
                _(
                    "Les %(count)s leads les plus récents de ce filtre sont marqués comme lus ; "
                    "recommencez pour les suivants."
                )
                % {"count": result.marked},
            )
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s lead marqué comme lu.",
                    "%(count)s leads marqués comme lus.",
                    result.marked,
                )
                % {"count": result.marked},
            )
    return HttpResponseRedirect(query.url, status=303)


@background_request
@require_GET
@never_cache
@agency_required
def tab_counts(request: AgencyRequest) -> HttpResponse:
    """The number of new leads of each tab: one `.tab-count` element per tab, which
    static/js/app.js puts in place of the tabs' empty ones (a plain fetch, not an htmx swap)."""
    try:
        counts = new_leads_count_by_family(membership=request.membership)
    except LeadsApiError as error:
        logger.info("new leads counts failed", extra={"error": type(error).__name__})
        return HttpResponse(status=204)
    items = [(tab, counts.counts.get(tab.family, 0)) for tab in tabs_of(request.agency)]
    return render(
        request, "dashboard/followup/_tab_counts.html", {"items": items, "exact": counts.exact}
    )


@require_GET
@agency_required
def contact_leads(request: AgencyRequest, lead_id: str) -> HttpResponse:
    """The other leads of the agency that came from the same e-mail or phone as this lead."""
    lead_id = checked_lead_id(lead_id)
    banner = None
    status = 200
    leads: list[Lead] = []
    total = 0
    lead = None
    try:
        lead = lead_get(agency=request.agency, lead_id=lead_id)
        if lead is None:
            raise Http404("lead not found")
        contact_fingerprints_sync(agency=request.agency, leads=[lead])
        others = contact_other_leads(agency=request.agency, lead_id=lead_id)
        fetched = leads_get_by_ids(agency=request.agency, lead_ids=others.lead_ids)
        gone = [other for other, found in fetched.items() if found is None]
        leads = [found for found in fetched.values() if found is not None]
        erased = [found.lead_id for found in leads if found.contact.is_erased]
        # Erased (or vanished) contacts never feed the matching: forget them now.
        contact_fingerprints_forget(agency=request.agency, lead_ids=[*gone, *erased])
        leads = [found for found in leads if not found.contact.is_erased]
        total = others.total - len(gone) - len(erased)
    except LeadsApiError as error:
        banner, status = error.user_message, error.page_status
    marks = lead_page_marks(membership=request.membership, leads=leads)
    table = AllLeadTable(leads, back_url=request.get_full_path(), marks=marks)
    context = {
        "lead": lead,
        "lead_id": lead_id,
        "table": table,
        "total": max(total, 0),
        "banner": banner,
        "detail_url": reverse("dashboard:lead_detail", args=[lead_id]),
    }
    return render(request, "dashboard/followup/contact_leads.html", context, status=status)

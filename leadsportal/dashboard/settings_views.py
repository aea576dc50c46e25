"""The agency's settings page for its managers: how new leads are assigned, who is available,
and how the lead watcher is doing with the agency's API."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.models import Membership
from leadsportal.dashboard.forms import AssignmentRuleForm
from leadsportal.watch.poll import watch_state


@require_http_methods(["GET", "POST"])
@agency_required
def agency_settings(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return render(request, "dashboard/settings_forbidden.html", status=403)
    agency = request.agency
    form = AssignmentRuleForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Règle d'attribution enregistrée."))
        return HttpResponseRedirect(reverse("dashboard:agency_settings"), status=303)
    members = (
        Membership.objects.filter(agency=agency)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    context = {"form": form, "members": members, "watch": watch_state(agency)}
    return render(request, "dashboard/settings.html", context, status=400 if form.errors else 200)

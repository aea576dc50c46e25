"""Saving, renaming and removing one's views of the lead lists (plain forms, no JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.dashboard.saved_views import (
    SavedViewError,
    list_url_checked,
    ready_views,
    view_delete,
    view_rename,
    view_save,
    views_of,
)


def _back_to_list(url: str) -> str:
    try:
        return list_url_checked(url)
    except SavedViewError:
        return reverse("dashboard:leads")


@require_http_methods(["GET", "POST"])
@agency_required
def saved_views(request: AgencyRequest) -> HttpResponse:
    if request.method == "POST":
        url = request.POST.get("url", "")
        try:
            view = view_save(
                membership=request.membership, name=request.POST.get("name", ""), url=url
            )
        except SavedViewError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(_back_to_list(url), status=303)
        messages.success(request, _("Vue « %(name)s » enregistrée.") % {"name": view.name})
        return HttpResponseRedirect(view.url, status=303)
    context = {"views": views_of(request.membership), "ready": ready_views()}
    return render(request, "dashboard/saved_views.html", context)


@require_POST
@agency_required
def saved_view_rename(request: AgencyRequest, view_id: int) -> HttpResponse:
    try:
        view = view_rename(
            membership=request.membership, view_id=view_id, name=request.POST.get("name", "")
        )
    except SavedViewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Vue renommée « %(name)s ».") % {"name": view.name})
    return HttpResponseRedirect(reverse("dashboard:saved_views"), status=303)


@require_POST
@agency_required
def saved_view_delete(request: AgencyRequest, view_id: int) -> HttpResponse:
    try:
        name = view_delete(membership=request.membership, view_id=view_id)
    except SavedViewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Vue « %(name)s » supprimée.") % {"name": name})
    return HttpResponseRedirect(reverse("dashboard:saved_views"), status=303)

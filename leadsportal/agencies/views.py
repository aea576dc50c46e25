from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadsportal.agencies.access import SESSION_KEY, render_no_agency, user_memberships


def _dashboard_home_url() -> str:
    try:
        return reverse("dashboard:leads")
    except NoReverseMatch:
        return "/"


@require_POST
def switch_agency(request: HttpRequest) -> HttpResponse:
    """Make one of the user's own agencies the current one for the rest of the session."""
    if not request.user.is_authenticated:
        return redirect_to_login(_dashboard_home_url())
    memberships = user_memberships(request)
    if not memberships:
        return render_no_agency(request)
    raw = request.POST.get("agency", "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return render(
            request,
            "agencies/switch_error.html",
            {"error": _("Choisissez une agence dans la liste.")},
            status=400,
        )
    chosen = next((m for m in memberships if m.agency_id == int(raw)), None)
    if chosen is None:
        # Unknown id and another agency's id get the same answer: nothing to learn from it.
        return render(
            request,
            "agencies/switch_error.html",
            {"error": _("Vous n'êtes pas membre de cette agence.")},
            status=403,
        )
    request.session[SESSION_KEY] = chosen.agency_id
    request.agency_id_for_log = chosen.agency_id  # type: ignore[attr-defined]
    messages.success(request, _("Agence courante : %(agency)s.") % {"agency": chosen.agency.name})
    # Back to where the switch was offered (a lead of that agency), if it is one of our pages.
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = _dashboard_home_url()
    return HttpResponseRedirect(target)

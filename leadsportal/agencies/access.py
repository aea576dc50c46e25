"""The current agency of a dashboard request.

`agency_required` wraps every dashboard view: it requires a login, loads the user's memberships
in one query, picks the current one (session key "current_agency_id", else the first agency by
name) and puts it on the request as `request.membership` / `request.agency` (and
`request.agency_id_for_log` for the request log). Only active memberships count: a member a
manager deactivated loses the agency at their next request, whatever session they hold.

A manager of an agency that makes two-factor login mandatory goes to the set-up page first (or
to the code step, for a session opened before their device existed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from leadsportal.agencies import two_factor
from leadsportal.agencies.models import Agency, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SESSION_KEY = "current_agency_id"
# Every htmx request of a page names the agency the page was rendered for (templates/base.html).
AGENCY_HEADER = "X-Leadsportal-Agency"
_MEMBERSHIPS_ATTR = "_leadsportal_memberships"


class AgencyRequest(HttpRequest):
    """For type hints of views wrapped by `agency_required`."""

    user: User
    membership: Membership
    agency: Agency
    agency_id_for_log: int


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The user's memberships with their agencies, ordered by agency name; one query per request."""
    cached = getattr(request, _MEMBERSHIPS_ATTR, None)
    if cached is not None:
        return cast(list[Membership], cached)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        memberships: list[Membership] = []
    else:
        memberships = list(
            Membership.objects.filter(user=user, active=True)
            .select_related("agency", "user")
            .order_by("agency__name", "agency_id")
        )
    setattr(request, _MEMBERSHIPS_ATTR, memberships)
    return memberships


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in the session, else the first one; None without any agency."""
    existing = getattr(request, "membership", None)
    if existing is not None:
        return cast(Membership, existing)
    memberships = user_memberships(request)
    if not memberships:
        return None
    chosen_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for membership in memberships:
        if membership.agency_id == chosen_id:
            return membership
    return memberships[0]


def is_manager(request: HttpRequest) -> bool:
    membership = current_membership(request)
    return membership is not None and membership.is_manager


def render_no_agency(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/no_agency.html", status=403)


def _two_factor_redirect(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """Where a manager goes first when the agency requires two-factor login and this session
    has not passed it; None when nothing is missing."""
    if not two_factor.required_for(membership) or two_factor.is_verified(request.user):
        return None
    if two_factor.confirmed_device(request.user) is not None:
        target = reverse("login_code") + "?" + urlencode({"next": request.get_full_path()})
    else:
        messages.warning(
            request,
            _(
                "Votre agence demande aux responsables une double authentification : "
                "configurez-la pour continuer."
            ),
        )
        target = reverse("agencies:two_factor_setup")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


def _agency_changed_elsewhere(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """A page rendered for another agency than the session's (the person switched agency in
    another tab): the whole page reloads under the current agency, never a fragment of the
    other one under its header."""
    rendered_for = request.headers.get(AGENCY_HEADER, "")
    if not rendered_for or rendered_for == str(membership.agency_id):
        return None
    messages.info(
        request,
        _(
            "Vous avez changé d'agence dans un autre onglet : cette page montre maintenant "
            "l'agence %(agency)s."
        )
        % {"agency": membership.agency.name},
    )
    return HttpResponseClientRefresh()


def agency_required[ViewFunc: Callable[..., HttpResponse]](view: ViewFunc) -> ViewFunc:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                # A fragment swap would put the login page inside the table: reload instead.
                login = redirect_to_login(request.get_full_path())
                return HttpResponseClientRedirect(login["Location"])
            return redirect_to_login(request.get_full_path())
        membership = current_membership(request)
        if membership is None:
            return render_no_agency(request)
        if (redirect := _two_factor_redirect(request, membership)) is not None:
            return redirect
        if (reload := _agency_changed_elsewhere(request, membership)) is not None:
            return reload
        request.membership = membership  # type: ignore[attr-defined]
        request.agency = membership.agency  # type: ignore[attr-defined]
        request.agency_id_for_log = membership.agency_id  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return cast(ViewFunc, wrapper)

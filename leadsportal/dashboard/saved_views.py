"""Views of the lead lists: the ready-made ones above the tabs, and each person's own.

A view is a URL of a list (path and query string, as `LeadQuery` writes it): opening it is
following the link, so the URL stays the source of truth and a view never holds data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.models import VIEW_NAME_MAX_LENGTH, SavedView
from leadsportal.dashboard.query import MINE, NOBODY

MAX_VIEWS_PER_PERSON = 30
LIST_ROUTES = frozenset({"dashboard:leads", "dashboard:family_leads"})


@dataclass(frozen=True)
class ReadyView:
    label: str | Promise
    url: str


def ready_views() -> tuple[ReadyView, ...]:
    leads = reverse("dashboard:leads")
    return (
        ReadyView(_("Mes leads"), f"{leads}?assignee={MINE}"),
        ReadyView(_("Non assignés"), f"{leads}?assignee={NOBODY}"),
        ReadyView(_("Sans réponse depuis plus d'1 h"), f"{leads}?waiting=1h"),
        ReadyView(_("Non lus"), f"{leads}?unread=1"),
        # Not a list of the API's leads: my reminders due today or late (reminder_views.py).
        ReadyView(_("À rappeler"), reverse("dashboard:reminders_due")),
    )


class SavedViewError(ValueError):
    """A view that cannot be saved; the message is for the person."""


def list_url_checked(url: str) -> str:
    """A URL of one of the lead lists (path and query only), else SavedViewError."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        raise SavedViewError(_("Seules les listes de leads peuvent être enregistrées."))
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise SavedViewError(_("Seules les listes de leads peuvent être enregistrées.")) from None
    if match.view_name not in LIST_ROUTES:
        raise SavedViewError(_("Seules les listes de leads peuvent être enregistrées."))
    query = "&".join(
        part for part in parts.query.split("&") if part and not part.startswith("page=")
    )
    return f"{parts.path}?{query}" if query else parts.path


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise SavedViewError(_("Donnez un nom à cette vue."))
    if len(cleaned) > VIEW_NAME_MAX_LENGTH:
        raise SavedViewError(
            _("Un nom de vue a %(n)d caractères au plus.") % {"n": VIEW_NAME_MAX_LENGTH}
        )
    return cleaned


def views_of(membership: Membership) -> list[SavedView]:
    return list(
        SavedView.objects.filter(user_id=membership.user_id, agency_id=membership.agency_id)
    )


def view_save(*, membership: Membership, name: str, url: str) -> SavedView:
    """Save the list at `url` under `name` for this person in this agency."""
    cleaned, target = _clean_name(name), list_url_checked(url)
    mine = SavedView.objects.filter(user_id=membership.user_id, agency_id=membership.agency_id)
    if mine.count() >= MAX_VIEWS_PER_PERSON:
        raise SavedViewError(
            _("%(n)d vues au plus : supprimez-en une d'abord.") % {"n": MAX_VIEWS_PER_PERSON}
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                user_id=membership.user_id, agency_id=membership.agency_id, name=cleaned, url=target
            )
    except IntegrityError:
        raise SavedViewError(_("Vous avez déjà une vue de ce nom.")) from None


def view_rename(*, membership: Membership, view_id: int, name: str) -> SavedView:
    view = _own(membership, view_id)
    view.name = _clean_name(name)
    try:
        with transaction.atomic():
            view.save(update_fields=["name"])
    except IntegrityError:
        raise SavedViewError(_("Vous avez déjà une vue de ce nom.")) from None
    return view


def view_delete(*, membership: Membership, view_id: int) -> str:
    view = _own(membership, view_id)
    view.delete()
    return view.name


def _own(membership: Membership, view_id: int) -> SavedView:
    view = SavedView.objects.filter(
        pk=view_id, user_id=membership.user_id, agency_id=membership.agency_id
    ).first()
    if view is None:
        # Another person's view and an unknown id look the same.
        raise SavedViewError(_("Cette vue n'existe pas (ou plus)."))
    return view

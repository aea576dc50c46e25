"""The state of a lead list, in one object: what the filters ask, as criteria, URLs and audit.

A `LeadQuery` is built from a valid `LeadListForm` (`form.query(tab)`) and is all that the list
view, its pagination, the export menu, the live banner, "tout marquer comme lu" and the export
history read: adding a filter is a change to the form and to this module only.

The query string speaks one language (English keys): `start`, `end` (ISO dates, the end day
included), `classified`, `portal`, `status`, `assignee` (`moi` or a member's id), `per_page`,
`page`; the live banner adds `tab`, `since` and `seen`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from leadsportal.dashboard import labels
from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.dashboard.families import TABS_BY_FAMILY, Tab
from leadsportal.followup.models import FollowupStatus
from leadsportal.followup.pipeline import default_stage_name
from leadsportal.followup.records import LocalFilter
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria

DEFAULT_PAGE_SIZE: Final = 20
# The families whose leads name a listing: the listing filter applies to their tabs only.
LISTING_FAMILIES: Final = frozenset({LeadFamily.ALL, LeadFamily.CLASSIFIED})
# The assignee filter's value for the person looking at the list, and for nobody.
MINE: Final = "moi"
NOBODY: Final = "personne"
# "Sans réponse depuis plus d'1 h": the query string says waiting=1h.
WAITING: Final = {"1h": timedelta(hours=1)}


def _with_query(url: str, params: Mapping[str, Any]) -> str:
    query = urlencode(params)
    return f"{url}?{query}" if query else url


def _with_paging(params: dict[str, str], *, per_page: int, page: int) -> dict[str, str]:
    # The defaults (20 a page, page 1) are left out: shorter links, one URL per list.
    if per_page != DEFAULT_PAGE_SIZE:
        params["per_page"] = str(per_page)
    if page > 1:
        params["page"] = str(page)
    return params


@dataclass(frozen=True)
class LeadQuery:
    """A family list's filters and page. Dates are days in Paris, the end day included."""

    tab: Tab
    start: date
    end: date
    classified_id: int | None = None
    # The listing as the person typed it, when by its reference: the list's links keep it.
    classified_reference: str = ""
    portal: str = ""
    status: str = ""  # a stage's code; its name in the agency's pipeline when the list began
    status_name: str = ""
    # As the query string says it ("", MINE or a member's id), and whom it designates.
    assignee: str = ""
    assignee_id: int | None = None
    assignee_name: str = ""
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    # The person named no dates: the list's own links name none either (see `filters`).
    default_dates: bool = False
    waiting: str = ""  # a key of WAITING, or ""
    # "Non lus": the member looking, and their read watermark (followup/unread.py).
    unread_for: tuple[int, datetime] | None = None

    # --- What is asked of the API and of our database --------------------------------------

    @property
    def criteria(self) -> SearchCriteria:
        return SearchCriteria(
            start=start_of_day(self.start),
            # The form's end day is included; the API's EndDate is exclusive.
            end=start_of_day(self.end + timedelta(days=1)),
            classified_ids=(self.classified_id,) if self.classified_id else (),
            portals=(self.portal,) if self.portal else (),
        )

    @property
    def local(self) -> LocalFilter:
        """The follow-up filters: leads selected in our database, then fetched by id."""
        return LocalFilter(
            status=self.status,
            assignee_id=self.assignee_id,
            unassigned=self.assignee == NOBODY,
            waiting_over=WAITING.get(self.waiting),
            unread_by=self.unread_for,
        )

    @property
    def page_request(self) -> PageRequest:
        return PageRequest(index=self.page, size=self.per_page)

    @property
    def active_filters(self) -> int:
        """How many filters differ from a new list's (the last 7 days, nothing else narrowed):
        the number on the phone's "Filtres (n)" button. The page size narrows nothing."""
        return sum(
            (
                self.start != default_start(),
                self.end != today_in_paris(),
                self.classified_id is not None,
                bool(self.portal),
                bool(self.status),
                bool(self.assignee),
                bool(self.waiting),
                self.unread_for is not None,
            )
        )

    # --- Query strings and URLs ------------------------------------------------------------

    def filters(self, *, explicit_dates: bool = False) -> dict[str, str]:
        """The filters as query parameters. The list's own links leave the default window
        out ("the last 7 days" stays a rolling window); an export names the dates, so that
        the file holds the list shown even if the window moves before the click."""
        params: dict[str, str] = {}
        if explicit_dates or not self.default_dates:
            params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.classified_id:
            params["classified"] = self.classified_reference or str(self.classified_id)
        if self.portal:
            params["portal"] = self.portal
        if self.status:
            params["status"] = self.status
        if self.assignee:
            params["assignee"] = self.assignee
        if self.waiting:
            params["waiting"] = self.waiting
        if self.unread_for is not None:
            params["unread"] = "1"
        return params

    def to_query(self, *, page: int | None = None) -> dict[str, str]:
        """The filters with the page size and page (page 1 is left out)."""
        return _with_paging(self.filters(), per_page=self.per_page, page=page or self.page)

    def page_url(self, page: int) -> str:
        return _with_query(self.tab.url, self.to_query(page=page))

    def tab_url(self, tab: Tab) -> str:
        """Another tab with the filters that apply to it (dates, portal, follow-up, page size;
        the listing only where leads have listings), at its first page."""
        params = self.filters()
        if tab.family not in LISTING_FAMILIES:
            params.pop("classified", None)
        return _with_query(tab.url, _with_paging(params, per_page=self.per_page, page=1))

    @property
    def url(self) -> str:
        """This list, at its first page: where a banner or a redirect sends a person back."""
        return self.page_url(1)

    def export_url(self, export_format: str) -> str:
        """Every page of this list, in a file (the page and its size do not apply)."""
        if self.tab.slug:
            base = reverse("exports:family_leads", args=[self.tab.slug])
        else:
            base = reverse("exports:leads")
        return _with_query(base, {**self.filters(explicit_dates=True), "format": export_format})

    @property
    def mark_all_read_url(self) -> str:
        return _with_query(
            reverse("dashboard:mark_all_read"), {**self.to_query(page=1), "tab": self.tab.slug}
        )

    # --- The export history ----------------------------------------------------------------

    def audit(self) -> dict[str, Any]:
        """What the export record keeps of the filters (JSON): never a lead's data."""
        audit: dict[str, Any] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "classified": self.classified_id,
            "portal": self.portal or None,
        }
        if self.classified_reference:
            audit["classified_reference"] = self.classified_reference
        if self.status:
            audit["status"] = self.status
            # The stage's name as it was, as for the assignee: a stage may be renamed later.
            audit["status_name"] = self.status_name or default_stage_name(self.status)
        if self.assignee_id is not None:
            # The name as it was: "Mes leads" would read wrong to the colleague who looks.
            audit["assignee"] = self.assignee_id
            audit["assignee_name"] = self.assignee_name
        elif self.assignee == NOBODY:
            audit["assignee"] = NOBODY
        if self.waiting:
            audit["waiting"] = self.waiting
        if self.unread_for is not None:
            audit["unread"] = True
        return audit

    def description(self) -> str:
        return audit_description(self.tab.family.value, self.audit())


def audit_description(family: str, audit: Mapping[str, Any]) -> str:
    """ "Vendeurs · du 21/11/2026 au 27/11/2026 · SeLoger · Contacté · Alice Martin"."""
    try:
        parts = [str(TABS_BY_FAMILY[LeadFamily(family)].label)]
    except ValueError:
        parts = [family]
    try:
        start = date.fromisoformat(str(audit.get("start")))
        end = date.fromisoformat(str(audit.get("end")))
    except ValueError:
        pass
    else:
        parts.append(
            _("du %(start)s au %(end)s")
            % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
        )
    if audit.get("classified_reference"):
        parts.append(_("annonce %(reference)s") % {"reference": audit["classified_reference"]})
    elif audit.get("classified"):
        parts.append(_("annonce n° %(id)s") % {"id": audit["classified"]})
    if audit.get("portal"):
        parts.append(labels.portal_label(str(audit["portal"])))
    status = audit.get("status")
    if status and isinstance(status, str):
        # The name it had (records before the pipeline have none: the default names).
        name = audit.get("status_name") or (
            default_stage_name(status) if status in FollowupStatus.values else ""
        )
        if name:
            parts.append(_("suivi : %(status)s") % {"status": name})
    if audit.get("assignee_name"):
        parts.append(_("responsable : %(name)s") % {"name": audit["assignee_name"]})
    elif audit.get("assignee") == NOBODY:
        parts.append(_("non assignés"))
    if audit.get("waiting") in WAITING:
        parts.append(_("sans réponse depuis plus d'1 h"))
    if audit.get("unread"):
        parts.append(_("non lus"))
    if isinstance(audit.get("selection"), int):
        parts.append(_("sélection de %(count)s leads") % {"count": audit["selection"]})
    return " · ".join(parts)


@dataclass(frozen=True)
class ListingQuery:
    """The per-listing list: one listing's leads, a page of them."""

    classified_id: int
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    # A period and a portal: that listing's leads through the API's search (92 days at most);
    # none: every lead of the listing (its own route, no period).
    start: date | None = None
    end: date | None = None
    portal: str = ""

    @property
    def filtered(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def criteria(self) -> SearchCriteria:
        """The API's criteria of a filtered listing page (the end day included)."""
        assert self.start is not None and self.end is not None
        return SearchCriteria(
            start=start_of_day(self.start),
            end=start_of_day(self.end + timedelta(days=1)),
            classified_ids=(self.classified_id,),
            portals=(self.portal,) if self.portal else (),
        )

    @property
    def page_request(self) -> PageRequest:
        return PageRequest(index=self.page, size=self.per_page)

    def filters(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.filtered:
            assert self.start is not None and self.end is not None
            params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.portal:
            params["portal"] = self.portal
        return params

    def to_query(self, *, page: int | None = None) -> dict[str, str]:
        return _with_paging(self.filters(), per_page=self.per_page, page=page or self.page)

    @property
    def list_path(self) -> str:
        return reverse("dashboard:classified_leads", args=[self.classified_id])

    def page_url(self, page: int) -> str:
        return _with_query(self.list_path, self.to_query(page=page))

    def export_url(self, export_format: str) -> str:
        if self.filtered:
            # The listing's leads of a period: the Annonces export with the listing filter.
            base = reverse("exports:family_leads", args=["annonces"])
            params = {**self.filters(), "classified": str(self.classified_id)}
            return _with_query(base, {**params, "format": export_format})
        base = reverse("exports:classified_leads", args=[self.classified_id])
        return _with_query(base, {"format": export_format})


@dataclass(frozen=True)
class SearchQuery:
    """The search page: what was typed, and a page of what it found."""

    text: str
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE

    @property
    def page_request(self) -> PageRequest:
        return PageRequest(index=self.page, size=self.per_page)

    def to_query(self, *, page: int | None = None) -> dict[str, str]:
        return _with_paging({"q": self.text}, per_page=self.per_page, page=page or self.page)

    def page_url(self, page: int) -> str:
        return _with_query(reverse("dashboard:search"), self.to_query(page=page))
